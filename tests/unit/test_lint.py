"""fallbacks.lint, finding by finding, without a database (`GET /fallback_lint`: tests/api/test_plan_and_lint.py).

Every test runs for both LiteLLM series (the `series` fixture) unless it names the one it is about.
"""

import pytest

from fallbacks import lint as fallback_lint
from fallbacks.lint import (
    BEYOND_MAX_FALLBACKS,
    CYCLE,
    ERROR,
    INFO,
    INHERITED_CHAIN_ONLY_ITSELF,
    NO_DEPLOYMENTS,
    NO_FALLBACKS_AT_ALL,
    NO_TYPED_FALLBACK,
    SMALLER_CONTEXT_WINDOW,
    UPGRADE_IMPACT,
    WARNING,
    GroupFacts,
    LintContext,
    lint,
    lint_chain,
)

G, CW, CP = "general", "context_window", "content_policy"


@pytest.fixture(params=["1.110", "1.109"])
def series(request):
    return request.param


@pytest.fixture
def context(series):
    def context(chains, max_fallbacks=5, tokens=None, without_deployments=(), extra_groups=()):
        names = {name for name, _ in chains} | {target for targets in chains.values() for target in targets}
        names |= set(extra_groups)
        names.discard("*")
        tokens = tokens or {}
        groups = {
            name: GroupFacts(max_input_tokens=tokens.get(name), deployments=0 if name in without_deployments else 1)
            for name in names
        }
        return LintContext(chains=chains, groups=groups, max_fallbacks=max_fallbacks, series=series)

    return context


def codes(findings):
    return [(finding.code, finding.severity, finding.source, finding.fallback_type) for finding in findings]


def test_a_clean_configuration_has_no_findings(context):
    assert lint(context({("a", G): ["b", "c"], ("*", G): ["c"], ("a", CW): ["d"], ("*", CW): ["d"]})) == []


def test_a_cycle_is_info_and_names_its_models_and_path(context):
    findings = lint(context({("a", G): ["b"], ("b", G): ["c"], ("c", G): ["a"], ("d", G): ["a"]}))
    assert codes(findings) == [(CYCLE, INFO, "a", G)]
    assert findings[0].models == ("a", "b", "c")
    assert "a -> b -> c -> a" in findings[0].message


def test_cycles_are_per_type(context):
    findings = lint(context({("a", G): ["b"], ("b", CW): ["a"], ("*", CW): ["a"]}))
    assert [finding for finding in findings if finding.code == CYCLE] == []


def test_a_target_beyond_max_fallbacks_is_a_warning_on_the_chain_it_sits_in(context):
    chains = {("a", G): ["b"], ("b", G): ["c"], ("c", G): ["d"]}
    findings = lint(context(chains, max_fallbacks=2))
    # From a: b (1), c (2): c's chain starts at the limit, so d is never tried for requests to a.
    assert codes(findings) == [(BEYOND_MAX_FALLBACKS, WARNING, "c", G)]
    assert findings[0].models == ("c", "d", "a")
    assert "d in the general chain of c can never be tried for requests to a" in findings[0].message
    assert lint(context(chains, max_fallbacks=3)) == []


def test_a_long_first_chain_is_never_cut(context):
    # The router tries every target of the chain it walks; only nested walks are bounded.
    assert lint(context({("a", G): ["b", "c", "d", "e", "f", "g"]}, max_fallbacks=1)) == []


def test_max_fallbacks_zero_is_an_error_on_every_chain(context):
    findings = lint(context({("a", G): ["b"], ("*", CW): ["b"]}, max_fallbacks=0))
    assert codes(findings) == [(NO_FALLBACKS_AT_ALL, ERROR, "*", CW), (NO_FALLBACKS_AT_ALL, ERROR, "a", G)]


@pytest.mark.parametrize("series", ["1.109"])
@pytest.mark.parametrize("fallback_type", [CW, CP])
def test_general_fallbacks_stranded_by_typed_chains_elsewhere_are_a_warning(context, fallback_type):
    findings = lint(context({("a", G): ["b"], ("c", fallback_type): ["b"]}))
    assert codes(findings) == [(NO_TYPED_FALLBACK, WARNING, "a", G)]
    assert f"its {fallback_type} errors get no fallback at all" in findings[0].message


@pytest.mark.parametrize("series", ["1.110"])
def test_on_1_110_only_content_policy_errors_are_stranded(context):
    # LiteLLM 1.110 walks the general chain for a context-window error no such chain applies to; not for content policy.
    assert lint(context({("a", G): ["b"], ("c", CW): ["b"]})) == []
    findings = lint(context({("a", G): ["b"], ("c", CP): ["b"]}))
    assert codes(findings) == [(NO_TYPED_FALLBACK, WARNING, "a", G)]
    assert "its content_policy errors get no fallback at all" in findings[0].message


