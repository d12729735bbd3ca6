"""`GET /fallback_plan` agrees with the real LiteLLM router (PRODUCT.md sections 2 and 7).

Random fallback graphs (fixed seeds: cycles, `*` chains, all three error types, max_fallbacks 1
to 5) are run through `litellm.Router` offline, with mock deployments that fail or answer, by
oracle_router.py under the oracle's python; each case is then stored here through the services
and asked of the plan endpoint. The model that really answered (or none, when the router raised)
must be `served_by`, and the models the router called, in order, must be `attempts`. Any
disagreement is a bug in fallbacks.resolution, not in this test.
"""

import random
from collections import Counter
from urllib.parse import quote, urlencode

import pytest

from fallbacks import services
from fallbacks.domain import DEFAULT_CHAIN_SOURCE, FALLBACK_TYPES
from fallbacks.models import FallbackEntry, ModelGroup

ACTOR = "conformance"
SEEDS = [1109, 2024, 31337, 4242]
CASES_PER_SEED = 80  # 320 cases in all, a few seconds of router time per seed


def _names(rng: random.Random) -> list[str]:
    # Some names carry `/` and `:` to go through the path converter, none of them a provider
    # prefix or the suffix of another (LiteLLM matches `openai/x` to a rule for `x`; we do not).
    count = rng.randint(2, 7)
    return [f"lab/model-{index}:v1" if rng.random() < 0.25 else f"m{index}" for index in range(count)]


def make_case(rng: random.Random) -> dict:
    models = _names(rng)
    chains: dict[tuple[str, str], list[str]] = {}
    for fallback_type in FALLBACK_TYPES.values():
        # Typed chains are absent half of the time, so that their errors fall back to general ones.
        if rng.random() > (0.9 if fallback_type == "general" else 0.5):
            continue
        for source in [DEFAULT_CHAIN_SOURCE, *models]:
            if rng.random() < (0.35 if source == DEFAULT_CHAIN_SOURCE else 0.55):
                candidates = [name for name in models if name != source]
                chains[(source, fallback_type)] = rng.sample(candidates, rng.randint(1, min(4, len(candidates))))
    model = rng.choice(models)
    return {
        "models": models,
        "chains": chains,
        "model": model,
        "failing": sorted({model} | {name for name in models if rng.random() < 0.6}),
        "error": rng.choice(FALLBACK_TYPES.values()),
        "max_fallbacks": rng.randint(1, 5),
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


def store(case: dict) -> None:
    """Replace the whole configuration with the case's, through the services every door uses."""
    FallbackEntry.objects.all().delete()
    ModelGroup.objects.all().delete()
    for name in case["models"]:
        services.group_create(actor=ACTOR, name=name)
    for (source, fallback_type), targets in case["chains"].items():
        services.chain_set(actor=ACTOR, source=source, fallback_type=fallback_type, targets=targets)
    services.max_fallbacks_set(actor=ACTOR, max_fallbacks=case["max_fallbacks"])
    services.litellm_version_set(actor=ACTOR, litellm_version="1.109")  # the oracle's series


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
        if step["level"] >= 1 and step["then"] == "chain" and via["source"] == case["model"]:
            found.add("failed target continues the original's chain")
        if step["level"] >= 1 and step["then"] == "chain" and via["source"] == DEFAULT_CHAIN_SOURCE:
            found.add("failed target uses the '*' chain")
    return found


@pytest.mark.django_db
@pytest.mark.parametrize("seed", SEEDS)
def test_plan_names_the_model_the_real_router_served(seed, run_oracle, api):
    rng = random.Random(seed)
    cases = [make_case(rng) for _ in range(CASES_PER_SEED)]
    results = run_oracle("oracle_router.py", {"cases": [oracle_case(case) for case in cases]})["results"]
    assert len(results) == len(cases)

    disagreements = []
    covered: Counter = Counter()
    for number, (case, real) in enumerate(zip(cases, results, strict=True)):
        store(case)
        query = urlencode({"fallback_type": case["error"], "failing": case["failing"]}, doseq=True)
        response = api.get(f"/fallback_plan/{quote(case['model'])}?{query}")
        assert response.status_code == 200, response.content
        plan = response.json()
        if (plan["served_by"], plan["attempts"]) != (real["served_by"], real["calls"]):
            disagreements.append(
                f"case {number}: {oracle_case(case)}\n  router: served_by={real['served_by']} calls={real['calls']}"
                f"\n  plan:   served_by={plan['served_by']} attempts={plan['attempts']}"
            )
        covered.update(situations(case, plan))

    assert not disagreements, f"{len(disagreements)} of {len(cases)} cases disagree:\n" + "\n".join(disagreements[:5])
    # The cases must exercise every rule of section 2, or agreeing would prove little.
    expected = {
        "nobody answers",
        "typed error uses general chains",
        "typed chains exist, none applies",
        "cut by max_fallbacks",
        "skipped",
        "nested walk",
        "failed target continues the original's chain",
        "failed target uses the '*' chain",
    }
    assert expected <= set(covered), f"seed {seed} misses {expected - set(covered)}"
    assert sum(real["served_by"] is not None for real in results) >= len(cases) // 4
