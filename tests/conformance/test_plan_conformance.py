"""`GET /fallback_plan` agrees with the real LiteLLM router of each series (PRODUCT.md sections 2 and 7).

Random fallback graphs (fixed seeds: cycles, `*` chains, rules keyed by another spelling of a model's
name, all three error types, max_fallbacks 0 to 5) are run through `litellm.Router` offline, with mock
deployments that fail or answer, by oracle_router.py under each series' oracle; each case is then
stored here through the services, with the setting `litellm_version` at that series, and asked of the
plan endpoint. The model that really answered (or none, when the router raised) must be `served_by`,
and the models the router called, in order, must be `attempts`. Any disagreement is a bug in
fallbacks.resolution (or in the names data of fallbacks/litellm_names), not in this test.
"""

import random
from collections import Counter
from urllib.parse import quote, urlencode

import pytest

from fallbacks import services
from fallbacks.domain import DEFAULT_CHAIN_SOURCE, FALLBACK_TYPES, LITELLM_SERIES
from fallbacks.models import FallbackEntry, ModelGroup
from fallbacks.resolution import attempt_plan

pytestmark = [pytest.mark.conformance, pytest.mark.django_db]

ACTOR = "conformance"
SEEDS = [1109, 2024, 31337, 4242]
CASES_PER_SEED = 100  # 400 cases per series
# Names one rule can name for each other: LiteLLM strips a provider prefix (`openai/gpt-4o` -> `gpt-4o`, on
# every provider of the release: `wally` is one of 1.110.2's only) or adds the one it infers (`gpt-4o` ->
# `openai/gpt-4o`; `ft:gpt-4...` is openai's by a rule in LiteLLM's code, `claude-haiku-4-5` by its lists).
SPELLINGS = [
    ["gpt-4o", "openai/gpt-4o", "azure/gpt-4o"],
    ["claude-haiku-4-5", "anthropic/claude-haiku-4-5"],
    ["gpt-4o-mini", "openai/gpt-4o-mini", "openrouter/openai/gpt-4o-mini"],
    ["ft:gpt-4-acme", "openai/ft:gpt-4-acme"],
    ["x-1", "wally/x-1"],
]


def _names(rng: random.Random) -> list[str]:
    # Plain names, names with `/` and `:` for the path converter, and a few groups of spellings of one name.
    names = [f"lab/model-{index}:v1" if rng.random() < 0.25 else f"m{index}" for index in range(rng.randint(1, 5))]
    for spellings in rng.sample(SPELLINGS, rng.randint(0, 2)):
        names += rng.sample(spellings, rng.randint(1, len(spellings)))
    if len(names) < 2:
        names.append("m9")
    rng.shuffle(names)
    return names


def make_case(rng: random.Random) -> dict:
    models = _names(rng)
    chains: dict[tuple[str, str], list[str]] = {}
    for fallback_type in FALLBACK_TYPES.values():
        # Typed chains are absent half of the time, so that their errors fall back to general ones.
        if rng.random() > (0.9 if fallback_type == "general" else 0.5):
            continue
        for source in [DEFAULT_CHAIN_SOURCE, *models]:
            if rng.random() < (0.35 if source == DEFAULT_CHAIN_SOURCE else 0.5):
                candidates = [name for name in models if name != source]
                chains[(source, fallback_type)] = rng.sample(candidates, rng.randint(1, min(4, len(candidates))))
    model = rng.choice(models)
    return {
        "models": models,
        "chains": chains,
        "model": model,
        "failing": sorted({model} | {name for name in models if rng.random() < 0.6}),
        "error": rng.choice(FALLBACK_TYPES.values()),
        "max_fallbacks": rng.randint(0, 5),
    }


def oracle_case(case: dict) -> dict:
    def rules(fallback_type: str) -> list[dict]:
        return [{source: targets} for (source, kind), targets in case["chains"].items() if kind == fallback_type]

    return {
        "models": case["models"],
        "failing": case["failing"],
        "model": case["model"],
        "error": case["error"],
        "max_fallbacks": case["max_fallbacks"],
        "fallbacks": rules("general"),
        "context_window_fallbacks": rules("context_window"),
        "content_policy_fallbacks": rules("content_policy"),
    }


def store(case: dict, series: str) -> None:
    """Replace the whole configuration with the case's, through the services every door uses."""
    FallbackEntry.objects.all().delete()
    ModelGroup.objects.all().delete()
    for name in case["models"]:
        services.group_create(actor=ACTOR, name=name)
    for (source, fallback_type), targets in case["chains"].items():
        services.chain_set(actor=ACTOR, source=source, fallback_type=fallback_type, targets=targets)
    services.settings_update(actor=ACTOR, max_fallbacks=case["max_fallbacks"], litellm_version=series)


