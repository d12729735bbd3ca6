"""API keys: issued with a secret shown once and stored as a hash, revoked and restored.

Key events change no configuration: they are recorded at the current config version, never bump it.
"""

import hashlib
import secrets

from django.db import transaction

from fallbacks import errors
from fallbacks.errors import Conflict, ErrorCode, Invalid
from fallbacks.models import ApiKey
from fallbacks.services.recording import Action, record_security_event
from fallbacks.validation import has_control_characters

API_KEY_PREFIX = "sk-fb-"


def hash_api_key(secret: str) -> str:
    # The secret is 256 random bits, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_key_create(*, actor: str, name: str, can_write: bool) -> tuple[ApiKey, str]:
    """Issue an API key; returns it with its secret, which is not stored and never shown again."""
    name = (name or "").strip()
    if not name:
        raise Invalid(errors.BLANK_KEY_NAME, code=ErrorCode.BLANK_NAME)
    limit = ApiKey._meta.get_field("name").max_length
    if len(name) > limit:  # PostgreSQL would refuse the row (SQLite stores it): the same refusal on both
        raise Invalid(errors.KEY_NAME_TOO_LONG.format(limit=limit), code=ErrorCode.NAME_TOO_LONG)
    if has_control_characters(name):  # PostgreSQL refuses NUL in any text
        raise Invalid(errors.CONTROL_CHARACTERS.format(field="An API key's name"), code=ErrorCode.CONTROL_CHARACTERS)
    if ApiKey.objects.filter(name=name).exists():
        raise Conflict(errors.KEY_NAME_TAKEN.format(name=name), code=ErrorCode.NAME_TAKEN)
    secret = API_KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(name=name, prefix=secret[:12], key_hash=hash_api_key(secret), can_write=can_write)
    record_security_event(actor=actor, action=Action.API_KEY_CREATE, subject=name, details={"can_write": can_write})
    return key, secret


@transaction.atomic
def api_key_set_active(*, actor: str, key: ApiKey, is_active: bool) -> ApiKey:
    """Revoke (or restore) an API key; recorded like its issue, without changing the config version."""
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    key.is_active = is_active
    key.save(update_fields=["is_active"])
    action = Action.API_KEY_ACTIVATE if is_active else Action.API_KEY_REVOKE
    record_security_event(actor=actor, action=action, subject=key.name, details={"is_active": is_active})
    return key
