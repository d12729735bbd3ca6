"""The drift comparison's rules per series (fallbacks/gateways/drift.py), proven against each release's own proxy
listing code run offline: `get_all_fallbacks`, which builds `/v1/models?include_metadata=true`'s
`metadata.fallbacks` (tests/conformance/oracle_listing.py). For 1.110 the whole proxy is proven too
(test_gateway_drift.py); for 1.109 the proxy's listing function is the only part that runs here.

A gateway of the series that runs this configuration is in sync, although its listing has the quirk drift
tolerates (a model inside its own inherited chain, met here); a chain changed here is named, with both sides.
"""

import pytest

from fallbacks import queries, services
from fallbacks.gateways.drift import compare, live_chains
from tests.conformance.test_proxy_conformance import configure
from tests.factories import export

pytestmark = [pytest.mark.conformance, pytest.mark.slow, pytest.mark.django_db]


def as_listing_body(chains: dict[str, list[str]]) -> dict:
    """The oracle's chains as the proxy answers them (an OpenAI list with `metadata.fallbacks` and extra keys)."""
    return {
        "object": "list",
        "data": [
            {"id": model, "object": "model", "mode": "chat", "metadata": {"fallbacks": chain, "other": 1}}
            for model, chain in chains.items()
        ],
    }


def test_a_gateway_of_each_series_running_this_configuration_is_in_sync(oracle):
    configure()  # rules keyed by other spellings of names, both ways, chains of every type and a `*` chain
    services.chain_set(actor="conformance", source="*", fallback_type="general", targets=["gpt-4o", "x-1"])
    before = export()
    services.chain_set(actor="conformance", source="x-1", fallback_type="general", targets=["gpt-4.1"])
    after = export()
    listings = oracle.run("oracle_listing.py", {"configs": [before, after]})["results"]

    live = {kind: live_chains(as_listing_body(chains), kind) for kind, chains in listings[1].items()}
    _, expected = queries.reported_chains(oracle.series)
    drift = compare(expected, live)
    assert (drift.in_sync, drift.chains, drift.models_missing, drift.models_unknown) == (True, [], [], [])
    inherited_shown = [
        (kind, model) for kind, chains in listings[1].items() for model, chain in chains.items() if model in chain
    ]
    assert ("content_policy", "gpt-4o") in inherited_shown  # the quirk met: gpt-4o inside the `*` chain it inherits

    # The gateway still running the configuration before the change: exactly that chain differs, with both sides.
    live = {kind: live_chains(as_listing_body(chains), kind) for kind, chains in listings[0].items()}
    drift = compare(expected, live)
    assert [chain.as_dict() for chain in drift.chains] == [
        {"model": "x-1", "fallback_type": "general", "expected": ["gpt-4.1"], "live": ["wally/x-1", "gpt-4.1"]}
    ]
    print(
        f"\nLiteLLM {oracle.release} listing: {sum(map(len, listings[1].values()))} chains, {len(inherited_shown)} "
        "show their model inside an inherited chain; drift in sync"
    )
