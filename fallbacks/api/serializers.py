"""Request, query and response shapes. Input rules come from fallbacks.validation, never from here:
a serializer that reads input calls those rules, so a refusal keeps the contract's words."""

from datetime import UTC

from django.db import models
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_serializer
from rest_framework import serializers

from fallbacks import errors, validation
from fallbacks.api import cursors
from fallbacks.api.errors import PlainDetail
from fallbacks.config_format import ConfigFormat
from fallbacks.domain import (
    DEFAULT_FALLBACK_TYPE,
    DEFAULT_GATEWAY_MODE,
    FALLBACK_TYPES,
    GATEWAY_MODES,
    GATEWAY_NAME_MAX_LENGTH,
    LITELLM_SERIES,
    MAX_FALLBACKS_LIMIT,
    MAX_LIST_PAGE,
    MAX_NAME_LENGTH,
    SEVERITIES,
)
from fallbacks.errors import ErrorCode, Invalid
from fallbacks.models import ModelGroup, Via

TRIMMED_NAME = f"trimmed of surrounding white space, then 1 to {MAX_NAME_LENGTH} characters"


class TypeChoiceField(serializers.ChoiceField):
    """A fallback type, its choices read from the registry (fallbacks.domain.FALLBACK_TYPES)."""

    def __init__(self, **kwargs):
        super().__init__(choices=FALLBACK_TYPES.values(), **kwargs)


class SeriesChoiceField(serializers.ChoiceField):
    """A LiteLLM series, its choices read from the registry (fallbacks.domain.LITELLM_SERIES)."""

    def __init__(self, **kwargs):
        super().__init__(choices=LITELLM_SERIES.values(), **kwargs)


# Query parameters ------------------------------------------------------------------------------


def parse_flag(value: str) -> bool | None:
    """A query flag as FastAPI reads a bool (LiteLLM's `include_metadata`); None when it is neither."""
    lowered = value.strip().lower()
    if lowered in ("true", "1", "yes", "on"):
        return True
    if lowered in ("false", "0", "no", "off"):
        return False
    return None


class QuerySerializer(serializers.Serializer):
    """Query parameters. `parse(request)` reads them with fallbacks.validation's rules, whose refusals
    (error kinds) reach the API's exception handler unchanged."""

    @classmethod
    def parse(cls, request) -> dict:
        return cls().to_internal_value(request.query_params)


class FallbackTypeQuery(QuerySerializer):
    fallback_type = TypeChoiceField(default=DEFAULT_FALLBACK_TYPE)

    def to_internal_value(self, data) -> dict:
        return {"fallback_type": validation.clean_fallback_type(data.get("fallback_type", DEFAULT_FALLBACK_TYPE))}


class PageQuery(QuerySerializer):
    """`?limit=` (1 to 1,000) asks for a page, `?cursor=` (the `next` of the previous one) continues; without a
    limit the whole list. Parsed to `limit` (None: the whole list) and `after` (the cursor's sort key, or None)."""

    limit = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_LIST_PAGE,
        help_text="Answer a page of at most this many items, with `next`; without it, every item.",
    )
    cursor = serializers.CharField(required=False, help_text="The `next` of the previous page (with its `limit`).")
    cursor_parts = 1

    def to_internal_value(self, data) -> dict:
        limit, cursor = data.get("limit"), data.get("cursor")
        if limit is not None and not (limit.isascii() and limit.isdigit() and 1 <= int(limit) <= MAX_LIST_PAGE):
            raise Invalid(errors.INVALID_LIMIT.format(limit=MAX_LIST_PAGE), code=ErrorCode.INVALID_FILTER)
        if cursor is not None and limit is None:
            raise Invalid(errors.CURSOR_WITHOUT_LIMIT, code=ErrorCode.INVALID_CURSOR)
        after = None if cursor is None else cursors.decode(cursor, self.cursor_parts)
        return {"limit": None if limit is None else int(limit), "after": after}


class ModelGroupListQuery(PageQuery):
    def to_internal_value(self, data) -> dict:
        page = super().to_internal_value(data)
        return {**page, "after": page["after"] and page["after"][0]}


