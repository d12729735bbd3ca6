"""The data of PRODUCT.md section 1.

Writes go through fallbacks.services; the constraints here repeat, in the database, what
fallbacks.validation refuses, so that no door (or a bug in one) can store a broken chain.
"""

import time

from django.conf import settings
from django.db import models
from django.db.models import Deferrable, F, Q, Value
from django.db.models.functions import Replace, StrIndex, Substr
from django.utils import timezone

from fallbacks.domain import (
    DEFAULT_CHAIN_SOURCE,
    DEFAULT_FALLBACK_TYPE,
    DEFAULT_GATEWAY_MODE,
    DEFAULT_LITELLM_VERSION,
    DEFAULT_MAX_FALLBACKS,
    DEFAULT_OWNED_BY,
    FALLBACK_TYPES,
    GATEWAY_MODES,
    GATEWAY_NAME_MAX_LENGTH,
    GATEWAY_URL_MAX_LENGTH,
    LITELLM_SERIES,
    LITELLM_VERSION_MAX_LENGTH,
    MAX_INPUT_TOKENS_LIMIT,
    MAX_NAME_LENGTH,
)


def unix_now() -> int:
    return int(time.time())


class ModelGroup(models.Model):
    """A name that clients send as `model`, and the deployments behind it."""

    name = models.CharField(max_length=MAX_NAME_LENGTH, unique=True)
    owned_by = models.CharField(
        max_length=255, default=DEFAULT_OWNED_BY, help_text="The provider, as in the OpenAI model object."
    )
    created = models.BigIntegerField(default=unix_now, editable=False, help_text="Unix seconds, set once.")
    max_input_tokens = models.PositiveIntegerField(null=True, blank=True)
    description = models.TextField(blank=True, default="")
    # The name with every `<first segment>/` taken out (`azure/gpt-4o` -> `gpt-4o`, `azure/azure/x` -> `x`; a name
    # without `/` is its own): what LiteLLM's fallback lookup strips it to when that segment is a provider. Kept by
    # the database on every write; indexed, so the groups a name may be another spelling of are read by key
    # (selectors.names_spelled_like).
    stem = models.GeneratedField(
        expression=Replace("name", Substr("name", 1, StrIndex("name", Value("/"))), Value("")),
        output_field=models.CharField(max_length=MAX_NAME_LENGTH),
        db_persist=True,
    )

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["stem"], name="fallbacks_group_stem_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(name=DEFAULT_CHAIN_SOURCE) & ~Q(name=""),
                name="%(app_label)s_%(class)s_name_not_reserved",
            ),
            # validation.clean_max_input_tokens: unknown, or 1 to 2**31 - 1 (SQLite would hold more).
            models.CheckConstraint(
                condition=Q(max_input_tokens__isnull=True)
                | Q(max_input_tokens__gte=1, max_input_tokens__lte=MAX_INPUT_TOKENS_LIMIT),
                name="%(app_label)s_%(class)s_max_input_tokens_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Deployment(models.Model):
    """One LiteLLM `model_list` entry behind a model group, kept as LiteLLM's own data."""

    model_group = models.ForeignKey(ModelGroup, on_delete=models.CASCADE, related_name="deployments")
    position = models.PositiveIntegerField(default=0)
    litellm_params = models.JSONField(default=dict)
    model_info = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["model_group", "position", "id"]

    def __str__(self) -> str:
        return f"{self.model_group.name}: {self.litellm_params.get('model', '?')}"


class FallbackEntry(models.Model):
    """One target at one position of a chain; `source` NULL is the default `*` chain."""

    source = models.ForeignKey(
        ModelGroup, null=True, blank=True, on_delete=models.PROTECT, related_name="fallback_entries"
    )
    fallback_type = models.CharField(max_length=20, choices=FALLBACK_TYPES.choices(), default=DEFAULT_FALLBACK_TYPE)
    position = models.PositiveIntegerField()
    target = models.ForeignKey(ModelGroup, on_delete=models.PROTECT, related_name="fallback_targeted_by")

    class Meta:
        ordering = ["fallback_type", "position"]
        verbose_name_plural = "fallback entries"
        constraints = [
            # Deferred on PostgreSQL so a reorder never trips over itself row by row. SQLite cannot
            # defer it, so Django skips it there (models.W038, silenced) and migration 0002 gives
            # SQLite a plain unique index instead.
            models.UniqueConstraint(
                fields=["source", "fallback_type", "position"],
                name="%(app_label)s_%(class)s_unique_position",
                deferrable=Deferrable.DEFERRED,
            ),
            models.UniqueConstraint(
                fields=["source", "fallback_type", "target"],
                name="%(app_label)s_%(class)s_unique_target",
            ),
            # NULL sources are distinct in a plain unique index, so the `*` chains get their own.
            models.UniqueConstraint(
                fields=["fallback_type", "position"],
                condition=Q(source__isnull=True),
                name="%(app_label)s_%(class)s_unique_default_position",
            ),
            models.UniqueConstraint(
                fields=["fallback_type", "target"],
                condition=Q(source__isnull=True),
                name="%(app_label)s_%(class)s_unique_default_target",
            ),
            models.CheckConstraint(
                condition=Q(source__isnull=True) | ~Q(source=F("target")),
                name="%(app_label)s_%(class)s_no_self_fallback",
            ),
            models.CheckConstraint(
                condition=Q(fallback_type__in=FALLBACK_TYPES.values()),
                name="%(app_label)s_%(class)s_known_type",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_name} [{self.fallback_type}] #{self.position} -> {self.target.name}"

    @property
    def source_name(self) -> str:
        return self.source.name if self.source_id else DEFAULT_CHAIN_SOURCE


class Configuration(models.Model):
    """The single row of settings of the whole configuration, and its version.

    Every successful write increments `version` in its own transaction, after locking this row:
    so writes are serialised and the version identifies the configuration a response came from.
    """

    SINGLETON_ID = 1

    version = models.PositiveBigIntegerField(default=0)
    max_fallbacks = models.PositiveSmallIntegerField(default=DEFAULT_MAX_FALLBACKS)
    litellm_version = models.CharField(
        "LiteLLM version",
        max_length=LITELLM_VERSION_MAX_LENGTH,
        choices=LITELLM_SERIES.choices(),
        default=DEFAULT_LITELLM_VERSION,
        help_text="The LiteLLM series the gateways run: plans, lint and the model list follow its router.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="%(app_label)s_%(class)s_singleton"),
            models.CheckConstraint(
                condition=Q(litellm_version__in=LITELLM_SERIES.values()),
                name="%(app_label)s_%(class)s_known_litellm_version",
            ),
        ]

    def __str__(self) -> str:
        return f"configuration version {self.version}"


class Via(models.TextChoices):
    """The door a configuration version came through."""

    API = "api"
    ADMIN = "admin"
    IMPORT = "import"
    ROLLBACK = "rollback"
    COMMAND = "command"  # manage.py and other programmatic callers
    LEGACY = "legacy"  # recorded before versions kept their changes (migration 0005)


class ChangeRecord(models.Model):
    """One configuration version: who made it, through which door, when, and (in `changes`) exactly what it changed.

    Every write makes exactly one, in the write's transaction (fallbacks.services.recording).
    """

    version = models.PositiveBigIntegerField(unique=True)
    actor = models.CharField(max_length=255, help_text="The user or API key name; `master` for the master key.")
    via = models.CharField(max_length=16, choices=Via.choices, default=Via.COMMAND)
    action = models.CharField(max_length=64)
    subject = models.CharField(max_length=600, blank=True)
    summary = models.CharField(max_length=600, blank=True)
    details = models.JSONField(default=dict, blank=True)
    change_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = "configuration version"

    def __str__(self) -> str:
        return f"v{self.version} {self.summary or self.action} by {self.actor}"


class ConfigChange(models.Model):
    """One thing a version changed, before and after: a chain, a model group (with its deployments), a setting.

    `name` is the chain's source (`*` for a default chain), the group's name or the setting's name;
    `fallback_type` is the chain's type and empty otherwise. `before` null is a creation, `after` null a
    deletion. The history grows with each change, never with the size of the configuration.
    """

    class Kind(models.TextChoices):
        CHAIN = "chain"
        MODEL_GROUP = "model_group"
        SETTING = "setting"

    record = models.ForeignKey(ChangeRecord, on_delete=models.CASCADE, related_name="changes")
    version = models.PositiveBigIntegerField()  # the record's, repeated so that one index answers "last change of X"
    position = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    name = models.CharField(max_length=MAX_NAME_LENGTH)
    fallback_type = models.CharField(max_length=20, blank=True, default="")
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["record", "position"], name="%(app_label)s_%(class)s_unique_position"),
        ]
        indexes = [
            models.Index(fields=["kind", "name", "fallback_type", "version"], name="fallbacks_change_subject_idx"),
            models.Index(fields=["version"], name="fallbacks_change_version_idx"),
        ]

    def __str__(self) -> str:
        return f"v{self.version} {self.kind} {self.name} {self.fallback_type}".rstrip()


