"""The invariants of PRODUCT.md section 1, as pure functions every door calls.

No ORM here: callers pass in the names that exist. Each rule raises an error kind of
fallbacks.errors (Invalid, NotFound, Conflict) with the contract's message; which HTTP status a
kind becomes is the API's business alone.
"""

import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from fallbacks import errors
from fallbacks.domain import (
    DEFAULT_CHAIN_SOURCE,
    DEFAULT_FALLBACK_TYPE,
    DEFAULT_OWNED_BY,
    FALLBACK_TYPES,
    GATEWAY_FIELDS,
    GATEWAY_MODES,
    GATEWAY_NAME_MAX_LENGTH,
    GATEWAY_URL_MAX_LENGTH,
    LITELLM_SERIES,
    MAX_CHAIN_LENGTH,
    MAX_FALLBACKS_LIMIT,
    MAX_INPUT_TOKENS_LIMIT,
    MAX_NAME_LENGTH,
    SEVERITIES,
)
from fallbacks.errors import Conflict, DomainError, ErrorCode, Invalid, NotFound
from fallbacks.json_data import json_data_problem


@dataclass(frozen=True)
class ChainRequest:
    model: str
    fallback_models: list[str]
    fallback_type: str = DEFAULT_FALLBACK_TYPE


@dataclass(frozen=True)
class ChainProblem:
    """One reason a chain is refused; `index` is the target's position when one row is to blame."""

    message: str
    code: ErrorCode
    kind: type[DomainError] = Invalid
    index: int | None = None
    extra: dict = field(default_factory=dict)

    def as_error(self) -> DomainError:
        return self.kind(self.message, code=self.code, extra=self.extra)


def invalid_fallback_type() -> Invalid:
    return Invalid(
        errors.INVALID_FALLBACK_TYPE.format(types=FALLBACK_TYPES.values()), code=ErrorCode.INVALID_FALLBACK_TYPE
    )


def clean_fallback_type(value: object) -> str:
    """One of the registered types; callers supply the `general` default for an absent value, not for null."""
    if not isinstance(value, str) or value not in FALLBACK_TYPES:
        raise invalid_fallback_type()
    return value


def has_control_characters(text: str) -> bool:
    """Control characters, or lone surrogates (which no database can encode as UTF-8).

    NUL cannot be stored by PostgreSQL at all, and no provider's model name holds any of these.
    """
    return any(unicodedata.category(character) in ("Cc", "Cs") for character in text)


# Characters that change how a name looks without being seen: format characters (the right-to-left override
# U+202E, zero-width spaces and joiners U+200B-U+200D, U+2060, the byte order mark U+FEFF, ...) and the line and
# paragraph separators. Two names differing only by them render identically, in the admin and in a gateway's logs.
INVISIBLE_CATEGORIES = ("Cf", "Zl", "Zp")


def has_invisible_characters(text: str) -> bool:
    return any(unicodedata.category(character) in INVISIBLE_CATEGORIES for character in text)


def _check_name(name: str, field: str) -> str:
    if len(name) > MAX_NAME_LENGTH:
        raise Invalid(errors.NAME_TOO_LONG.format(field=field, limit=MAX_NAME_LENGTH), code=ErrorCode.NAME_TOO_LONG)
    if has_control_characters(name):
        raise Invalid(errors.CONTROL_CHARACTERS.format(field=field), code=ErrorCode.CONTROL_CHARACTERS)
    if has_invisible_characters(name):
        raise Invalid(errors.INVISIBLE_CHARACTERS.format(field=field), code=ErrorCode.INVISIBLE_CHARACTERS)
    return name


def clean_source_name(value: object) -> str:
    """A chain's source as a client sends it: trimmed, non-blank, at most 255 characters."""
    if not isinstance(value, str) or not value.strip():
        raise Invalid(errors.BLANK_MODEL, code=ErrorCode.BLANK_MODEL)
    return _check_name(value.strip(), "model")


