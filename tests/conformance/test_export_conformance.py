"""An exported config, loaded by the real LiteLLM router of each series, has the chains `/v1/models` reports
(PRODUCT.md 2, 6, 7).

For every model group and every fallback type, LiteLLM's own
`get_fallback_model_group(fallbacks=<the rules the Router kept>, model_group=M)` must give the
chain that `GET /v1/models?include_metadata=true&fallback_type=T` shows for M, with the setting
`litellm_version` at the oracle's series: also when M's rule is keyed by another spelling of its name.
"""

import random
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from fallbacks import services
from fallbacks.domain import DEFAULT_CHAIN_SOURCE, FALLBACK_TYPES
from tests.factories import export

pytestmark = [pytest.mark.conformance, pytest.mark.django_db]

FIXTURE = Path(__file__).parent.parent / "fixtures" / "litellm_config.yaml"


def reported(api) -> dict[str, dict[str, list[str]]]:
    """`{type: {model: metadata.fallbacks}}` from `/v1/models?include_metadata=true`, as a gateway asks."""
    shown = {}
    for fallback_type in FALLBACK_TYPES.values():
        response = api.get("/v1/models", {"include_metadata": "true", "fallback_type": fallback_type})
        assert response.status_code == 200
        shown[fallback_type] = {model["id"]: model["metadata"]["fallbacks"] for model in response.json()["data"]}
    return shown


def assert_litellm_agrees(result: dict, shown: dict, max_fallbacks: int) -> Counter:
    """Compare every chain; count the rule keys LiteLLM used (the model's own, `*`, another spelling)."""
    models = sorted(shown[FALLBACK_TYPES.values()[0]])
    assert result["model_names"] == models  # every group loaded, placeholders included
    assert result["max_fallbacks"] == max_fallbacks
    keys: Counter = Counter()
    for fallback_type in FALLBACK_TYPES.values():
        for model in models:
            litellm = result["chains"][fallback_type][model]
            expected = litellm["chain"] or []
            if litellm["key"] not in (model, None):
                # get_fallback_model_group hands back the whole list of the rule that applies (`*`, or one keyed
                # by another spelling of the name); the router then skips the model itself (run_async_fallback
                # never retries the original model group), and this service shows the chain without it
                # (PRODUCT.md 2). Compare what the gateway will try.
                expected = [name for name in expected if name != model]
            keys[{model: "own", "*": "*", None: "none"}.get(litellm["key"], "another spelling")] += 1
            assert shown[fallback_type][model] == expected, (fallback_type, model, litellm)
    return keys


# Groups of names one rule names for each other (LiteLLM strips the provider prefix, or adds the one it infers).
SPELLINGS = [
    ["gpt-4o", "openai/gpt-4o", "azure/gpt-4o"],
    ["claude-haiku-4-5", "anthropic/claude-haiku-4-5"],
    ["gpt-4o-mini", "openai/gpt-4o-mini", "openrouter/openai/gpt-4o-mini"],
    ["x-1", "wally/x-1"],  # `wally` is a provider of 1.110.2 only
]


def random_config(seed: int) -> str:
    """A LiteLLM config with random chains of all three types, names with `/`, `:`, `.` and `@`, and names that
    are others with a provider prefix added or removed."""
    rng = random.Random(seed)
    shapes = ["m{}", "team/m{}-x", "m{}:latest", "acme.m{}@2024", "openrouter/vendor/m{}"]
    names = [rng.choice(shapes).format(index) for index in range(rng.randint(3, 12))]
    for spellings in rng.sample(SPELLINGS, 2):
        names += rng.sample(spellings, rng.randint(1, len(spellings)))
    model_list = [{"model_name": name, "litellm_params": {"model": f"openai/{name}"}} for name in names]
    sections: dict[str, dict] = {"router_settings": {"max_fallbacks": rng.randint(0, 6)}, "litellm_settings": {}}
    for key in ("fallbacks", "context_window_fallbacks", "content_policy_fallbacks"):
        rules = []
        for source in [*names, DEFAULT_CHAIN_SOURCE]:
            if rng.random() < 0.5:
                targets = rng.sample([name for name in names if name != source], rng.randint(1, min(3, len(names) - 1)))
                rules.append({source: targets})
        sections[rng.choice(["router_settings", "litellm_settings"])][key] = rules
    return yaml.safe_dump({"model_list": model_list, **sections}, sort_keys=False)


def test_the_fixture_exported_loads_into_litellm_with_the_same_chains(api, oracle):
    call_command("import_config", str(FIXTURE), stdout=StringIO())
    services.litellm_version_set(actor="conformance", litellm_version=oracle.series)
    # A model group made through the API has no deployment: the export still has to load in LiteLLM.
    services.group_create(actor="conformance", name="api-only/model:1")
    services.chain_set(actor="conformance", source="api-only/model:1", fallback_type="general", targets=["gpt-4o"])
    services.chain_set(actor="conformance", source="*", fallback_type="content_policy", targets=["api-only/model:1"])
    shown = reported(api)

    results = oracle.run("oracle_chains.py", {"configs": [export("yaml"), export("json")]})["results"]

    for result in results:
        assert_litellm_agrees(result, shown, max_fallbacks=3)
    # the fixture's rules reach LiteLLM: a chain of each type, and the `*` defaults
    assert shown["general"]["gpt-4o"] == ["claude-3-5-sonnet", "gemini-1.5-pro"]
    assert shown["general"]["gpt-4o-mini"] == ["claude-3-haiku"]  # the `*` chain, without itself
    assert shown["context_window"]["claude-3-haiku"] == ["claude-3-5-sonnet"]
    assert shown["content_policy"]["gemini-1.5-pro"] == ["claude-3-5-sonnet"]


def test_random_configurations_exported_load_into_litellm_with_the_same_chains(api, oracle):
    services.litellm_version_set(actor="conformance", litellm_version=oracle.series)
    exports, expectations = [], []
    for seed in range(12):
        text = random_config(seed)
        services.config_import(actor="conformance", document=text, mode="replace")
        exports.append(export("yaml"))
        expectations.append((reported(api), yaml.safe_load(text)["router_settings"]["max_fallbacks"]))

    results = oracle.run("oracle_chains.py", {"configs": exports})["results"]

    keys: Counter = Counter()
    for result, (shown, max_fallbacks) in zip(results, expectations, strict=True):
        keys += assert_litellm_agrees(result, shown, max_fallbacks)
    print(f"\nLiteLLM {oracle.release}: {sum(keys.values())} chains compared, all agree; rules used: {dict(keys)}")
    assert keys["another spelling"] >= 10  # rules keyed by another spelling of the name are compared too