class ChainListQuery(PageQuery):
    fallback_type = TypeChoiceField(required=False)
    model = serializers.CharField(
        required=False, allow_blank=True, help_text="Only this model's chains (`*`: the defaults)."
    )
    cursor_parts = 2  # the last chain's model and type

    def to_internal_value(self, data) -> dict:
        page = super().to_internal_value(data)
        if page["after"] is not None and page["after"][1] not in FALLBACK_TYPES:
            raise Invalid(errors.INVALID_CURSOR, code=ErrorCode.INVALID_CURSOR)
        fallback_type = data.get("fallback_type")
        return {
            **page,
            "fallback_type": None if fallback_type is None else validation.clean_fallback_type(fallback_type),
            "model": data.get("model"),
        }


class ModelListQuery(QuerySerializer):
    """`include_metadata` and, only with it, `fallback_type`: LiteLLM ignores the type otherwise.

    Parsed to `metadata_type`: the type whose chains `metadata.fallbacks` shows, or None for no metadata.
    """

    include_metadata = serializers.BooleanField(default=False)
    fallback_type = serializers.CharField(default=DEFAULT_FALLBACK_TYPE)

    def to_internal_value(self, data) -> dict:
        include_metadata = parse_flag(data.get("include_metadata", "false"))
        if include_metadata is None:
            raise PlainDetail(errors.INVALID_INCLUDE_METADATA)
        if not include_metadata:
            return {"metadata_type": None}
        fallback_type = data.get("fallback_type", DEFAULT_FALLBACK_TYPE)
        if fallback_type not in FALLBACK_TYPES:
            raise PlainDetail(errors.INVALID_FALLBACK_TYPE.format(types=FALLBACK_TYPES.values()))
        return {"metadata_type": fallback_type}


def parse_litellm_version(data) -> str | None:
    """`?litellm_version=`: a supported series, or None (absent) for the configured one."""
    value = data.get("litellm_version")
    return None if value is None else validation.clean_litellm_version(value)


class ConfigQuery(QuerySerializer):
    """`GET /config`: `format` (yaml, the default, or json); `litellm_version` is accepted and unused, since the file
    format is the same for every series."""

    format = serializers.ChoiceField(choices=[fmt.value for fmt in ConfigFormat], default=ConfigFormat.YAML.value)
    litellm_version = SeriesChoiceField(required=False)

    def to_internal_value(self, data) -> dict:
        value = data.get("format", ConfigFormat.YAML.value)
        if value not in ConfigFormat._value2member_map_:
            formats = [fmt.value for fmt in ConfigFormat]
            raise Invalid(errors.INVALID_CONFIG_FORMAT.format(formats=formats), code=ErrorCode.INVALID_CONFIG_FORMAT)
        parse_litellm_version(data)  # a series we do not know is still a 400, as on every read that takes it
        return {"fmt": ConfigFormat(value)}


class PlanQuery(FallbackTypeQuery):
    failing = serializers.ListField(child=serializers.CharField(), required=False)
    litellm_version = SeriesChoiceField(required=False)

    def to_internal_value(self, data) -> dict:
        return {
            **super().to_internal_value(data),
            "failing": [name.strip() for name in data.getlist("failing")],
            "litellm_version": parse_litellm_version(data),
        }


class LintQuery(QuerySerializer):
    model = serializers.CharField(required=False)
    severity = serializers.ChoiceField(choices=SEVERITIES, required=False)
    litellm_version = SeriesChoiceField(required=False)

    def to_internal_value(self, data) -> dict:
        severity = data.get("severity")
        return {
            "model": data.get("model"),
            "severity": None if severity is None else validation.clean_severity(severity),
            "litellm_version": parse_litellm_version(data),
        }


# Bodies ----------------------------------------------------------------------------------------


class FallbackRequestSerializer(serializers.Serializer):
    """`POST /fallback`. The fields are for the schema; parsing is validation.parse_chain_request."""

    # No maxLength: the limit is on the name once trimmed of surrounding white space, which a
    # schema cannot say (a padded name of 256 characters is a valid request).
    model = serializers.CharField(help_text=f"A model group, or `*`; {TRIMMED_NAME}.")
    fallback_models = serializers.ListField(child=serializers.CharField(), min_length=1)
    fallback_type = TypeChoiceField(default=DEFAULT_FALLBACK_TYPE)

    def to_internal_value(self, data) -> validation.ChainRequest:
        # Raises an error kind with the contract's message, which the exception handler renders.
        return validation.parse_chain_request(data)


