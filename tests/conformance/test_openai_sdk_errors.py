"""The OpenAI SDK shows this service's authentication errors and unknown-model 404 with their message (PRODUCT.md 3.1).

LiteLLM's error shape, `{"error": {"message", "type", "param", "code"}}`, is what the SDK reads: before
it, `str(err)` was only `Error code: 401`. The SDK is the one of the LiteLLM 1.110.2 environment, run
against this service served by a live server.
"""

import pytest
from django.conf import settings

from fallbacks import errors

pytestmark = pytest.mark.conformance


def test_the_openai_sdk_reads_the_messages(live_server, proxy_oracle):
    calls = [
        {"api_key": "sk-nobody-issued-this-key", "call": "list"},
        {"api_key": settings.MASTER_KEY, "call": "retrieve", "model": "gpt-5"},
        {"api_key": settings.MASTER_KEY, "call": "list"},
    ]
    results = proxy_oracle.run("oracle_openai_client.py", {"base_url": f"{live_server.url}/v1", "calls": calls})[
        "results"
    ]
    wrong_key, unknown_model, fine = results
    assert wrong_key["error"] == "AuthenticationError"
    assert wrong_key["status_code"] == 401
    assert errors.AUTH_INVALID_KEY in wrong_key["str"]
    assert (wrong_key["type"], wrong_key["code"], wrong_key["param"]) == ("auth_error", "401", "None")
    assert unknown_model["error"] == "NotFoundError"
    assert "The model `gpt-5` does not exist or is not accessible" in unknown_model["str"]
    assert (unknown_model["type"], unknown_model["param"], unknown_model["code"]) == (
        "invalid_request_error",
        "model",
        "404",
    )
    assert fine == {"error": None}
