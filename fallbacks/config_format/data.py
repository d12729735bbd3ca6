"""The data of a LiteLLM proxy config as this service reads and writes it (PRODUCT.md section 6).

How the data of this service sits in the format:
- every deployment is a `model_list` entry; its `litellm_params` and `model_info` are kept as given;
- a model group's own fields ride in its entries' `model_info` (`owned_by`, `description`,
  `max_input_tokens`; LiteLLM already reads `max_input_tokens` from there and ignores the others);
- a model group without deployments still needs an entry, or LiteLLM could not load the file:
  it gets one marked `model_info.placeholder: true`, whose `litellm_params` are not stored;
- each fallback type's rules sit under its registry entry's `config_key` (fallbacks.domain), in
  `router_settings` first, then `litellm_settings`, as LiteLLM reads them.
"""

from dataclasses import dataclass, field
from enum import StrEnum

from fallbacks.domain import DEFAULT_MAX_FALLBACKS, DEFAULT_OWNED_BY, FALLBACK_TYPES

DEFAULT_FALLBACKS_KEY = "default_fallbacks"
MAX_FALLBACKS_KEY = "max_fallbacks"
SETTINGS_SECTIONS = ("router_settings", "litellm_settings")


def rule_keys() -> dict[str, str]:
    """Each fallback type's config key: `{"general": "fallbacks", ...}`, in the registry's order."""
    return {kind.value: kind.config_key for kind in FALLBACK_TYPES}


def fallback_keys() -> frozenset[str]:
    """Every key of a settings section that this service reads."""
    return frozenset({*rule_keys().values(), DEFAULT_FALLBACKS_KEY, MAX_FALLBACKS_KEY})


GROUP_FIELDS_IN_MODEL_INFO = ("owned_by", "description", "max_input_tokens")
PLACEHOLDER_KEY = "placeholder"
PLACEHOLDER_PROVIDER = "openai"  # LiteLLM accepts any model name under `openai/`, whatever the group is


class ImportMode(StrEnum):
    MERGE = "merge"  # what the file names is set, everything else is kept
    REPLACE = "replace"  # the configuration becomes exactly the file


class ConfigFormat(StrEnum):
    YAML = "yaml"
    JSON = "json"


@dataclass(frozen=True)
class Problem:
    """Something in the file, at `location` (`router_settings.fallbacks[3]`), refused or ignored."""

    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


@dataclass
class DeploymentData:
    litellm_params: dict
    model_info: dict = field(default_factory=dict)


@dataclass
class GroupData:
    name: str
    owned_by: str = DEFAULT_OWNED_BY
    description: str = ""
    max_input_tokens: int | None = None
    deployments: list[DeploymentData] = field(default_factory=list)
    created: int | None = field(default=None, compare=False)  # unix seconds, when known (not in the file format)


@dataclass
class ConfigData:
    """A whole configuration as plain data: what an export writes and an import makes."""

    groups: dict[str, GroupData] = field(default_factory=dict)
    chains: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (source or "*", type) -> targets
    max_fallbacks: int = DEFAULT_MAX_FALLBACKS
    version: int | None = field(default=None, compare=False)  # the config version it was read at, when known


@dataclass
class GroupSpec:
    """A model group as a file gives it: `fields` holds only the group fields the file sets."""

    name: str
    location: str
    fields: dict = field(default_factory=dict)
    field_locations: dict = field(default_factory=dict)
    inferred_owned_by: str = DEFAULT_OWNED_BY
    deployments: list[DeploymentData] = field(default_factory=list)


@dataclass
class ChainSpec:
    targets: list[str]
    location: str


@dataclass
class ParsedConfig:
    groups: dict[str, GroupSpec] = field(default_factory=dict)
    chains: dict[tuple[str, str], ChainSpec] = field(default_factory=dict)
    max_fallbacks: int | None = None
    problems: list[Problem] = field(default_factory=list)  # refused: the import cannot go ahead
    notices: list[Problem] = field(default_factory=list)  # ignored, said so, harmless
