"""Drift: what a live gateway reports against what this configuration makes a gateway of its series report.

Pure: plain data in, plain data out; no database, no HTTP. The expected side comes from
fallbacks.queries.reported_chains(series), which follows the gateway's LiteLLM series (PRODUCT.md section
2: the direct chain, with rules keyed by another spelling of a name as that release spells providers).

The comparison rules, per series
--------------------------------
What a proxy lists as `metadata.fallbacks` is `litellm.proxy.auth.model_checks.get_all_fallbacks(model,
llm_router, fallback_type)`, whose source is the same in 1.109.1 and 1.110.2: the direct chain of the rules of
that one type (the model's own rule, else one keyed by another spelling of its name, else `*`), as the rule
stores it. So both series list alike; what differs between them is only the expected side:

- both: a model is shown inside a chain it inherits (the `*` chain, or one keyed by another spelling of its
  name), which the router skips; the model's own name is dropped from its live chain before comparing (no chain
  of a model's own can name it: validation refuses that, so nothing real is hidden);
- both: model objects carry keys this service does not compare (`object`, `created`, `owned_by`, `mode`,
  `max_input_tokens`, `max_output_tokens`, ...) and metadata keys besides `fallbacks`: ignored; models may come
  in any order; a model listed twice counts once (its first entry);
- both: the order of a chain matters (it is the order of attempts), so chains are compared as lists;
- per series, the expected chains: which other spellings of a name reach a rule is the release's own provider
  list (fallbacks/litellm_names/<release>.json), through resolution.rule_keys. The listing shows one type's rules
  only, on both series: 1.110's context-window errors falling back to general chains at request time
  (resolution.SERIES_RULES) is not in the listing and is not drift; `POST /gateways/{name}/test_fallback` is what
  exercises it.

Proven: on 1.110.2 against the whole proxy started from this service's export (tests/conformance/
test_gateway_drift.py); on both 1.110.2 and 1.109.1 against the release's own `get_all_fallbacks` run offline on
the same export (tests/conformance/test_drift_rules.py, oracle_listing.py). 1.109.1's
`litellm.proxy.utils.create_model_info_response`, which adds the extra keys to each model object, cannot be
imported in its oracle environment (installed from the router-only requirements: no fastapi), so for 1.109 the
extra keys are ignored by construction (only `id` and `metadata.fallbacks` are read), not measured.
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
