"""The admin's gateway pages (PRODUCT.md 3.4): the model group page shows which gateways disagree about the group
(from each gateway's last drift check) and offers "Test fallback" behind a confirmation; publishing lists what will
be written and deleted before anything is. Against a local server standing in for a gateway, and the peer."""

import json

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse

from fallbacks import errors, selectors, services
from fallbacks.domain import MOCK_TESTING_SETTING
from fallbacks.gateways import checks
from fallbacks.models import ModelGroup
from tests.factories import change_url
from tests.gateways.test_client import Handler, broken_gateway  # noqa: F401  (the fixture)
from tests.gateways.test_publish_peer import ACTOR, peer, peer_groups, register  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def listing(chains: dict[str, list[str]]) -> bytes:
    return json.dumps(
        {"data": [{"id": model, "metadata": {"fallbacks": chain}} for model, chain in chains.items()]}
    ).encode()


@pytest.fixture
def two_gateways(broken_gateway, make_groups, set_chain):  # noqa: F811
    """`edge` runs a different chain for `a` and lacks `c`; `agreeing` runs this configuration; `never` was never
    checked. Both checked ones have a stored drift state."""
    url, answers = broken_gateway
    make_groups("a", "b", "c")
    set_chain("a", ["b"])
    general = "/v1/models?include_metadata=true&fallback_type=general"
    answers["/v1/models"] = (200, listing({"a": [], "b": []}), 0)  # context window, content policy
    answers[general] = (200, listing({"a": ["c"], "b": []}), 0)
    edge = services.gateway_create(actor="test", name="edge", base_url=url)
    checks.drift_report(edge)
    answers["/v1/models"] = (200, listing({"a": [], "b": [], "c": []}), 0)  # context window, content policy
    answers["/v1/models?include_metadata=true&fallback_type=general"] = (
        200,
        listing({"a": ["b"], "b": [], "c": []}),
        0,
    )
    agreeing = services.gateway_create(actor="test", name="agreeing", base_url=url)
    assert checks.drift_report(agreeing)["in_sync"] is True
    services.gateway_create(actor="test", name="never", base_url="http://127.0.0.1:9")
    return answers


def section(admin_client, name: str) -> tuple[object, str]:
    response = admin_client.get(change_url(ModelGroup.objects.get(name=name)))
    assert response.status_code == 200
    page = response.content.decode()
    return response.context["group_gateways"], page[page.index('id="group-gateways"') :]


def test_the_group_page_shows_which_gateways_disagree_about_it(admin_client, two_gateways):
    gateways, page = section(admin_client, "a")
    assert [gateway.gateway for gateway in gateways.disagreeing] == ["edge"]
    edge = next(gateway for gateway in gateways.gateways if gateway.gateway == "edge")
    assert edge.chains == [{"fallback_type": "general", "expected": ["b"], "live": ["c"]}]
    assert "1 of 3 disagree about a" in page
    assert "general: expected <code>[&#x27;b&#x27;]</code>, live <code>[&#x27;c&#x27;]</code>" in page
    assert "never checked" in page
    # `c` is not served by edge
    gateways, page = section(admin_client, "c")
    assert [(gateway.gateway, gateway.missing) for gateway in gateways.disagreeing] == [("edge", True)]
    assert "the gateway does not serve it" in page
    # `b` agrees everywhere it is known
    gateways, page = section(admin_client, "b")
    assert gateways.disagreeing == []
    assert "None is known to disagree about b" in page
    # a check at an older version is marked so
    services.chain_set(actor="test", source="b", fallback_type="general", targets=["c"])
    assert "(out of date)" in section(admin_client, "b")[1]


def test_test_fallback_asks_first_then_calls_the_gateway_and_shows_the_result(admin_client, two_gateways):
    two_gateways["/chat/completions"] = (200, b'{"model": "openai/b"}', 0, {"x-litellm-model-group": "b"})
    edge = selectors.gateway("edge")
    _, page = section(admin_client, "a")
    url = reverse("admin:fallbacks_gateway_test_fallback", args=[edge.pk])
    for kind in ("general", "context_window", "content_policy"):
        assert f"{url}?model=a&amp;fallback_type={kind}" in page

    confirm = admin_client.get(f"{url}?model=a&fallback_type=context_window")
    assert confirm.status_code == 200
    text = confirm.content.decode()
    assert "really called" in text
    assert "mock_testing_context_fallbacks: true" in text
    assert MOCK_TESTING_SETTING in text
    assert Handler.received == []  # nothing sent before the confirmation

    result = admin_client.post(url, {"model": "a", "fallback_type": "context_window"})
    assert result.status_code == 200
    assert result.context["result"]["agrees"] is True
    assert result.context["result"]["served_by"] == "b"
    assert '<td id="test-fallback-agrees">yes</td>' in result.content.decode()
    assert [(method, path, body["mock_testing_context_fallbacks"]) for method, path, body in Handler.received] == [
        ("POST", "/chat/completions", True)
    ]

    # an unknown model is refused beside nothing: a message, and the list
    response = admin_client.get(f"{url}?model=nope", follow=True)
    assert "Model 'nope' not found" in [str(message) for message in response.context["messages"]][-1]


