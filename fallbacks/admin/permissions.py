"""Who may see and change what in the admin, from Django's model permissions.

A change permission implies seeing, as everywhere in Django's admin; importing needs the add and
change permissions on model groups and fallback entries (a merge creates and changes both), and a
replace their delete permissions too; exporting needs the view (or change) permission on both.
"""

from fallbacks.config_format import ImportMode
from fallbacks.domain import READ_WRITE_KEY_PERMISSIONS, can_read_configuration

MERGE_PERMISSIONS = (
    "fallbacks.add_modelgroup",
    "fallbacks.change_modelgroup",
    "fallbacks.add_fallbackentry",
    "fallbacks.change_fallbackentry",
)
REPLACE_PERMISSIONS = (*MERGE_PERMISSIONS, "fallbacks.delete_modelgroup", "fallbacks.delete_fallbackentry")


def can_grant_writes(user) -> bool:
    """Whether `user` may issue (or restore) a read-write API key: only with every permission that key grants."""
    return user.has_perms(READ_WRITE_KEY_PERMISSIONS)


def actor_of(request) -> str:
    """How a version names the operator behind an admin request: the user name (`via` says admin)."""
    return request.user.get_username()


def can_edit_chains(request) -> bool:
    return request.user.has_perm("fallbacks.change_fallbackentry")


def can_view_chains(request) -> bool:
    return request.user.has_perm("fallbacks.view_fallbackentry") or can_edit_chains(request)


def can_import(user, mode: str = ImportMode.MERGE.value) -> bool:
    return user.has_perms(REPLACE_PERMISSIONS if mode == ImportMode.REPLACE.value else MERGE_PERMISSIONS)


def can_export(user) -> bool:
    return can_read_configuration(user)