def clean_target_names(value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise Invalid(errors.TARGETS_NOT_A_LIST, code=ErrorCode.INVALID_FALLBACK_MODELS)
    if not value:
        raise Invalid(errors.EMPTY_CHAIN, code=ErrorCode.EMPTY_CHAIN)
    if len(value) > MAX_CHAIN_LENGTH:  # before any per-name work: the list may hold a million names
        raise Invalid(errors.CHAIN_TOO_LONG, code=ErrorCode.CHAIN_TOO_LONG)
    names = [item.strip() for item in value]
    if not all(names):
        raise Invalid(errors.BLANK_TARGET, code=ErrorCode.BLANK_TARGET)
    for name in names:
        _check_name(name, "each of fallback_models")
    if len(set(names)) != len(names):
        raise Invalid(errors.DUPLICATE_TARGETS, code=ErrorCode.DUPLICATE_TARGETS)
    return names


def parse_chain_request(data: object) -> ChainRequest:
    """The shape of a `POST /fallback` body, before anything is looked up."""
    if not isinstance(data, dict):
        raise Invalid(errors.BODY_NOT_AN_OBJECT, code=ErrorCode.INVALID_BODY)
    return ChainRequest(
        model=clean_source_name(data.get("model")),
        fallback_models=clean_target_names(data.get("fallback_models")),
        fallback_type=clean_fallback_type(data.get("fallback_type", DEFAULT_FALLBACK_TYPE)),
    )


def model_not_found(model: str, available: Iterable[str]) -> NotFound:
    """LiteLLM's answer for a source model it does not serve, listing the ones it does (in the order given)."""
    return NotFound(
        errors.MODEL_NOT_FOUND.format(model=model),
        code=ErrorCode.MODEL_NOT_FOUND,
        extra={"available_models": list(available)},
    )


def chain_problems(
    *, source: str, targets: Sequence[str], existing: Collection[str], all_names: Callable[[], Iterable[str]]
) -> list[ChainProblem]:
    """Every reason to refuse the chain `source -> targets`, in the order LiteLLM checks them.

    `existing` holds at least the names among source and targets that exist, in a collection with
    constant-time membership (a set, a dict's keys); `all_names` is called only when an error lists
    the available models. The work is linear in the chain's length, which is bounded first: a chain
    longer than MAX_CHAIN_LENGTH is refused for that alone.
    """
    if len(targets) > MAX_CHAIN_LENGTH:
        return [ChainProblem(errors.CHAIN_TOO_LONG, ErrorCode.CHAIN_TOO_LONG)]
    problems: list[ChainProblem] = []
    if not targets:
        problems.append(ChainProblem(errors.EMPTY_CHAIN, ErrorCode.EMPTY_CHAIN))
    if source != DEFAULT_CHAIN_SOURCE and source not in existing:
        problems.append(
            ChainProblem(
                errors.MODEL_NOT_FOUND.format(model=source),
                ErrorCode.MODEL_NOT_FOUND,
                kind=NotFound,
                extra={"available_models": sorted(all_names())},
            )
        )
    unknown = [name for name in targets if name not in existing]
    if unknown:
        available = sorted(all_names())
        code = ErrorCode.INVALID_FALLBACK_MODELS
        problems.append(
            ChainProblem(
                errors.INVALID_FALLBACK_MODELS.format(models=unknown), code, extra={"available_models": available}
            )
        )
        unknown_names = set(unknown)
        for index, name in enumerate(targets):
            if name in unknown_names:
                message = errors.INVALID_FALLBACK_MODELS.format(models=[name])
                problems.append(ChainProblem(message, code, index=index, extra={"available_models": available}))
    for index, name in enumerate(targets):
        if name == source:
            problems.append(
                ChainProblem(errors.SELF_FALLBACK.format(model=source), ErrorCode.SELF_FALLBACK, index=index)
            )
    seen: set[str] = set()
    for index, name in enumerate(targets):
        if name in seen:
            problems.append(ChainProblem(errors.DUPLICATE_TARGETS, ErrorCode.DUPLICATE_TARGETS, index=index))
        seen.add(name)
    return problems


def check_chain(
    *, source: str, targets: Sequence[str], existing: Collection[str], all_names: Callable[[], Iterable[str]]
) -> None:
    """Raise the first problem of the chain, as the API reports it; do nothing when it is valid."""
    problems = chain_problems(source=source, targets=targets, existing=existing, all_names=all_names)
    whole_chain = [problem for problem in problems if problem.index is None]
    if whole_chain:
        raise whole_chain[0].as_error()
    if problems:
        raise problems[0].as_error()


def check_writes_enabled(store_model_in_db: bool) -> None:
    if not store_model_in_db:
        raise Invalid(errors.WRITES_DISABLED, code=ErrorCode.WRITES_DISABLED)


def clean_group_name(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid(errors.BLANK_GROUP_NAME, code=ErrorCode.BLANK_NAME)
    name = _check_name(value.strip(), "name")
    if name == DEFAULT_CHAIN_SOURCE:
        raise Invalid(errors.RESERVED_GROUP_NAME, code=ErrorCode.RESERVED_NAME)
    return name


def clean_owned_by(value: object) -> str:
    """A model group's provider as a client sends it: trimmed, 1 to 255 characters, no control characters.

    The rule the config importer applies to `model_info.owned_by`, so that what the API stores exports
    to a file that imports back.
    """
    owned_by = value.strip() if isinstance(value, str) else ""
    if not owned_by or len(owned_by) > MAX_NAME_LENGTH or has_control_characters(owned_by):
        raise Invalid(errors.BAD_OWNED_BY, code=ErrorCode.INVALID_OWNED_BY)
    return owned_by


def clean_optional_owned_by(value: object) -> str:
    """`owned_by` where it may be left out: absent (None) is the default provider."""
    return DEFAULT_OWNED_BY if value is None else clean_owned_by(value)


def clean_max_input_tokens(value: object) -> int | None:
    """Unknown (null), or a positive count that every database's integer column holds.

    The API, the admin and the importer call this; a database constraint (ModelGroup's
    `max_input_tokens_range`) refuses the rest.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_INPUT_TOKENS_LIMIT:
        raise Invalid(errors.MAX_INPUT_TOKENS_RANGE, code=ErrorCode.INVALID_MAX_INPUT_TOKENS)
    return value


def group_name_taken(name: str) -> Conflict:
    return Conflict(errors.GROUP_NAME_TAKEN.format(name=name), code=ErrorCode.NAME_TAKEN)


def group_not_found(name: str) -> NotFound:
    return NotFound(errors.GROUP_NOT_FOUND.format(name=name), code=ErrorCode.GROUP_NOT_FOUND)


def check_group_deletable(name: str, chains_using_it: Sequence[str]) -> None:
    """A model group that a chain names (as source or target) is never deleted silently."""
    if chains_using_it:
        raise Conflict(
            errors.GROUP_IN_USE.format(name=name, chains=", ".join(chains_using_it)),
            code=ErrorCode.GROUP_IN_USE,
            extra={"chains": list(chains_using_it)},
        )


def check_settable_fields(data: object, settable: Sequence[str]) -> None:
    """A model group body names only fields a client may set: the others are refused, not ignored."""
    if isinstance(data, dict):
        refused = sorted(set(data) - set(settable))
        if refused:
            raise Invalid(
                errors.FIELDS_NOT_SETTABLE.format(fields=refused, settable=list(settable)),
                code=ErrorCode.FIELDS_NOT_SETTABLE,
            )


def clean_max_fallbacks(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_FALLBACKS_LIMIT:
        raise Invalid(
            errors.MAX_FALLBACKS_RANGE.format(limit=MAX_FALLBACKS_LIMIT), code=ErrorCode.INVALID_MAX_FALLBACKS
        )
    return value


def clean_litellm_version(value: object) -> str:
    """A supported LiteLLM series (`"1.110"`, `"1.109"`); anything else is refused, naming them."""
    if not isinstance(value, str) or value not in LITELLM_SERIES:
        raise Invalid(
            errors.INVALID_LITELLM_VERSION.format(versions=LITELLM_SERIES.values()),
            code=ErrorCode.INVALID_LITELLM_VERSION,
        )
    return value


# The settings a `PATCH /fallback_settings` may name, each with its rule.
SETTING_RULES: dict[str, Callable[[object], object]] = {
    "max_fallbacks": clean_max_fallbacks,
    "litellm_version": clean_litellm_version,
}


def parse_settings_request(data: object) -> dict:
    """A `PATCH /fallback_settings` body: an object whose keys are settings (`max_fallbacks`, `litellm_version`)."""
    if not isinstance(data, dict):
        raise Invalid(errors.BODY_NOT_AN_OBJECT, code=ErrorCode.INVALID_BODY)
    unknown = sorted(set(data) - set(SETTING_RULES))
    if unknown:
        raise Invalid(errors.UNKNOWN_SETTINGS.format(names=unknown), code=ErrorCode.UNKNOWN_SETTINGS)
    return {name: SETTING_RULES[name](value) for name, value in data.items()}


def check_failing_models(failing: Iterable[str], known: Collection[str], all_names: Callable[[], Iterable[str]]):
    """`/fallback_plan`'s `failing` models must be model groups."""
    unknown = [name for name in dict.fromkeys(failing) if name not in known]
    if unknown:
        raise Invalid(
            errors.INVALID_FAILING_MODELS.format(models=unknown),
            code=ErrorCode.INVALID_FAILING_MODELS,
            extra={"available_models": list(all_names())},
        )


def clean_severity(value: str) -> str:
    if value not in SEVERITIES:
        raise Invalid(errors.INVALID_SEVERITY.format(severities=list(SEVERITIES)), code=ErrorCode.INVALID_SEVERITY)
    return value


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
                problems.append(FieldProblem(path, errors.SECRET_IN_PLAIN_TEXT.format(field=path)))
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
        problems.append(FieldProblem("litellm_params", errors.DEPLOYMENT_MODEL_REQUIRED))
    if not isinstance(model_info, dict):
        problems.append(FieldProblem("model_info", errors.MODEL_INFO_NOT_AN_OBJECT))
    params_problem = json_data_problem(litellm_params, "litellm_params")
    info_problem = json_data_problem(model_info, "model_info")
    for found in (params_problem, info_problem):
        if found:
            message = errors.NOT_JSON_DATA.format(field=found.location, reason=found.reason)
            problems.append(FieldProblem(found.location, message))
    if params_problem and params_problem.reason == errors.JSON_TOO_DEEP:
        return problems  # the secret walk recurses: it only ever sees data of a bounded depth
    return problems + secret_problems(litellm_params)


def check_deployments(rows: Iterable[tuple[object, object]]) -> None:
    """Refuse the first deployment `(litellm_params, model_info)` that cannot be stored, saying where."""
    for litellm_params, model_info in rows:
        problems = deployment_problems(litellm_params, model_info)
        if problems:
            raise Invalid(problems[0].message, code=ErrorCode.INVALID_DEPLOYMENT, extra={"field": problems[0].field})


# Gateways (PRODUCT.md 3.4) ----------------------------------------------------------------------

GATEWAY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # an environment variable's name


def clean_gateway_name(value: object) -> str:
    name = value.strip() if isinstance(value, str) else ""
    if not name or len(name) > GATEWAY_NAME_MAX_LENGTH or not GATEWAY_NAME.fullmatch(name):
        raise Invalid(errors.GATEWAY_BLANK_NAME, code=ErrorCode.INVALID_GATEWAY, extra={"field": "name"})
    return name


def clean_gateway_url(value: object) -> str:
    """An http(s) base URL without a trailing slash: the gateway's paths are appended to it."""
    url = value.strip().rstrip("/") if isinstance(value, str) else ""
    parts = urlsplit(url) if url and len(url) <= GATEWAY_URL_MAX_LENGTH else None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
        or parts.username
        or parts.password
        or has_control_characters(url)
        or " " in url
    ):
        raise Invalid(errors.GATEWAY_BAD_URL, code=ErrorCode.INVALID_GATEWAY, extra={"field": "base_url"})
    return url


def clean_gateway_key(value: object) -> str:
    """The gateway's key as an `os.environ/NAME` reference ("" for none); a plain secret is refused, unrepeated."""
    if value is None or value == "":
        return ""
    if not is_env_reference(value) or not ENV_NAME.fullmatch(value.removeprefix(ENV_REFERENCE_PREFIX)):
        raise Invalid(errors.GATEWAY_PLAIN_KEY, code=ErrorCode.PLAIN_SECRET, extra={"field": "api_key"})
    return value


def clean_gateway_mode(value: object) -> str:
    if value not in GATEWAY_MODES:
        raise Invalid(
            errors.GATEWAY_BAD_MODE.format(modes=list(GATEWAY_MODES)),
            code=ErrorCode.INVALID_GATEWAY,
            extra={"field": "mode"},
        )
    return value


def parse_test_fallback_request(data: object) -> tuple[str, str]:
    """`POST /gateways/{name}/test_fallback`'s body: `(model, fallback_type)`, the type `general` by default."""
    if not isinstance(data, dict):
        raise Invalid(errors.BODY_NOT_AN_OBJECT, code=ErrorCode.INVALID_BODY)
    return clean_source_name(data.get("model")), clean_fallback_type(data.get("fallback_type", DEFAULT_FALLBACK_TYPE))


def clean_gateway_fields(fields: dict, *, partial: bool) -> dict:
    """The fields of a gateway, each checked by its rule below; unknown fields are refused."""
    unknown = sorted(set(fields) - set(GATEWAY_FIELDS))
    if unknown:
        raise Invalid(errors.GATEWAY_UNKNOWN_FIELDS.format(fields=unknown), code=ErrorCode.INVALID_GATEWAY)
    cleaners = {
        "name": clean_gateway_name,
        "base_url": clean_gateway_url,
        "api_key": clean_gateway_key,
        "litellm_version": clean_litellm_version,
        "mode": clean_gateway_mode,
    }
    required = {} if partial else {"name": None, "base_url": None}  # absent: refused as such by their rules
    return {name: cleaners[name](value) for name, value in {**required, **fields}.items()}
