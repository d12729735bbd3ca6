"""Upgrade impact plans only the model groups whose plans can differ, and finds exactly what planning all would."""

import random

import pytest

from fallbacks.domain import DEFAULT_CHAIN_SOURCE, FALLBACK_TYPES
from fallbacks.lint import GroupFacts, LintContext
from fallbacks.lint.findings import SeriesPlan, _targets, series_plan, upgrade_impact

NAMES = ["a", "b", "c", "d", "openai/e", "e", "f"]


def random_context(rng: random.Random, before: str, after: str) -> LintContext:
    chains = {}
    for fallback_type in FALLBACK_TYPES.values():
        for source in [DEFAULT_CHAIN_SOURCE, *NAMES]:
            if rng.random() < (0.2 if source == DEFAULT_CHAIN_SOURCE else 0.35):
                targets = rng.sample([name for name in NAMES if name != source], k=rng.randint(1, 3))
                chains[(source, fallback_type)] = targets
    return LintContext(
        chains=chains,
        groups={name: GroupFacts() for name in NAMES},
        max_fallbacks=rng.randint(1, 5),
        series=after,
        configured_series=before,
    )


def every_plan_that_differs(context: LintContext) -> set[tuple[str, str]]:
    """The reference: plan every group for every type on both series."""
    before, after, targets = context.configured_series, context.series, _targets(context.chains)
    differing = set()
    for model in context.groups:
        for fallback_type in FALLBACK_TYPES.values():
            old = series_plan(context, model, fallback_type, before, targets)
            new = series_plan(context, model, fallback_type, after, targets)
            if old != SeriesPlan(before, new.attempts, new.served_by):
                differing.add((model, fallback_type))
    return differing


@pytest.mark.parametrize(("before", "after"), [("1.109", "1.110"), ("1.110", "1.109")])
def test_the_findings_are_those_of_planning_every_group(before, after):
    rng = random.Random(11)
    found_any = 0
    for _ in range(300):
        context = random_context(rng, before, after)
        findings = {(finding.source, finding.fallback_type) for finding in upgrade_impact(context)}
        assert findings == every_plan_that_differs(context), context.chains
        found_any += bool(findings)
    assert found_any > 30  # the random graphs do exercise the difference
