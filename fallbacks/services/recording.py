"""The one way a write happens: lock the configuration, validate, write, record the version with its changes.

Every service opens `config_write()`. It locks the single configuration row first (so concurrent
writes queue instead of interleaving) and hands the service a `ConfigWrite`. Before changing a
thing the service `touch()`es it, which reads the thing's value as it was; the service then `note()`s
what it did in words (and may say with `wrote()` the value it left a thing with, which is then not read
again). On the way out, if anything was noted, the write becomes one version: the config version goes
up by one, and one ChangeRecord (who, through which door, a one-line summary) and its ConfigChange
rows (each touched thing whose value differs, before and after) are stored,
all in the service's transaction. So a version's changes are, by construction, the difference
between the configuration before and after it; a write that fails leaves no version behind, and
one that notes nothing records nothing and leaves the version as it was.
"""

from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum

from django.conf import settings
from django.db import OperationalError, transaction

from fallbacks import errors, selectors, validation
from fallbacks.errors import ErrorCode, PreconditionFailed, Unavailable
from fallbacks.history import Change, Key, changes_between
from fallbacks.models import ChangeRecord, ConfigChange, Configuration, SecurityEvent, Via

ACTOR_LENGTH = 255
SUBJECT_LENGTH = 600
CHANGES_BATCH = 1000


class Action(StrEnum):
    """What a write did, as its ChangeRecord names it."""

    CHAIN_CREATE = "chain_create"
    CHAIN_UPDATE = "chain_update"
    CHAIN_DELETE = "chain_delete"
    GROUP_CREATE = "group_create"
    GROUP_UPDATE = "group_update"
    GROUP_DELETE = "group_delete"
    DEPLOYMENTS_SET = "deployments_set"
    GROUP_SAVE = "group_save"  # one admin save of a model group page: several of the above at once
    MAX_FALLBACKS_SET = "max_fallbacks_set"
    LITELLM_VERSION_SET = "litellm_version_set"
    SETTINGS_UPDATE = "settings_update"  # one `PATCH /fallback_settings` that set several settings at once
    DEFAULTS_SAVE = "defaults_save"  # one admin save of the `*` chains page
    CONFIG_IMPORT = "config_import"
    ROLLBACK = "rollback"
    API_KEY_CREATE = "api_key_create"
    API_KEY_ACTIVATE = "api_key_activate"
    API_KEY_REVOKE = "api_key_revoke"
    GATEWAY_CREATE = "gateway_create"
    GATEWAY_UPDATE = "gateway_update"
    GATEWAY_DELETE = "gateway_delete"


@dataclass(frozen=True)
class Part:
    action: Action
    subject: str
    details: dict
    summary: str


@dataclass
class ConfigWrite:
    """The locked configuration, what the write touched (with the values they had) and what it did."""

    config: Configuration
    actor: str
    via: Via
    summary: Action | None = None  # how a write of several parts (an admin save) is recorded, with `subject`
    subject: str = ""
    parts: list[Part] = field(default_factory=list)
    before: dict[Key, object] = field(default_factory=dict)
    after: dict[Key, object] = field(default_factory=dict)  # values the service wrote and states (`wrote`)
    changes: list[Change] | None = None  # when the service knows them whole (an import, a rollback)
    recorded_changes: list[Change] = field(default_factory=list)

    def touch(self, keys: Iterable[Key]) -> None:
        """Remember the values these things have now, before the write changes them."""
        new = [key for key in keys if key not in self.before]
        if new:
            self.before.update(selectors.current_values(new))

    def wrote(self, key: Key, value: object) -> None:
        """The value a touched thing has now, as the service wrote it: the record takes it instead of reading it
        again. Only for a thing nothing else changes later in the same write (a rename moves chains, say)."""
        self.after[key] = value

    def note(self, action: Action, subject: str, details: dict, summary: str) -> None:
        self.parts.append(Part(action, subject, details, summary))

    def check_unchanged_since(self, keys: Sequence[Key], version: int | Collection[int] | None, *, what: str) -> None:
        """PreconditionFailed when the last version that changed any of these things is not `version` (or one of
        several an `If-Match` names); None: no precondition."""
        if version is None:
            return
        current = selectors.last_changed(keys)
        if current not in ({version} if isinstance(version, int) else version):
            raise PreconditionFailed(
                errors.PRECONDITION_FAILED.format(what=what, version=current),
                code=ErrorCode.PRECONDITION_FAILED,
                extra={"current_version": current},
            )

    @property
    def version(self) -> int:
        """The version this write produced once it is recorded, or the one it found when it changed nothing."""
        return self.config.version


