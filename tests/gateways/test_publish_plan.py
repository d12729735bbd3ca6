"""Publishing writes only what differs (read from a drift check), and a publish that stops half way says exactly
what landed (PRODUCT.md 3.4). Against the peer (this service) and against a local server that stops answering."""

import json

import httpx
import pytest

from fallbacks import errors, selectors, services
from fallbacks.gateways import checks
from fallbacks.gateways.client import GatewayClient
from tests.gateways.test_client import Handler, broken_gateway  # noqa: F401  (the fixture)
from tests.gateways.test_publish_peer import ACTOR, peer, peer_groups, register  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.django_db]


class CountingTransport(httpx.HTTPTransport):
    """The real transport, remembering each request's method and path."""

    def __init__(self):
        super().__init__()
        self.calls: list[tuple[str, str]] = []

    def handle_request(self, request):
        self.calls.append((request.method, request.url.path))
        return super().handle_request(request)


@pytest.mark.slow
def test_once_in_sync_a_changed_chain_is_the_only_write(api, peer, monkeypatch):  # noqa: F811
    base_url, client, key = peer
    names = [f"diff-{index}" for index in range(30)]
    for name in names:
        services.group_create(actor=ACTOR, name=name)
    for index in range(29):
        services.chain_set(actor=ACTOR, source=names[index], fallback_type="general", targets=[names[index + 1]])
    peer_groups(client, names)
    register(api, base_url, monkeypatch, key)
    assert api.post("/gateways/peer/publish").json()["in_sync"] is True

    services.chain_set(actor=ACTOR, source=names[3], fallback_type="general", targets=[names[7], names[8]])
    gateway = selectors.gateway("peer")
    plan = checks.publish_plan(gateway)
    assert (plan["writes"], plan["deletes"], plan["error"]) == (
        [{"model": names[3], "fallback_type": "general", "fallback_models": [names[7], names[8]]}],
        [],
        None,
    )
    transport = CountingTransport()
    with GatewayClient.of(gateway, transport=transport) as counted:
        report = checks.publish(gateway, client=counted)
    assert (report["published"], report["failed"], report["in_sync"]) == (
        [{"model": names[3], "fallback_type": "general"}],
        [],
        True,
    )
    listings = [("GET", "/v1/models")] * 3
    # the drift check, the gateway's `*` rule of the one type that differs, the one write, the drift check again
    assert transport.calls == [*listings, ("GET", "/fallback/*"), ("POST", "/fallback"), *listings]
    assert client.get(f"/fallback/{names[3]}").json()["fallback_models"] == [names[7], names[8]]


def listing(chains: dict[str, list[str]]) -> bytes:
    return json.dumps(
        {"data": [{"id": model, "metadata": {"fallbacks": chain}} for model, chain in chains.items()]}
    ).encode()


def test_a_publish_that_stops_half_way_says_exactly_what_landed(broken_gateway, make_groups, set_chain):  # noqa: F811
    url, answers = broken_gateway
    make_groups("a", "b", "c")
    set_chain("a", ["b"])
    # The gateway: `c` has a chain of its own (this configuration has none), no `*` rule; it accepts writes but
    # never answers a delete.
    answers["/v1/models"] = (200, listing({"a": [], "b": [], "c": ["a"]}), 0)
    answers["/fallback"] = (200, b'{"message": "ok"}', 0)
    answers["/fallback/c"] = (200, b"{}", 1.5)
    gateway = services.gateway_create(actor="test", name="edge", base_url=url, mode="publish")

    plan = checks.publish_plan(gateway, client=GatewayClient(url))
    assert plan["writes"] == [{"model": "a", "fallback_type": "general", "fallback_models": ["b"]}]
    assert plan["deletes"] == [
        {"model": "c", "fallback_type": kind} for kind in ("content_policy", "context_window", "general")
    ]
    Handler.received.clear()

    report = checks.publish(gateway, client=GatewayClient(url, timeout=0.5))
    assert report["published"] == [{"model": "a", "fallback_type": "general"}]
    assert report["failed"] == [
        {
            "model": "c",
            "fallback_type": "content_policy",
            "status": None,
            "error": "timed out: no answer to DELETE /fallback/c within 0.5 s",
        }
    ]
    assert report["error"] == errors.PUBLISH_STOPPED.format(
        method="DELETE", model="c", fallback_type="content_policy", left=2
    )
    assert report["in_sync"] is False
    assert [(method, path.split("?")[0]) for method, path, _ in Handler.received] == [
        ("POST", "/fallback"),
        ("DELETE", "/fallback/c"),
    ]  # nothing after the delete that got no answer
    assert Handler.received[0][2] == {"model": "a", "fallback_models": ["b"], "fallback_type": "general"}
