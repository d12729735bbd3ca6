"""What a LiteLLM proxy lists as each model's `metadata.fallbacks` (`/v1/models?include_metadata=true`), computed
by the release's own proxy function, without starting a proxy.

Run by the oracle's own python (see conftest.py). Reads `{"configs": [text, ...]}` (exports of this service) on
stdin and writes `{"results": [{fallback_type: {model: [names]}}, ...]}`.

The proxy builds each model object in `litellm.proxy.utils.create_model_info_response`, whose `metadata.fallbacks`
is `litellm.proxy.auth.model_checks.get_all_fallbacks(model=..., llm_router=..., fallback_type=...)`. That
function is called here on a Router loaded from the file as the proxy loads it (oracle_chains.py). The model
object's other keys (`mode`, token limits) come from `create_model_info_response` itself, which cannot be
imported in an oracle environment installed from the router-only requirements (1.109.1): `litellm.proxy.utils`
imports fastapi, which that environment does not hold; so only `metadata.fallbacks` is computed here.
"""

import json
import sys

import yaml
from litellm import Router
from litellm.proxy.auth.model_checks import get_all_fallbacks
from oracle_chains import API_BASE, RULE_SETTINGS, _provide_environment


def listing(text: str) -> dict:
    config = yaml.safe_load(text)
    model_list = config["model_list"]
    for deployment in model_list:
        deployment["litellm_params"]["api_base"] = API_BASE
    _provide_environment(model_list)
    settings = config.get("router_settings") or {}
    router = Router(
        model_list=model_list,
        fallbacks=settings.get("fallbacks") or [],
        context_window_fallbacks=settings.get("context_window_fallbacks") or [],
        content_policy_fallbacks=settings.get("content_policy_fallbacks") or [],
        max_fallbacks=settings.get("max_fallbacks"),
        num_retries=0,
    )
    names = sorted({deployment["model_name"] for deployment in router.registry().all()})
    return {
        fallback_type: {
            model: list(get_all_fallbacks(model=model, llm_router=router, fallback_type=fallback_type))
            for model in names
        }
        for fallback_type in RULE_SETTINGS
    }


def main() -> None:
    payload = json.load(sys.stdin)
    json.dump({"results": [listing(text) for text in payload["configs"]]}, sys.stdout)


if __name__ == "__main__":
    main()
