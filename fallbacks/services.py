"""Every write to the configuration.

Each service is atomic, takes the acting principal as `actor=`, locks the configuration row
first (so concurrent writes queue instead of interleaving), validates with
fallbacks.validation inside that lock, writes, records what it did and bumps the config
version, all in one transaction. A refused call raises RuleViolation and leaves nothing behind.
"""

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction

from fallbacks import selectors, validation
from fallbacks.models import ApiKey, ChangeRecord, Configuration, FallbackEntry, ModelGroup
from fallbacks.validation import DEFAULT_CHAIN_SOURCE, RuleViolation, describe_chain

API_KEY_PREFIX = "sk-fb-"


@dataclass(frozen=True)
class ChainWrite:
    source: str
    fallback_type: str
    targets: list[str]
    created: bool
    version: int


def _lock_configuration() -> Configuration:
    """The configuration row, locked for the rest of the transaction (created on first use)."""
    locked = Configuration.objects.select_for_update().filter(pk=Configuration.SINGLETON_ID).first()
    if locked is None:
        Configuration.objects.get_or_create(pk=Configuration.SINGLETON_ID)
        locked = Configuration.objects.select_for_update().get(pk=Configuration.SINGLETON_ID)
    return locked


def _record(config: Configuration, *, actor: str, action: str, subject: str, details: dict) -> int:
    """Bump the version of the locked configuration and record the change under that version."""
    config.version += 1
    config.save(update_fields=["version", "max_fallbacks", "updated_at"])
    ChangeRecord.objects.create(
        version=config.version, actor=actor[:255], action=action, subject=subject[:600], details=details
    )
    return config.version


def _writes_enabled() -> None:
    validation.check_writes_enabled(settings.STORE_MODEL_IN_DB)


def _group_or_none(source: str) -> ModelGroup | None:
    """The model group a chain hangs on; None for the default `*` chain."""
    return None if source == DEFAULT_CHAIN_SOURCE else ModelGroup.objects.get(name=source)


def _all_group_names() -> list[str]:
    return list(ModelGroup.objects.values_list("name", flat=True))


@transaction.atomic
def chain_set(*, actor: str, source: str, fallback_type: str, targets: Sequence[str]) -> ChainWrite:
    """Create the chain `source -> targets` of `fallback_type`, or replace it whole.

    Validates (PRODUCT.md 3.1 order: source, targets, self-fallback, then read-only mode)
    before anything is written; on success the chain is exactly `targets`, in that order.
    """
    config = _lock_configuration()
    targets = list(targets)
    wanted = {source, *targets}
    groups = {group.name: group for group in ModelGroup.objects.filter(name__in=wanted)}
    validation.check_chain(source=source, targets=targets, existing=groups.keys(), all_names=_all_group_names)
    _writes_enabled()

    source_group = groups.get(source)
    chain = FallbackEntry.objects.filter(source=source_group, fallback_type=fallback_type)
    created = not chain.exists()
    chain.delete()
    FallbackEntry.objects.bulk_create(
        FallbackEntry(source=source_group, fallback_type=fallback_type, position=position, target=groups[name])
        for position, name in enumerate(targets)
    )
    version = _record(
        config,
        actor=actor,
        action="chain_create" if created else "chain_update",
        subject=describe_chain(source, fallback_type),
        details={"model": source, "fallback_type": fallback_type, "fallback_models": targets},
    )
    return ChainWrite(source=source, fallback_type=fallback_type, targets=targets, created=created, version=version)


@transaction.atomic
def chain_delete(*, actor: str, source: str, fallback_type: str) -> int:
    """Remove `source`'s own chain of `fallback_type`; a 404 RuleViolation when it has none.

    Returns the new config version.
    """
    _writes_enabled()
    config = _lock_configuration()
    source_group = None
    if source != DEFAULT_CHAIN_SOURCE:
        source_group = ModelGroup.objects.filter(name=source).first()
        if source_group is None:
            raise RuleViolation(
                validation.MODEL_NOT_FOUND.format(model=source),
                code="model_not_found",
                status=404,
                extra={"available_models": sorted(_all_group_names())},
            )
    deleted, _ = FallbackEntry.objects.filter(source=source_group, fallback_type=fallback_type).delete()
    if not deleted:
        extra = {}
        if source_group is not None and FallbackEntry.objects.filter(source=None, fallback_type=fallback_type).exists():
            extra = {
                "inherited_from": DEFAULT_CHAIN_SOURCE,
                "note": validation.INHERITS_DEFAULT.format(model=source, fallback_type=fallback_type),
            }
        raise RuleViolation(
            validation.NOTHING_CONFIGURED.format(fallback_type=fallback_type, model=source),
            code="nothing_configured",
            status=404,
            extra=extra,
        )
    return _record(
        config,
        actor=actor,
        action="chain_delete",
        subject=describe_chain(source, fallback_type),
        details={"model": source, "fallback_type": fallback_type},
    )


