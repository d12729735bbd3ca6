"""The attempt plan (PRODUCT.md section 2), rule by rule, for each LiteLLM series. Pure: no database.

tests/conformance/test_plan_conformance.py checks the same function against the real routers on
hundreds of random graphs; these tests pin each rule on the smallest graph that shows it. Every test
runs for both series (the `series` fixture) unless it names the one it is about: where the series
differ (fallbacks.resolution.SERIES_RULES) a test says so.
"""

import pytest

from fallbacks.domain import LITELLM_SERIES
from fallbacks.resolution import (
    ANSWERED,
    FAILED,
    SERIES_RULES,
    SKIPPED,
    THEN_CHAIN,
    THEN_MAX_FALLBACKS,
    THEN_NO_CHAIN,
    ChainRef,
    DirectChain,
    applicable_chain,
    attempt_plan,
    chain_type_for_error,
    direct_chain,
)

G, CW, CP = "general", "context_window", "content_policy"


@pytest.fixture(params=["1.110", "1.109"])
def series(request):
    return request.param


@pytest.fixture
def plan(series):
    def plan(chains, model, failing=(), fallback_type=G, max_fallbacks=5):
        return attempt_plan(chains, model, fallback_type, set(failing), max_fallbacks, series=series)

    return plan


# Direct chain ---------------------------------------------------------------------------------


def test_direct_chain_is_the_own_chain_else_the_default_one_without_the_model(series):
    chains = {("a", G): ["b"], ("*", G): ["a", "c"]}
    assert direct_chain(chains, "a", G, series=series).targets == ["b"]
    inherited = direct_chain(chains, "b", G, series=series)
    assert (inherited.targets, inherited.inherited_from) == (["a", "c"], "*")
    assert direct_chain(chains, "a", CW, series=series).targets == []
    assert direct_chain({("*", G): ["a", "c"]}, "a", G, series=series).targets == ["c"]


# Which type's chains apply --------------------------------------------------------------------


@pytest.mark.parametrize("error_type", [CW, CP])
def test_a_typed_error_uses_the_general_chains_when_no_chain_of_its_type_exists(plan, error_type):
    chains = {("a", G): ["b"], ("x", CW if error_type == CP else CP): ["y"]}
    assert chain_type_for_error(chains, error_type) == G
    result = plan(chains, "a", fallback_type=error_type)
    assert (result.attempts, result.served_by, result.chain_type) == (["a", "b"], "b", G)
    assert "No " + error_type + " chain exists at all" in result.note


@pytest.mark.parametrize("error_type", [CW, CP])
def test_a_typed_error_uses_its_own_chains_as_soon_as_one_exists(plan, error_type):
    chains = {("a", G): ["b"], ("a", error_type): ["c"]}
    result = plan(chains, "a", fallback_type=error_type)
    assert (result.attempts, result.served_by, result.chain_type) == (["a", "c"], "c", error_type)
    assert result.note is None


@pytest.mark.parametrize("series", ["1.109"])
@pytest.mark.parametrize("error_type", [CW, CP])
def test_chains_of_the_type_for_other_models_only_mean_no_fallback_even_with_a_general_chain(plan, error_type):
    chains = {("a", G): ["b"], ("x", error_type): ["y"]}
    result = plan(chains, "a", fallback_type=error_type)
    assert (result.attempts, result.served_by, result.chain_type) == (["a"], None, error_type)
    assert result.steps[0].then == THEN_NO_CHAIN
    assert "not even to the general chain" in result.note


@pytest.mark.parametrize("series", ["1.110"])
def test_on_1_110_a_context_window_error_no_chain_applies_to_walks_the_general_chain(plan):
    chains = {("a", G): ["b"], ("x", CW): ["y"]}
    result = plan(chains, "a", fallback_type=CW)
    assert (result.attempts, result.served_by, result.chain_type) == (["a", "b"], "b", CW)
    assert result.steps[0].then_via == ChainRef("a", G)
    assert "no context_window chain applies to a, so LiteLLM 1.110 walks a general one" in result.steps[1].why
    assert "LiteLLM 1.110 then walks its general chain instead" in result.note
    # the general `*` chain too (measured: "general `*` [D]: D serves")
    assert plan({("*", G): ["d"], ("x", CW): ["y"]}, "a", fallback_type=CW).served_by == "d"


@pytest.mark.parametrize("series", ["1.110"])
def test_on_1_110_a_content_policy_error_no_chain_applies_to_still_gets_no_fallback(plan):
    # The real 1.110.2 router raises here (PRODUCT.md's table says the general chain applies: the router wins).
    result = plan({("a", G): ["b"], ("x", CP): ["y"]}, "a", fallback_type=CP)
    assert (result.attempts, result.served_by) == (["a"], None)
    assert "not even to the general chain" in result.note


