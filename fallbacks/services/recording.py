"""The one way a write happens: lock the configuration, validate, write, record, bump the version.

Every service opens `config_write()`. It locks the single configuration row first (so concurrent
writes queue instead of interleaving), hands the service a `ConfigWrite` to note what it did, and
on the way out, if anything was noted, increments the config version once and stores one
ChangeRecord for it, all in the service's transaction. However many rows one call touches, it is
one version; a call that changes nothing records nothing and leaves the version as it was (the
configuration row itself is created, at version 0, by the first write that locks it).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum

from django.conf import settings
from django.db import transaction

from fallbacks import selectors, validation
from fallbacks.models import ChangeRecord, Configuration

ACTOR_LENGTH = 255
SUBJECT_LENGTH = 600


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
    API_KEY_CREATE = "api_key_create"
    API_KEY_ACTIVATE = "api_key_activate"
    API_KEY_REVOKE = "api_key_revoke"


@dataclass(frozen=True)
class Part:
    action: Action
    subject: str
    details: dict


@dataclass
class ConfigWrite:
    """The locked configuration, and what the write has done to it so far."""

    config: Configuration
    actor: str
    summary: Action | None = None  # how a write of several parts (an admin save) is recorded, with `subject`
    subject: str = ""
    parts: list[Part] = field(default_factory=list)

    def note(self, action: Action, subject: str, details: dict) -> None:
        self.parts.append(Part(action, subject, details))

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


def check_writes_enabled() -> None:
    validation.check_writes_enabled(settings.STORE_MODEL_IN_DB)


@contextmanager
def config_write(*, actor: str, summary: Action | None = None) -> Iterator[ConfigWrite]:
    """A write under the configuration lock, recorded as one version when it changed anything.

    A write of one part is recorded as that part (`chain_update`, say), whichever door made it. A
    write of several parts (an admin save of a group's fields, deployments and chains) is recorded
    as `summary` about the write's `subject`, each part listed in its details.
    """
    with transaction.atomic():
        write = ConfigWrite(config=lock_configuration(), actor=actor, summary=summary)
        yield write
        if write.parts:
            _record(write)


def _record(write: ConfigWrite) -> None:
    config = write.config
    config.version += 1
    config.save(update_fields=["version", "max_fallbacks", "litellm_version", "updated_at"])
    if len(write.parts) == 1:
        (part,) = write.parts
        action, subject, details = part.action, part.subject, part.details
    else:
        action, subject = write.summary or write.parts[0].action, write.subject or write.parts[0].subject
        details = {
            "parts": [{"action": part.action.value, "subject": part.subject, **part.details} for part in write.parts]
        }
    ChangeRecord.objects.create(
        version=config.version,
        actor=write.actor[:ACTOR_LENGTH],
        action=action,
        subject=subject[:SUBJECT_LENGTH],
        details=details,
    )


def record_security_event(*, actor: str, action: Action, subject: str, details: dict) -> None:
    """An event that changes no configuration (an API key issued or revoked), kept with the current version."""
    ChangeRecord.objects.create(
        version=selectors.config_version(),
        actor=actor[:ACTOR_LENGTH],
        action=action,
        subject=subject[:SUBJECT_LENGTH],
        details=details,
    )