def test_an_operator_who_may_not_see_gateways_sees_no_gateway_on_a_group_page(client, two_gateways):
    user = User.objects.create_user("groups-only", password="pw-groups-123", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_modelgroup", "view_fallbackentry"]))
    client.force_login(user)
    page = client.get(change_url(ModelGroup.objects.get(name="a")))
    assert page.status_code == 200
    assert "group_gateways" not in page.context
    assert 'id="group-gateways"' not in page.content.decode()
    assert "edge" not in page.content.decode()


def test_a_view_only_operator_sees_the_gateways_but_cannot_test(client, two_gateways):
    user = User.objects.create_user("viewer", password="pw-viewer-123", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_modelgroup", "view_gateway", "view_fallbackentry"])
    )
    client.force_login(user)
    gateways, page = section(client, "a")
    assert [gateway.gateway for gateway in gateways.disagreeing] == ["edge"]
    assert "test_fallback" not in page  # no "Test fallback" links without the permission to use them
    edge = selectors.gateway("edge")
    response = client.post(reverse("admin:fallbacks_gateway_test_fallback", args=[edge.pk]), {"model": "a"})
    assert response.status_code == 403
    assert client.get(reverse("admin:fallbacks_gateway_publish", args=[edge.pk])).status_code == 403
    assert Handler.received == []

    services.gateway_update(actor="test", name="edge", changes={"mode": "publish"})
    gateway_list = client.get(reverse("admin:fallbacks_gateway_changelist")).content.decode()
    assert reverse("admin:fallbacks_gateway_check", args=[edge.pk]) in gateway_list
    assert reverse("admin:fallbacks_gateway_publish", args=[edge.pk]) not in gateway_list  # no button it cannot use


@pytest.mark.slow
def test_publish_lists_what_will_change_then_publishes(admin_client, api, peer, monkeypatch):  # noqa: F811
    base_url, client, key = peer
    for name in ("page-a", "page-b", "page-c"):
        services.group_create(actor=ACTOR, name=name)
    services.chain_set(actor=ACTOR, source="page-a", fallback_type="general", targets=["page-b"])
    peer_groups(client, ["page-a", "page-b", "page-c"])
    extra = {"model": "page-c", "fallback_models": ["page-a"], "fallback_type": "general"}
    assert client.post("/fallback", json=extra).status_code == 200
    register(api, base_url, monkeypatch, key)
    gateway = selectors.gateway("peer")
    url = reverse("admin:fallbacks_gateway_publish", args=[gateway.pk])

    confirm = admin_client.get(url)
    assert confirm.status_code == 200
    assert confirm.context["plan"]["writes"] == [
        {"model": "page-a", "fallback_type": "general", "fallback_models": ["page-b"]}
    ]
    assert confirm.context["plan"]["deletes"] == [{"model": "page-c", "fallback_type": "general"}]
    assert "Yes, publish" in confirm.content.decode()
    assert client.get("/fallback/page-a").status_code == 404  # nothing written yet
    assert client.get("/fallback/page-c").json()["fallback_models"] == ["page-a"]

    # A write after the plan was read: nothing is published, the new plan is shown with a warning.
    services.chain_set(actor=ACTOR, source="page-b", fallback_type="general", targets=["page-c"])
    moved = admin_client.post(url, {"config_version": confirm.context["plan"]["config_version"]})
    assert "report" not in moved.context
    assert [str(message) for message in moved.context["messages"]] == [errors.PUBLISH_PLAN_MOVED_ON]
    assert {"model": "page-b", "fallback_type": "general", "fallback_models": ["page-c"]} in moved.context["plan"][
        "writes"
    ]
    assert client.get("/fallback/page-a").status_code == 404  # still nothing written
    services.chain_delete(actor=ACTOR, source="page-b", fallback_type="general")

    done = admin_client.post(url, {"config_version": admin_client.get(url).context["plan"]["config_version"]})
    assert done.status_code == 200
    assert done.context["report"]["in_sync"] is True
    assert "2 changes landed, 0 failed" in done.content.decode()
    assert client.get("/fallback/page-a").json()["fallback_models"] == ["page-b"]
    assert client.get("/fallback/page-c").status_code == 404
    again = admin_client.get(url)
    assert "nothing to write" in again.content.decode()
