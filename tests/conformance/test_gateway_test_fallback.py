"""Test fallback against a real LiteLLM 1.110.2 proxy (PRODUCT.md 3.4, section 7).

The proxy runs this service's own export, every deployment answering offline with `mock_response` ("ok from X")
and `general_settings.dangerously_allow_mock_testing_request_params: true`. For each error type, LiteLLM's own
mock-testing flag makes the requested model fail with an error of that type (measured: all three flags work
offline on 1.110.2), the fallback targets answer for real, and the model that answered must be the one this
service's plan names. With the setting off, the refusal is an `error` naming the setting, in a 200.
"""

import secrets

import pytest

from fallbacks import errors, queries, services
from fallbacks.domain import MOCK_TESTING_SETTING
from tests.conformance.test_proxy_conformance import proxy_config, running_proxy
from tests.factories import export

pytestmark = [pytest.mark.conformance, pytest.mark.slow, pytest.mark.django_db]

ACTOR = "conformance"
GROUPS = ["primary", "haiku", "big", "safe", "other", "lonely"]


def configure() -> None:
    """Chains of every type, a `*` chain, and a group that no chain of a type applies to."""
    for name in GROUPS:
        services.group_create(actor=ACTOR, name=name)
    services.chain_set(actor=ACTOR, source="primary", fallback_type="general", targets=["haiku"])
    services.chain_set(actor=ACTOR, source="primary", fallback_type="context_window", targets=["big"])
    services.chain_set(actor=ACTOR, source="primary", fallback_type="content_policy", targets=["safe"])
    services.chain_set(actor=ACTOR, source="*", fallback_type="general", targets=["big", "haiku"])


def mock_answers(config: dict) -> dict:
    """Every deployment of the export answers `ok from <group>` without calling anything (LiteLLM's mock_response)."""
    for deployment in config["model_list"]:
        deployment["litellm_params"]["mock_response"] = f"ok from {deployment['model_name']}"
    return config


@pytest.fixture
def mock_gateway(proxy_oracle, tmp_path):
    """`(base_url, master_key, allowed)` per request: a real proxy on this export, with mock testing allowed or not."""
    configure()
    started = {}

    def start(*, allowed: bool) -> tuple[str, str]:
        master_key = "sk-" + secrets.token_urlsafe(32)
        config, environment = proxy_config(export(), master_key)
        if allowed:
            config["general_settings"][MOCK_TESTING_SETTING.rpartition(".")[2]] = True
        folder = tmp_path / ("allowed" if allowed else "refused")
        folder.mkdir()
        context = running_proxy(proxy_oracle, mock_answers(config), environment, folder)
        started[allowed] = context
        return context.__enter__(), master_key

    yield start
    for context in started.values():
        context.__exit__(None, None, None)


def register(api, name: str, base_url: str) -> None:
    body = {"name": name, "base_url": base_url, "api_key": "os.environ/GATEWAY_KEY", "litellm_version": "1.110"}
    assert api.post("/gateways", body, format="json").status_code == 201


CASES = [  # (model, fallback_type, who serves it)
    ("primary", "general", "haiku"),
    ("primary", "context_window", "big"),
    ("primary", "content_policy", "safe"),
    ("other", "general", "big"),  # the `*` chain
    ("other", "context_window", "big"),  # 1.110: no context-window chain applies to it, so the general `*` one
]


def test_each_error_type_is_served_as_the_plan_says(mock_gateway, api, monkeypatch):
    base_url, master_key = mock_gateway(allowed=True)  # one proxy for every case: it takes ~30 s to start
    monkeypatch.setenv("GATEWAY_KEY", master_key)
    register(api, "real", base_url)
    for model, fallback_type, served_by in CASES:
        plan = queries.fallback_plan(model, fallback_type, [], litellm_version="1.110").plan
        assert plan.served_by == served_by  # what this service says, before asking the gateway
        response = api.post(
            "/gateways/real/test_fallback", {"model": model, "fallback_type": fallback_type}, format="json"
        )
        assert response.status_code == 200
        body = response.json()
        assert body["error"] is None, body
        assert (body["served_by"], body["expected"], body["agrees"]) == (served_by, served_by, True), body
        assert body["attempted_fallbacks"] == 1
        assert (body["gateway"], body["model"], body["fallback_type"]) == ("real", model, fallback_type)

    # Content-policy chains exist (primary's), none applies to `other`: 1.110 raises the error, no fallback; the
    # plan says so too, so the gateway failing the request agrees.
    body = api.post(
        "/gateways/real/test_fallback", {"model": "other", "fallback_type": "content_policy"}, format="json"
    ).json()
    assert (body["expected"], body["served_by"], body["agrees"]) == (None, None, True), body
    assert body["error"].startswith("400 from POST /chat/completions: no model served the request"), body

    # A chain changed here and not on the gateway is a disagreement, with both sides (the type defaults to general).
    services.chain_set(actor=ACTOR, source="lonely", fallback_type="general", targets=["safe"])
    body = api.post("/gateways/real/test_fallback", {"model": "lonely"}, format="json").json()
    assert (body["fallback_type"], body["expected"], body["served_by"], body["agrees"], body["error"]) == (
        "general",
        "safe",
        "big",
        False,
        None,
    )


def test_with_the_setting_off_the_error_names_it(mock_gateway, api, monkeypatch):
    base_url, master_key = mock_gateway(allowed=False)
    monkeypatch.setenv("GATEWAY_KEY", master_key)
    register(api, "strict", base_url)
    for model, fallback_type, served_by in CASES[:3]:  # primary, each type
        response = api.post(
            "/gateways/strict/test_fallback", {"model": model, "fallback_type": fallback_type}, format="json"
        )
        assert response.status_code == 200
        body = response.json()
        assert (body["served_by"], body["agrees"], body["expected"]) == (None, False, served_by)
        assert body["error"].startswith(
            errors.MOCK_TESTING_REFUSED.split("(")[0].format(setting=MOCK_TESTING_SETTING)
        ), body
        assert "general_settings.dangerously_allow_mock_testing_request_params" in body["error"]
        assert body["error"].endswith("in config.yaml. This setting cannot be changed from the Admin UI or the API.)")
