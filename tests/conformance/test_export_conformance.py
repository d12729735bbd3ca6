"""An exported config, loaded by the real LiteLLM router, has the chains `/v1/models` reports (PRODUCT.md 6, 7).

For every model group and every fallback type, LiteLLM's own
`get_fallback_model_group(fallbacks=<the rules the Router kept>, model_group=M)` must give the
chain that `GET /v1/models?include_metadata=true&fallback_type=T` shows for M.
"""

import random
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from fallbacks import services
from fallbacks.domain import DEFAULT_CHAIN_SOURCE, FALLBACK_TYPES

pytestmark = [pytest.mark.conformance, pytest.mark.django_db]

FIXTURE = Path(__file__).parent.parent / "fixtures" / "litellm_config.yaml"


def exported(fmt: str) -> str:
    out = StringIO()
    call_command("export_config", "--format", fmt, stdout=out)
    return out.getvalue()


def reported(api) -> dict[str, dict[str, list[str]]]:
    """`{type: {model: metadata.fallbacks}}` from `/v1/models?include_metadata=true`, as a gateway asks."""
    shown = {}
    for fallback_type in FALLBACK_TYPES.values():
        response = api.get("/v1/models", {"include_metadata": "true", "fallback_type": fallback_type})
        assert response.status_code == 200
        shown[fallback_type] = {model["id"]: model["metadata"]["fallbacks"] for model in response.json()["data"]}
    return shown


def assert_litellm_agrees(result: dict, shown: dict, max_fallbacks: int) -> None:
    models = sorted(shown[FALLBACK_TYPES.values()[0]])
    assert result["model_names"] == models  # every group loaded, placeholders included
    assert result["max_fallbacks"] == max_fallbacks
    for fallback_type in FALLBACK_TYPES.values():
        for model in models:
            litellm = result["chains"][fallback_type][model]
            # LiteLLM also lets `openai/gpt-4o` use the rule of `gpt-4o` (and the reverse); this service
            # does not (README). These configurations have no such pair, so every chain is compared.
            assert litellm["key"] in (model, DEFAULT_CHAIN_SOURCE, None), (fallback_type, model, litellm)
            expected = litellm["chain"] or []
            if litellm["key"] == DEFAULT_CHAIN_SOURCE:
                # get_fallback_model_group hands back the whole `*` list; the router then skips the model
                # itself (run_async_fallback never retries the original model group), and the contract
                # (PRODUCT.md 2) shows the `*` chain without it. Compare what the gateway will try.
                expected = [name for name in expected if name != model]
            assert shown[fallback_type][model] == expected, (fallback_type, model)


def random_config(seed: int) -> str:
    """A LiteLLM config with random chains of all three types, names with `/`, `:`, `.` and `@`.

    Each name carries its own number, so no name is another one with a provider prefix added or
    removed (the one place LiteLLM resolves differently from this service, on purpose).
    """
    rng = random.Random(seed)
    shapes = ["m{}", "team/m{}-x", "m{}:latest", "acme.m{}@2024", "openrouter/vendor/m{}"]
    names = [rng.choice(shapes).format(index) for index in range(rng.randint(3, 12))]
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


def test_the_fixture_exported_loads_into_litellm_with_the_same_chains(api, run_oracle):
    call_command("import_config", str(FIXTURE), stdout=StringIO())
    # A model group made through the API has no deployment: the export still has to load in LiteLLM.
    services.group_create(actor="conformance", name="api-only/model:1")
    services.chain_set(actor="conformance", source="api-only/model:1", fallback_type="general", targets=["gpt-4o"])
    services.chain_set(actor="conformance", source="*", fallback_type="content_policy", targets=["api-only/model:1"])
    shown = reported(api)

    results = run_oracle("oracle_chains.py", {"configs": [exported("yaml"), exported("json")]})["results"]

    for result in results:
        assert_litellm_agrees(result, shown, max_fallbacks=3)
    # the fixture's rules reach LiteLLM: a chain of each type, and the `*` defaults
    assert shown["general"]["gpt-4o"] == ["claude-3-5-sonnet", "gemini-1.5-pro"]
    assert shown["general"]["gpt-4o-mini"] == ["claude-3-haiku"]  # the `*` chain, without itself
    assert shown["context_window"]["claude-3-haiku"] == ["claude-3-5-sonnet"]
    assert shown["content_policy"]["gemini-1.5-pro"] == ["claude-3-5-sonnet"]


def test_random_configurations_exported_load_into_litellm_with_the_same_chains(api, run_oracle):
    exports, expectations = [], []
    for seed in range(8):
        text = random_config(seed)
        services.config_import(actor="conformance", document=text, mode="replace")
        exports.append(exported("yaml"))
        expectations.append((reported(api), yaml.safe_load(text)["router_settings"]["max_fallbacks"]))

    results = run_oracle("oracle_chains.py", {"configs": exports})["results"]

    for result, (shown, max_fallbacks) in zip(results, expectations, strict=True):
        assert_litellm_agrees(result, shown, max_fallbacks)