def lock_configuration() -> Configuration:
    """The configuration row, locked for the rest of the transaction (created on first use)."""
    locked = Configuration.objects.select_for_update().filter(pk=Configuration.SINGLETON_ID).first()
    if locked is None:
        Configuration.objects.get_or_create(pk=Configuration.SINGLETON_ID)
        locked = Configuration.objects.select_for_update().get(pk=Configuration.SINGLETON_ID)
    return locked


# What the databases say when a wait for a lock or a statement outlasted its timeout (settings.DATABASES:
# PostgreSQL's lock_timeout and statement_timeout, SQLite's busy timeout): SQLSTATEs 55P03 lock_not_available
# and 57014 query_canceled, and SQLite's "database is locked".
LOCK_WAIT_SQLSTATES = {"55P03"}
STATEMENT_TIMEOUT_SQLSTATES = {"57014"}
SQLITE_LOCKED_MESSAGES = ("database is locked", "database table is locked")


def timed_out_as_unavailable(error: OperationalError) -> Unavailable | None:
    """The Unavailable kind for a lock wait or statement that timed out; None for any other database error."""
    cause = error.__cause__
    sqlstate = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if sqlstate in LOCK_WAIT_SQLSTATES or str(error).startswith(SQLITE_LOCKED_MESSAGES):
        return Unavailable(errors.CONFIGURATION_BUSY, code=ErrorCode.CONFIGURATION_BUSY)
    if sqlstate in STATEMENT_TIMEOUT_SQLSTATES:
        return Unavailable(errors.STATEMENT_TIMED_OUT, code=ErrorCode.STATEMENT_TIMED_OUT)
    return None


@contextmanager
def timeouts_as_unavailable() -> Iterator[None]:
    """Within it, a lock wait or a statement that outlasted its timeout is Unavailable (try again), not a crash.

    The timeouts are shorter than an app server worker's, so a write stuck behind another one (a long
    import, a transaction held open) answers in seconds instead of holding the worker until it is killed.
    """
    try:
        yield
    except OperationalError as error:
        unavailable = timed_out_as_unavailable(error)
        if unavailable is None:
            raise
        raise unavailable from error


def check_writes_enabled() -> None:
    validation.check_writes_enabled(settings.STORE_MODEL_IN_DB)


@contextmanager
def config_write(*, actor: str, via: Via, summary: Action | None = None) -> Iterator[ConfigWrite]:
    """A write under the configuration lock, recorded as one version with its changes when it did anything.

    A write of one part is recorded as that part (`chain_update`, say), whichever door made it. A
    write of several parts (an admin save of a group's fields, deployments and chains) is recorded
    as `summary` about the write's `subject`, each part listed in its details.
    """
    with timeouts_as_unavailable(), transaction.atomic():
        write = ConfigWrite(config=lock_configuration(), actor=actor, via=Via(via), summary=summary)
        yield write
        if write.parts:
            _record(write)


def _record(write: ConfigWrite) -> None:
    config = write.config
    config.version += 1
    config.save(update_fields=["version", "max_fallbacks", "litellm_version", "updated_at"])
    if len(write.parts) == 1:
        (part,) = write.parts
        action, subject, details, summary = part.action, part.subject, part.details, part.summary
    else:
        action, subject = write.summary or write.parts[0].action, write.subject or write.parts[0].subject
        details = {
            "parts": [{"action": part.action.value, "subject": part.subject, **part.details} for part in write.parts]
        }
        summary = "; ".join(part.summary for part in write.parts)
    if write.changes is None:
        after = {**selectors.current_values(write.before.keys() - write.after.keys()), **write.after}
        write.changes = changes_between(write.before, after)
    record = ChangeRecord.objects.create(
        version=config.version,
        actor=write.actor[:ACTOR_LENGTH],
        via=write.via,
        action=action,
        subject=subject[:SUBJECT_LENGTH],
        summary=summary[:SUBJECT_LENGTH],
        details=details,
        change_count=len(write.changes),
    )
    ConfigChange.objects.bulk_create(
        (
            ConfigChange(
                record=record,
                version=record.version,
                position=position,
                kind=change.key.kind,
                name=change.key.name,
                fallback_type=change.key.fallback_type,
                before=change.before,
                after=change.after,
            )
            for position, change in enumerate(write.changes)
        ),
        batch_size=CHANGES_BATCH,
    )
    write.recorded_changes = write.changes


def record_security_event(*, actor: str, action: Action, subject: str, details: dict) -> None:
    """An event that changes no configuration (an API key issued or revoked): no version, a record of its own."""
    SecurityEvent.objects.create(
        actor=actor[:ACTOR_LENGTH], action=action, subject=subject[:SUBJECT_LENGTH], details=details
    )
