"""Drift, publish and test fallback for one registered gateway (PRODUCT.md 3.4).

Whatever the gateway does (nothing, a 401, a timeout, a body that is not LiteLLM's), the answer is a dict
with `error` set, never an exception: a gateway that is down is news for the operator, not a 5xx.
"""

import time
from dataclasses import dataclass, field
from urllib.parse import quote

from django.utils import timezone

from fallbacks import errors, queries, selectors, services
from fallbacks.domain import (
    DEFAULT_CHAIN_SOURCE,
    FALLBACK_TYPES,
    GATEWAY_TEST_FALLBACK_TIMEOUT_SECONDS,
    MOCK_TESTING_FLAGS,
    MOCK_TESTING_SETTING,
)
from fallbacks.errors import Conflict, ErrorCode, PreconditionFailed
from fallbacks.gateways.client import GatewayAnswer, GatewayClient, GatewayError, error_message
from fallbacks.gateways.drift import BadListing, Drift, compare, live_chains
from fallbacks.resolution import rule_naming

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
            # which groups the gateway disagrees about, for each group's admin page
            "differing_chains": report["chains"],
            "missing_models": drift.models_missing,
        },
    )
    return report


def _fallback_path(model: str) -> str:
    return f"/fallback/{quote(model, safe='/:@')}"


def _live_default_rule(client: GatewayClient, fallback_type: str) -> list[str] | None:
    """The gateway's `*` rule of a type (`GET /fallback/*`), None when it has none (a 404)."""
    answer = client.request("GET", _fallback_path(DEFAULT_CHAIN_SOURCE), params={"fallback_type": fallback_type})
    if answer.status == 404:
        return None
    chain = answer.body.get("fallback_models") if answer.status == 200 and isinstance(answer.body, dict) else None
    if not isinstance(chain, list):
        raise GatewayError(
            f"{answer.status} from GET {_fallback_path(DEFAULT_CHAIN_SOURCE)}: {error_message(answer.body)}",
            status=answer.status,
        )
    return chain


@dataclass(frozen=True)
class PublishPlan:
    """What a publish writes (`POST /fallback`) and deletes (`DELETE /fallback/{model}`) on one gateway, read from
    a drift check: only the rules behind the chains that differ, and the gateway's `*` rule of a type with a
    difference. `drift` is the check it was read from."""

    config_version: int
    writes: list[dict] = field(default_factory=list)  # {"model", "fallback_type", "fallback_models"}
    deletes: list[dict] = field(default_factory=list)  # {"model", "fallback_type"}
    drift: Drift = field(default_factory=Drift)

    def as_dict(self) -> dict:
        return {"config_version": self.config_version, "writes": self.writes, "deletes": self.deletes}


def _publish_plan(gateway, client: GatewayClient) -> PublishPlan:
    """GatewayError or BadListing when the gateway does not answer what a plan needs.

    From the listing alone (three calls, the drift check's), a chain that differs is fixed where its rule lives:
    - this configuration has a rule naming the model (its own, or one keyed by another spelling of its name, as the
      gateway's series reads names): that rule is written;
    - else the model inherits the `*` chain here: when the gateway's chain is not its `*` chain (read once per type
      that differs, `GET /fallback/*`), the gateway holds a rule of the model's own, which is deleted; the `*`
      rule itself is written (or deleted) when it differs.
    A rule of a model the gateway does not serve is written too, so that the gateway's refusal is reported; a model
    the gateway serves that is no group here loses its own rules. Rules whose chains the listing shows equal on
    both sides are left alone, even if stored differently (an own rule equal to the `*` chain): drift is in sync.
    """
    series = gateway.litellm_version
    version, expected = queries.reported_chains(series)
    rules = queries.own_rules()
    live = live_listing(client)
    drift = compare(expected, live)
    unknown = set(drift.models_unknown)
    kinds = {chain.fallback_type for chain in drift.chains} | {
        kind for kind, chains in live.items() if any(chains.get(model) for model in unknown)
    }
    live_defaults = {kind: _live_default_rule(client, kind) for kind in FALLBACK_TYPES.values() if kind in kinds}
    writes: dict[tuple[str, str], list[str]] = {}
    deletes: set[tuple[str, str]] = set()
    for kind, live_default in live_defaults.items():
        ours = rules.get((DEFAULT_CHAIN_SOURCE, kind))
        if ours is not None and ours != live_default:
            writes[(DEFAULT_CHAIN_SOURCE, kind)] = ours
        elif ours is None and live_default is not None:
            deletes.add((DEFAULT_CHAIN_SOURCE, kind))

    def inherits_default(model: str, kind: str, chain: list[str]) -> bool:
        return chain == [name for name in live_defaults.get(kind) or [] if name != model]

    for chain in drift.chains:
        key = rule_naming(rules, chain.model, chain.fallback_type, series)
        if key is not None:
            writes[(key, chain.fallback_type)] = rules[(key, chain.fallback_type)]
        elif not inherits_default(chain.model, chain.fallback_type, chain.live):
            deletes.add((chain.model, chain.fallback_type))
    missing = set(drift.models_missing)
    for (source, kind), targets in rules.items():
        if source in missing:
            writes[(source, kind)] = targets
    for kind, chains in live.items():
        for model in unknown:
            if chains.get(model) and not inherits_default(model, kind, chains[model]):
                deletes.add((model, kind))
    return PublishPlan(
        config_version=version,
        writes=[
            {"model": model, "fallback_type": kind, "fallback_models": targets}
            for (model, kind), targets in sorted(writes.items())
        ],
        deletes=[{"model": model, "fallback_type": kind} for model, kind in sorted(deletes)],
        drift=drift,
    )


