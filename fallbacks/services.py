"""Every write to the configuration.

Each service is atomic, takes the acting principal as `actor=`, locks the configuration row
first (so concurrent writes queue instead of interleaving), validates with
fallbacks.validation inside that lock, writes, records what it did and bumps the config
version, all in one transaction. A refused call raises RuleViolation and leaves nothing behind.
"""

import hashlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction

from fallbacks import config_format, selectors, validation
from fallbacks.models import ApiKey, ChangeRecord, Configuration, Deployment, FallbackEntry, ModelGroup
from fallbacks.validation import DEFAULT_CHAIN_SOURCE, RuleViolation, describe_chain

API_KEY_PREFIX = "sk-fb-"


GROUP_FIELDS = ("name", "owned_by", "description", "max_input_tokens")


@dataclass(frozen=True)
class GroupWrite:
    group: ModelGroup
    version: int  # the config version after the write (unchanged when nothing changed)


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
    validation.check_chain(
        source=source, targets=targets, existing=groups.keys(), all_names=selectors.model_group_names
    )
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
                extra={"available_models": selectors.model_group_names()},
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
) -> GroupWrite:
    """Create a model group; a 409 RuleViolation when the (trimmed) name is taken."""
    _writes_enabled()
    config = _lock_configuration()
    name = validation.clean_group_name(name)
    max_input_tokens = validation.clean_max_input_tokens(max_input_tokens)
    owned_by = validation.clean_owned_by(owned_by) if owned_by is not None else validation.DEFAULT_OWNED_BY
    if ModelGroup.objects.filter(name=name).exists():
        raise RuleViolation(validation.GROUP_NAME_TAKEN.format(name=name), code="name_taken", status=409)
    group = ModelGroup(name=name, owned_by=owned_by, description=description, max_input_tokens=max_input_tokens)
    try:
        with transaction.atomic():
            group.save()
    except IntegrityError:  # only reachable if the lock above were bypassed; still never a 500
        raise RuleViolation(validation.GROUP_NAME_TAKEN.format(name=name), code="name_taken", status=409) from None
    version = _record(config, actor=actor, action="group_create", subject=name, details={"name": name})
    return GroupWrite(group=group, version=version)


@transaction.atomic
def group_update(*, actor: str, group: ModelGroup, changes: dict) -> GroupWrite:
    """Change a model group's fields (`name`, `owned_by`, `description`, `max_input_tokens`).

    A rename keeps every chain pointing at the group, since chains refer to it by key. A call
    that changes nothing writes nothing: no version, no record.
    """
    _writes_enabled()
    config = _lock_configuration()
    group = ModelGroup.objects.get(pk=group.pk)
    if "name" in changes:
        new_name = validation.clean_group_name(changes["name"])
        if new_name != group.name and ModelGroup.objects.filter(name=new_name).exists():
            raise RuleViolation(validation.GROUP_NAME_TAKEN.format(name=new_name), code="name_taken", status=409)
        changes = {**changes, "name": new_name}
    if "max_input_tokens" in changes:
        changes = {**changes, "max_input_tokens": validation.clean_max_input_tokens(changes["max_input_tokens"])}
    if "owned_by" in changes:
        changes = {**changes, "owned_by": validation.clean_owned_by(changes["owned_by"])}
    changed = sorted(
        field_name
        for field_name in GROUP_FIELDS
        if field_name in changes and getattr(group, field_name) != changes[field_name]
    )
    if not changed:
        return GroupWrite(group=group, version=config.version)
    for field_name in changed:
        setattr(group, field_name, changes[field_name])
    group.save(update_fields=changed)
    version = _record(config, actor=actor, action="group_update", subject=group.name, details={"changed": changed})
    return GroupWrite(group=group, version=version)


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
    """Set how deep the gateway follows chains (LiteLLM's `max_fallbacks`); returns the config version.

    Setting the value it already has writes nothing.
    """
    _writes_enabled()
    config = _lock_configuration()
    max_fallbacks = validation.clean_max_fallbacks(max_fallbacks)
    if max_fallbacks == config.max_fallbacks:
        return config.version
    config.max_fallbacks = max_fallbacks
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
        raise RuleViolation(validation.BLANK_KEY_NAME, code="blank_name")
    if ApiKey.objects.filter(name=name).exists():
        raise RuleViolation(validation.KEY_NAME_TAKEN.format(name=name), code="name_taken", status=409)
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


CONFIG_REFUSED = "The config file was refused: {count} problem(s)"
CONFIG_MOVED_ON = "The configuration changed since the preview (version {expected}, now {current}): preview it again"
INVALID_IMPORT_MODE = "mode must be one of: {modes}"
IMPORT_BATCH_SIZE = 1000
CHANGES_RECORDED = 1000  # lines of the import report kept in its change record; the counts are always complete

ImportProgress = Callable[[str, int, int], None]


