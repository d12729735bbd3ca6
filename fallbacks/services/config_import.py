"""Config import: a LiteLLM proxy config file made the configuration, all or nothing, as one version."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import transaction

from fallbacks import config_format, errors, selectors
from fallbacks.domain import DEFAULT_CHAIN_SOURCE, FALLBACK_TYPES
from fallbacks.errors import Conflict, ErrorCode, Invalid
from fallbacks.models import Deployment, FallbackEntry, ModelGroup
from fallbacks.services.recording import Action, check_writes_enabled, config_write

IMPORT_BATCH_SIZE = 1000
CHANGES_RECORDED = 1000  # lines of the import report kept in its change record; the counts are always complete

ImportProgress = Callable[[str, int, int], None]


class ConfigRefused(Invalid):
    """An import refused as a whole; `problems` lists every one, each with its place in the file."""

    def __init__(self, problems: Sequence[config_format.Problem]):
        self.problems = list(problems)
        super().__init__(
            errors.CONFIG_REFUSED.format(count=len(self.problems)),
            code=ErrorCode.CONFIG_REFUSED,
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
        raise Invalid(errors.INVALID_IMPORT_MODE.format(modes=modes), code=ErrorCode.INVALID_MODE) from None
    step = progress or (lambda stage, done, total: None)
    parsed = config_format.parse_config(document)
    step("read the file", len(parsed.groups), len(parsed.groups))
    return _config_import_parsed(
        actor=actor, parsed=parsed, mode=mode, dry_run=dry_run, expected_version=expected_version, step=step
    )


def _config_import_parsed(
    *,
    actor: str,
    parsed: config_format.ParsedConfig,
    mode: config_format.ImportMode,
    dry_run: bool,
    expected_version: int | None,
    step: ImportProgress,
) -> ImportReport:
    if dry_run:
        # A preview takes no lock: it must never keep writers waiting, however long the diff takes. The
        # read is consistent without one (selectors.config_data re-reads when a write lands meanwhile),
        # and applying it later checks that the configuration is still at the version it was computed from.
        current = selectors.config_data()
        desired, diff = _planned(parsed, current, mode)
        return ImportReport(mode=mode.value, dry_run=True, diff=diff, notices=parsed.notices, version=current.version)
    with config_write(actor=actor) as write:
        config = write.config
        if expected_version is not None and config.version != expected_version:
            raise Conflict(
                errors.CONFIG_MOVED_ON.format(expected=expected_version, current=config.version),
                code=ErrorCode.STALE_PREVIEW,
            )
        desired, diff = _planned(parsed, selectors.config_data(), mode)
        report = ImportReport(mode=mode.value, dry_run=False, diff=diff, notices=parsed.notices, version=config.version)
        if not report.applied:
            # Locking may have created the configuration row; nothing at all is to be left behind.
            transaction.set_rollback(True)
            return report
        check_writes_enabled()

        _write_config_diff(desired, diff, step)
        config.max_fallbacks = desired.max_fallbacks
        write.note(
            Action.CONFIG_IMPORT,
            f"config import ({mode.value}): {report.summary}",
            {
                "mode": mode.value,
                "created": len(report.created),
                "changed": len(report.changed),
                "removed": len(report.removed),
                "changes": [str(change) for change in diff.changes[:CHANGES_RECORDED]],
                "changes_not_listed": max(0, len(diff.changes) - CHANGES_RECORDED),
            },
        )
    return ImportReport(mode=mode.value, dry_run=False, diff=diff, notices=parsed.notices, version=write.version)


def _planned(
    parsed: config_format.ParsedConfig, current: config_format.ConfigData, mode: config_format.ImportMode
) -> tuple[config_format.ConfigData, config_format.ConfigDiff]:
    """What the configuration would be after the import, and what that changes; ConfigRefused with every problem."""
    desired = config_format.desired_config(parsed, current, mode=mode)
    problems = parsed.problems + config_format.check_chains(parsed, desired.groups.keys())
    if problems:
        raise ConfigRefused(problems)
    return desired, config_format.diff_configs(current, desired)


def _batches(items: Sequence, size: int = IMPORT_BATCH_SIZE):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _write_config_diff(desired: config_format.ConfigData, diff: config_format.ConfigDiff, step: ImportProgress) -> None:
    """Turn the database into `desired` by rewriting only what `diff` names, in batches (no query per row)."""
    ids = dict(ModelGroup.objects.values_list("name", "id"))

    # Chains go first, so that no entry still points at a model group about to be removed.
    stale_chains = diff.chains_changed + diff.chains_removed
    for fallback_type in FALLBACK_TYPES.values():
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
