"""Drift, publish and test fallback for one registered gateway (PRODUCT.md 3.4).

Whatever the gateway does (nothing, a 401, a timeout, a body that is not LiteLLM's), the answer is a dict
with `error` set, never an exception: a gateway that is down is news for the operator, not a 5xx.
"""

import time
from urllib.parse import quote

from django.utils import timezone

from fallbacks import errors, queries, services
from fallbacks.domain import (
    DEFAULT_CHAIN_SOURCE,
    FALLBACK_TYPES,
    GATEWAY_TEST_FALLBACK_TIMEOUT_SECONDS,
    MOCK_TESTING_FLAGS,
    MOCK_TESTING_SETTING,
)
from fallbacks.errors import Conflict, ErrorCode
from fallbacks.gateways.client import GatewayAnswer, GatewayClient, GatewayError, error_message
from fallbacks.gateways.drift import BadListing, Drift, compare, live_chains

MODELS_PATH = "/v1/models"


def _now() -> str:
    return timezone.now().isoformat().replace("+00:00", "Z")


def live_listing(client: GatewayClient) -> dict[str, dict[str, list[str]]]:
    """The gateway's `/v1/models?include_metadata=true` for every type; GatewayError or BadListing otherwise."""
    return {
        kind: live_chains(
            client.get_json(MODELS_PATH, params={"include_metadata": "true", "fallback_type": kind}), kind
        )
        for kind in FALLBACK_TYPES.values()
    }


def drift_report(gateway, *, client: GatewayClient | None = None) -> dict:
    """`GET /gateways/{name}/drift`: the gateway's live chains against this configuration for its series.

    The gateway's last state (in sync, how many chains differ, the error) is kept for the admin's list.
    """
    if client is not None:
        return _drift_report(gateway, client)
    with GatewayClient.of(gateway) as own_client:
        return _drift_report(gateway, own_client)


def _drift_report(gateway, client: GatewayClient) -> dict:
    started = time.monotonic()
    version, expected = queries.reported_chains(gateway.litellm_version)
    error, drift = None, Drift()
    try:
        drift = compare(expected, live_listing(client))
    except (GatewayError, BadListing) as failure:
        error = str(failure)
    report = {
        "gateway": gateway.name,
        "checked_at": _now(),
        "config_version": version,
        "litellm_version": gateway.litellm_version,
        "in_sync": error is None and drift.in_sync,
        "models_missing": drift.models_missing,
        "models_unknown": drift.models_unknown,
        "chains": [chain.as_dict() for chain in drift.chains],
        "error": error,
        "seconds": round(time.monotonic() - started, 3),
    }
    services.gateway_record_check(
        name=gateway.name,
        state={
            "in_sync": report["in_sync"],
            "config_version": version,
            "error": error,
            "chains_differing": len(drift.chains),
            "models_missing": len(drift.models_missing),
            "models_unknown": len(drift.models_unknown),
        },
    )
    return report


def _fallback_path(model: str) -> str:
    return f"/fallback/{quote(model, safe='/:@')}"


def _own_rule(client: GatewayClient, model: str, fallback_type: str) -> list[str] | None:
    """The gateway's own rule for `model` (None when it has none: a 404, or a chain it only inherits)."""
    answer = client.request("GET", _fallback_path(model), params={"fallback_type": fallback_type})
    if answer.status != 200 or not isinstance(answer.body, dict) or answer.body.get("inherited_from"):
        return None
    chain = answer.body.get("fallback_models")
    return chain if isinstance(chain, list) else None


def publish(gateway, *, client: GatewayClient | None = None) -> dict:
    """`POST /gateways/{name}/publish`: make a gateway that stores its config in a database run this one, through
    its own `POST /fallback` and `DELETE /fallback/{model}`, then check drift again.

    Each rule of this configuration that the gateway lacks or holds differently is written; each rule the
    gateway holds for a model without one here (or a `*` rule of a type without one here) is deleted. What
    landed is in `published`, every refusal in `failed` with the gateway's status and message; nothing is
    retried. Conflict when the gateway is in mode observe.
    """
    if client is not None:
        return _publish(gateway, client)
    with GatewayClient.of(gateway) as own_client:
        return _publish(gateway, own_client)


