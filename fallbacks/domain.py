"""The vocabulary of the fallback manager (PRODUCT.md sections 1 and 2). Imports nothing of ours.

The fallback types are one registry, FALLBACK_TYPES: every door (models, validation, resolution,
lint, the config file format, the API's serializers, the admin) reads it, so a new type is one
entry here plus a migration (the column's choices and its check constraint).

The LiteLLM series whose router the resolution follows are another, LITELLM_SERIES: each names
the release it is proven against (tests/conformance) and whose provider names it reads
(fallbacks/litellm_names/). How the series' routers differ is fallbacks.resolution's to say, in
one table (SERIES_RULES).
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

DEFAULT_CHAIN_SOURCE = "*"  # the name of the default chain, which no model group may take
MAX_NAME_LENGTH = 255
# PRODUCT.md 1: LiteLLM's own editor stops at 10 targets, and no gateway walks a chain past max_fallbacks;
# the bound keeps every answer that lists chains (a `*` chain is shown for every group) proportionate.
MAX_CHAIN_LENGTH = 100
DEFAULT_OWNED_BY = "openai"  # as LiteLLM's model list says when it knows no provider
DEFAULT_MAX_FALLBACKS = 5  # LiteLLM's own default (litellm.ROUTER_MAX_FALLBACKS)
MAX_FALLBACKS_LIMIT = 100
MAX_INPUT_TOKENS_LIMIT = 2**31 - 1  # what every database's integer column holds
MAX_JSON_DEPTH = 64  # how deeply stored JSON data (and JSON request bodies) may nest
MAX_LIST_PAGE = 1000  # PRODUCT.md 3.2: the largest `?limit=` of a page of GET /fallback and GET /model_groups
GROUP_FIELDS = ("name", "owned_by", "description", "max_input_tokens")  # what a client may set on a model group

# How much a lint finding matters: errors first (`manage.py lint_fallbacks` fails a pipeline on them).
SEVERITIES = ("error", "warning", "info")

GENERAL = "general"
CONTEXT_WINDOW = "context_window"
CONTENT_POLICY = "content_policy"


@dataclass(frozen=True)
class FallbackType:
    """One kind of failure and the chains that answer it."""

    value: str  # as the API, the database and LiteLLM's query parameters spell it
    label: str  # for people: "Context window"
    uses: str  # when the gateway walks these chains, in one line for an operator
    config_key: str  # where a LiteLLM config keeps these rules (router_settings or litellm_settings)
    error: str | None  # the LiteLLM exception that selects these chains; None: any error no other type claims
    # True: errors of this type walk chains of their own type as soon as one exists anywhere, and the
    # general chains only while none does (and, on some series, when none of them applies to the failed
    # model: fallbacks.resolution.SERIES_RULES). False: the general chains themselves.
    own_chains_when_any: bool

    @property
    def title(self) -> str:
        return f"{self.label} fallbacks"

    def __str__(self) -> str:
        return self.value


class _Valued(Protocol):
    value: str


Entry = TypeVar("Entry", bound=_Valued)


class Registry(Generic[Entry]):
    """Entries in their display order; looked up by value (`"general"`, `"1.110"`)."""

    def __init__(self, *types: Entry):
        self._types = list(types)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self._types)

    def __len__(self) -> int:
        return len(self._types)

    def __contains__(self, value: object) -> bool:
        return any(kind.value == value for kind in self._types)

    def __getitem__(self, value: str) -> Entry:
        for kind in self._types:
            if kind.value == value:
                return kind
        raise KeyError(value)

    def values(self) -> list[str]:
        return [kind.value for kind in self._types]

    def choices(self) -> list[tuple[str, str]]:
        return [(kind.value, kind.label) for kind in self._types]

    def order(self, value: str) -> int:
        """The position of an entry in display order (for sorting chains by type)."""
        return self.values().index(value)


FallbackTypeRegistry = Registry[FallbackType]


FALLBACK_TYPES = FallbackTypeRegistry(
    FallbackType(
        value=GENERAL,
        label="General",
        uses=(
            "Tried on any other error (rate limit, timeout, server error, …), and on context window and content "
            "policy errors too while no chain of that type exists anywhere."
        ),
        config_key="fallbacks",
        error=None,
        own_chains_when_any=False,
    ),
    FallbackType(
        value=CONTEXT_WINDOW,
        label="Context window",
        uses=(
            "Tried when the request is too long for the model (ContextWindowExceededError). Once any chain of this "
            "type exists, a model none applies to (own, by another spelling of its name, or *) gets no fallback at "
            "all on this error on LiteLLM 1.109; LiteLLM 1.110 then walks its general chain."
        ),
        config_key="context_window_fallbacks",
        error="ContextWindowExceededError",
        own_chains_when_any=True,
    ),
    FallbackType(
        value=CONTENT_POLICY,
        label="Content policy",
        uses=(
            "Tried when the provider refuses the content (ContentPolicyViolationError). Once any chain of this "
            "type exists, a model none applies to (own, by another spelling of its name, or *) gets no fallback at "
            "all on this error, on LiteLLM 1.109 and 1.110 alike."
        ),
        config_key="content_policy_fallbacks",
        error="ContentPolicyViolationError",
        own_chains_when_any=True,
    ),
)
DEFAULT_FALLBACK_TYPE = GENERAL


def describe_chain(source: str, fallback_type: str) -> str:
    """How a chain is named in messages: `gpt-4 (general)`, `* (context_window)`."""
    return f"{source} ({fallback_type})"


@dataclass(frozen=True)
class LiteLLMSeries:
    """A LiteLLM series whose router the resolution follows (PRODUCT.md section 2)."""

    value: str  # as the setting `litellm_version` and `?litellm_version=` spell it: "1.110"
    release: str  # the release of the series proven against the real router (tests/conformance): "1.110.2"
    label: str  # for people

    def __str__(self) -> str:
        return self.value


# Newest first. Adding a release: README, "Adding a LiteLLM release".
LITELLM_SERIES: Registry[LiteLLMSeries] = Registry(
    LiteLLMSeries(value="1.110", release="1.110.2", label="LiteLLM 1.110 (router core in Rust)"),
    LiteLLMSeries(value="1.109", release="1.109.1", label="LiteLLM 1.109"),
)
DEFAULT_LITELLM_VERSION = "1.110"
LITELLM_VERSION_MAX_LENGTH = 16  # the column's width


# Gateways (PRODUCT.md 3.4): the LiteLLM proxies that run this configuration ----------------------

GATEWAY_MODES = ("observe", "publish")  # publish: this service may write the gateway's chains through its API
DEFAULT_GATEWAY_MODE = "observe"
# A gateway's fields, as the API, the admin and the security events name them.
GATEWAY_FIELDS = ("name", "base_url", "api_key", "litellm_version", "mode")
GATEWAY_NAME_MAX_LENGTH = 100
GATEWAY_URL_MAX_LENGTH = 500
GATEWAY_TIMEOUT_SECONDS = 10.0  # each call to a gateway, connect and read alike
GATEWAY_MAX_RESPONSE_BYTES = 20 * 1024 * 1024  # a model list of 10,000 groups with chains is a few MB
# A test fallback really calls the fallback targets: longer than a listing, and under the app server's 30 s timeout.
GATEWAY_TEST_FALLBACK_TIMEOUT_SECONDS = 25.0
# LiteLLM's request flags that make the requested model fail with an error of each type (its "test fallback" step),
# and the gateway setting LiteLLM 1.110 needs before it accepts them.
MOCK_TESTING_FLAGS = {
    GENERAL: "mock_testing_fallbacks",
    CONTEXT_WINDOW: "mock_testing_context_fallbacks",
    CONTENT_POLICY: "mock_testing_content_policy_fallbacks",
}
MOCK_TESTING_SETTING = "general_settings.dangerously_allow_mock_testing_request_params"


# What a read-write API key may do (PRODUCT.md 3, 4): every write of model groups, chains and settings, as Django
# permissions. Issuing such a key, or bringing a revoked one back, needs all of them (the admin), and so does writing
# through the API docs page with an admin session (the API), so that no one does or grants more than they hold.
READ_WRITE_KEY_PERMISSIONS = (
    "fallbacks.add_modelgroup",
    "fallbacks.change_modelgroup",
    "fallbacks.delete_modelgroup",
    "fallbacks.add_fallbackentry",
    "fallbacks.change_fallbackentry",
    "fallbacks.delete_fallbackentry",
    "fallbacks.change_configuration",
)


def can_read_configuration(user) -> bool:
    """Whether an admin user may read the whole configuration, as an export (the admin) or a read of the API with
    their session (the API docs page): seeing the model groups and the chains (the view or the change permission of
    each). `user` is Django's user; only its has_perm is asked."""
    return all(
        user.has_perm(f"fallbacks.view_{model}") or user.has_perm(f"fallbacks.change_{model}")
        for model in ("modelgroup", "fallbackentry")
    )