class FallbackResponseSerializer(serializers.Serializer):
    model = serializers.CharField()
    fallback_models = serializers.ListField(child=serializers.CharField())
    fallback_type = TypeChoiceField()
    message = serializers.CharField()


class FallbackGetResponseSerializer(serializers.Serializer):
    model = serializers.CharField()
    fallback_models = serializers.ListField(child=serializers.CharField())
    fallback_type = TypeChoiceField()
    inherited_from = serializers.CharField(
        required=False,
        help_text=(
            "When the chain shown is not the model's own: `*` (the default chain), or the model group whose rule "
            "names this model by another spelling (`gpt-4o` for `openai/gpt-4o`, and the reverse)."
        ),
    )


class FallbackDeleteResponseSerializer(serializers.Serializer):
    model = serializers.CharField()
    fallback_type = TypeChoiceField()
    message = serializers.CharField()


class ChainSerializer(serializers.Serializer):
    model = serializers.CharField(help_text="The source model group, `*` for a default chain.")
    fallback_type = TypeChoiceField()
    fallback_models = serializers.ListField(child=serializers.CharField())


class ChainListSerializer(serializers.Serializer):
    data = ChainSerializer(many=True)
    next = serializers.CharField(
        allow_null=True, required=False, help_text="Only with `?limit=`: the cursor of the next page, null on the last."
    )


class ErrorBodySerializer(serializers.Serializer):
    error = serializers.CharField()
    available_models = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="With an unknown model: the model groups there are."
    )
    fields = serializers.DictField(
        child=serializers.JSONField(), required=False, help_text="With a refused model group body: each field's errors."
    )
    chains = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="With a model group in use: the chains using it."
    )
    inherited_from = serializers.CharField(
        required=False, help_text="`*` when the model has no chain of its own to delete, and inherits the default."
    )
    note = serializers.CharField(required=False)


class ErrorSerializer(serializers.Serializer):
    detail = ErrorBodySerializer()


class LiteLLMErrorBodySerializer(serializers.Serializer):
    message = serializers.CharField()
    type = serializers.CharField(help_text="`auth_error`, or `invalid_request_error` for an unknown model.")
    param = serializers.CharField(help_text='The parameter at fault (`model`), or `"None"`.')
    code = serializers.CharField(help_text='The HTTP status, as a string (`"401"`).')


class LiteLLMErrorSerializer(serializers.Serializer):
    """LiteLLM's own error shape (its ProxyException), which OpenAI SDKs read."""

    error = LiteLLMErrorBodySerializer()


class PlainErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


# A 400 of the model list endpoints: LiteLLM's plain `{"detail": "<message>"}` for its own query
# parameters, or the usual error body for what every endpoint refuses (a control character in the URL).
MODEL_LIST_BAD_REQUEST = PolymorphicProxySerializer(
    component_name="ModelListBadRequest",
    serializers=[PlainErrorSerializer, ErrorSerializer],
    resource_type_field_name=None,
)


class ModelMetadataSerializer(serializers.Serializer):
    fallbacks = serializers.ListField(child=serializers.CharField())


class ModelObjectSerializer(serializers.Serializer):
    id = serializers.CharField()
    object = serializers.CharField(default="model")
    created = serializers.IntegerField()
    owned_by = serializers.CharField()
    metadata = ModelMetadataSerializer(required=False, help_text="Only with `include_metadata=true`.")


class ModelListSerializer(serializers.Serializer):
    data = ModelObjectSerializer(many=True)
    object = serializers.CharField(default="list")


class DeploymentSerializer(serializers.Serializer):
    litellm_params = serializers.DictField()
    model_info = serializers.DictField()


class OwnChainsSerializer(serializers.Serializer):
    """A group's own chains: one list per fallback type of the registry."""

    def get_fields(self):
        return {kind: serializers.ListField(child=serializers.CharField()) for kind in FALLBACK_TYPES.values()}


