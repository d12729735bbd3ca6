"""The drift comparison (fallbacks.gateways.drift): pure, with LiteLLM's listing habits tolerated."""

import pytest

from fallbacks.gateways.drift import BadListing, compare, live_chains


def listing(*items):
    return {"data": list(items), "object": "list"}


def test_a_model_shown_inside_its_inherited_chain_and_extra_keys_are_not_drift():
    body = listing(
        {"id": "a", "object": "model", "mode": "chat", "metadata": {"fallbacks": ["a", "b"], "other": 1}},
        {"id": "b", "object": "model", "metadata": {"fallbacks": ["a", "b"]}},
    )
    live = live_chains(body, "general")
    assert live == {"a": ["b"], "b": ["a"]}
    assert compare({"general": {"a": ["b"], "b": ["a"]}}, {"general": live}).in_sync


def test_missing_unknown_and_differing_chains_in_order():
    drift = compare(
        {"general": {"a": ["b", "c"], "b": [], "c": []}, "context_window": {"a": [], "b": [], "c": ["a"]}},
        {"general": {"a": ["c", "b"], "b": [], "z": []}, "context_window": {"a": [], "b": [], "z": []}},
    )
    assert not drift.in_sync
    assert (drift.models_missing, drift.models_unknown) == (["c"], ["z"])
    assert [chain.as_dict() for chain in drift.chains] == [
        {"model": "a", "fallback_type": "general", "expected": ["b", "c"], "live": ["c", "b"]}
    ]


@pytest.mark.parametrize(
    "body",
    [None, [], {"data": "x"}, listing({"id": "a"}), listing({"id": "a", "metadata": {"fallbacks": [1]}}), listing(3)],
)
def test_a_body_that_is_not_the_listing_is_refused_by_name(body):
    with pytest.raises(BadListing, match="bad body"):
        live_chains(body, "general")
