"""The gateway registry (PRODUCT.md 3.4): gateways registered, changed, removed, and their last drift state kept.

A gateway is not part of the configuration that gateways run: registering one changes no chain, so it is no
configuration version and stays out of the history (like API keys). Who registered, changed or removed a
gateway is recorded as a security event instead, since a gateway receives this service's calls (and, in mode
publish, its writes). Its key is kept only as an `os.environ/NAME` reference.
"""

from django.db import transaction
from django.utils import timezone

from fallbacks import errors, selectors, validation
from fallbacks.domain import DEFAULT_GATEWAY_MODE, GATEWAY_FIELDS
from fallbacks.errors import Conflict, ErrorCode, NotFound
from fallbacks.models import Gateway
from fallbacks.services.recording import Action, record_security_event


def _described(gateway: Gateway) -> dict:
    # What a security event says about a gateway: never a secret (the key is a reference, named as such).
    return {name: getattr(gateway, name) for name in GATEWAY_FIELDS if name != "name"}


@transaction.atomic
def gateway_create(*, actor: str, **fields) -> Gateway:
    """Register a gateway; Invalid for a field that breaks a rule (a plain key), Conflict for a taken name."""
    cleaned = validation.clean_gateway_fields(dict(fields), partial=False)
    cleaned.setdefault("mode", DEFAULT_GATEWAY_MODE)
    cleaned.setdefault("litellm_version", selectors.litellm_version())  # the configured series by default
    if Gateway.objects.filter(name=cleaned["name"]).exists():
        raise Conflict(errors.GATEWAY_NAME_TAKEN.format(name=cleaned["name"]), code=ErrorCode.NAME_TAKEN)
    gateway = Gateway.objects.create(**cleaned)
    record_security_event(actor=actor, action=Action.GATEWAY_CREATE, subject=gateway.name, details=_described(gateway))
    return gateway


def _locked(name: str) -> Gateway:
    gateway = Gateway.objects.select_for_update().filter(name=name).first()
    if gateway is None:
        raise NotFound(errors.GATEWAY_NOT_FOUND.format(name=name), code=ErrorCode.GATEWAY_NOT_FOUND)
    return gateway


@transaction.atomic
def gateway_update(*, actor: str, name: str, changes: dict) -> Gateway:
    """Change a gateway's fields (a rename too); a changed address or series forgets the last drift state."""
    gateway = _locked(name)
    cleaned = validation.clean_gateway_fields(dict(changes), partial=True)
    new_name = cleaned.get("name", gateway.name)
    if new_name != gateway.name and Gateway.objects.filter(name=new_name).exists():
        raise Conflict(errors.GATEWAY_NAME_TAKEN.format(name=new_name), code=ErrorCode.NAME_TAKEN)
    changed = {field: value for field, value in cleaned.items() if getattr(gateway, field) != value}
    if not changed:
        return gateway
    for field, value in changed.items():
        setattr(gateway, field, value)
    if {"base_url", "litellm_version", "api_key"} & set(changed):
        gateway.last_state, gateway.last_checked_at = None, None  # it says nothing about the gateway now named
    gateway.save()
    record_security_event(actor=actor, action=Action.GATEWAY_UPDATE, subject=name, details=changed)
    return gateway


@transaction.atomic
def gateway_delete(*, actor: str, name: str) -> None:
    gateway = _locked(name)
    details = _described(gateway)
    gateway.delete()
    record_security_event(actor=actor, action=Action.GATEWAY_DELETE, subject=name, details=details)


def gateway_record_check(*, name: str, state: dict) -> None:
    """Keep a drift check's summary as the gateway's last state (no event: a check changes nothing)."""
    Gateway.objects.filter(name=name).update(last_state=state, last_checked_at=timezone.now())