@pytest.mark.parametrize(("series", "attempts"), [("1.110", ["a", "b", "c"]), ("1.109", ["a"])])
def test_a_nested_failure_no_typed_chain_applies_to_follows_the_series_too(plan, attempts):
    # a's context-window error walks a's general chain (1.110); b fails too, and neither b nor a has a
    # context-window chain, so b's general chain is walked next.
    chains = {("a", G): ["b"], ("b", G): ["c"], ("x", CW): ["y"]}
    assert plan(chains, "a", failing={"b"}, fallback_type=CW).attempts == attempts


def test_a_default_typed_chain_that_names_only_the_model_leaves_it_without_fallback_on_both_series(plan):
    # Measured on both routers: the `*` chain applies, skips the model itself, and the general chain is not used.
    result = plan({("a", G): ["b"], ("*", CW): ["a"]}, "a", fallback_type=CW)
    assert (result.attempts, result.served_by) == (["a"], None)
    assert result.steps[1].outcome == SKIPPED


def test_a_default_chain_of_the_type_applies_to_every_model(plan):
    chains = {("a", G): ["b"], ("*", CW): ["c"]}
    assert plan(chains, "a", fallback_type=CW).attempts == ["a", "c"]


def test_a_general_error_never_uses_typed_chains(plan):
    chains = {("a", CW): ["b"], ("a", CP): ["c"]}
    result = plan(chains, "a")
    assert (result.attempts, result.served_by) == (["a"], None)


def test_nested_walks_keep_the_type_of_the_first_error(plan):
    chains = {("a", CW): ["b"], ("b", CW): ["c"], ("b", G): ["d"]}
    assert plan(chains, "a", failing={"b"}, fallback_type=CW).attempts == ["a", "b", "c"]


# Walking: order, depth first, skipping ----------------------------------------------------------


def test_the_chain_is_walked_in_order_until_a_model_answers(plan):
    chains = {("a", G): ["b", "c", "d"]}
    result = plan(chains, "a", failing={"b"})
    assert (result.attempts, result.served_by) == (["a", "b", "c"], "c")
    # b has no chain, so its failure walks a's chain again (itself skipped): c is tried in there.
    steps = [(step.model, step.outcome, step.level) for step in result.steps]
    assert steps == [("a", FAILED, 0), ("b", FAILED, 1), ("b", SKIPPED, 2), ("c", ANSWERED, 2)]


def test_nobody_answers_when_every_target_fails(plan):
    result = plan({("a", G): ["b", "c"]}, "a", failing={"b", "c"})
    assert (result.attempts, result.served_by) == (["a", "b", "c"], None)


def test_a_model_without_any_chain_gets_no_fallback(plan):
    result = plan({("x", G): ["y"]}, "a")
    assert (result.attempts, result.served_by) == (["a"], None)
    assert result.steps[0].then == THEN_NO_CHAIN


def test_a_failing_target_enters_its_own_chain_before_the_next_sibling(plan):
    chains = {("a", G): ["b", "c"], ("b", G): ["d"], ("d", G): ["e"]}
    result = plan(chains, "a", failing={"b", "d"})
    assert (result.attempts, result.served_by) == (["a", "b", "d", "e"], "e")
    assert [step.level for step in result.steps] == [0, 1, 2, 3]
    assert (result.steps[1].then, result.steps[1].then_via) == (THEN_CHAIN, ChainRef("b", G))
    assert (result.steps[2].then, result.steps[2].then_via) == (THEN_CHAIN, ChainRef("d", G))


def test_a_nested_target_without_a_chain_goes_back_to_the_original_chain_and_skips_the_rest_of_its_own(plan):
    chains = {("a", G): ["b", "c"], ("b", G): ["d", "e"]}
    result = plan(chains, "a", failing={"b", "d", "e"})
    # d fails inside b's chain; d has no chain, so a's chain applies and c answers before e is reached.
    assert (result.attempts, result.served_by) == (["a", "b", "d", "c"], "c")
    assert [(step.model, step.level) for step in result.steps if step.outcome != SKIPPED][-1] == ("c", 3)
    assert result.steps[2].then_via == ChainRef("a", G)


