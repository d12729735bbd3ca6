from rest_framework import permissions

from fallbacks import errors
from fallbacks.api.authentication import KeyPrincipal


class HasKeyForMethod(permissions.BasePermission):
    """Any valid key reads; only the master key and read-write keys write."""

    message = errors.AUTH_READ_ONLY_KEY

    def has_permission(self, request, view) -> bool:
        principal = request.user
        if not isinstance(principal, KeyPrincipal):
            return False
        return request.method in permissions.SAFE_METHODS or principal.can_write


class KeyOrStaffSession(permissions.BasePermission):
    """For the schema: a key, or a logged-in staff user of the admin (the docs page in a browser)."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return isinstance(user, KeyPrincipal) or bool(user and user.is_authenticated and user.is_staff)
