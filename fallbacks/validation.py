"""The invariants of PRODUCT.md section 1, as pure functions every door calls.

No ORM here: callers pass in the names that exist. The messages are part of the contract
(PRODUCT.md 3.1) and tests import these constants rather than repeating the strings.
"""

import json
import math
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from django.core.exceptions import ValidationError


class FallbackType(StrEnum):
    GENERAL = "general"
    CONTEXT_WINDOW = "context_window"
    CONTENT_POLICY = "content_policy"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @classmethod
    def values(cls) -> list[str]:
        return [member.value for member in cls]

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(member.value, member.label) for member in cls]


FALLBACK_TYPES: list[str] = FallbackType.values()
DEFAULT_FALLBACK_TYPE = FallbackType.GENERAL.value
DEFAULT_CHAIN_SOURCE = "*"
MAX_NAME_LENGTH = 255

# Messages of PRODUCT.md 3.1, word for word.
MODEL_NOT_FOUND = "Model '{model}' not found in router"
INVALID_FALLBACK_MODELS = "Invalid fallback models: {models}"
SELF_FALLBACK = "Model '{model}' cannot be its own fallback"
DUPLICATE_TARGETS = "fallback_models must not contain duplicates"
EMPTY_CHAIN = "fallback_models must contain at least one model"
BLANK_MODEL = "model must be a non-empty string"
INVALID_FALLBACK_TYPE = f"Invalid fallback_type. Must be one of: {FALLBACK_TYPES}"
NOTHING_CONFIGURED = "No {fallback_type} fallbacks configured for model '{model}'"
WRITES_DISABLED = "Database storage not enabled. Set 'STORE_MODEL_IN_DB=True' in your environment to use this feature."

# Messages this service adds where the contract is silent.
NAME_TOO_LONG = "{field} must be at most {limit} characters"
CONTROL_CHARACTERS = "{field} must not contain control characters or unpaired surrogates"
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
MODEL_NOT_SERVED = "Model '{model}' not found"
DEFAULT_OWNED_BY = "openai"  # as LiteLLM's model list says when it knows no provider
BAD_OWNED_BY = "owned_by must be a non-blank string of at most 255 characters without control characters"
FIELDS_NOT_SETTABLE = "These fields cannot be set: {fields}; a model group's settable fields are {settable}"
GROUP_IN_USE = "Model group '{name}' is used by fallback chains: {chains}"
INHERITS_DEFAULT = "Model '{model}' has no {fallback_type} chain of its own: it uses the default '*' chain"
MAX_FALLBACKS_RANGE = "max_fallbacks must be an integer from 0 to {limit}"
MAX_FALLBACKS_LIMIT = 100


class RuleViolation(ValidationError):
    """A refused input, with the HTTP status and extra body fields the contract gives it.

    It is a Django ValidationError, so forms show it like any other; the API's exception
    handler renders it as `{"detail": {"error": message, **extra}}` with `status`.
    """

    def __init__(self, message: str, *, code: str, status: int = 400, extra: dict | None = None):
        super().__init__(message, code=code)
        self.status = status
        self.extra = extra or {}


@dataclass(frozen=True)
class ChainRequest:
    model: str
    fallback_models: list[str]
    fallback_type: str = DEFAULT_FALLBACK_TYPE


@dataclass(frozen=True)
class ChainProblem:
    """One reason a chain is refused; `index` is the target's position when one row is to blame."""

    message: str
    code: str
    status: int = 400
    index: int | None = None
    extra: dict = field(default_factory=dict)

    def as_violation(self) -> RuleViolation:
        return RuleViolation(self.message, code=self.code, status=self.status, extra=self.extra)


def clean_fallback_type(value: object) -> str:
    """One of the three types; callers supply the `general` default for an absent value, not for null."""
    if not isinstance(value, str) or value not in FALLBACK_TYPES:
        raise RuleViolation(INVALID_FALLBACK_TYPE, code="invalid_fallback_type")
    return value


