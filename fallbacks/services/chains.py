"""Writes of fallback chains: create or replace one whole, or delete one."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from fallbacks import errors, selectors, validation
from fallbacks.domain import DEFAULT_CHAIN_SOURCE, describe_chain
from fallbacks.errors import ErrorCode, NotFound
from fallbacks.history import Key
from fallbacks.models import FallbackEntry, ModelGroup, Via
from fallbacks.resolution import direct_chain, rule_keys
from fallbacks.services.recording import Action, ConfigWrite, check_writes_enabled, config_write


@dataclass(frozen=True)
class ChainWrite:
    source: str
    fallback_type: str
    targets: list[str]
    created: bool
    version: int
    last_changed: int  # the version that last changed the chain, as this write left it (its ETag)


def chain_set(
    *,
    actor: str,
    source: str,
    fallback_type: str,
    targets: Sequence[str],
    via: Via = Via.COMMAND,
    if_match: int | None = None,
) -> ChainWrite:
    """Create the chain `source -> targets` of `fallback_type`, or replace it whole.

    With `if_match`, the chain must not have changed since that version (else PreconditionFailed).
    Validates (PRODUCT.md 3.1 order: source, targets, self-fallback, then read-only mode)
    before anything is written; on success the chain is exactly `targets`, in that order, and
    the config version has moved on by one.
    """
    key, targets = Key.chain(source, fallback_type), list(targets)
    with config_write(actor=actor, via=via) as write:
        write.check_unchanged_since([key], if_match, what=key.describe())
        created = write_chain(write, source=source, fallback_type=fallback_type, targets=targets)
        write.wrote(key, targets)
        # Read under the lock, and only when this write leaves the chain as it was (else its own version is the one).
        unchanged_since = selectors.last_changed([key]) if write.before[key] == targets else None
    return ChainWrite(
        source=source,
        fallback_type=fallback_type,
        targets=targets,
        created=created,
        version=write.version,
        last_changed=write.version if unchanged_since is None else unchanged_since,
    )


def chain_delete(
    *, actor: str, source: str, fallback_type: str, via: Via = Via.COMMAND, if_match: int | None = None
) -> int:
    """Remove `source`'s own chain of `fallback_type`; NotFound when it has none. Returns the new config version."""
    check_writes_enabled()
    key = Key.chain(source, fallback_type)
    with config_write(actor=actor, via=via) as write:
        write.check_unchanged_since([key], if_match, what=key.describe())
        erase_chain(write, source=source, fallback_type=fallback_type)
    return write.version


def write_chain(write: ConfigWrite, *, source: str, fallback_type: str, targets: list[str], note: bool = True) -> bool:
    """Within `write`, make the chain exactly `targets`; True when it did not exist before."""
    groups = {group.name: group for group in ModelGroup.objects.filter(name__in={source, *targets})}
    validation.check_chain(
        source=source, targets=targets, existing=groups.keys(), all_names=selectors.model_group_names
    )
    check_writes_enabled()
    write.touch([Key.chain(source, fallback_type)])
    replaced, _ = FallbackEntry.objects.filter(source=groups.get(source), fallback_type=fallback_type).delete()
    created = not replaced
    FallbackEntry.objects.bulk_create(
        FallbackEntry(source=groups.get(source), fallback_type=fallback_type, position=position, target=groups[name])
        for position, name in enumerate(targets)
    )
    if note:
        write.note(
            Action.CHAIN_CREATE if created else Action.CHAIN_UPDATE,
            describe_chain(source, fallback_type),
            {"model": source, "fallback_type": fallback_type, "fallback_models": targets},
            f"set chain {describe_chain(source, fallback_type)}: {', '.join(targets)}",
        )
    return created


def erase_chain(write: ConfigWrite, *, source: str, fallback_type: str, note: bool = True) -> None:
    """Within `write`, delete `source`'s own chain of `fallback_type`; NotFound when there is none."""
    source_group = None
    if source != DEFAULT_CHAIN_SOURCE:
        source_group = ModelGroup.objects.filter(name=source).first()
        if source_group is None:
            raise validation.model_not_found(source, selectors.model_group_names())
    write.touch([Key.chain(source, fallback_type)])
    deleted, _ = FallbackEntry.objects.filter(source=source_group, fallback_type=fallback_type).delete()
    if not deleted:
        extra = {}
        inherited_from = _inherited_from(write, source, fallback_type) if source_group is not None else None
        if inherited_from == DEFAULT_CHAIN_SOURCE:
            note = errors.INHERITS_DEFAULT.format(model=source, fallback_type=fallback_type)
            extra = {"inherited_from": inherited_from, "note": note}
        elif inherited_from is not None:
            note = errors.INHERITS_BY_NAME.format(model=source, fallback_type=fallback_type, source=inherited_from)
            extra = {"inherited_from": inherited_from, "note": note}
        raise NotFound(
            errors.NOTHING_CONFIGURED.format(fallback_type=fallback_type, model=source),
            code=ErrorCode.NOTHING_CONFIGURED,
            extra=extra,
        )
    if note:
        write.note(
            Action.CHAIN_DELETE,
            describe_chain(source, fallback_type),
            {"model": source, "fallback_type": fallback_type},
            f"deleted chain {describe_chain(source, fallback_type)}",
        )


def _inherited_from(write: ConfigWrite, model: str, fallback_type: str) -> str | None:
    """The rule `model` uses for `fallback_type` when it has none of its own, on the configured LiteLLM series."""
    series = write.config.litellm_version
    chains = selectors.chains_of_sources(rule_keys(model, series), fallback_type=fallback_type)
    return direct_chain(chains, model, fallback_type, series=series).inherited_from


def save_chains(write: ConfigWrite, source: str, chains: Mapping[str, list[str]]) -> None:
    """Within `write`, set each chain of `chains` (type -> targets), or delete it when its targets are empty."""
    for fallback_type, targets in chains.items():
        if targets:
            write_chain(write, source=source, fallback_type=fallback_type, targets=list(targets))
        else:
            erase_chain(write, source=source, fallback_type=fallback_type)