def _publish(gateway, client: GatewayClient) -> dict:
    if gateway.mode != "publish":
        raise Conflict(errors.GATEWAY_NOT_PUBLISHING.format(name=gateway.name), code=ErrorCode.GATEWAY_NOT_PUBLISHING)
    started = time.monotonic()
    rules = queries.own_rules()
    published, failed, error = [], [], None

    def write(method: str, model: str, fallback_type: str, body: dict | None = None) -> None:
        try:
            if method == "POST":
                answer = client.request("POST", "/fallback", json_body=body)
            else:
                answer = client.request("DELETE", _fallback_path(model), params={"fallback_type": fallback_type})
        except GatewayError as failure:
            failed.append({"model": model, "fallback_type": fallback_type, "status": None, "error": failure.message})
            return
        if answer.status == 200:
            published.append({"model": model, "fallback_type": fallback_type})
        else:
            failed.append(
                {
                    "model": model,
                    "fallback_type": fallback_type,
                    "status": answer.status,
                    "error": error_message(answer.body),
                }
            )

    try:
        served = live_listing(client)
        for (source, fallback_type), targets in sorted(rules.items()):
            if _own_rule(client, source, fallback_type) != targets:
                body = {"model": source, "fallback_models": targets, "fallback_type": fallback_type}
                write("POST", source, fallback_type, body)
        for fallback_type, models in served.items():
            for model in sorted({*models, DEFAULT_CHAIN_SOURCE}):
                if (model, fallback_type) not in rules and _own_rule(client, model, fallback_type) is not None:
                    write("DELETE", model, fallback_type)
    except (GatewayError, BadListing) as failure:
        error = str(failure)  # what landed before is in `published`
    report = drift_report(gateway, client=client)
    return {
        "gateway": gateway.name,
        "config_version": report["config_version"],
        "published": published,
        "failed": failed,
        "in_sync": report["in_sync"],
        "error": error or report["error"],
        "seconds": round(time.monotonic() - started, 3),
    }


# Test fallback ----------------------------------------------------------------------------------

CHAT_PATH = "/chat/completions"
MODEL_GROUP_HEADER = "x-litellm-model-group"
ATTEMPTED_FALLBACKS_HEADER = "x-litellm-attempted-fallbacks"


def check_fallback(
    gateway,
    model: str,
    fallback_type: str,
    *,
    client: GatewayClient | None = None,
    timeout: float = GATEWAY_TEST_FALLBACK_TIMEOUT_SECONDS,
) -> dict:
    """`POST /gateways/{name}/test_fallback`: make `model` fail on the live gateway with an error of `fallback_type`
    (LiteLLM's own mock-testing flag) and compare the model that really answered with this service's plan for
    the gateway's series with only `model` failing.

    NotFound when `model` is not a group here (there is no plan to compare with); whatever the gateway does
    (refuses the flag, the key, answers nothing or something else) is an `error` in the answer.
    """
    plan = queries.fallback_plan(model, fallback_type, [], litellm_version=gateway.litellm_version).plan
    if client is not None:
        return _check_fallback(gateway, client, model, fallback_type, plan.served_by, timeout)
    with GatewayClient.of(gateway) as own_client:
        return _check_fallback(gateway, own_client, model, fallback_type, plan.served_by, timeout)


def _check_fallback(
    gateway, client: GatewayClient, model: str, fallback_type: str, expected: str | None, timeout: float
) -> dict:
    started = time.monotonic()
    request = {
        "model": model,
        "messages": [{"role": "user", "content": "ping"}],
        MOCK_TESTING_FLAGS[fallback_type]: True,
    }
    served_by, attempted, error, failed_as_litellm_fails = None, None, None, False
    try:
        answer = client.request("POST", CHAT_PATH, json_body=request, timeout=timeout)
    except GatewayError as failure:
        error = failure.message
    else:
        attempted = _integer_header(answer.headers.get(ATTEMPTED_FALLBACKS_HEADER))
        served_by, error, failed_as_litellm_fails = _who_answered(answer)
    # The plan may say that nobody answers (no chain applies): a gateway that fails the request with its own error
    # then agrees; a refused flag or key, a timeout or a strange body never does.
    agrees = served_by == expected if error is None else expected is None and failed_as_litellm_fails
    return {
        "gateway": gateway.name,
        "model": model,
        "fallback_type": fallback_type,
        "litellm_version": gateway.litellm_version,
        "served_by": served_by,
        "attempted_fallbacks": attempted,
        "expected": expected,
        "agrees": agrees,
        "error": error,
        "seconds": round(time.monotonic() - started, 3),
    }


def _integer_header(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _who_answered(answer: GatewayAnswer) -> tuple[str | None, str | None, bool]:
    """`(served_by, error, failed as LiteLLM fails)` from the gateway's answer to the flagged request."""
    if 200 <= answer.status < 300:
        served_by = answer.headers.get(MODEL_GROUP_HEADER)
        if not served_by and isinstance(answer.body, dict) and isinstance(answer.body.get("model"), str):
            served_by = answer.body["model"]
        if not served_by:
            return None, errors.TEST_FALLBACK_NO_MODEL.format(path=CHAT_PATH, status=answer.status), False
        return served_by, None, False
    message = error_message(answer.body)
    if answer.status in (401, 403):
        return None, f"{answer.status}: the gateway refused this service's key ({message})", False
    if MOCK_TESTING_SETTING.rpartition(".")[2] in message:
        refused = errors.MOCK_TESTING_REFUSED.format(
            setting=MOCK_TESTING_SETTING, status=answer.status, message=message
        )
        return None, refused, False
    litellm_error = isinstance(answer.body, dict) and isinstance(answer.body.get("error"), dict)
    return (
        None,
        errors.TEST_FALLBACK_FAILED.format(status=answer.status, path=CHAT_PATH, message=message),
        litellm_error,
    )