class ConfigRefused(RuleViolation):
    """An import refused as a whole; `problems` lists every one, each with its place in the file."""

    def __init__(self, problems: Sequence[config_format.Problem]):
        self.problems = list(problems)
        super().__init__(
            CONFIG_REFUSED.format(count=len(self.problems)),
            code="config_refused",
            extra={"problems": [str(problem) for problem in self.problems]},
        )


@dataclass(frozen=True)
class ImportReport:
    mode: str
    dry_run: bool
    diff: config_format.ConfigDiff
    notices: list[config_format.Problem]  # what the file holds that was ignored, said so
    version: int  # the config version after the import: unchanged by a dry run or a file that changes nothing

    @property
    def applied(self) -> bool:
        return not self.dry_run and not self.diff.is_empty

    @property
    def created(self) -> list[config_format.Change]:
        return self.diff.by_action("created")

    @property
    def changed(self) -> list[config_format.Change]:
        return self.diff.by_action("changed")

    @property
    def removed(self) -> list[config_format.Change]:
        return self.diff.by_action("removed")

    @property
    def summary(self) -> str:
        return f"{len(self.created)} created, {len(self.changed)} changed, {len(self.removed)} removed"


def config_import(
    *,
    actor: str,
    document: str | bytes,
    mode: str = config_format.ImportMode.MERGE,
    dry_run: bool = False,
    expected_version: int | None = None,
    progress: ImportProgress | None = None,
) -> ImportReport:
    """Import a LiteLLM proxy config (YAML or JSON text), all or nothing.

    Merge sets what the file names and keeps the rest; replace makes the configuration equal to
    the file. Every problem is found before anything is written and raised together as
    ConfigRefused, each with its location; then nothing has changed. The chains go through the
    same rules as `POST /fallback`. A successful import is one transaction, one version bump and
    one ChangeRecord; a dry run, or a file that changes nothing, writes nothing at all.
    `expected_version` (the version a preview was computed from) refuses to apply a report that
    the configuration has moved on from since.

    The file is read before the transaction starts: reading a large one takes seconds, and on
    SQLite the transaction holds the write lock from its first statement.
    """
    try:
        mode = config_format.ImportMode(mode)
    except ValueError:
        modes = [member.value for member in config_format.ImportMode]
        raise RuleViolation(INVALID_IMPORT_MODE.format(modes=modes), code="invalid_mode") from None
    step = progress or (lambda stage, done, total: None)
    parsed = config_format.parse_config(document)
    step("read the file", len(parsed.groups), len(parsed.groups))
    return _config_import_parsed(
        actor=actor, parsed=parsed, mode=mode, dry_run=dry_run, expected_version=expected_version, step=step
    )


@transaction.atomic
def _config_import_parsed(
    *,
    actor: str,
    parsed: config_format.ParsedConfig,
    mode: config_format.ImportMode,
    dry_run: bool,
    expected_version: int | None,
    step: ImportProgress,
) -> ImportReport:
    config = _lock_configuration()
    if expected_version is not None and config.version != expected_version:
        raise RuleViolation(
            CONFIG_MOVED_ON.format(expected=expected_version, current=config.version), code="stale_preview", status=409
        )
    current = selectors.config_data()
    desired = config_format.desired_config(parsed, current, mode=mode)
    problems = parsed.problems + config_format.check_chains(parsed, desired.groups.keys())
    if problems:
        raise ConfigRefused(problems)
    diff = config_format.diff_configs(current, desired)
    report = ImportReport(mode=mode.value, dry_run=dry_run, diff=diff, notices=parsed.notices, version=config.version)
    if not report.applied:
        # Locking may have created the configuration row; nothing at all is to be left behind.
        transaction.set_rollback(True)
        return report
    _writes_enabled()

    _write_config_diff(desired, diff, step)
    config.max_fallbacks = desired.max_fallbacks
    version = _record(
        config,
        actor=actor,
        action="config_import",
        subject=f"config import ({mode.value}): {report.summary}",
        details={
            "mode": mode.value,
            "created": len(report.created),
            "changed": len(report.changed),
            "removed": len(report.removed),
            "changes": [str(change) for change in diff.changes[:CHANGES_RECORDED]],
            "changes_not_listed": max(0, len(diff.changes) - CHANGES_RECORDED),
        },
    )
    return ImportReport(mode=mode.value, dry_run=False, diff=diff, notices=parsed.notices, version=version)


