"""Loads exported config files into the real LiteLLM router and asks it each model's direct chain.

Run by the oracle's own python (see conftest.py). Reads `{"configs": [text, ...]}` on stdin, each
the text of a file written by `manage.py export_config` (YAML or JSON), and writes
`{"results": [result, ...]}` in the same order. A result is

    {"model_names": [the router's model groups],
     "max_fallbacks": the router's setting,
     "chains": {fallback_type: {model: {"chain": [names] or null, "key": the rule key used or null}}}}

`chain` is what `litellm.router_utils.fallback_event_handlers.get_fallback_model_group` gives for
the rules the Router kept from the file; `key` names the rule it came from (the model itself,
`*`, or another name when LiteLLM matched a provider-prefixed or stripped name).

The file is used as the proxy would use it: `model_list` and `router_settings` go to
`litellm.Router` as they are. Only two things change, so that nothing can leave the machine:
every deployment's `api_base` points at a closed local port, and every `os.environ/NAME` the
file refers to gets a dummy value (the router reads them when it loads its deployments).
"""

import json
import os
import sys

import yaml
from litellm import Router
from litellm.router_utils.fallback_event_handlers import get_fallback_model_group

API_BASE = "http://127.0.0.1:9/v1"
ENV_PREFIX = "os.environ/"
RULE_SETTINGS = {
    "general": "fallbacks",
    "context_window": "context_window_fallbacks",
    "content_policy": "content_policy_fallbacks",
}


def _provide_environment(value: object) -> None:
    if isinstance(value, str) and value.startswith(ENV_PREFIX):
        os.environ.setdefault(value.removeprefix(ENV_PREFIX), "oracle-dummy-value")
    elif isinstance(value, dict):
        for item in value.values():
            _provide_environment(item)
    elif isinstance(value, list):
        for item in value:
            _provide_environment(item)


def _rule_key(rules: list, chain: object) -> str | None:
    """The key of the rule whose list LiteLLM returned (the same object, not an equal one)."""
    for rule in rules:
        if isinstance(rule, dict) and rule:
            key = next(iter(rule))
            if rule[key] is chain:
                return key
    return None


def load_router(text: str) -> Router:
    """The Router the proxy makes of an exported file, kept offline."""
    config = yaml.safe_load(text)  # an export in JSON is YAML too
    model_list = config["model_list"]
    for deployment in model_list:
        deployment["litellm_params"]["api_base"] = API_BASE
    _provide_environment(model_list)
    settings = config.get("router_settings") or {}
    return Router(
        model_list=model_list,
        fallbacks=settings.get("fallbacks") or [],
        context_window_fallbacks=settings.get("context_window_fallbacks") or [],
        content_policy_fallbacks=settings.get("content_policy_fallbacks") or [],
        max_fallbacks=settings.get("max_fallbacks"),
        num_retries=0,
    )


def direct_chains(text: str) -> dict:
    router = load_router(text)
    router_settings = router.settings()
    model_names = sorted({deployment["model_name"] for deployment in router.registry().all()})
    chains: dict[str, dict] = {}
    for fallback_type, setting in RULE_SETTINGS.items():
        rules = list(getattr(router_settings, setting) or [])
        chains[fallback_type] = {}
        for model in model_names:
            chain, _ = get_fallback_model_group(fallbacks=rules, model_group=model)
            chains[fallback_type][model] = {
                "chain": list(chain) if chain is not None else None,
                "key": _rule_key(rules, chain) if chain is not None else None,
            }
    return {"model_names": model_names, "max_fallbacks": router.max_fallbacks, "chains": chains}


def main() -> None:
    payload = json.load(sys.stdin)
    results = [direct_chains(text) for text in payload["configs"]]
    json.dump({"results": results}, sys.stdout)


if __name__ == "__main__":
    main()