def test_a_target_already_attempted_is_skipped_the_original_included(plan):
    chains = {("a", G): ["b", "c"], ("b", G): ["a", "c", "d"]}
    result = plan(chains, "a", failing={"b", "c", "d"})
    # b's chain: a (the original) skipped, c tried, d tried; back in a's chain c is skipped.
    assert result.attempts == ["a", "b", "c", "d"]
    skipped = [(step.model, step.level) for step in result.steps if step.outcome == SKIPPED]
    # c and d have no chain and walk a's again, where b (attempted) and c (attempted, or the failed one) are skipped.
    assert skipped == [("a", 2), ("b", 3), ("c", 3), ("b", 3), ("c", 3), ("c", 1)]
    assert result.served_by is None


def test_a_cycle_ends_because_no_model_is_tried_twice(plan):
    chains = {("a", G): ["b"], ("b", G): ["c"], ("c", G): ["a", "b"]}
    result = plan(chains, "a", failing={"a", "b", "c"})
    assert (result.attempts, result.served_by) == (["a", "b", "c"], None)


def test_a_failed_model_in_the_default_chain_is_skipped(plan):
    chains = {("*", G): ["b", "a", "c"]}
    result = plan(chains, "b", failing={"b"})
    assert result.attempts == ["b", "a"]
    assert result.steps[1].outcome == SKIPPED
    assert result.steps[1].why.startswith("it is the model that just failed")


# Which rule names a model: its own, another spelling of its name, then `*` ----------------------


def test_a_provider_prefixed_model_uses_the_rule_of_its_stripped_name_and_the_reverse(series):
    chains = {("gpt-4o", G): ["claude", "openai/gpt-4o"], ("openai/gpt-4.1", G): ["gpt-4o"], ("*", G): ["d"]}
    stripped = direct_chain(chains, "openai/gpt-4o", G, series=series)
    # shown without the model itself, which the router skips, and naming the rule it comes from
    assert (stripped.targets, stripped.inherited_from) == (["claude"], "gpt-4o")
    prefixed = direct_chain(chains, "gpt-4.1", G, series=series)
    assert (prefixed.targets, prefixed.inherited_from) == (["gpt-4o"], "openai/gpt-4.1")
    # a name LiteLLM infers no provider for, or whose provider prefix names another rule, gets `*`
    assert direct_chain(chains, "azure/gpt-4.1", G, series=series).inherited_from == "*"
    assert direct_chain(chains, "m1", G, series=series).inherited_from == "*"
    assert direct_chain(chains, "azure/gpt-4o", G, series=series).inherited_from == "gpt-4o"


def test_a_model_s_own_rule_wins_over_another_spelling(series):
    chains = {("gpt-4o", G): ["b"], ("openai/gpt-4o", G): ["c"]}
    assert direct_chain(chains, "openai/gpt-4o", G, series=series) == DirectChain(["c"])
    assert direct_chain(chains, "gpt-4o", G, series=series) == DirectChain(["b"])


def test_the_plan_walks_the_rule_of_another_spelling(plan):
    chains = {("gpt-4o", G): ["b"], ("b", G): ["c"]}
    result = plan(chains, "openai/gpt-4o", failing={"b"})
    assert (result.attempts, result.served_by) == (["openai/gpt-4o", "b", "c"], "c")
    assert result.steps[0].then_via == ChainRef("gpt-4o", G)
    assert "another spelling of its name" in result.steps[1].why


def test_a_failed_target_s_other_spelling_comes_before_the_original_model_s_rule(plan, series):
    chains = {("a", G): ["openai/gpt-4o", "x"], ("gpt-4o", G): ["c"]}
    result = plan(chains, "a", failing={"openai/gpt-4o"})
    assert (result.attempts, result.served_by) == (["a", "openai/gpt-4o", "c"], "c")
    assert applicable_chain(chains, G, "openai/gpt-4o", "a", series=series) == ChainRef("gpt-4o", G)


def test_every_series_has_its_rules():
    assert set(SERIES_RULES) == set(LITELLM_SERIES.values())


# Lookup for a failed target: itself, the original model, then `*` -------------------------------


def test_a_failed_target_uses_its_own_chain_first(plan):
    chains = {("a", G): ["b"], ("b", G): ["c"], ("*", G): ["d"]}
    assert plan(chains, "a", failing={"b"}).attempts == ["a", "b", "c"]


def test_a_failed_target_without_a_chain_continues_the_original_models_chain_not_the_default_one(plan, series):
    chains = {("a", G): ["b", "c"], ("*", G): ["d"]}
    result = plan(chains, "a", failing={"b", "c"})
    # b has no chain: the router looks up a's, where c is next; `*` is never reached.
    assert (result.attempts, result.served_by) == (["a", "b", "c"], None)
    assert result.steps[1].then_via == ChainRef("a", G)
    assert result.steps[2].level == 2  # c is tried inside b's nested walk of a's chain
    assert applicable_chain(chains, G, "b", "a", series=series) == ChainRef("a", G)


