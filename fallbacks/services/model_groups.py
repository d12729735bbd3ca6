"""Writes of model groups: their fields, their deployments, and (for an admin save) their chains too."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from fallbacks import selectors, validation
from fallbacks.domain import FALLBACK_TYPES, GROUP_FIELDS
from fallbacks.history import Key, group_scope
from fallbacks.models import Deployment, ModelGroup, Via
from fallbacks.services.chains import save_chains
from fallbacks.services.recording import Action, ConfigWrite, check_writes_enabled, config_write


@dataclass(frozen=True)
class GroupWrite:
    group: ModelGroup
    version: int  # the config version after the write (unchanged when nothing changed)


def group_create(
    *,
    actor: str,
    name: str,
    owned_by: str | None = None,
    description: str = "",
    max_input_tokens: int | None = None,
    via: Via = Via.COMMAND,
) -> GroupWrite:
    """Create a model group; Conflict when the (trimmed) name is taken."""
    check_writes_enabled()
    with config_write(actor=actor, via=via) as write:
        group = _create(write, name=name, owned_by=owned_by, description=description, max_input_tokens=max_input_tokens)
    return GroupWrite(group=group, version=write.version)


def group_update(
    *, actor: str, group: ModelGroup | str, changes: Mapping, via: Via = Via.COMMAND, if_match: int | None = None
) -> GroupWrite:
    """Change a model group's fields (`name`, `owned_by`, `description`, `max_input_tokens`).

    `group` is the group by name (what an API request names; NotFound once renamed or deleted) or as
    read earlier (the admin's object: the same row, whatever its name now). A rename keeps every
    chain pointing at the group, since chains refer to it by key (the history records each of those
    chains under its new name). With `if_match`, the group must not have changed since that version.
    A call that changes nothing writes nothing: no version, no record.
    """
    check_writes_enabled()
    with config_write(actor=actor, via=via) as write:
        group = _locked_group(group)
        write.check_unchanged_since([Key.group(group.name)], if_match, what=Key.group(group.name).describe())
        group = _update(write, group, changes)
    return GroupWrite(group=group, version=write.version)


def group_delete(*, actor: str, group: ModelGroup | str, via: Via = Via.COMMAND, if_match: int | None = None) -> int:
    """Delete a model group (by name, or as read earlier: see group_update) and its deployments; Conflict
    while any chain names it, NotFound when it is gone (of two parallel deletes, one succeeds). Returns the
    new version."""
    check_writes_enabled()
    with config_write(actor=actor, via=via) as write:
        group = _locked_group(group)
        key = Key.group(group.name)
        write.check_unchanged_since([key], if_match, what=key.describe())
        validation.check_group_deletable(group.name, selectors.chains_naming(group))
        write.touch([key])
        group.delete()
        write.note(Action.GROUP_DELETE, key.name, {"name": key.name}, f"deleted {key.describe()}")
    return write.version


def deployments_set(
    *, actor: str, group: ModelGroup | str, deployments: Sequence[Mapping], via: Via = Via.COMMAND
) -> int:
    """Replace `group`'s deployments with `deployments` (`{"litellm_params", "model_info"}` each), in order.

    A deployment without a `model`, or with a secret that is not an `os.environ/NAME` reference,
    is refused before anything is written. Returns the new config version.
    """
    check_writes_enabled()
    with config_write(actor=actor, via=via) as write:
        _set_deployments(write, _locked_group(group), deployments)
    return write.version


def group_save(
    *,
    actor: str,
    group: ModelGroup | None,
    fields: Mapping,
    deployments: Sequence[Mapping] | None = None,
    chains: Mapping[str, list[str]] | None = None,
    via: Via = Via.ADMIN,
    unchanged_since: int | None = None,
) -> GroupWrite:
    """One save of a model group's page: create it (`group` None) or change it, with its deployments and chains.

    `fields` are the group's fields to set (all of them to create), `deployments` replaces its
    deployments when given, and `chains` maps a fallback type to its new targets (empty: delete that
    chain). Everything is checked before it counts: one refusal and nothing at all is written. One
    call is one config version, however much it changes; a call that changes nothing writes nothing
    (and is not refused in read-only mode, where a save that would change something is). With
    `unchanged_since` (the version its page was opened at: the last change of `history.group_scope(name)`),
    the group and its chains must not have changed since, or PreconditionFailed says when they did.
    """
    with config_write(actor=actor, via=via, summary=Action.GROUP_SAVE) as write:
        if group is not None:
            group = _locked_group(group)
            scope = group_scope(group.name)
            write.check_unchanged_since(scope, unchanged_since, what=Key.group(group.name).describe())
        group = _create(write, **fields) if group is None else _update(write, group, fields)
        if deployments is not None:
            _set_deployments(write, group, deployments)
        save_chains(write, group.name, chains or {})
        write.subject = group.name
        if write.parts:
            check_writes_enabled()
    return GroupWrite(group=group, version=write.version)


def _locked_group(group: ModelGroup | str) -> ModelGroup:
    """The group as it is now that the configuration is locked, read again: nothing was read before the lock counts.

    By name, a group renamed or deleted since the request named it is NotFound (a DELETE by the old name
    never removes the renamed group); as an object, the same row whatever its name, NotFound once deleted.
    """
    if isinstance(group, str):
        current = ModelGroup.objects.filter(name=group).first()
        if current is None:
            raise validation.group_not_found(group)
        return current
    current = ModelGroup.objects.filter(pk=group.pk).first()
    if current is None:
        raise validation.group_not_found(group.name)
    return current


def _create(
    write: ConfigWrite, *, name: str, owned_by: str | None = None, description: str = "", max_input_tokens=None
) -> ModelGroup:
    name = validation.clean_group_name(name)
    max_input_tokens = validation.clean_max_input_tokens(max_input_tokens)
    owned_by = validation.clean_optional_owned_by(owned_by)
    if ModelGroup.objects.filter(name=name).exists():
        raise validation.group_name_taken(name)
    key = Key.group(name)
    write.touch([key])
    group = ModelGroup(name=name, owned_by=owned_by, description=description, max_input_tokens=max_input_tokens)
    try:
        with transaction.atomic():
            group.save()
    except IntegrityError:  # only reachable if the lock were bypassed; still a refusal, never a 500
        raise validation.group_name_taken(name) from None
    write.note(Action.GROUP_CREATE, name, {"name": name}, f"created {key.describe()}")
    return group


def _update(write: ConfigWrite, group: ModelGroup, changes: Mapping) -> ModelGroup:
    changes = dict(changes)
    if "name" in changes:
        changes["name"] = validation.clean_group_name(changes["name"])
        if changes["name"] != group.name and ModelGroup.objects.filter(name=changes["name"]).exists():
            raise validation.group_name_taken(changes["name"])
    if "max_input_tokens" in changes:
        changes["max_input_tokens"] = validation.clean_max_input_tokens(changes["max_input_tokens"])
    if "owned_by" in changes:
        changes["owned_by"] = validation.clean_owned_by(changes["owned_by"])
    changed = sorted(name for name in GROUP_FIELDS if name in changes and getattr(group, name) != changes[name])
    if changed:
        old_name = group.name
        keys = {Key.group(old_name)}
        if "name" in changed:  # chains name groups by name: every chain naming it changes too
            new_name = changes["name"]
            keys |= {Key.group(new_name)} | selectors.chain_keys_naming([old_name])
            keys |= {Key.chain(new_name, kind) for kind in FALLBACK_TYPES.values()}
        write.touch(keys)
        for name in changed:
            setattr(group, name, changes[name])
        group.save(update_fields=changed)
        summary = f"changed model group {old_name}: {', '.join(changed)}"
        if "name" in changed:
            summary = f"renamed model group {old_name} to {group.name}" + (
                f", changed {', '.join(name for name in changed if name != 'name')}" if len(changed) > 1 else ""
            )
        write.note(Action.GROUP_UPDATE, group.name, {"changed": changed}, summary)
    return group


def _set_deployments(write: ConfigWrite, group: ModelGroup, deployments: Sequence[Mapping]) -> None:
    rows = [(deployment.get("litellm_params"), deployment.get("model_info") or {}) for deployment in deployments]
    validation.check_deployments(rows)
    write.touch([Key.group(group.name)])
    group.deployments.all().delete()
    Deployment.objects.bulk_create(
        Deployment(model_group=group, position=position, litellm_params=litellm_params, model_info=model_info)
        for position, (litellm_params, model_info) in enumerate(rows)
    )
    write.note(
        Action.DEPLOYMENTS_SET,
        group.name,
        {"name": group.name, "models": [litellm_params["model"] for litellm_params, _ in rows]},
        f"set the deployments of model group {group.name} ({len(rows)})",
    )
