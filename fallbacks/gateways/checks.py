"""Drift, publish and test fallback for one registered gateway (PRODUCT.md 3.4).

Whatever the gateway does (nothing, a 401, a timeout, a body that is not LiteLLM's), the answer is a dict
with `error` set, never an exception: a gateway that is down is news for the operator, not a 5xx.
"""

import time
from urllib.parse import quote

from django.utils import timezone

from fallbacks import errors, queries, services
from fallbacks.domain import DEFAULT_CHAIN_SOURCE, FALLBACK_TYPES
from fallbacks.errors import Conflict, ErrorCode
from fallbacks.gateways.client import GatewayClient, GatewayError, error_message
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