@pytest.mark.parametrize("series", ["1.109"])
def test_a_general_chain_named_by_another_spelling_strands_the_model_on_its_rule(context):
    findings = lint(context({("gpt-4o", G): ["b"], ("c", CP): ["b"]}, extra_groups={"openai/gpt-4o"}))
    # gpt-4o's own chain, and openai/gpt-4o through it: both about the rule of gpt-4o
    assert codes(findings) == [(NO_TYPED_FALLBACK, WARNING, "gpt-4o", G)] * 2
    assert [finding.models for finding in findings] == [("gpt-4o",), ("openai/gpt-4o",)]
    assert "openai/gpt-4o has a general chain (the rule of gpt-4o) but no content_policy chain" in findings[1].message
    # a typed chain by another spelling is a chain that applies: nothing stranded
    assert lint(context({("gpt-4o", G): ["b"], ("openai/gpt-4o", CP): ["b"]})) == []


@pytest.mark.parametrize("series", ["1.109"])
def test_models_inheriting_the_default_general_chain_are_stranded_too(context):
    findings = lint(context({("*", G): ["b"], ("c", CW): ["b"], ("d", G): ["c"]}))
    assert codes(findings) == [(NO_TYPED_FALLBACK, WARNING, "*", G), (NO_TYPED_FALLBACK, WARNING, "d", G)]
    assert findings[0].models == ("b",)


def test_nothing_is_stranded_when_a_default_typed_chain_exists_or_no_typed_chain_exists(context):
    assert lint(context({("a", G): ["b"], ("c", CW): ["b"], ("*", CW): ["c"]})) == []
    assert lint(context({("a", G): ["b"]})) == []


def test_a_context_window_target_no_larger_than_its_source_is_a_warning(context):
    tokens = {"a": 32000, "b": 8000, "c": 32000, "d": 128000}
    findings = lint(context({("a", CW): ["b", "c", "d", "e"]}, tokens=tokens))
    assert codes(findings) == [(SMALLER_CONTEXT_WINDOW, WARNING, "a", CW)] * 2
    assert [finding.models for finding in findings] == [("a", "b"), ("a", "c")]
    assert "fewer than a" in findings[0].message
    assert "as many as a" in findings[1].message


def test_a_target_without_deployments_is_an_error_when_other_groups_have_some(context):
    findings = lint(context({("a", G): ["b", "c"], ("*", G): ["b"]}, without_deployments={"b"}))
    assert codes(findings) == [(NO_DEPLOYMENTS, ERROR, "*", G), (NO_DEPLOYMENTS, ERROR, "a", G)]
    assert findings[1].models == ("a", "b")


def test_deployments_are_not_checked_when_no_group_has_any(context):
    assert lint(context({("a", G): ["b"]}, without_deployments={"a", "b"})) == []


def test_findings_come_errors_first(context):
    chains = {("a", G): ["b"], ("b", G): ["a"], ("c", CW): ["d"]}
    severities = [finding.severity for finding in lint(context(chains, without_deployments={"d"}))]
    assert severities == sorted(severities, key=fallback_lint.SEVERITIES.index)
    assert (severities[0], severities[-1]) == (ERROR, INFO)


@pytest.mark.parametrize("series", ["1.109"])
def test_lint_chain_keeps_what_is_about_the_chain_written(context):
    chains = {("a", G): ["b"], ("b", G): ["a", "c"], ("c", G): ["d"], ("e", CW): ["c"]}
    ctx = context(chains, max_fallbacks=2, without_deployments={"d"})
    about_c = lint_chain(ctx, "c", G)
    # a -> b (1) -> c (2): c's chain starts at the limit of 2, so d is never tried for requests to a.
    assert {finding.code for finding in about_c} == {NO_DEPLOYMENTS, NO_TYPED_FALLBACK, BEYOND_MAX_FALLBACKS}
    assert all((finding.source, finding.fallback_type) == ("c", G) for finding in about_c)
    about_b = lint_chain(ctx, "b", G)
    assert {finding.code for finding in about_b} == {CYCLE, NO_TYPED_FALLBACK}
    stranding = lint_chain(ctx, "e", CW)
    assert codes(stranding) == [(NO_TYPED_FALLBACK, WARNING, "e", CW)]
    assert stranding[0].models == ("a", "b", "c")


def test_lint_chain_finds_what_max_fallbacks_cuts_from_the_full_lint(context):
    chains = {("a", G): ["b"], ("b", G): ["c"], ("c", G): ["d"], ("x", G): ["c"]}
    ctx = context(chains, max_fallbacks=2)
    full = [finding for finding in lint(ctx) if finding.code == BEYOND_MAX_FALLBACKS]
    assert lint_chain(ctx, "c", G) == full
    assert lint_chain(ctx, "a", G) == []


# A chain a model inherits that names only itself ------------------------------------------------------------


def test_the_readme_s_default_context_window_chain_strands_the_model_it_names(context):
    # POST /fallback {"model": "*", "fallback_models": ["gpt-4o"], "fallback_type": "context_window"}
    ctx = context({("gpt-4o", G): ["claude-3-haiku"], ("*", CW): ["gpt-4o"]})
    findings = lint(ctx)
    assert codes(findings) == [(INHERITED_CHAIN_ONLY_ITSELF, WARNING, "*", CW)]
    assert findings[0].models == ("gpt-4o",)
    assert "gpt-4o's context_window errors get no fallback at all" in findings[0].message
    assert "its general chain (the general chain of gpt-4o) is not used for them either" in findings[0].message
    assert lint_chain(ctx, "*", CW) == findings  # POST /fallback's warnings say it


