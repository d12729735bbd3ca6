"""Rollback: the configuration (or one chain) made what it was right after an earlier version, as a new version."""

from dataclasses import dataclass

from django.db import transaction

from fallbacks import config_format, errors, selectors, validation
from fallbacks.domain import DEFAULT_CHAIN_SOURCE
from fallbacks.errors import Conflict, ErrorCode, Invalid, NotFound
from fallbacks.history import SETTING, Change, Key, changes_between, config_values, values_before, with_values
from fallbacks.models import ModelGroup, Via
from fallbacks.services.bulk import apply_config
from fallbacks.services.chains import erase_chain, write_chain
from fallbacks.services.recording import Action, ConfigWrite, check_writes_enabled, config_write


@dataclass(frozen=True)
class RollbackResult:
    version: int  # the new version; the current one when nothing changed (or on a dry run)
    changes: list[Change]
    dry_run: bool = False


def config_rollback(
    *,
    actor: str,
    to_version: int,
    model: str | None = None,
    fallback_type: str | None = None,
    dry_run: bool = False,
    via: Via = Via.ROLLBACK,
) -> RollbackResult:
    """Make the whole configuration (model groups, deployments, chains, settings) what it was right after
    `to_version`, or, with `model` and `fallback_type`, only that chain.

    One new version, whose changes are exactly what the rollback changed; none when the configuration
    (or the chain) already is as it was, and nothing at all on a dry run. A chain rollback whose old
    chain names model groups that no longer exist is a Conflict naming them (a whole rollback brings
    them back). A version older than the recorded history cannot be reached (Conflict).
    """
    if (model is None) != (fallback_type is None):
        raise Invalid(errors.ROLLBACK_CHAIN_NEEDS_BOTH, code=ErrorCode.INVALID_FILTER)
    if fallback_type is not None:
        fallback_type = validation.clean_fallback_type(fallback_type)
    with config_write(actor=actor, via=via) as write:
        _check_reachable(to_version, write.config.version)
        if model is not None:
            changes = _rollback_chain(write, Key.chain(model, fallback_type), to_version, dry_run=dry_run)
        else:
            changes = _rollback_all(write, to_version, dry_run=dry_run)
        if dry_run or not changes:
            transaction.set_rollback(True)  # locking may have created the configuration row: leave nothing
            return RollbackResult(version=write.version, changes=changes, dry_run=dry_run)
    return RollbackResult(version=write.version, changes=write.recorded_changes)


def _check_reachable(to_version: int, current: int) -> None:
    if to_version < 0 or to_version > current or (to_version > 0 and selectors.change_record(to_version) is None):
        raise NotFound(errors.VERSION_NOT_FOUND.format(version=to_version), code=ErrorCode.VERSION_NOT_FOUND)
    start = selectors.history_start()
    if to_version < start:
        raise Conflict(errors.BEFORE_HISTORY.format(version=to_version, start=start), code=ErrorCode.BEFORE_HISTORY)


def _rollback_chain(write: ConfigWrite, key: Key, to_version: int, *, dry_run: bool) -> list[Change]:
    later = selectors.changes_after(to_version, keys=[key])
    if not later:
        return []
    target = values_before(later)[key]
    current = selectors.current_values([key])[key]
    if target == current:
        return []
    if target is not None:
        names = [*([] if key.name == DEFAULT_CHAIN_SOURCE else [key.name]), *target]
        existing = selectors.existing_group_names(names)
        missing = [name for name in dict.fromkeys(names) if name not in existing]
        if missing:
            raise Conflict(
                errors.ROLLBACK_MISSING_MODELS.format(what=key.describe(), version=to_version, models=missing),
                code=ErrorCode.MISSING_MODELS,
                extra={"missing_models": missing},
            )
    changes = [Change(key, current, target)]
    if dry_run:
        return changes
    check_writes_enabled()
    if target is None:
        erase_chain(write, source=key.name, fallback_type=key.fallback_type, note=False)
    else:
        write_chain(write, source=key.name, fallback_type=key.fallback_type, targets=list(target), note=False)
    write.note(
        Action.ROLLBACK,
        key.describe(),
        {"to_version": to_version, "model": key.name, "fallback_type": key.fallback_type},
        f"rolled back {key.describe()} to version {to_version}",
    )
    return changes


def _restore_created(current: config_format.ConfigData, desired: config_format.ConfigData) -> None:
    """A group deleted and created again since keeps its name but not its `created`: give it back the old one.

    (The file format, and so the diff an import applies, knows nothing of `created`.)
    """
    ids = dict(
        ModelGroup.objects.filter(name__in=desired.groups.keys() & current.groups.keys()).values_list("name", "id")
    )
    stamps = [
        ModelGroup(id=ids[name], created=desired.groups[name].created)
        for name in ids
        if desired.groups[name].created is not None and desired.groups[name].created != current.groups[name].created
    ]
    ModelGroup.objects.bulk_update(stamps, ["created"], batch_size=1000)


def _rollback_all(write: ConfigWrite, to_version: int, *, dry_run: bool) -> list[Change]:
    targets = values_before(selectors.changes_after(to_version))
    if not targets:
        return []
    current = selectors.config_data()
    desired = with_values(current, targets)
    diff = config_format.diff_configs(current, desired)
    current_values = config_values(current)
    # Settings the file format does not carry (the LiteLLM series) are read from the configuration itself.
    current_values.update(selectors.current_values([key for key in targets if key.kind == SETTING]))
    changes = changes_between({key: current_values.get(key) for key in targets}, targets)
    if dry_run or not changes:
        return changes
    check_writes_enabled()
    apply_config(desired, diff)
    _restore_created(current, desired)
    write.config.max_fallbacks = desired.max_fallbacks
    if targets.get(Key.setting("litellm_version")) is not None:
        write.config.litellm_version = targets[Key.setting("litellm_version")]
    write.changes = changes
    write.note(
        Action.ROLLBACK,
        f"version {to_version}",
        {"to_version": to_version, "changes": len(changes)},
        f"rolled back the configuration to version {to_version} ({len(changes)} changes)",
    )
    return changes
