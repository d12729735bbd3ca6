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

from litellm.proxy.auth.model_checks import get_all_fallbacks
from oracle_chains import RULE_SETTINGS, load_router


def listing(text: str) -> dict:
    router = load_router(text)
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