def test_a_rule_of_another_spelling_that_names_only_the_model_strands_it_too(context):
    chains = {("gpt-4o", CW): ["openai/gpt-4o"], ("openai/gpt-4o", G): ["c"], ("gpt-4o", G): ["c"]}
    findings = [finding for finding in lint(context(chains)) if finding.code == INHERITED_CHAIN_ONLY_ITSELF]
    assert codes(findings) == [(INHERITED_CHAIN_ONLY_ITSELF, WARNING, "gpt-4o", CW)]
    assert findings[0].models == ("openai/gpt-4o",)


def test_a_model_with_its_own_chain_of_the_type_or_without_a_general_chain_of_its_own_is_not_stranded(context):
    assert lint(context({("a", G): ["b"], ("a", CW): ["c"], ("*", CW): ["a"]})) == []
    assert lint(context({("*", G): ["c"], ("*", CW): ["a"]}, extra_groups={"a"})) == []  # a's general chain is `*`'s
    assert lint(context({("*", G): ["a"]})) == []  # the general `*` chain's last resort has nowhere further to go


# Upgrade impact -----------------------------------------------------------------------------------------------


def upgrade(chains, *, configured, asked, extra_groups=()):
    names = {name for name, _ in chains} | {target for targets in chains.values() for target in targets}
    groups = {name: GroupFacts() for name in (names | set(extra_groups)) - {"*"}}
    return LintContext(chains=chains, groups=groups, max_fallbacks=5, series=asked, configured_series=configured)


def test_upgrade_impact_lists_each_plan_that_differs_with_both_plans():
    chains = {("a", G): ["b"], ("b", G): ["c"], ("x", CW): ["y"]}
    findings = [
        finding
        for finding in lint(upgrade(chains, configured="1.109", asked="1.110"))
        if finding.code == UPGRADE_IMPACT
    ]
    assert codes(findings) == [(UPGRADE_IMPACT, WARNING, "a", CW), (UPGRADE_IMPACT, WARNING, "b", CW)]
    assert findings[0].plans == (
        {"litellm_version": "1.109", "attempts": ["a"], "served_by": None},
        {"litellm_version": "1.110", "attempts": ["a", "b", "c"], "served_by": "b"},
    )
    assert findings[0].as_dict()["plans"][1]["served_by"] == "b"
    assert "from LiteLLM 1.109 to 1.110" in findings[0].message
    assert "on 1.110 it is served by b (1.109: gets no fallback)" in findings[0].message
    # the other way round, the same changes
    back = [
        finding
        for finding in lint(upgrade(chains, configured="1.110", asked="1.109"))
        if finding.code == UPGRADE_IMPACT
    ]
    assert [finding.plans[::-1] for finding in back] == [finding.plans for finding in findings]


def test_no_upgrade_impact_on_the_configured_series_or_where_nothing_changes():
    chains = {("a", G): ["b"], ("x", CW): ["y"]}
    assert UPGRADE_IMPACT not in {finding.code for finding in lint(upgrade(chains, configured="1.110", asked="1.110"))}
    same = {("a", G): ["b"], ("a", CW): ["c"], ("a", CP): ["d"]}
    assert UPGRADE_IMPACT not in {finding.code for finding in lint(upgrade(same, configured="1.109", asked="1.110"))}
    assert all("plans" not in finding.as_dict() for finding in lint(upgrade(chains, configured="1.109", asked="1.109")))


def test_upgrade_impact_includes_the_release_s_provider_names():
    # `wally` is a provider of LiteLLM 1.110.2, not of 1.109.1: wally/x uses the rule of x only on 1.110.
    # With no typed chain at all, every type's errors walk the general chains: all three change.
    chains = {("x", G): ["c"]}
    findings = lint(upgrade(chains, configured="1.109", asked="1.110", extra_groups={"wally/x"}))
    assert codes(findings) == [(UPGRADE_IMPACT, WARNING, "wally/x", kind) for kind in (G, CW, CP)]
    assert [plan["served_by"] for plan in findings[0].plans] == [None, "c"]


def test_upgrade_impact_names_a_change_deeper_in_the_walk():
    # Only when wally/x fails too does the walk differ (on 1.110 it uses the rule of x): the first choice is the same.
    chains = {("a", G): ["wally/x", "d"], ("x", G): ["c"]}
    (finding,) = [
        finding
        for finding in lint(upgrade(chains, configured="1.109", asked="1.110"))
        if (finding.code, finding.source, finding.fallback_type) == (UPGRADE_IMPACT, "a", G)
    ]
    assert [plan["served_by"] for plan in finding.plans] == ["wally/x", "wally/x"]
    assert [plan["attempts"] for plan in finding.plans] == [["a", "wally/x", "d"], ["a", "wally/x", "c", "d"]]
    assert "the models tried when they fail too change" in finding.message