def has_control_characters(text: str) -> bool:
    """Control characters, or lone surrogates (which no database can encode as UTF-8).

    NUL cannot be stored by PostgreSQL at all, and no provider's model name holds any of these.
    """
    return any(unicodedata.category(character) in ("Cc", "Cs") for character in text)


def _check_name(name: str, field: str) -> str:
    if len(name) > MAX_NAME_LENGTH:
        raise RuleViolation(NAME_TOO_LONG.format(field=field, limit=MAX_NAME_LENGTH), code="name_too_long")
    if has_control_characters(name):
        raise RuleViolation(CONTROL_CHARACTERS.format(field=field), code="control_characters")
    return name


def clean_source_name(value: object) -> str:
    """A chain's source as a client sends it: trimmed, non-blank, at most 255 characters."""
    if not isinstance(value, str) or not value.strip():
        raise RuleViolation(BLANK_MODEL, code="blank_model")
    return _check_name(value.strip(), "model")


def clean_target_names(value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise RuleViolation(TARGETS_NOT_A_LIST, code="invalid_fallback_models")
    if not value:
        raise RuleViolation(EMPTY_CHAIN, code="empty_chain")
    names = [item.strip() for item in value]
    if not all(names):
        raise RuleViolation(BLANK_TARGET, code="blank_target")
    for name in names:
        _check_name(name, "each of fallback_models")
    if len(set(names)) != len(names):
        raise RuleViolation(DUPLICATE_TARGETS, code="duplicate_targets")
    return names


def parse_chain_request(data: object) -> ChainRequest:
    """The shape of a `POST /fallback` body, before anything is looked up."""
    if not isinstance(data, dict):
        raise RuleViolation(BODY_NOT_AN_OBJECT, code="invalid_body")
    return ChainRequest(
        model=clean_source_name(data.get("model")),
        fallback_models=clean_target_names(data.get("fallback_models")),
        fallback_type=clean_fallback_type(data.get("fallback_type", DEFAULT_FALLBACK_TYPE)),
    )


def chain_problems(
    *, source: str, targets: Sequence[str], existing: Collection[str], all_names: Callable[[], Iterable[str]]
) -> list[ChainProblem]:
    """Every reason to refuse the chain `source -> targets`, in the order LiteLLM checks them.

    `existing` holds at least the names among source and targets that exist; `all_names` is
    called only when an error lists the available models.
    """
    problems: list[ChainProblem] = []
    if not targets:
        problems.append(ChainProblem(EMPTY_CHAIN, "empty_chain"))
    if source != DEFAULT_CHAIN_SOURCE and source not in existing:
        problems.append(
            ChainProblem(
                MODEL_NOT_FOUND.format(model=source),
                "model_not_found",
                status=404,
                extra={"available_models": sorted(all_names())},
            )
        )
    unknown = [name for name in targets if name not in existing]
    if unknown:
        available = sorted(all_names())
        problems.append(
            ChainProblem(
                INVALID_FALLBACK_MODELS.format(models=unknown),
                "invalid_fallback_models",
                extra={"available_models": available},
            )
        )
        for index, name in enumerate(targets):
            if name in unknown:
                problems.append(
                    ChainProblem(
                        INVALID_FALLBACK_MODELS.format(models=[name]),
                        "invalid_fallback_models",
                        index=index,
                        extra={"available_models": available},
                    )
                )
    for index, name in enumerate(targets):
        if name == source:
            problems.append(ChainProblem(SELF_FALLBACK.format(model=source), "self_fallback", index=index))
    seen: set[str] = set()
    for index, name in enumerate(targets):
        if name in seen:
            problems.append(ChainProblem(DUPLICATE_TARGETS, "duplicate_targets", index=index))
        seen.add(name)
    return problems


def check_chain(
    *, source: str, targets: Sequence[str], existing: Collection[str], all_names: Callable[[], Iterable[str]]
) -> None:
    """Raise the first problem of the chain, as the API reports it; do nothing when it is valid."""
    problems = chain_problems(source=source, targets=targets, existing=existing, all_names=all_names)
    whole_chain = [problem for problem in problems if problem.index is None]
    if whole_chain:
        raise whole_chain[0].as_violation()
    if problems:
        raise problems[0].as_violation()


def check_writes_enabled(store_model_in_db: bool) -> None:
    if not store_model_in_db:
        raise RuleViolation(WRITES_DISABLED, code="writes_disabled")


def clean_group_name(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RuleViolation(BLANK_GROUP_NAME, code="blank_name")
    name = _check_name(value.strip(), "name")
    if name == DEFAULT_CHAIN_SOURCE:
        raise RuleViolation(RESERVED_GROUP_NAME, code="reserved_name")
    return name


def clean_owned_by(value: object) -> str:
    """A model group's provider as a client sends it: trimmed, 1 to 255 characters, no control characters.

    The rule the config importer applies to `model_info.owned_by`, so that what the API stores exports
    to a file that imports back.
    """
    owned_by = value.strip() if isinstance(value, str) else ""
    if not owned_by or len(owned_by) > MAX_NAME_LENGTH or has_control_characters(owned_by):
        raise RuleViolation(BAD_OWNED_BY, code="invalid_owned_by")
    return owned_by


def check_group_deletable(name: str, chains_using_it: Sequence[str]) -> None:
    """A model group that a chain names (as source or target) is never deleted silently."""
    if chains_using_it:
        raise RuleViolation(
            GROUP_IN_USE.format(name=name, chains=", ".join(chains_using_it)),
            code="group_in_use",
            status=409,
            extra={"chains": list(chains_using_it)},
        )


def parse_flag(value: str) -> bool | None:
    """A query flag as FastAPI reads a bool (LiteLLM's `include_metadata`); None when it is neither."""
    lowered = value.strip().lower()
    if lowered in ("true", "1", "yes", "on"):
        return True
    if lowered in ("false", "0", "no", "off"):
        return False
    return None


def parse_settings_request(data: object) -> dict:
    """A `PATCH /fallback_settings` body: an object whose only key may be `max_fallbacks`."""
    if not isinstance(data, dict):
        raise RuleViolation(BODY_NOT_AN_OBJECT, code="invalid_body")
    unknown = sorted(set(data) - {"max_fallbacks"})
    if unknown:
        raise RuleViolation(UNKNOWN_SETTINGS.format(names=unknown), code="unknown_settings")
    return {name: clean_max_fallbacks(value) for name, value in data.items()}


def clean_max_fallbacks(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_FALLBACKS_LIMIT:
        raise RuleViolation(MAX_FALLBACKS_RANGE.format(limit=MAX_FALLBACKS_LIMIT), code="invalid_max_fallbacks")
    return value


def describe_chain(source: str, fallback_type: str) -> str:
    """How a chain is named in messages: `gpt-4 (general)`, `* (context_window)`."""
    return f"{source} ({fallback_type})"


# Secret fields of a deployment's litellm_params (PRODUCT.md 6: `api_key` and its kind), compared
# after lower-casing and turning `-` into `_`, so header names such as `X-Api-Key` are caught too.
SECRET_FIELDS = frozenset(
    {
        "api_key",
        "x_api_key",
        "authorization",
        "aws_access_key_id",
        "aws_secret_access_key",
        "aws_session_token",
        "aws_web_identity_token",
        "vertex_credentials",
        "azure_ad_token",
        "azure_password",
        "client_secret",
        "password",
        "token",
        "api_token",
        "access_token",
        "refresh_token",
        "secret",
        "secret_key",
        "private_key",
    }
)
SECRET_SUFFIXES = ("_api_key", "_secret", "_secret_key", "_access_key", "_password", "_token", "_credentials")
ENV_REFERENCE_PREFIX = "os.environ/"
SECRET_IN_PLAIN_TEXT = "{field} must be an os.environ/NAME reference: secrets are never stored in plain text"
DEPLOYMENT_MODEL_REQUIRED = "litellm_params must be an object with a non-empty 'model'"
MODEL_INFO_NOT_AN_OBJECT = "model_info must be an object"


@dataclass(frozen=True)
class FieldProblem:
    """One reason a deployment is refused; `field` is where, e.g. `litellm_params.api_key`."""

    field: str
    message: str


def is_secret_field(name: str) -> bool:
    key = name.lower().replace("-", "_")
    if "cost" in key or key.startswith("max_"):  # `input_cost_per_token`, `max_tokens` are prices and limits
        return False
    return key in SECRET_FIELDS or key.endswith(SECRET_SUFFIXES)


def is_env_reference(value: object) -> bool:
    return isinstance(value, str) and value.startswith(ENV_REFERENCE_PREFIX) and len(value) > len(ENV_REFERENCE_PREFIX)


def secret_problems(litellm_params: object, location: str = "litellm_params") -> list[FieldProblem]:
    """Every secret field of `litellm_params`, nested ones included, whose value is not `os.environ/NAME`.

    The messages never repeat the value: it is the secret that must not be shown or stored.
    """
    problems: list[FieldProblem] = []
    if isinstance(litellm_params, dict):
        for key, value in litellm_params.items():
            path = f"{location}.{key}"
            if isinstance(key, str) and is_secret_field(key) and value is not None and not is_env_reference(value):
                problems.append(FieldProblem(path, SECRET_IN_PLAIN_TEXT.format(field=path)))
            else:
                problems.extend(secret_problems(value, path))
    elif isinstance(litellm_params, list):
        for index, item in enumerate(litellm_params):
            problems.extend(secret_problems(item, f"{location}[{index}]"))
    return problems


def deployment_problems(litellm_params: object, model_info: object) -> list[FieldProblem]:
    """Why a deployment (one LiteLLM `model_list` entry) cannot be stored; `field` says where."""
    problems: list[FieldProblem] = []
    model = litellm_params.get("model") if isinstance(litellm_params, dict) else None
    if not isinstance(model, str) or not model.strip():
        problems.append(FieldProblem("litellm_params", DEPLOYMENT_MODEL_REQUIRED))
    if not isinstance(model_info, dict):
        problems.append(FieldProblem("model_info", MODEL_INFO_NOT_AN_OBJECT))
    params_problem = json_data_problem(litellm_params, "litellm_params")
    info_problem = json_data_problem(model_info, "model_info")
    for found in (params_problem, info_problem):
        if found:
            message = NOT_JSON_DATA.format(field=found.location, reason=found.reason)
            problems.append(FieldProblem(found.location, message))
    if params_problem and params_problem.reason == JSON_TOO_DEEP:
        return problems  # the secret walk recurses: it only ever sees data of a bounded depth
    return problems + secret_problems(litellm_params)


# A model group's `max_input_tokens`: unknown (null), or a positive count that every database's
# integer column holds. The API, the admin and the importer call this; a database constraint
# (ModelGroup's `max_input_tokens_range`) refuses the rest.
MAX_INPUT_TOKENS_LIMIT = 2**31 - 1
MAX_INPUT_TOKENS_RANGE = f"max_input_tokens must be null or an integer from 1 to {MAX_INPUT_TOKENS_LIMIT}"


def clean_max_input_tokens(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_INPUT_TOKENS_LIMIT:
        raise RuleViolation(MAX_INPUT_TOKENS_RANGE, code="invalid_max_input_tokens")
    return value


# Data kept in a JSON column (a deployment's `litellm_params` and `model_info`) must come back as it
# went in, on every database: PostgreSQL's jsonb refuses NUL characters and NaN, and no database
# can encode a lone surrogate; SQLite would store some of these, and the export would then be a file
# the import refuses. Non-string keys would come back as strings. Nesting is bounded so that no
# walk over the data (here, in the export, in the database driver) can run out of stack.
MAX_JSON_DEPTH = 64
NOT_JSON_DATA = "{field} is not plain JSON data: {reason}"
JSON_NUL = "a NUL character"
JSON_SURROGATE = "a lone surrogate (not Unicode text)"
JSON_NOT_FINITE = "NaN or infinity"
JSON_KEY_NOT_A_STRING = "the key {key} is not a string"
JSON_NOT_A_VALUE = "{kind} is not a JSON value"
JSON_TOO_DEEP = f"nested deeper than {MAX_JSON_DEPTH} levels"


@dataclass(frozen=True)
class JsonDataProblem:
    """Why a value is not plain JSON data (`reason`), and where in it (`location`)."""

    location: str
    reason: str


def key_location(base: str, key: str) -> str:
    """`base.key`, or `base["key"]` when the key would not read as one path segment."""
    if key.isidentifier():
        return f"{base}.{key}" if base else key
    # Escaped to ASCII only when it holds what could not be shown (a NUL, a lone surrogate).
    return f"{base}[{json.dumps(key, ensure_ascii=_text_problem(key) is not None)}]"


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return JSON_NUL
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return JSON_SURROGATE
    return None


def json_data_problem(value: object, location: str, *, depth_limit: int = MAX_JSON_DEPTH) -> JsonDataProblem | None:
    """The first thing in `value`, in document order, that a JSON column would not give back unchanged.

    Iterative, so that data nested deeper than `depth_limit` is refused, never a RecursionError.
    """
    pending: list[tuple[object, str, int]] = [(value, location, 0)]
    while pending:
        item, where, depth = pending.pop()
        if item is None or isinstance(item, bool | int):
            continue
        if isinstance(item, float):
            if item != item or item in (math.inf, -math.inf):
                return JsonDataProblem(where, JSON_NOT_FINITE)
            continue
        if isinstance(item, str):
            if reason := _text_problem(item):
                return JsonDataProblem(where, reason)
            continue
        if isinstance(item, list | dict) and depth >= depth_limit:
            return JsonDataProblem(where, JSON_TOO_DEEP)
        if isinstance(item, list):
            pending.extend((inner, f"{where}[{index}]", depth + 1) for index, inner in reversed(list(enumerate(item))))
            continue
        if isinstance(item, dict):
            children = []
            for key, inner in item.items():
                if not isinstance(key, str):
                    return JsonDataProblem(where, JSON_KEY_NOT_A_STRING.format(key=_short_repr(key)))
                if reason := _text_problem(key):
                    return JsonDataProblem(where, f"{reason} in a key")
                children.append((inner, key_location(where, key), depth + 1))
            pending.extend(reversed(children))
            continue
        return JsonDataProblem(where, JSON_NOT_A_VALUE.format(kind=_kind_of(item)))
    return None


def _short_repr(value: object, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _kind_of(value: object) -> str:
    kind = type(value).__name__
    return f"a {kind} ({_short_repr(value)})"


def json_text_nesting(text: str, limit: int = MAX_JSON_DEPTH) -> int | None:
    """The offset in the JSON text `text` where arrays and objects nest deeper than `limit`, or None.

    A scan of the text, so that a document can be refused before a parser recurses into it; it
    follows strings and their escapes, and needs no valid JSON (the parser judges that).
    """
    depth = 0
    in_string = False
    escaped = -1  # the offset of the character a backslash escapes
    for match in _JSON_STRUCTURE.finditer(text):
        offset, character = match.start(), match.group()
        if in_string:
            if offset == escaped:
                continue
            if character == "\\":
                escaped = offset + 1
            elif character == '"':
                in_string = False
        elif character == '"':
            in_string = True
        elif character in "[{":
            depth += 1
            if depth > limit:
                return offset
        elif character in "]}":
            depth -= 1
    return None


_JSON_STRUCTURE = re.compile(r'[\[\]{}"\\]')
