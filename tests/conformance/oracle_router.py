"""Runs fallback cases through the real LiteLLM router, offline; run by the oracle's own python.

Reads `{"cases": [case, ...]}` on stdin and writes `{"results": [result, ...]}` on stdout, in
the same order. A case is
    {"models": [names], "failing": [names], "model": name, "error": fallback type,
     "max_fallbacks": int, "fallbacks": [{source: [targets]}, ...],
     "context_window_fallbacks": [...] or null, "content_policy_fallbacks": [...] or null}
and its result is {"served_by": name or null, "calls": [model groups in the order called]}.

Every model in `failing` has one deployment that fails with an error of the case's type; every
other model has one that answers "ok from <name>". Nothing leaves the machine: the deployments
point at a closed local port and answer from LiteLLM's mock path.
"""

import asyncio
import json
import logging
import sys

import litellm
import litellm.main
from litellm import Router

API_BASE = "http://127.0.0.1:9/v1"
ANSWER_PREFIX = "ok from "
# LiteLLM has mock strings for these two errors; content policy gets one from the wrapper below.
MOCK_ERRORS = {
    "general": "litellm.RateLimitError",
    "context_window": "litellm.ContextWindowExceededError",
    "content_policy": "mock content policy violation",
}

calls: list[str] = []
_deployment_to_group: dict[str, str] = {}
_original_mock_exceptions = litellm.main._handle_mock_potential_exceptions


def _recording_mock_exceptions(mock_response, model, custom_llm_provider=None):
    # Every call of a deployment passes here first, so this is where the order of attempts shows.
    calls.append(_deployment_to_group.get(model, model))
    if mock_response == MOCK_ERRORS["content_policy"]:
        raise litellm.ContentPolicyViolationError(
            message="this is a mock content policy violation", llm_provider="openai", model=model
        )
    return _original_mock_exceptions(mock_response=mock_response, model=model, custom_llm_provider=custom_llm_provider)


litellm.main._handle_mock_potential_exceptions = _recording_mock_exceptions


def _deployment(index: int, name: str, mock_response: str) -> dict:
    deployment_model = f"deployment-{index}"
    _deployment_to_group[deployment_model] = name
    return {
        "model_name": name,
        "litellm_params": {
            "model": f"openai/{deployment_model}",
            "api_key": "sk-oracle-not-a-secret",
            "api_base": API_BASE,
            "mock_response": mock_response,
        },
    }


async def run_case(case: dict) -> dict:
    failing = set(case["failing"])
    _deployment_to_group.clear()
    model_list = [
        _deployment(index, name, MOCK_ERRORS[case["error"]] if name in failing else ANSWER_PREFIX + name)
        for index, name in enumerate(case["models"])
    ]
    router = Router(
        model_list=model_list,
        fallbacks=case["fallbacks"] or None,
        context_window_fallbacks=case["context_window_fallbacks"] or None,
        content_policy_fallbacks=case["content_policy_fallbacks"] or None,
        max_fallbacks=case["max_fallbacks"],
        num_retries=0,
    )
    calls.clear()
    try:
        response = await router.acompletion(model=case["model"], messages=[{"role": "user", "content": "hi"}])
    except Exception as error:  # the router raised: nobody answered
        return {"served_by": None, "calls": list(calls), "error": type(error).__name__}
    content = response.choices[0].message.content
    if not content.startswith(ANSWER_PREFIX):
        raise AssertionError(f"unexpected answer {content!r}")
    return {"served_by": content.removeprefix(ANSWER_PREFIX), "calls": list(calls), "error": None}


async def main() -> None:
    cases = json.load(sys.stdin)["cases"]
    results = [await run_case(case) for case in cases]
    json.dump({"results": results}, sys.stdout)


if __name__ == "__main__":
    logging.disable(logging.CRITICAL)  # the router logs every failure it falls back from
    litellm.suppress_debug_info = True
    asyncio.run(main())
