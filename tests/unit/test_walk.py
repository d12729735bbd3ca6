"""fallbacks.resolution.walk and ChainResolver (what the lint plans with) answer exactly as attempt_plan and
applicable_chain (which the conformance tests hold to the real routers), on random graphs."""

import random

import pytest

from fallbacks.domain import FALLBACK_TYPES
from fallbacks.lint import GroupFacts, LintContext, lint
from fallbacks.resolution import THEN_MAX_FALLBACKS, ChainResolver, applicable_chain, attempt_plan, walk
from tests.factories import RANDOM_NAMES as NAMES
from tests.factories import RANDOM_SERIES as SERIES
from tests.factories import random_chains


@pytest.mark.parametrize("series", SERIES)
def test_walk_finds_what_attempt_plan_finds(series):
    rng = random.Random(5)
    cuts_seen = 0
    for _ in range(400):
        chains = random_chains(rng)
        resolver = ChainResolver(chains, series)
        max_fallbacks = rng.choice([0, 1, 2, 3, 5])
        for model in NAMES:
            for fallback_type in FALLBACK_TYPES.values():
                for failing in (set(NAMES), {model}, set(rng.sample(NAMES, k=4))):
                    for original in (model, rng.choice(NAMES)):
                        expected = applicable_chain(chains, fallback_type, model, original, series=series)
                        found = resolver.applicable(fallback_type, model, original)
                        assert found == (None if expected is None else (expected.source, expected.fallback_type))
                    plan = attempt_plan(chains, model, fallback_type, failing, max_fallbacks, series=series)
                    walked = walk(resolver, model, fallback_type, failing, max_fallbacks)
                    assert walked.attempts == plan.attempts
                    assert walked.served_by == plan.served_by
                    cut = [
                        (step.then_via.source, step.then_via.fallback_type)
                        for step in plan.steps
                        if step.then == THEN_MAX_FALLBACKS
                    ]
                    assert walked.cut == cut
                    cuts_seen += bool(cut)
                    if failing == set(NAMES):
                        assert walk(resolver, model, fallback_type, None, max_fallbacks) == walked
    assert cuts_seen > 1000


def test_a_general_chain_cut_short_during_a_typed_walk_is_reported_as_the_general_chain():
    # On 1.110 a context-window error no typed chain applies to walks the general chains; max_fallbacks may cut
    # one of those. The lint used to look up that chain under the error's type and fail (a KeyError, a 500).
    chains = {("r", "general"): ["a"], ("a", "general"): ["b"], ("x", "context_window"): ["y"]}
    context = LintContext(
        chains=chains,
        groups={name: GroupFacts() for name in "rabxy"},
        max_fallbacks=1,
        series="1.110",
        configured_series="1.110",
    )
    findings = [finding for finding in lint(context) if finding.code == "beyond_max_fallbacks"]
    assert [(finding.source, finding.fallback_type, finding.models) for finding in findings] == [
        ("a", "general", ("a", "b", "r"))
    ]
    assert findings[0].message.startswith("b in the general chain of a can never be tried for requests to r")