def publish_plan(gateway, *, client: GatewayClient | None = None) -> dict:
    """What `publish` would write and delete on the gateway now (the admin's confirmation page): `{"gateway",
    "config_version", "writes", "deletes", "error"}`; reading it changes nothing on the gateway."""
    if client is None:
        with GatewayClient.of(gateway) as own_client:
            return publish_plan(gateway, client=own_client)
    try:
        plan, error = _publish_plan(gateway, client), None
    except (GatewayError, BadListing) as failure:
        plan, error = PublishPlan(config_version=selectors.config_version()), str(failure)
    return {"gateway": gateway.name, **plan.as_dict(), "error": error}


def publish(gateway, *, client: GatewayClient | None = None, expected_version: int | None = None) -> dict:
    """`POST /gateways/{name}/publish`: make a gateway that stores its config in a database run this one, through
    its own `POST /fallback` and `DELETE /fallback/{model}`, then check drift again.

    Only what differs is written (publish_plan: read from a drift check, not one lookup per rule). What landed
    is in `published`, every refusal in `failed` with the gateway's status and message; nothing is retried. A
    gateway that stops answering stops the publish there: the write that got no answer is in `failed` with
    status null (it may or may not have landed), and `error` says how many were not attempted. Conflict when the
    gateway is in mode observe. PreconditionFailed, before anything is written, when `expected_version` (the
    version of the plan an operator confirmed) is not the version of the plan built now.
    """
    if client is not None:
        return _publish(gateway, client, expected_version)
    with GatewayClient.of(gateway) as own_client:
        return _publish(gateway, own_client, expected_version)


def check_publishable(gateway) -> None:
    """Conflict when the gateway is in mode observe: this service never writes to it."""
    if gateway.mode != "publish":
        raise Conflict(errors.GATEWAY_NOT_PUBLISHING.format(name=gateway.name), code=ErrorCode.GATEWAY_NOT_PUBLISHING)


def _publish(gateway, client: GatewayClient, expected_version: int | None) -> dict:
    check_publishable(gateway)
    started = time.monotonic()
    published, failed, error = [], [], None
    try:
        plan = _publish_plan(gateway, client)
    except (GatewayError, BadListing) as failure:
        plan, error = None, str(failure)
    if (
        expected_version is not None
        and (plan.config_version if plan else selectors.config_version()) != expected_version
    ):
        raise PreconditionFailed(errors.PUBLISH_PLAN_MOVED_ON, code=ErrorCode.PRECONDITION_FAILED)
    if plan is not None:
        changes = [("POST", change) for change in plan.writes] + [("DELETE", change) for change in plan.deletes]
        for done, (method, change) in enumerate(changes):
            model, fallback_type = change["model"], change["fallback_type"]
            try:
                if method == "POST":
                    answer = client.request("POST", "/fallback", json_body=change)
                else:
                    params = {"fallback_type": fallback_type}
                    answer = client.request("DELETE", _fallback_path(model), params=params)
            except GatewayError as failure:
                failed.append(
                    {"model": model, "fallback_type": fallback_type, "status": None, "error": failure.message}
                )
                error = errors.PUBLISH_STOPPED.format(
                    method=method, model=model, fallback_type=fallback_type, left=len(changes) - done - 1
                )
                break
            entry = {"model": model, "fallback_type": fallback_type}
            if answer.status == 200:
                published.append(entry)
            else:
                failed.append({**entry, "status": answer.status, "error": error_message(answer.body)})
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