def _batches(items: Sequence, size: int = IMPORT_BATCH_SIZE):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _write_config_diff(desired: config_format.ConfigData, diff: config_format.ConfigDiff, step: ImportProgress) -> None:
    """Turn the database into `desired` by rewriting only what `diff` names, in batches (no query per row)."""
    ids = dict(ModelGroup.objects.values_list("name", "id"))

    # Chains go first, so that no entry still points at a model group about to be removed.
    stale_chains = diff.chains_changed + diff.chains_removed
    for fallback_type in validation.FALLBACK_TYPES:
        sources = [source for source, chain_type in stale_chains if chain_type == fallback_type]
        if DEFAULT_CHAIN_SOURCE in sources:
            FallbackEntry.objects.filter(source__isnull=True, fallback_type=fallback_type).delete()
        source_ids = [ids[source] for source in sources if source != DEFAULT_CHAIN_SOURCE]
        for batch in _batches(source_ids):
            FallbackEntry.objects.filter(fallback_type=fallback_type, source_id__in=batch).delete()

    removed_ids = [ids[name] for name in diff.groups_removed]
    for done, batch in enumerate(_batches(removed_ids), start=1):
        Deployment.objects.filter(model_group_id__in=batch).delete()
        ModelGroup.objects.filter(id__in=batch).delete()
        step("removing model groups", min(done * IMPORT_BATCH_SIZE, len(removed_ids)), len(removed_ids))

    new_groups = [
        ModelGroup(
            name=name,
            owned_by=desired.groups[name].owned_by,
            description=desired.groups[name].description,
            max_input_tokens=desired.groups[name].max_input_tokens,
        )
        for name in diff.groups_created
    ]
    for done, batch in enumerate(_batches(new_groups), start=1):
        ModelGroup.objects.bulk_create(batch)
        step("creating model groups", min(done * IMPORT_BATCH_SIZE, len(new_groups)), len(new_groups))
    changed_groups = [
        ModelGroup(
            id=ids[name],
            owned_by=desired.groups[name].owned_by,
            description=desired.groups[name].description,
            max_input_tokens=desired.groups[name].max_input_tokens,
        )
        for name in diff.groups_changed
    ]
    ModelGroup.objects.bulk_update(
        changed_groups, ["owned_by", "description", "max_input_tokens"], batch_size=IMPORT_BATCH_SIZE
    )
    if new_groups:
        ids = dict(ModelGroup.objects.values_list("name", "id"))

    replaced_ids = [ids[name] for name in diff.deployments_replaced]
    for batch in _batches(replaced_ids):
        Deployment.objects.filter(model_group_id__in=batch).delete()
    deployments = [
        Deployment(
            model_group_id=ids[name],
            position=position,
            litellm_params=deployment.litellm_params,
            model_info=deployment.model_info,
        )
        for name in diff.deployments_replaced + diff.groups_created
        for position, deployment in enumerate(desired.groups[name].deployments)
    ]
    for done, batch in enumerate(_batches(deployments), start=1):
        Deployment.objects.bulk_create(batch)
        step("writing deployments", min(done * IMPORT_BATCH_SIZE, len(deployments)), len(deployments))

    entries = [
        FallbackEntry(
            source_id=None if source == DEFAULT_CHAIN_SOURCE else ids[source],
            fallback_type=fallback_type,
            position=position,
            target_id=ids[target],
        )
        for source, fallback_type in diff.chains_created + diff.chains_changed
        for position, target in enumerate(desired.chains[(source, fallback_type)])
    ]
    for done, batch in enumerate(_batches(entries), start=1):
        FallbackEntry.objects.bulk_create(batch)
        step("writing chains", min(done * IMPORT_BATCH_SIZE, len(entries)), len(entries))


@transaction.atomic
def deployments_set(*, actor: str, group: ModelGroup, deployments: Sequence[dict]) -> int:
    """Replace `group`'s deployments with `deployments` (`{"litellm_params", "model_info"}` each), in order.

    A deployment without a `model`, or with a secret that is not an `os.environ/NAME` reference,
    is refused before anything is written. Returns the new config version.
    """
    _writes_enabled()
    config = _lock_configuration()
    group = ModelGroup.objects.get(pk=group.pk)
    rows = [(deployment.get("litellm_params"), deployment.get("model_info") or {}) for deployment in deployments]
    for litellm_params, model_info in rows:
        problems = validation.deployment_problems(litellm_params, model_info)
        if problems:
            raise RuleViolation(problems[0].message, code="invalid_deployment", extra={"field": problems[0].field})
    group.deployments.all().delete()
    Deployment.objects.bulk_create(
        Deployment(model_group=group, position=position, litellm_params=litellm_params, model_info=model_info)
        for position, (litellm_params, model_info) in enumerate(rows)
    )
    return _record(
        config,
        actor=actor,
        action="deployments_set",
        subject=group.name,
        details={"name": group.name, "models": [litellm_params["model"] for litellm_params, _ in rows]},
    )


@transaction.atomic
def api_key_set_active(*, actor: str, key: ApiKey, is_active: bool) -> ApiKey:
    """Revoke (or restore) an API key; recorded like its issue, without changing the config version."""
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    key.is_active = is_active
    key.save(update_fields=["is_active"])
    ChangeRecord.objects.create(
        version=selectors.config_version(),
        actor=actor[:255],
        action="api_key_activate" if is_active else "api_key_revoke",
        subject=key.name,
        details={"is_active": is_active},
    )
    return key
