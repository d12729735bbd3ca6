"""Error kinds and the messages of every refusal. No HTTP here: the API's exception handler alone
maps a kind to a status code (fallbacks.api.errors), and the admin shows the message beside a field.

The messages are part of the contract (PRODUCT.md 3.1); tests import these constants rather than
repeating the strings.
"""

from enum import StrEnum

from django.core.exceptions import ValidationError

from fallbacks.domain import MAX_CHAIN_LENGTH, MAX_INPUT_TOKENS_LIMIT, MAX_JSON_DEPTH


class ErrorCode(StrEnum):
    """What was refused, for code that reacts to one refusal (the admin puts `NAME_TAKEN` beside the name)."""

    INVALID_BODY = "invalid_body"
    BLANK_MODEL = "blank_model"
    BLANK_NAME = "blank_name"
    BLANK_TARGET = "blank_target"
    NAME_TOO_LONG = "name_too_long"
    CONTROL_CHARACTERS = "control_characters"
    INVISIBLE_CHARACTERS = "invisible_characters"
    RESERVED_NAME = "reserved_name"
    INVALID_FALLBACK_TYPE = "invalid_fallback_type"
    INVALID_FALLBACK_MODELS = "invalid_fallback_models"
    EMPTY_CHAIN = "empty_chain"
    CHAIN_TOO_LONG = "chain_too_long"
    DUPLICATE_TARGETS = "duplicate_targets"
    SELF_FALLBACK = "self_fallback"
    MODEL_NOT_FOUND = "model_not_found"
    MODEL_NOT_SERVED = "model_not_served"  # `GET /v1/models/{model}`: answered in LiteLLM's own error shape
    GROUP_NOT_FOUND = "group_not_found"
    NOTHING_CONFIGURED = "nothing_configured"
    NAME_TAKEN = "name_taken"
    GROUP_IN_USE = "group_in_use"
    WRITES_DISABLED = "writes_disabled"
    FIELDS_NOT_SETTABLE = "fields_not_settable"
    INVALID_OWNED_BY = "invalid_owned_by"
    INVALID_MAX_INPUT_TOKENS = "invalid_max_input_tokens"
    INVALID_MAX_FALLBACKS = "invalid_max_fallbacks"
    INVALID_LITELLM_VERSION = "invalid_litellm_version"
    UNKNOWN_SETTINGS = "unknown_settings"
    INVALID_DEPLOYMENT = "invalid_deployment"
    INVALID_FAILING_MODELS = "invalid_failing_models"
    INVALID_SEVERITY = "invalid_severity"
    INVALID_INCLUDE_METADATA = "invalid_include_metadata"
    INVALID_MODE = "invalid_mode"
    INVALID_CONFIG_FORMAT = "invalid_config_format"
    GATEWAY_NOT_FOUND = "gateway_not_found"
    INVALID_GATEWAY = "invalid_gateway"
    PLAIN_SECRET = "plain_secret"
    GATEWAY_NOT_PUBLISHING = "gateway_not_publishing"
    CONFIG_REFUSED = "config_refused"
    STALE_PREVIEW = "stale_preview"
    PRECONDITION_FAILED = "precondition_failed"
    VERSION_NOT_FOUND = "version_not_found"
    BEFORE_HISTORY = "before_history"
    MISSING_MODELS = "missing_models"
    INVALID_VERSION = "invalid_version"
    INVALID_CURSOR = "invalid_cursor"
    INVALID_FILTER = "invalid_filter"
    CONFIGURATION_BUSY = "configuration_busy"
    STATEMENT_TIMED_OUT = "statement_timed_out"
    DATABASE_UNAVAILABLE = "database_unavailable"


class DomainError(ValidationError):
    """A refused input or action, with the extra fields the contract adds to its body.

    A Django ValidationError, so that a form shows it beside the field like any other; its kind
    (the subclass) says what went wrong, never how a door reports it.
    """

    def __init__(self, message: str, *, code: ErrorCode, extra: dict | None = None):
        super().__init__(message, code=code)
        self.extra = extra or {}


class Invalid(DomainError):
    """The input breaks a rule."""


class NotFound(DomainError):
    """What the input names does not exist."""


class Conflict(DomainError):
    """The input is fine but the configuration's current state refuses it (a taken name, a group in use)."""


class PreconditionFailed(DomainError):
    """The caller's view of the configuration is out of date."""