def situations(case: dict, plan: dict) -> set[str]:
    """What a case exercises, to show that the random cases cover every rule."""
    found = set()
    if plan["served_by"] is None:
        found.add("nobody answers")
    if plan["chain_type"] != case["error"]:
        found.add("typed error uses general chains")
    if plan["chain_type"] == case["error"] != "general" and plan["steps"][0]["then"] == "no_chain":
        found.add("typed chains exist, none applies")
    for step in plan["steps"]:
        if step["then"] == "max_fallbacks":
            found.add("cut by max_fallbacks")
        if step["outcome"] == "skipped":
            found.add("skipped")
        if step["level"] >= 2 and step["outcome"] != "skipped":
            found.add("nested walk")
        via = step["then_via"]
        if step["then"] == "chain" and via["fallback_type"] != plan["chain_type"]:
            found.add("no typed chain applies: the general one is walked")
        if step["then"] == "chain" and via["source"] not in (step["model"], case["model"], DEFAULT_CHAIN_SOURCE):
            found.add("the rule of another spelling of the failed model")
        if (
            step["level"] == 0
            and step["then"] == "chain"
            and via["source"] not in (case["model"], DEFAULT_CHAIN_SOURCE)
        ):
            found.add("the requested model uses the rule of another spelling")
        if step["level"] >= 1 and step["then"] == "chain" and via["source"] == case["model"]:
            found.add("failed target continues the original's chain")
        if step["level"] >= 1 and step["then"] == "chain" and via["source"] == DEFAULT_CHAIN_SOURCE:
            found.add("failed target uses the '*' chain")
    return found


EXPECTED = {
    "nobody answers",
    "typed error uses general chains",
    "typed chains exist, none applies",
    "cut by max_fallbacks",
    "skipped",
    "nested walk",
    "failed target continues the original's chain",
    "failed target uses the '*' chain",
    "the rule of another spelling of the failed model",
    "the requested model uses the rule of another spelling",
}
EXPECTED_ON = {"1.110": {"no typed chain applies: the general one is walked"}, "1.109": set()}


def test_plan_names_the_models_the_real_router_called_and_the_one_that_served(oracle, api):
    cases = [make_case(rng) for seed in SEEDS for rng in [random.Random(seed)] for _ in range(CASES_PER_SEED)]
    results = oracle.run("oracle_router.py", {"cases": [oracle_case(case) for case in cases]})["results"]
    assert len(results) == len(cases)

    disagreements, covered, series_differ = [], Counter(), 0
    others = [series for series in LITELLM_SERIES.values() if series != oracle.series]
    for number, (case, real) in enumerate(zip(cases, results, strict=True)):
        store(case, oracle.series)
        query = urlencode({"fallback_type": case["error"], "failing": case["failing"]}, doseq=True)
        response = api.get(f"/fallback_plan/{quote(case['model'])}?{query}")
        assert response.status_code == 200, response.content
        plan = response.json()
        assert plan["litellm_version"] == oracle.series
        if (plan["served_by"], plan["attempts"]) != (real["served_by"], real["calls"]):
            disagreements.append(
                f"case {number}: {oracle_case(case)}\n  router: served_by={real['served_by']} calls={real['calls']}"
                f"\n  plan:   served_by={plan['served_by']} attempts={plan['attempts']}"
            )
        covered.update(situations(case, plan))
        for other in others:
            elsewhere = attempt_plan(
                case["chains"], case["model"], case["error"], case["failing"], case["max_fallbacks"], series=other
            )
            series_differ += (elsewhere.served_by, elsewhere.attempts) != (plan["served_by"], plan["attempts"])

    assert not disagreements, (
        f"LiteLLM {oracle.release}: {len(disagreements)} of {len(cases)} cases disagree:\n"
        + "\n".join(disagreements[:5])
    )
    print(
        f"\nLiteLLM {oracle.release}: {len(cases)} random cases, all agree; {series_differ} answered differently "
        f"by the other series; situations: {dict(sorted(covered.items()))}"
    )
    # The cases must exercise every rule of section 2, and where the series differ, or agreeing would prove little.
    expected = EXPECTED | EXPECTED_ON[oracle.series]
    assert expected <= set(covered), f"LiteLLM {oracle.release} misses {expected - set(covered)}"
    assert series_differ >= 5
    assert sum(real["served_by"] is not None for real in results) >= len(cases) // 4