class StrictCharField(serializers.CharField):
    """A string and only a string: DRF's CharField would turn `5` into `"5"`."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class ModelGroupDocumentSerializer(serializers.Serializer):
    """A model group as the API shows it (selectors.model_group_documents builds it)."""

    name = serializers.CharField()
    owned_by = serializers.CharField()
    created = serializers.IntegerField(help_text="Unix seconds, set once.")
    max_input_tokens = serializers.IntegerField(allow_null=True)
    description = serializers.CharField(allow_blank=True)
    deployments = DeploymentSerializer(many=True)
    fallbacks = OwnChainsSerializer(help_text="The group's own chains by type.")


@extend_schema_serializer(many=False)  # `{"data": [...]}` is one object, though it answers a list action
class ModelGroupListSerializer(serializers.Serializer):
    data = ModelGroupDocumentSerializer(many=True)
    next = serializers.CharField(
        allow_null=True, required=False, help_text="Only with `?limit=`: the cursor of the next page, null on the last."
    )


class ModelGroupSerializer(serializers.ModelSerializer):
    """What a client may send to create or change a model group.

    `name` uniqueness is the service's (409), not a serializer's 400. Fields that cannot be
    set (unknown ones, or `created`, `deployments`, `fallbacks`) are refused, not ignored.
    """

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
    }

    class Meta:
        model = ModelGroup
        fields = ["name", "owned_by", "max_input_tokens", "description"]
        # `name` and `owned_by` are limited once trimmed (validation's rules): DRF's max_length,
        # which the schema would show as maxLength, would speak of the untrimmed string.
        extra_kwargs = {
            "name": {"validators": [], "max_length": None, "help_text": f"The model group's name, {TRIMMED_NAME}."},
            "owned_by": {
                "required": False,
                "max_length": None,
                "help_text": f"The provider (default `openai`), {TRIMMED_NAME}, no control characters.",
            },
            "description": {"required": False},
            # The range is validation.clean_max_input_tokens', in its words (validate_max_input_tokens).
            "max_input_tokens": {
                "required": False,
                "min_value": None,
                "max_value": None,
                "help_text": "Null (unknown), or an integer from 1 to 2147483647.",
            },
        }

    def to_internal_value(self, data):
        validation.check_settable_fields(data, list(self.fields))
        return super().to_internal_value(data)

    def validate_name(self, value: str) -> str:
        return validation.clean_group_name(value)

    def validate_owned_by(self, value: str) -> str:
        return validation.clean_owned_by(value)

    def validate_max_input_tokens(self, value: int | None) -> int | None:
        return validation.clean_max_input_tokens(value)


class HealthSerializer(serializers.Serializer):
    status = serializers.CharField()


class ReadinessSerializer(serializers.Serializer):
    status = serializers.CharField()
    database = serializers.CharField()
    config_version = serializers.IntegerField(required=False)


class ChainRefSerializer(serializers.Serializer):
    source = serializers.CharField(help_text="The chain's source model group, `*` for a default chain.")
    fallback_type = TypeChoiceField()


class PlanStepSerializer(serializers.Serializer):
    model = serializers.CharField()
    outcome = serializers.ChoiceField(choices=["answered", "failed", "skipped"])
    level = serializers.IntegerField(help_text="0 the requested model, 1 its chain's targets, 2 theirs, ...")
    fallback_depth = serializers.IntegerField(
        allow_null=True, help_text="The router's count once this model is tried (null when skipped)."
    )
    via = ChainRefSerializer(allow_null=True, help_text="The chain this step comes from.")
    why = serializers.CharField()
    then = serializers.ChoiceField(
        choices=["chain", "no_chain", "max_fallbacks"],
        allow_null=True,
        help_text="After a failure: its chain was walked, no chain applies, or max_fallbacks cut the walk.",
    )
    then_via = ChainRefSerializer(allow_null=True)


class AttemptPlanSerializer(serializers.Serializer):
    model = serializers.CharField()
    fallback_type = TypeChoiceField()
    attempts = serializers.ListField(
        child=serializers.CharField(), help_text="The models the gateway calls, in order, the requested one first."
    )
    served_by = serializers.CharField(allow_null=True, help_text="The model that answers; null when none does.")
    chain_type = serializers.CharField(
        help_text="Which type's chains the router walks for that error (a fallback type)."
    )
    max_fallbacks = serializers.IntegerField()
    litellm_version = SeriesChoiceField(help_text="The LiteLLM series whose router the plan follows.")
    note = serializers.CharField(allow_null=True)
    steps = PlanStepSerializer(many=True)
    config_version = serializers.IntegerField()


class SeriesPlanSerializer(serializers.Serializer):
    litellm_version = SeriesChoiceField()
    attempts = serializers.ListField(
        child=serializers.CharField(), help_text="The models the gateway tries, in order, when each fails in turn."
    )
    served_by = serializers.CharField(
        allow_null=True, help_text="The model that answers when only the requested model fails; null when none does."
    )


class LintFindingSerializer(serializers.Serializer):
    severity = serializers.ChoiceField(choices=SEVERITIES)
    code = serializers.CharField()
    message = serializers.CharField()
    model = serializers.CharField(help_text="The source of the chain the finding is about (`*` for a default chain).")
    fallback_type = TypeChoiceField()
    models = serializers.ListField(child=serializers.CharField(), help_text="Every model group concerned.")
    plans = SeriesPlanSerializer(
        many=True,
        required=False,
        help_text="Only with `upgrade_impact`: the model's plan on the configured series, then on the one asked.",
    )


class LintCountsSerializer(serializers.Serializer):
    error = serializers.IntegerField()
    warning = serializers.IntegerField()
    info = serializers.IntegerField()


class LintResponseSerializer(serializers.Serializer):
    findings = LintFindingSerializer(many=True)
    counts = LintCountsSerializer()
    config_version = serializers.IntegerField()
    litellm_version = SeriesChoiceField(help_text="The LiteLLM series whose router the findings follow.")


class FallbackWriteResponseSerializer(FallbackResponseSerializer):
    warnings = LintFindingSerializer(
        many=True, required=False, help_text="Only when the lint has something to say about the chain written."
    )


class FallbackSettingsSerializer(serializers.Serializer):
    max_fallbacks = serializers.IntegerField(min_value=0, max_value=MAX_FALLBACKS_LIMIT)
    litellm_version = SeriesChoiceField(
        help_text="The LiteLLM series the gateways run: the model list's metadata, `GET /fallback/{model}`, "
        "plans and lint follow its router."
    )
    config_version = serializers.IntegerField(read_only=True)


class FallbackSettingsRequestSerializer(serializers.Serializer):
    """`PATCH /fallback_settings`. The fields are for the schema; parsing is validation.parse_settings_request."""

    max_fallbacks = serializers.IntegerField(min_value=0, max_value=MAX_FALLBACKS_LIMIT, required=False)
    litellm_version = SeriesChoiceField(required=False)

    def to_internal_value(self, data) -> dict:
        return validation.parse_settings_request(data)


# History (PRODUCT.md 3.3) ----------------------------------------------------------------------

MAX_VERSIONS_PAGE = 500
DEFAULT_VERSIONS_PAGE = 50


def _version_number(value: object, field: str) -> int:
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise Invalid(errors.INVALID_VERSION.format(field=field), code=ErrorCode.INVALID_VERSION)


class VersionsQuery(QuerySerializer):
    model = serializers.CharField(
        required=False, allow_blank=True, help_text="Versions that touched this model group or its chains."
    )
    fallback_type = TypeChoiceField(required=False, help_text="Versions that touched a chain of this type.")
    actor = serializers.CharField(required=False, allow_blank=True)
    via = serializers.ChoiceField(choices=[via.value for via in Via if via != Via.LEGACY], required=False)
    since = serializers.DateTimeField(required=False, help_text="ISO 8601; versions made at or after it.")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_VERSIONS_PAGE)
    cursor = serializers.CharField(required=False, help_text="The `next` of the previous page.")

    def to_internal_value(self, data) -> dict:
        fallback_type = data.get("fallback_type")
        via = data.get("via")
        if via is not None and via not in Via.values:
            raise Invalid(errors.INVALID_VIA.format(choices=Via.values), code=ErrorCode.INVALID_FILTER)
        since = data.get("since")
        if since is not None:
            try:
                parsed = parse_datetime(since.replace(" ", "+"))  # a `+` in a query string arrives as a space
            except ValueError:  # well formed, but no such date (a 13th month)
                parsed = None
            if parsed is None:
                raise Invalid(errors.INVALID_SINCE, code=ErrorCode.INVALID_FILTER)
            since = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        limit = data.get("limit", str(DEFAULT_VERSIONS_PAGE))
        if not (limit.isascii() and limit.isdigit() and 1 <= int(limit) <= MAX_VERSIONS_PAGE):
            raise Invalid(errors.INVALID_LIMIT.format(limit=MAX_VERSIONS_PAGE), code=ErrorCode.INVALID_FILTER)
        cursor = data.get("cursor")
        if cursor is not None and not (cursor.isascii() and cursor.isdigit()):
            raise Invalid(errors.INVALID_CURSOR, code=ErrorCode.INVALID_CURSOR)
        return {
            "model": data.get("model"),
            "fallback_type": None if fallback_type is None else validation.clean_fallback_type(fallback_type),
            "actor": data.get("actor"),
            "via": via,
            "since": since,
            "limit": int(limit),
            "cursor": None if cursor is None else int(cursor),
        }


class DiffQuery(QuerySerializer):
    # `from` is a Python keyword: the field is declared under its query parameter's name below.
    to = serializers.IntegerField(min_value=0)

    def get_fields(self):
        return {"from": serializers.IntegerField(min_value=0), **super().get_fields()}

    def to_internal_value(self, data) -> dict:
        return {
            "from_version": _version_number(data.get("from"), "from"),
            "to_version": _version_number(data.get("to"), "to"),
        }


class RollbackRequestSerializer(serializers.Serializer):
    to_version = serializers.IntegerField(min_value=0)
    model = serializers.CharField(required=False, help_text="With fallback_type: roll back only this chain.")
    fallback_type = TypeChoiceField(required=False)

    def to_internal_value(self, data) -> dict:
        if not isinstance(data, dict):
            raise Invalid(errors.BODY_NOT_AN_OBJECT, code=ErrorCode.INVALID_BODY)
        model = data.get("model")
        if model is not None:
            model = validation.clean_source_name(model)
        fallback_type = data.get("fallback_type")
        return {
            "to_version": _version_number(data.get("to_version"), "to_version"),
            "model": model,
            "fallback_type": None if fallback_type is None else validation.clean_fallback_type(fallback_type),
        }


class ChangeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["chain", "model_group", "setting"])
    model = serializers.CharField(required=False, help_text="A chain's source (`*` for a default chain).")
    fallback_type = TypeChoiceField(required=False)
    name = serializers.CharField(required=False, help_text="A model group's or a setting's name.")
    before = serializers.JSONField(allow_null=True, help_text="null: it did not exist.")
    after = serializers.JSONField(allow_null=True, help_text="null: it was deleted.")


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    actor = serializers.CharField(help_text="The user or API key name; `master` for the master key.")
    via = serializers.ChoiceField(choices=Via.values)
    summary = serializers.CharField()
    changes = ChangeSerializer(many=True)
    changes_not_shown = serializers.IntegerField(
        required=False, help_text="In a list: how many more changes `GET /config/versions/{n}` shows."
    )


class VersionListSerializer(serializers.Serializer):
    data = VersionSerializer(many=True)
    next = serializers.CharField(allow_null=True)


class ChangeListSerializer(serializers.Serializer):
    changes = ChangeSerializer(many=True)


class RollbackResponseSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    changes = ChangeSerializer(many=True)


# Gateways (PRODUCT.md 3.4) ----------------------------------------------------------------------


class GatewayRequestSerializer(serializers.Serializer):
    """What a client sends to register (all of `name` and `base_url`) or change (any of them) a gateway.

    The rules are fallbacks.validation's, applied by the service: a plain key is a 400 naming `api_key`.
    """

    name = serializers.CharField(max_length=GATEWAY_NAME_MAX_LENGTH)
    base_url = serializers.CharField(help_text="http(s)://host[:port][/path]: the gateway's paths are appended.")
    api_key = serializers.CharField(
        required=False, allow_blank=True, help_text="`os.environ/NAME`: read from this service's environment."
    )
    litellm_version = SeriesChoiceField(required=False, help_text="The series it runs; the configured one by default.")
    mode = serializers.ChoiceField(choices=list(GATEWAY_MODES), required=False, default=DEFAULT_GATEWAY_MODE)

    def to_internal_value(self, data) -> dict:
        if not isinstance(data, dict):
            raise Invalid(errors.BODY_NOT_AN_OBJECT, code=ErrorCode.INVALID_BODY)
        return dict(data)


class ChainDriftSerializer(serializers.Serializer):
    model = serializers.CharField()
    fallback_type = TypeChoiceField()
    expected = serializers.ListField(
        child=serializers.CharField(), help_text="What this configuration makes it report."
    )
    live = serializers.ListField(child=serializers.CharField(), help_text="What the gateway reports.")


class GatewayStateSerializer(serializers.Serializer):
    in_sync = serializers.BooleanField()
    config_version = serializers.IntegerField()
    error = serializers.CharField(allow_null=True)
    chains_differing = serializers.IntegerField()
    models_missing = serializers.IntegerField()
    models_unknown = serializers.IntegerField()
    differing_chains = ChainDriftSerializer(
        many=True, required=False, help_text="The chains that differed (absent from checks stored before it was kept)."
    )
    missing_models = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="The groups here that the gateway did not serve."
    )


class GatewayDocumentSerializer(serializers.Serializer):
    name = serializers.CharField()
    base_url = serializers.CharField()
    api_key = serializers.CharField(help_text="The `os.environ/NAME` reference (never a secret), or empty.")
    litellm_version = serializers.CharField()
    mode = serializers.ChoiceField(choices=list(GATEWAY_MODES))
    created_at = serializers.DateTimeField()
    last_checked_at = serializers.DateTimeField(allow_null=True)
    last_state = GatewayStateSerializer(allow_null=True, help_text="The last drift check, in short.")


@extend_schema_serializer(many=False)
class GatewayListSerializer(serializers.Serializer):
    data = GatewayDocumentSerializer(many=True)


class DriftSerializer(serializers.Serializer):
    gateway = serializers.CharField()
    checked_at = serializers.DateTimeField()
    config_version = serializers.IntegerField()
    litellm_version = serializers.CharField(help_text="The gateway's series, which the expected chains follow.")
    in_sync = serializers.BooleanField()
    models_missing = serializers.ListField(child=serializers.CharField())
    models_unknown = serializers.ListField(child=serializers.CharField())
    chains = ChainDriftSerializer(many=True, help_text="Only the chains that differ.")
    error = serializers.CharField(allow_null=True, help_text="Unreachable, timed out, 401, bad body; else null.")
    seconds = serializers.FloatField(help_text="How long the check took.")


class PublishedChainSerializer(serializers.Serializer):
    model = serializers.CharField()
    fallback_type = TypeChoiceField()


class FailedChainSerializer(PublishedChainSerializer):
    status = serializers.IntegerField(allow_null=True, help_text="The gateway's status; null when it did not answer.")
    error = serializers.CharField(help_text="The gateway's own message.")


class PublishSerializer(serializers.Serializer):
    gateway = serializers.CharField()
    config_version = serializers.IntegerField()
    published = PublishedChainSerializer(many=True, help_text="The writes that landed (POST or DELETE).")
    failed = FailedChainSerializer(many=True)
    in_sync = serializers.BooleanField(help_text="Drift, checked again after the writes.")
    error = serializers.CharField(allow_null=True, help_text="Why publishing stopped, or why drift failed; else null.")
    seconds = serializers.FloatField()


class FallbackTestRequestSerializer(serializers.Serializer):
    """`POST /gateways/{name}/test_fallback`. Parsing is validation.parse_test_fallback_request."""

    model = serializers.CharField(help_text="A model group here: the plan to compare with is this service's.")
    fallback_type = TypeChoiceField(default=DEFAULT_FALLBACK_TYPE)

    def to_internal_value(self, data) -> tuple[str, str]:
        return validation.parse_test_fallback_request(data)


class FallbackTestSerializer(serializers.Serializer):
    gateway = serializers.CharField()
    model = serializers.CharField()
    fallback_type = TypeChoiceField()
    litellm_version = serializers.CharField(help_text="The gateway's series, which `expected` follows.")
    served_by = serializers.CharField(
        allow_null=True,
        help_text="The gateway's `x-litellm-model-group` header, else its body's `model`; null when nothing answered.",
    )
    attempted_fallbacks = serializers.IntegerField(
        allow_null=True, help_text="The gateway's `x-litellm-attempted-fallbacks` header, or null."
    )
    expected = serializers.CharField(
        allow_null=True,
        help_text="`served_by` of this service's plan for the gateway's series with only `model` failing; "
        "null when the plan says no model answers.",
    )
    agrees = serializers.BooleanField()
    error = serializers.CharField(
        allow_null=True,
        help_text="What went wrong: the gateway refused LiteLLM's mock-testing flag (naming the setting it needs), "
        "the key, did not answer, answered something else, or failed the request; else null.",
    )
    seconds = serializers.FloatField()