class Unavailable(DomainError):
    """The service cannot do it now; trying again later may work."""


# The admin's publish confirmed one plan, and publish found the configuration at another version (checks.publish).
PUBLISH_PLAN_MOVED_ON = (
    "The configuration changed since that plan was read, so nothing was published. Here is what publishing would "
    "change now."
)

# Messages of PRODUCT.md 3.1, word for word.
MODEL_NOT_FOUND = "Model '{model}' not found in router"
INVALID_FALLBACK_MODELS = "Invalid fallback models: {models}"
SELF_FALLBACK = "Model '{model}' cannot be its own fallback"
DUPLICATE_TARGETS = "fallback_models must not contain duplicates"
EMPTY_CHAIN = "fallback_models must contain at least one model"
CHAIN_TOO_LONG = f"fallback_models must contain at most {MAX_CHAIN_LENGTH} models"
BLANK_MODEL = "model must be a non-empty string"
INVALID_FALLBACK_TYPE = "Invalid fallback_type. Must be one of: {types}"
NOTHING_CONFIGURED = "No {fallback_type} fallbacks configured for model '{model}'"
WRITES_DISABLED = "Database storage not enabled. Set 'STORE_MODEL_IN_DB=True' in your environment to use this feature."
MODEL_NOT_SERVED = "The model `{model}` does not exist or is not accessible"  # LiteLLM 1.110.2's words

# Authentication (PRODUCT.md 3.1 and 4), in LiteLLM 1.110.2's words where it has them.
AUTH_NO_KEY = "Authentication Error, No api key passed in."
AUTH_MALFORMED_KEY = "Authentication Error, Malformed API Key passed in. Ensure Key has `Bearer ` prefix."
AUTH_INVALID_KEY = "Authentication Error, Invalid proxy server token passed"
AUTH_READ_ONLY_KEY = "This API key is read-only"

# Messages this service adds where the contract is silent.
NAME_TOO_LONG = "{field} must be at most {limit} characters"
CONTROL_CHARACTERS = "{field} must not contain control characters or unpaired surrogates"
INVISIBLE_CHARACTERS = (
    "{field} must not contain invisible formatting characters (such as U+202E or U+200B): "
    "names that look the same must be the same"
)
KEY_NAME_TOO_LONG = "An API key's name must be at most {limit} characters"
TARGETS_NOT_A_LIST = "fallback_models must be a list of model names"
BLANK_TARGET = "fallback_models must not contain blank names"
BODY_NOT_AN_OBJECT = "The request body must be a JSON object"
BLANK_GROUP_NAME = "name must be a non-empty string"
RESERVED_GROUP_NAME = "'*' names the default chain and cannot name a model group"
GROUP_NAME_TAKEN = "Model group '{name}' already exists"
GROUP_NOT_FOUND = "Model group '{name}' not found"
INVALID_INCLUDE_METADATA = "Invalid include_metadata. Must be true or false"
UNKNOWN_SETTINGS = "Unknown settings: {names}"
INVALID_FAILING_MODELS = "Invalid failing models: {models}"
INVALID_SEVERITY = "Invalid severity. Must be one of: {severities}"
BLANK_KEY_NAME = "An API key's name must be a non-empty string"
KEY_NAME_TAKEN = "API key '{name}' already exists"
BAD_OWNED_BY = "owned_by must be a non-blank string of at most 255 characters without control characters"
FIELDS_NOT_SETTABLE = "These fields cannot be set: {fields}; a model group's settable fields are {settable}"
GROUP_IN_USE = "Model group '{name}' is used by fallback chains: {chains}"
INHERITS_DEFAULT = "Model '{model}' has no {fallback_type} chain of its own: it uses the default '*' chain"
INHERITS_BY_NAME = (
    "Model '{model}' has no {fallback_type} chain of its own: it uses the chain of '{source}', "
    "another spelling of its name"
)
MAX_FALLBACKS_RANGE = "max_fallbacks must be an integer from 0 to {limit}"
INVALID_LITELLM_VERSION = "Invalid litellm_version. Must be one of: {versions}"
INVALID_CONFIG_FORMAT = "Invalid format. Must be one of: {formats}"
GATEWAY_NOT_FOUND = "Gateway '{name}' not found"
GATEWAY_NAME_TAKEN = "Gateway '{name}' already exists"
GATEWAY_BLANK_NAME = "A gateway's name must be a non-empty string of letters, digits, '.', '_' and '-'"
GATEWAY_BAD_URL = "base_url must be an http or https URL with a host and no query, fragment or credentials"
GATEWAY_PLAIN_KEY = (
    "api_key must be an os.environ/NAME reference (the gateway's key is read from this service's environment, "
    "never stored)"
)
GATEWAY_UNKNOWN_FIELDS = "Unknown gateway fields: {fields}"
GATEWAY_BAD_MODE = "Invalid mode. Must be one of: {modes}"
GATEWAY_NOT_PUBLISHING = "Gateway '{name}' is in mode observe: set mode publish to publish to it"
# What a test fallback reports (an `error` in a 200, PRODUCT.md 3.4), with the gateway's status and message.
MOCK_TESTING_REFUSED = (
    "the gateway refuses LiteLLM's mock-testing flags: set `{setting}: true` in its config.yaml "
    "to test fallbacks on it ({status}: {message})"
)
PUBLISH_STOPPED = (
    "publishing stopped: no answer to {method} for {model} ({fallback_type}), which may or may not have landed; "
    "{left} further changes not attempted (what landed is in `published`)"
)
TEST_FALLBACK_FAILED = "{status} from POST {path}: no model served the request ({message})"
TEST_FALLBACK_NO_MODEL = (
    "bad body: POST {path} answered {status} with neither an `x-litellm-model-group` header nor a `model`"
)
MAX_INPUT_TOKENS_RANGE = f"max_input_tokens must be null or an integer from 1 to {MAX_INPUT_TOKENS_LIMIT}"

