"""queries.lint_of_groups: each named group's findings of the whole configuration's lint, in lint's order."""

import pytest

from fallbacks import queries, selectors, services
from fallbacks.lint import BEYOND_MAX_FALLBACKS, CYCLE, INHERITED_CHAIN_ONLY_ITSELF, lint
from tests.factories import ACTOR, load


@pytest.fixture
def linted(make_groups, set_chain):
    """A configuration with findings of several kinds, some naming several groups, some none."""
    make_groups("gpt-4o", "openai/gpt-4o", "claude-3-haiku", "gemini-pro", "bedrock/anthropic.claude-v2:1", "quiet")
    set_chain("gpt-4o", ["claude-3-haiku", "gemini-pro", "bedrock/anthropic.claude-v2:1"])
    set_chain("claude-3-haiku", ["gpt-4o"])  # a cycle
    # On 1.110 a context-window error of gemini-pro reaches gpt-4o, which has no chain of that type: its general
    # chain is walked, and cut by max_fallbacks.
    set_chain("gemini-pro", ["gpt-4o"], "context_window")
    set_chain("*", ["claude-3-haiku"], "content_policy")  # claude-3-haiku inherits a chain of only itself
    services.max_fallbacks_set(actor=ACTOR, max_fallbacks=1)


def test_it_equals_filtering_the_whole_lint(linted):
    names = selectors.model_group_names()
    whole = lint(selectors.lint_context())
    assert {finding.code for finding in whole} >= {CYCLE, BEYOND_MAX_FALLBACKS, INHERITED_CHAIN_ONLY_ITSELF}

    by_group = queries.lint_of_groups(names)

    assert set(by_group) == set(names)
    for name in names:
        assert by_group[name] == [finding for finding in whole if finding.concerns(name)]
    assert {finding.code for finding in by_group["gpt-4o"]} >= {CYCLE, BEYOND_MAX_FALLBACKS}
    # A finding about several groups is listed for each of them.
    cycle = next(finding for finding in whole if finding.code == CYCLE)
    assert all(cycle in by_group[name] for name in cycle.models)


def test_a_general_chain_cut_for_a_context_window_error_is_reported_under_its_own_type(linted):
    """The lint once looked the cut chain up under the error's type, and failed (KeyError) on this configuration."""
    cut = [finding for finding in lint(selectors.lint_context()) if finding.code == BEYOND_MAX_FALLBACKS]
    gpt = next(finding for finding in cut if finding.source == "gpt-4o")
    assert gpt.fallback_type == "general"
    assert "in the general chain of gpt-4o" in gpt.message
    assert "gemini-pro" in gpt.models  # a requester whose context-window errors walk it
    assert len({(finding.source, finding.fallback_type) for finding in cut}) == len(cut)  # each chain once


def test_only_the_named_groups_are_answered(linted):
    assert set(queries.lint_of_groups(["gpt-4o", "quiet"])) == {"gpt-4o", "quiet"}
    assert queries.lint_of_groups([]) == {}


def test_a_name_that_is_no_group_has_no_findings(linted):
    assert queries.lint_of_groups(["not-a-group"]) == {"not-a-group": []}


# Both sizes hold more groups than the 100 asked about, so the part of the graph they touch has the same shape (at
# ten groups every group is asked about, and is its own requester).
@pytest.mark.parametrize("groups", [300, 1500])
def test_it_reads_a_constant_number_of_queries(db, django_assert_num_queries, groups):
    load(groups)
    names = selectors.model_group_names()[:100]
    with django_assert_num_queries(LINT_OF_GROUPS_QUERIES):
        queries.lint_of_groups(names)


# What queries.lint_of_groups reads on load()'s ring, whose `*` chains name its first group: the settings, the `*`
# chains, the groups spelled alike, the chains of the names and naming them, the cycles through them (queries.CYCLES
# is empty in each test), which names are in a chain, the chains their walks reach, the requesters found backwards
# hop by hop (max_fallbacks 5), the walkers of the `*` chains (what those reach, the groups without a chain of their
# own, the first group in no chain), what the requesters' walks reach, and the facts and rule keys of the groups the
# findings look up: the same at both sizes.
LINT_OF_GROUPS_QUERIES = 20
