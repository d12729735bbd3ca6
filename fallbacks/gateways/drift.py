"""Drift: what a live gateway reports against what this configuration makes a gateway of its series report.

Pure: plain data in, plain data out; no database, no HTTP. The expected side comes from
fallbacks.queries.reported_chains(series), which follows the gateway's LiteLLM series (PRODUCT.md section
2: the direct chain, with rules keyed by another spelling of a name as that release spells providers).

LiteLLM's listing habits that are not drift (measured against the real 1.110.2 proxy, tests/conformance):
- a model is shown inside a chain it inherits (the `*` chain, or one keyed by another spelling of its
  name): the router skips it, and this service leaves it out; so the model's own name is dropped from
  its live chain before comparing (no chain of a model's own can name it: validation refuses that);
- model objects carry keys this service does not list (`mode`, `permission`, `root`, ...) and metadata
  keys besides `fallbacks`: ignored;
The order of a chain matters (it is the order of attempts), so it is compared as a list.
Both series list the same way (1.109's proxy endpoints are the same code); only their expected chains
differ, and those come from resolution.
"""

from dataclasses import dataclass, field

from fallbacks.domain import FALLBACK_TYPES

Listing = dict[str, dict[str, list[str]]]  # fallback type -> model -> chain


class BadListing(ValueError):
    """The gateway's `/v1/models` body is not the OpenAI list with `metadata.fallbacks`."""


@dataclass(frozen=True)
class ChainDrift:
    model: str
    fallback_type: str
    expected: list[str]
    live: list[str]

    def as_dict(self) -> dict:
        return {"model": self.model, "fallback_type": self.fallback_type, "expected": self.expected, "live": self.live}


@dataclass(frozen=True)
class Drift:
    models_missing: list[str] = field(default_factory=list)  # groups here that the gateway does not serve
    models_unknown: list[str] = field(default_factory=list)  # models the gateway serves that are not groups here
    chains: list[ChainDrift] = field(default_factory=list)  # only those that differ

    @property
    def in_sync(self) -> bool:
        return not (self.models_missing or self.models_unknown or self.chains)


def live_chains(body: object, fallback_type: str) -> dict[str, list[str]]:
    """`model -> chain` from a gateway's `/v1/models?include_metadata=true` answer, with LiteLLM's habit of
    showing a model in its own inherited chain undone; BadListing when the body is not that list."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        raise BadListing("bad body: /v1/models did not answer an object with a `data` list")
    chains: dict[str, list[str]] = {}
    for index, item in enumerate(data):
        model = item.get("id") if isinstance(item, dict) else None
        metadata = item.get("metadata") if isinstance(item, dict) else None
        fallbacks = metadata.get("fallbacks") if isinstance(metadata, dict) else None
        if not isinstance(model, str) or not isinstance(fallbacks, list):
            raise BadListing(
                f"bad body: /v1/models data[{index}] has no `id` or no `metadata.fallbacks` "
                f"(fallback_type={fallback_type}): not a LiteLLM proxy answering include_metadata?"
            )
        if not all(isinstance(name, str) for name in fallbacks):
            raise BadListing(f"bad body: /v1/models data[{index}].metadata.fallbacks is not a list of names")
        chains.setdefault(model, [name for name in fallbacks if name != model])
    return chains


def compare(expected: Listing, live: Listing) -> Drift:
    """The difference between two listings of the same types: models on one side only, and chains that differ."""
    expected_models = set().union(*(set(models) for models in expected.values())) if expected else set()
    live_models = set().union(*(set(models) for models in live.values())) if live else set()
    chains = []
    for kind in FALLBACK_TYPES.values():
        ours, theirs = expected.get(kind, {}), live.get(kind, {})
        for model in sorted(set(ours) & set(theirs)):
            if ours[model] != theirs[model]:
                chains.append(ChainDrift(model, kind, list(ours[model]), list(theirs[model])))
    return Drift(
        models_missing=sorted(expected_models - live_models),
        models_unknown=sorted(live_models - expected_models),
        chains=chains,
    )
