"""`POST /gateways/{name}/test_fallback` (PRODUCT.md 3.4) against a local server that answers what a gateway might:
the request LiteLLM expects, who served it read from the header or the body, and every failure an `error` in a
200. The real LiteLLM proxy is in tests/conformance/test_gateway_test_fallback.py."""

import re

import pytest

from fallbacks import errors, selectors, services
from fallbacks.domain import MOCK_TESTING_FLAGS, MOCK_TESTING_SETTING
from fallbacks.gateways import checks
from tests.gateways.test_client import broken_gateway  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db

CHAT = "/chat/completions"
REFUSAL = (
    "Mock testing request params are disabled on this proxy: mock_testing_fallbacks. An admin can enable them by "
    "setting `general_settings.dangerously_allow_mock_testing_request_params: true` in config.yaml."
)


@pytest.fixture
def gateway(broken_gateway, make_groups, set_chain, monkeypatch):  # noqa: F811
    url, answers = broken_gateway
    make_groups("primary", "haiku", "alone")
    set_chain("primary", ["haiku"])
    set_chain("primary", ["haiku"], "context_window")
    monkeypatch.setenv("EDGE_KEY", "sk-edge")
    services.gateway_create(actor="test", name="edge", base_url=url, api_key="os.environ/EDGE_KEY")
    return answers


def answer(api, model="primary", **body):
    response = api.post("/gateways/edge/test_fallback", {"model": model, **body}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize("fallback_type", ["general", "context_window", "content_policy"])
def test_sends_litellm_s_flag_and_reads_the_model_group_header(api, gateway, broken_gateway, fallback_type):  # noqa: F811
    gateway[CHAT] = (
        200,
        b'{"model": "openai/haiku-2024", "object": "chat.completion"}',
        0,
        {"x-litellm-model-group": "haiku", "x-litellm-attempted-fallbacks": "1"},
    )
    body = answer(api, fallback_type=fallback_type)
    assert body == {
        "gateway": "edge",
        "model": "primary",
        "fallback_type": fallback_type,
        "litellm_version": "1.110",
        "served_by": "haiku",  # the header, not the body's provider model
        "attempted_fallbacks": 1,
        "expected": "haiku",  # content policy too: no chain of that type exists, so the general chains
        "agrees": True,
        "error": None,
        "seconds": body["seconds"],
    }
    from tests.gateways.test_client import Handler

    assert Handler.received == [
        (
            "POST",
            CHAT,
            {
                "model": "primary",
                "messages": [{"role": "user", "content": "ping"}],
                MOCK_TESTING_FLAGS[fallback_type]: True,
            },
        )
    ]


def test_without_the_header_the_body_s_model_counts(api, gateway):
    gateway[CHAT] = (200, b'{"model": "haiku"}', 0)
    body = answer(api)
    assert (body["served_by"], body["attempted_fallbacks"], body["agrees"], body["error"]) == (
        "haiku",
        None,
        True,
        None,
    )


@pytest.mark.parametrize(
    ("status", "content", "error"),
    [
        (400, b'{"detail": {"error": "' + REFUSAL.encode() + b'"}}', None),  # checked below: names the setting
        (
            401,
            b'{"error": {"message": "Authentication Error, invalid key"}}',
            "401: the gateway refused this service's key",
        ),
        (200, b"<html>not json</html>", "bad body: POST /chat/completions answered 200 with neither"),
        (200, b'{"choices": []}', "bad body: POST /chat/completions answered 200 with neither"),
        (502, b"<html>bad gateway</html>", "502 from POST /chat/completions: no model served the request"),
    ],
)
def test_every_failure_is_an_error_in_a_200_and_never_agrees(api, gateway, status, content, error):
    gateway[CHAT] = (status, content, 0, {"x-litellm-attempted-fallbacks": "not a number"})
    body = answer(api)
    assert (body["served_by"], body["agrees"], body["expected"], body["attempted_fallbacks"]) == (
        None,
        False,
        "haiku",
        None,
    )
    if error is None:
        assert body["error"] == errors.MOCK_TESTING_REFUSED.format(
            setting=MOCK_TESTING_SETTING, status=400, message=REFUSAL
        )
        assert "general_settings.dangerously_allow_mock_testing_request_params: true" in body["error"]
    else:
        assert body["error"].startswith(error), body


def test_a_request_the_plan_says_nobody_serves(api, gateway):
    # `alone` has no chain and there is no `*` chain: the plan has no answer; LiteLLM fails the request with its error.
    gateway[CHAT] = (500, b'{"error": {"message": "litellm.InternalServerError: mock exception", "code": "500"}}', 0)
    body = answer(api, model="alone")
    assert (body["expected"], body["served_by"], body["agrees"]) == (None, None, True)
    assert body["error"] == (
        "500 from POST /chat/completions: no model served the request (litellm.InternalServerError: mock exception)"
    )
    # ... but a body that is not LiteLLM's error is no proof of anything
    gateway[CHAT] = (500, b"<html>oops</html>", 0)
    assert answer(api, model="alone")["agrees"] is False
    # and a gateway that serves it disagrees
    gateway[CHAT] = (200, b'{"model": "haiku"}', 0)
    assert (answer(api, model="alone")["served_by"], answer(api, model="alone")["agrees"]) == ("haiku", False)


def test_unreachable_and_timed_out(api, gateway, broken_gateway):  # noqa: F811
    api.patch("/gateways/edge", {"base_url": "http://127.0.0.1:9"}, format="json")
    body = answer(api)
    assert (body["agrees"], body["served_by"]) == (False, None)
    assert body["error"].startswith("unreachable: POST /chat/completions")

    url, answers = broken_gateway
    answers[CHAT] = (200, b'{"model": "haiku"}', 1.5)
    api.patch("/gateways/edge", {"base_url": url}, format="json")
    report = checks.check_fallback(selectors.gateway("edge"), "primary", "general", timeout=0.5)
    assert report["error"] == "timed out: no answer to POST /chat/completions within 0.5 s"
    assert report["agrees"] is False


def test_refusals_before_any_call(api, read_only_api, gateway):
    from tests.gateways.test_client import Handler

    assert read_only_api.post("/gateways/edge/test_fallback", {"model": "primary"}, format="json").status_code == 403
    assert api.post("/gateways/nowhere/test_fallback", {"model": "primary"}, format="json").status_code == 404
    unknown = api.post("/gateways/edge/test_fallback", {"model": "nope"}, format="json")
    assert unknown.status_code == 404
    assert unknown.json()["detail"]["error"] == errors.MODEL_NOT_FOUND.format(model="nope")
    for body, message in [
        ({"model": "primary", "fallback_type": "weird"}, re.escape("Invalid fallback_type")),
        ({}, re.escape(errors.BLANK_MODEL)),
        ({"model": 3}, re.escape(errors.BLANK_MODEL)),
        (["primary"], re.escape(errors.BODY_NOT_AN_OBJECT)),
    ]:
        response = api.post("/gateways/edge/test_fallback", body, format="json")
        assert response.status_code == 400, body
        assert re.match(message, response.json()["detail"]["error"]), response.json()
    assert Handler.received == []  # nothing reached the gateway
