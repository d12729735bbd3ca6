"""Drift against a real LiteLLM 1.110.2 proxy started from this service's own export (PRODUCT.md 3.4, section 7).

The proxy is the one of test_proxy_conformance (its fixture, reused): it runs exactly this configuration, so
drift must say in sync despite LiteLLM's listing habits; a chain changed here must be named, with both sides;
a gateway that is down, or that refuses the key, must answer quickly with `in_sync: false` and the reason.
"""

import time
from io import StringIO

import pytest
from django.core.management import call_command

from fallbacks import services
from tests.conformance.test_proxy_conformance import litellm_proxy  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.conformance, pytest.mark.slow, pytest.mark.django_db]


def register(api, name: str, base_url: str, variable: str = "GATEWAY_KEY") -> None:
    body = {"name": name, "base_url": base_url, "api_key": f"os.environ/{variable}", "litellm_version": "1.110"}
    assert api.post("/gateways", body, format="json").status_code == 201


def test_drift_against_the_real_proxy(litellm_proxy, api, monkeypatch):  # noqa: F811
    base_url, master_key = litellm_proxy
    monkeypatch.setenv("GATEWAY_KEY", master_key)
    register(api, "real", base_url)

    started = time.monotonic()
    report = api.get("/gateways/real/drift").json()
    seconds = time.monotonic() - started
    assert report["error"] is None, report
    assert (report["in_sync"], report["chains"], report["models_missing"], report["models_unknown"]) == (
        True,
        [],
        [],
        [],
    )
    assert api.get("/gateways/real").json()["last_state"]["in_sync"] is True
    assert "real: in sync" in run_check()[1]

    # A chain changed here (not on the gateway) is named exactly, with both sides.
    services.chain_set(actor="test", source="x-1", fallback_type="general", targets=["gpt-4.1"])
    report = api.get("/gateways/real/drift").json()
    assert report["in_sync"] is False
    assert report["chains"] == [
        {"model": "x-1", "fallback_type": "general", "expected": ["gpt-4.1"], "live": ["wally/x-1", "gpt-4.1"]}
    ]
    assert (report["models_missing"], report["models_unknown"], report["error"]) == ([], [], None)
    code, out = run_check()
    assert code == 1
    assert "x-1 (general): expected ['gpt-4.1'], live ['wally/x-1', 'gpt-4.1']" in out

    # A group here that the gateway does not serve.
    services.group_create(actor="test", name="only-here")
    assert api.get("/gateways/real/drift").json()["models_missing"] == ["only-here"]

    # No key: LiteLLM's 401, as an error in a 200.
    assert api.patch("/gateways/real", {"api_key": ""}, format="json").status_code == 200
    response = api.get("/gateways/real/drift")
    assert response.status_code == 200
    assert response.json()["in_sync"] is False
    assert response.json()["error"].startswith("401: the gateway refused this service's key"), response.json()
    # A wrong key: a proxy without a database cannot look it up and says so in a 400, reported as it is.
    api.patch("/gateways/real", {"api_key": "os.environ/GATEWAY_KEY"}, format="json")
    monkeypatch.setenv("GATEWAY_KEY", "sk-not-the-key-" + "x" * 20)
    response = api.get("/gateways/real/drift")
    assert response.status_code == 200
    assert response.json()["in_sync"] is False
    assert response.json()["error"] == "400 from GET /v1/models: No connected db."
    print(f"\ndrift check against the real LiteLLM 1.110.2 proxy: {seconds:.2f} s (3 listings)")


def test_a_gateway_that_is_down_answers_quickly(api, monkeypatch):
    monkeypatch.setenv("GATEWAY_KEY", "sk-whatever")
    register(api, "down", "http://127.0.0.1:9")  # the discard port: nothing listens
    started = time.monotonic()
    response = api.get("/gateways/down/drift")
    assert time.monotonic() - started < 5
    assert response.status_code == 200
    body = response.json()
    assert body["in_sync"] is False
    assert body["error"].startswith("unreachable: GET /v1/models")
    assert run_check()[0] == 1


def run_check() -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("check_gateways", stdout=out)
    except SystemExit as stop:
        return stop.code, out.getvalue()
    except Exception as error:  # CommandError through call_command
        return getattr(error, "returncode", 1), out.getvalue()
    return 0, out.getvalue()
