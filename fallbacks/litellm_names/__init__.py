"""LiteLLM's names for providers, per pinned release, as its router's fallback lookup reads them. Pure.

PRODUCT.md section 2: a model without a rule of its own uses the rule keyed with its provider prefix
stripped (`openai/gpt-4o` -> `gpt-4o`, for every provider in LiteLLM's provider list of that release)
or added (`gpt-4o` -> `openai/gpt-4o`, the provider inferred as LiteLLM infers it). Both depend on the
release, so each pinned release has its data here, `litellm-<release>.json`, written by
`scripts/generate_litellm_names.py` from the installed wheel (never by hand): a new release is a
regeneration. The file holds

- `providers`: the provider list the fallback lookup strips (`_check_stripped_model_group`);
- `known_models`: what `inferred_provider` answers for every bare name the wheel knows (its model
  lists and cost map, and the provider names themselves), null where it infers none;
- `code_rules`: the few rules `get_llm_provider` applies in code to a bare name it does not know,
  in its order, each checked against the wheel by the script;
- `routing_rules`: the cost map's `fallback_generalizations` routing rules (a regex and a provider),
  tried last, first match wins.
"""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent

# The kinds of `code_rules` (see `_code_rule_provider`).
CONTAINS = "contains"  # the name contains `text`
PREFIX = "prefix"  # the name starts with `text`
REPLICATE_VERSION = "replicate_version"  # `owner-model:<64-character version id>`; decides alone once a long
# name has a `:`, whichever way (LiteLLM's `elif` then skips its later code rules)


def data_file(release: str) -> Path:
    return DATA_DIR / f"litellm-{release}.json"


@dataclass(frozen=True)
class ProviderNames:
    """One LiteLLM release's provider list and provider inference, as data."""

    release: str
    providers: tuple[str, ...]
    known_models: Mapping[str, str | None]
    code_rules: tuple[Mapping[str, object], ...]
    routing_rules: tuple[tuple[re.Pattern, str], ...]
    # other_spellings' answers: a plan or a lint asks about the same names over and over
    _spellings: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_document(cls, document: Mapping) -> "ProviderNames":
        return cls(
            release=document["release"],
            providers=tuple(document["providers"]),
            known_models=dict(document["known_models"]),
            code_rules=tuple(document["code_rules"]),
            routing_rules=tuple(
                (re.compile(rule["pattern"], re.IGNORECASE), rule["provider"]) for rule in document["routing_rules"]
            ),
        )

    def inferred_provider(self, model: str) -> str | None:
        """The provider LiteLLM infers for a bare model name (`inferred_provider`), None when it infers none."""
        if not model or "/" in model:
            return None  # only bare names are ever prefixed (`_provider_prefixed_model_group`)
        if model in self.known_models:
            return self.known_models[model]
        provider = None
        for rule in self.code_rules:
            provider, decided = _code_rule_provider(rule, model)
            if decided:
                break
        if provider is None:
            provider = next((name for pattern, name in self.routing_rules if pattern.search(model)), None)
        return provider

    def stripped(self, model: str) -> tuple[str, ...]:
        """`model` with its provider prefix removed, as the fallback lookup compares it with a rule's key.

        LiteLLM removes every occurrence of `<provider>/` once the name starts with it (`str.replace`),
        the same in both series (tests/conformance checks it).
        """
        return tuple(
            dict.fromkeys(
                model.replace(f"{provider}/", "") for provider in self.providers if model.startswith(f"{provider}/")
            )
        )

    def prefixed(self, model: str) -> str | None:
        """`model` with the provider prefix LiteLLM would add (`gpt-4o` -> `openai/gpt-4o`), None when none."""
        provider = self.inferred_provider(model)
        return f"{provider}/{model}" if provider else None

    def other_spellings(self, model: str) -> tuple[str, ...]:
        """The rule keys besides `model` itself that name it: stripped of its provider, or prefixed with one."""
        spellings = self._spellings.get(model)
        if spellings is None:
            prefixed = self.prefixed(model)
            spellings = self._spellings[model] = (*self.stripped(model), *((prefixed,) if prefixed else ()))
        return spellings


def _code_rule_provider(rule: Mapping[str, object], model: str) -> tuple[str | None, bool]:
    """`(provider, decided)`: what one code rule says of an unknown bare name, and whether it ends the rules."""
    kind, text, provider = rule["kind"], rule.get("text"), rule["provider"]
    if kind == CONTAINS:
        return (provider, True) if text in model else (None, False)
    if kind == PREFIX:
        return (provider, True) if model.startswith(text) else (None, False)
    if kind == REPLICATE_VERSION:
        length = rule["length"]
        if ":" in model and len(model) > length:
            return (provider if len(model.split(":")[1]) == length else None), True
        return None, False
    raise ValueError(f"unknown code rule kind {kind!r} in the LiteLLM names data")


@cache
def provider_names(release: str) -> ProviderNames:
    """The data of one pinned release (a file of this package)."""
    return ProviderNames.from_document(json.loads(data_file(release).read_text(encoding="utf-8")))