@transaction.atomic
def group_create(
    *,
    actor: str,
    name: str,
    owned_by: str | None = None,
    description: str = "",
    max_input_tokens: int | None = None,
) -> ModelGroup:
    """Create a model group; a 409 RuleViolation when the (trimmed) name is taken."""
    _writes_enabled()
    config = _lock_configuration()
    name = validation.clean_group_name(name)
    if ModelGroup.objects.filter(name=name).exists():
        raise RuleViolation(validation.GROUP_NAME_TAKEN.format(name=name), code="name_taken", status=409)
    group = ModelGroup(name=name, description=description, max_input_tokens=max_input_tokens)
    if owned_by:
        group.owned_by = owned_by
    try:
        with transaction.atomic():
            group.save()
    except IntegrityError:  # only reachable if the lock above were bypassed; still never a 500
        raise RuleViolation(validation.GROUP_NAME_TAKEN.format(name=name), code="name_taken", status=409) from None
    _record(config, actor=actor, action="group_create", subject=name, details={"name": name})
    return group


@transaction.atomic
def group_update(*, actor: str, group: ModelGroup, changes: dict) -> ModelGroup:
    """Change a model group's fields (`name`, `owned_by`, `description`, `max_input_tokens`).

    A rename keeps every chain pointing at the group, since chains refer to it by key.
    """
    _writes_enabled()
    config = _lock_configuration()
    group = ModelGroup.objects.get(pk=group.pk)
    if "name" in changes:
        new_name = validation.clean_group_name(changes["name"])
        if new_name != group.name and ModelGroup.objects.filter(name=new_name).exists():
            raise RuleViolation(validation.GROUP_NAME_TAKEN.format(name=new_name), code="name_taken", status=409)
        changes = {**changes, "name": new_name}
    for field_name in ("name", "owned_by", "description", "max_input_tokens"):
        if field_name in changes:
            setattr(group, field_name, changes[field_name])
    group.save()
    _record(config, actor=actor, action="group_update", subject=group.name, details={"changed": sorted(changes)})
    return group


@transaction.atomic
def group_delete(*, actor: str, group: ModelGroup) -> int:
    """Delete a model group and its deployments; a 409 RuleViolation while any chain names it."""
    _writes_enabled()
    config = _lock_configuration()
    validation.check_group_deletable(group.name, selectors.chains_naming(group))
    name = group.name
    group.delete()
    return _record(config, actor=actor, action="group_delete", subject=name, details={"name": name})


@transaction.atomic
def max_fallbacks_set(*, actor: str, max_fallbacks: object) -> int:
    """Set how deep the gateway follows chains (LiteLLM's `max_fallbacks`)."""
    _writes_enabled()
    config = _lock_configuration()
    config.max_fallbacks = validation.clean_max_fallbacks(max_fallbacks)
    return _record(
        config,
        actor=actor,
        action="max_fallbacks_set",
        subject="max_fallbacks",
        details={"max_fallbacks": config.max_fallbacks},
    )


def hash_api_key(secret: str) -> str:
    # The secret is 256 random bits, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_key_create(*, actor: str, name: str, can_write: bool) -> tuple[ApiKey, str]:
    """Issue an API key; returns it with its secret, which is not stored and never shown again."""
    name = (name or "").strip()
    if not name:
        raise RuleViolation("name must be a non-empty string", code="blank_name")
    if ApiKey.objects.filter(name=name).exists():
        raise RuleViolation(f"API key '{name}' already exists", code="name_taken", status=409)
    secret = API_KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(name=name, prefix=secret[:12], key_hash=hash_api_key(secret), can_write=can_write)
    ChangeRecord.objects.create(
        version=Configuration.objects.filter(pk=Configuration.SINGLETON_ID).values_list("version", flat=True).first()
        or 0,
        actor=actor[:255],
        action="api_key_create",
        subject=name,
        details={"can_write": can_write},
    )
    return key, secret
