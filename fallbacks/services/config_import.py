"""Config import: a LiteLLM proxy config file made the configuration, all or nothing, as one version."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db import transaction

from fallbacks import config_format, errors, selectors
from fallbacks.errors import Conflict, ErrorCode, Invalid
from fallbacks.history import changes_between, config_values
from fallbacks.models import Via
from fallbacks.services.bulk import apply_config
from fallbacks.services.recording import Action, check_writes_enabled, config_write

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
    via: Via = Via.IMPORT,
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
        actor=actor,
        via=via,
        parsed=parsed,
        mode=mode,
        dry_run=dry_run,
        expected_version=expected_version,
        step=step,
    )


def _config_import_parsed(
    *,
    actor: str,
    via: Via,
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
    with config_write(actor=actor, via=via) as write:
        config = write.config
        if expected_version is not None and config.version != expected_version:
            raise Conflict(
                errors.CONFIG_MOVED_ON.format(expected=expected_version, current=config.version),
                code=ErrorCode.STALE_PREVIEW,
            )
        current = selectors.config_data()
        desired, diff = _planned(parsed, current, mode)
        report = ImportReport(mode=mode.value, dry_run=False, diff=diff, notices=parsed.notices, version=config.version)
        if not report.applied:
            # Locking may have created the configuration row; nothing at all is to be left behind.
            transaction.set_rollback(True)
            return report
        check_writes_enabled()

        apply_config(desired, diff, step)
        config.max_fallbacks = desired.max_fallbacks
        write.changes = changes_between(config_values(current), config_values(desired))
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
            f"imported a config file ({mode.value}): {report.summary}",
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