def test_a_failed_target_reaches_the_default_chain_only_when_the_original_has_no_chain_either(plan, series):
    chains = {("*", G): ["b", "c"], ("b", G): ["d"]}
    assert plan(chains, "a", failing={"b", "d"}).attempts == ["a", "b", "d", "c"]
    chains = {("*", G): ["b", "c"], ("x", G): ["b"]}
    result = plan(chains, "x", failing={"b"})
    assert result.attempts == ["x", "b"]  # neither b nor x... x has its own chain, so `*` never applies
    assert applicable_chain(chains, G, "b", "x", series=series) == ChainRef("x", G)
    assert applicable_chain(chains, G, "b", "y", series=series) == ChainRef("*", G)


# max_fallbacks -----------------------------------------------------------------------------------


def test_every_target_of_the_first_chain_is_tried_even_with_max_fallbacks_1(plan):
    result = plan({("a", G): ["b", "c", "d"]}, "a", failing={"b", "c"}, max_fallbacks=1)
    assert (result.attempts, result.served_by) == (["a", "b", "c", "d"], "d")
    assert [step.fallback_depth for step in result.steps] == [0, 1, 2, 3]


def test_max_fallbacks_zero_tries_nothing(plan):
    result = plan({("a", G): ["b"]}, "a", max_fallbacks=0)
    assert (result.attempts, result.served_by) == (["a"], None)
    assert result.steps[0].then == THEN_MAX_FALLBACKS


@pytest.mark.parametrize(
    ("max_fallbacks", "attempts", "served_by"),
    [
        (1, ["a", "b"], None),  # b is tried at count 1: its walk starts at the limit and tries nothing
        (2, ["a", "b", "c"], None),  # c is tried at count 2: its walk is cut
        (3, ["a", "b", "c", "d"], "d"),  # d at count 3 answers
    ],
)
def test_a_nested_walk_that_starts_with_the_count_at_max_fallbacks_tries_nothing(
    plan, max_fallbacks, attempts, served_by
):
    chains = {("a", G): ["b"], ("b", G): ["c"], ("c", G): ["d"]}
    result = plan(chains, "a", failing={"b", "c"}, max_fallbacks=max_fallbacks)
    assert (result.attempts, result.served_by) == (attempts, served_by)
    assert result.steps[-1].then in (THEN_MAX_FALLBACKS, None)


def test_the_count_rises_with_each_target_tried_at_a_level_and_is_carried_into_the_nested_walk(plan):
    chains = {("a", G): ["b", "c"], ("c", G): ["d"]}
    # b (count 1) fails and has no chain but a's, whose walk at count 1 tries c (count 2); c's chain
    # starts at 2: with max 2 it is cut, with max 3 d is tried at count 3.
    cut = plan(chains, "a", failing={"b", "c"}, max_fallbacks=2)
    assert cut.attempts == ["a", "b", "c"]
    assert [step.fallback_depth for step in cut.steps if step.outcome != SKIPPED] == [0, 1, 2]
    tried_c = next(step for step in cut.steps if step.model == "c" and step.outcome == FAILED)
    assert (tried_c.then, tried_c.then_via, tried_c.level) == (THEN_MAX_FALLBACKS, ChainRef("c", G), 2)
    walked = plan(chains, "a", failing={"b", "c"}, max_fallbacks=3)
    assert (walked.attempts, walked.served_by) == (["a", "b", "c", "d"], "d")


def test_skipped_targets_do_not_count(plan):
    chains = {("a", G): ["b", "c"], ("b", G): ["a", "c", "d"], ("d", G): ["e"]}
    result = plan(chains, "a", failing={"b", "c", "d"}, max_fallbacks=4)
    # b=1, (a skipped), c=2, d=3: d's walk starts at 3 < 4, so e is tried at 4.
    assert (result.attempts, result.served_by) == (["a", "b", "c", "d", "e"], "e")
    assert [step.fallback_depth for step in result.steps if step.outcome != SKIPPED] == [0, 1, 2, 3, 4]
    assert plan(chains, "a", failing={"b", "c", "d"}, max_fallbacks=3).served_by is None


def test_as_dict_carries_the_contract_fields_and_the_steps(plan):
    result = plan({("a", G): ["b"]}, "a").as_dict()
    assert {key: result[key] for key in ("model", "fallback_type", "attempts", "served_by")} == {
        "model": "a",
        "fallback_type": G,
        "attempts": ["a", "b"],
        "served_by": "b",
    }
    assert result["steps"][1]["via"] == {"source": "a", "fallback_type": G}