class SecurityEvent(models.Model):
    """An API key issued, revoked or restored: recorded apart from configuration versions, which it does not change."""

    actor = models.CharField(max_length=255)
    action = models.CharField(max_length=64)
    subject = models.CharField(max_length=600, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.subject} by {self.actor}"


class AuthenticationFailures(models.Model):
    """How many API authentications failed from one client address in one second (fallbacks.api.throttling).

    A row per address and second, counted up by one atomic statement, so parallel failures are never lost.
    """

    address = models.CharField(max_length=64)
    second = models.BigIntegerField(help_text="Unix seconds.")
    failures = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["address", "second"], name="authentication_failures_unique")]
        indexes = [models.Index(fields=["second"], name="authentication_failures_second")]

    def __str__(self) -> str:
        return f"{self.failures} failures from {self.address} at {self.second}"


class ApiKey(models.Model):
    """An operator-issued API key; only a SHA-256 hash of the secret is stored."""

    name = models.CharField(max_length=100, unique=True)
    prefix = models.CharField(max_length=16, editable=False, help_text="The start of the key, to recognise it.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    can_write = models.BooleanField(default=False, help_text="Read-write when set, read-only otherwise.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…, {'read-write' if self.can_write else 'read-only'})"


class Gateway(models.Model):
    """A LiteLLM gateway that runs this configuration (PRODUCT.md 3.4), checked for drift and, in mode publish,
    written to through its own `/fallback` API.

    Its key is kept only as an `os.environ/NAME` reference, resolved from this service's environment when
    the gateway is called: the secret itself is never stored here nor returned.
    """

    name = models.CharField(max_length=GATEWAY_NAME_MAX_LENGTH, unique=True)
    base_url = models.CharField("base URL", max_length=GATEWAY_URL_MAX_LENGTH)
    api_key = models.CharField(
        "API key", max_length=255, blank=True, default="", help_text="An os.environ/NAME reference, never a secret."
    )
    litellm_version = models.CharField(
        "LiteLLM version",
        max_length=LITELLM_VERSION_MAX_LENGTH,
        choices=LITELLM_SERIES.choices(),
        default=DEFAULT_LITELLM_VERSION,
        help_text="The LiteLLM series the gateway runs: drift compares with what that series reports.",
    )
    mode = models.CharField(
        max_length=16, choices=[(mode, mode) for mode in GATEWAY_MODES], default=DEFAULT_GATEWAY_MODE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_state = models.JSONField(null=True, blank=True, editable=False, help_text="The last drift check's summary.")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(api_key="") | Q(api_key__startswith="os.environ/"),
                name="%(app_label)s_%(class)s_key_is_a_reference",
            ),
            models.CheckConstraint(condition=Q(mode__in=GATEWAY_MODES), name="%(app_label)s_%(class)s_known_mode"),
            models.CheckConstraint(
                condition=Q(litellm_version__in=LITELLM_SERIES.values()),
                name="%(app_label)s_%(class)s_known_litellm_version",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ImportPreview(models.Model):
    """A LiteLLM config file an operator previewed in the admin, waiting for *Apply this import*.

    In the database, not on a host's disk, so that the apply may reach any app server (PRODUCT.md 8). Not part
    of the configuration (no version): the session names its token, and only its user may apply it.
    """

    token = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    document = models.BinaryField(help_text="The file's text as UTF-8, exactly as previewed.")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"import preview {self.token[:8]}..."