# Deployments (LiteLLM `model_list` entries) and the JSON data they keep.
SECRET_IN_PLAIN_TEXT = "{field} must be an os.environ/NAME reference: secrets are never stored in plain text"
DEPLOYMENT_MODEL_REQUIRED = "litellm_params must be an object with a non-empty 'model'"
MODEL_INFO_NOT_AN_OBJECT = "model_info must be an object"
NOT_JSON_DATA = "{field} is not plain JSON data: {reason}"
JSON_NUL = "a NUL character"
JSON_SURROGATE = "a lone surrogate (not Unicode text)"
JSON_NOT_FINITE = "NaN or infinity"
JSON_KEY_NOT_A_STRING = "the key {key} is not a string"
JSON_NOT_A_VALUE = "{kind} is not a JSON value"
JSON_TOO_DEEP = f"nested deeper than {MAX_JSON_DEPTH} levels"
DUPLICATE_KEY = "duplicate key {key} in {where}: which value was meant cannot be known"

# The service cannot answer now (PRODUCT.md 8): a 503 with Retry-After at the API.
CONFIGURATION_BUSY = "The configuration is being changed by another write: try again in a moment"
STATEMENT_TIMED_OUT = "The database took too long to answer: try again in a moment"
DATABASE_UNAVAILABLE = "The database is unavailable: try again in a moment"

# Config import as a whole.
CONFIG_REFUSED = "The config file was refused: {count} problem(s)"
CONFIG_MOVED_ON = "The configuration changed since the preview (version {expected}, now {current}): preview it again"
INVALID_IMPORT_MODE = "mode must be one of: {modes}"

# History, rollback and preconditions (PRODUCT.md 3.3).
PRECONDITION_FAILED = "Precondition failed: {what} changed at version {version}"
VERSION_NOT_FOUND = "Version {version} not found"
BEFORE_HISTORY = (
    "Version {version} is older than the recorded history: changes are known from version {start} on, "
    "so the configuration can be rolled back to version {start} or later"
)
ROLLBACK_MISSING_MODELS = (
    "Cannot roll back {what} to version {version}: it names model groups that no longer exist: {models}"
)
INVALID_VERSION = "{field} must be a version number (an integer from 0)"
INVALID_CURSOR = "Invalid cursor: use the `next` value of the previous page"
INVALID_LIMIT = "limit must be an integer from 1 to {limit}"
CURSOR_WITHOUT_LIMIT = "cursor needs limit: send the limit of the previous page with its `next`"
INVALID_SINCE = "since must be an ISO 8601 date and time, such as 2026-11-30T08:00:00Z"
INVALID_VIA = "via must be one of: {choices}"
ROLLBACK_CHAIN_NEEDS_BOTH = "A chain rollback needs both model and fallback_type"
