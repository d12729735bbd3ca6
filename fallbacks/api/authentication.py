"""Bearer keys (PRODUCT.md section 4): the master key from the environment, or an issued API key."""

import hmac
from dataclasses import dataclass

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from fallbacks import errors, selectors
from fallbacks.api.throttling import FailedAuthenticationThrottle
from fallbacks.domain import READ_WRITE_KEY_PERMISSIONS, can_read_configuration
from fallbacks.services import hash_api_key


@dataclass(frozen=True)
class KeyPrincipal:
    """Who an API request acts as; `actor` is how change records name it."""

    actor: str
    can_write: bool
    is_authenticated: bool = True


MASTER = KeyPrincipal(actor="master", can_write=True)


class BearerKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <key>`; `X-LiteLLM-Api-Key` is accepted too, as the LiteLLM proxy does.

    A key presented from an address that failed too often is not even looked at (429, see
    fallbacks.api.throttling); a wrong or malformed one counts as a failure of its address.
    """

    def authenticate(self, request):
        throttle = FailedAuthenticationThrottle()
        try:
            secret = self._presented_key(request)
        except exceptions.AuthenticationFailed:
            throttle.check(request)  # a malformed header from a blocked address is a 429 like any other
            throttle.record_failure()
            raise
        if secret is None:
            return None
        throttle.check(request)
        try:
            return self._principal(secret)
        except exceptions.AuthenticationFailed:
            throttle.record_failure()
            raise

    def _principal(self, secret: str):
        if settings.MASTER_KEY and hmac.compare_digest(secret.encode(), settings.MASTER_KEY.encode()):
            return MASTER, None
        key = selectors.active_api_key(hash_api_key(secret))
        if key is None:
            raise exceptions.AuthenticationFailed(errors.AUTH_INVALID_KEY)
        return KeyPrincipal(actor=key.name, can_write=key.can_write), key

    def authenticate_header(self, request) -> str:
        return "Bearer"

    @staticmethod
    def _presented_key(request) -> str | None:
        authorization = request.META.get("HTTP_AUTHORIZATION")
        if authorization is not None:
            scheme, _, value = authorization.strip().partition(" ")
            if scheme.lower() != "bearer" or not value.strip():
                raise exceptions.AuthenticationFailed(errors.AUTH_MALFORMED_KEY)
            return value.strip()
        litellm_header = request.META.get("HTTP_X_LITELLM_API_KEY", "").strip()
        if litellm_header:
            return litellm_header.removeprefix("Bearer ").strip()
        return None


# The header the API docs page's own requests carry (fallbacks/static/fallbacks/api_docs.js). A page of another
# site cannot send it without the browser asking this one first (a CORS preflight, which is never allowed), so
# the admin's session cookie alone never authenticates an API request.
API_DOCS_HEADER = "X-Fallbacks-Api-Docs"


class ApiDocsSessionAuthentication(authentication.SessionAuthentication):
    """The API docs page's "Try it out", for a logged-in staff user of the admin: their session, with Django's CSRF
    check on every write (the page sends the token), and only on requests that carry API_DOCS_HEADER.

    The user reads only when they may see the whole configuration in the admin (can_read_configuration, what an
    export takes); they write only with every permission a read-write key grants (READ_WRITE_KEY_PERMISSIONS).
    Versions name them as the admin does (their user name). A key, when one is presented, is used instead.
    """

    def authenticate(self, request):
        if request.META.get("HTTP_" + API_DOCS_HEADER.upper().replace("-", "_")) != "1":
            return None
        user = getattr(request._request, "user", None)
        if user is None or not user.is_active or not user.is_staff or not can_read_configuration(user):
            return None
        self.enforce_csrf(request)
        return KeyPrincipal(actor=user.get_username(), can_write=user.has_perms(READ_WRITE_KEY_PERMISSIONS)), None


class BearerKeyScheme(OpenApiAuthenticationExtension):
    """How the schema describes BearerKeyAuthentication."""

    target_class = BearerKeyAuthentication
    name = "BearerKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "The master key or an issued API key."}
