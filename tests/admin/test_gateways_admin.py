"""The gateway registry in the admin: the API's rules, a plain key refused beside its field, no config version."""

from django.urls import reverse

from fallbacks import errors, selectors
from fallbacks.models import SecurityEvent

FORM = {
    "name": "edge",
    "base_url": "http://127.0.0.1:4000",
    "api_key": "os.environ/EDGE_KEY",
    "litellm_version": "1.110",
    "mode": "observe",
}


def test_register_change_and_delete_a_gateway(admin_client):
    add = reverse("admin:fallbacks_gateway_add")
    response = admin_client.post(add, {**FORM, "api_key": "sk-plain-secret"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["api_key"] == [errors.GATEWAY_PLAIN_KEY]
    assert not selectors.gateways()

    version = selectors.config_version()
    assert admin_client.post(add, FORM).status_code == 302
    gateway = selectors.gateway("edge")
    assert gateway.api_key == "os.environ/EDGE_KEY"
    change = reverse("admin:fallbacks_gateway_change", args=[gateway.pk])
    assert admin_client.post(change, {**FORM, "mode": "publish"}).status_code == 302
    assert selectors.gateway("edge").mode == "publish"
    page = admin_client.get(reverse("admin:fallbacks_gateway_changelist")).content.decode()
    assert "never checked" in page
    delete = reverse("admin:fallbacks_gateway_delete", args=[gateway.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert not selectors.gateways()
    assert selectors.config_version() == version
    assert [event.action for event in SecurityEvent.objects.order_by("id")] == [
        "gateway_create",
        "gateway_update",
        "gateway_delete",
    ]


def test_check_now_shows_the_state_and_keeps_it(admin_client, monkeypatch):
    monkeypatch.setenv("EDGE_KEY", "sk-edge")
    admin_client.post(reverse("admin:fallbacks_gateway_add"), {**FORM, "base_url": "http://127.0.0.1:9"})
    gateway = selectors.gateway("edge")
    changelist = reverse("admin:fallbacks_gateway_changelist")
    response = admin_client.post(changelist, {"action": "check_now", "_selected_action": [gateway.pk]}, follow=True)
    shown = [str(message) for message in response.context["messages"]]
    assert shown[-1].startswith("edge: error: unreachable: GET /v1/models")
    assert selectors.gateway("edge").last_state["in_sync"] is False
    # publishing is a confirmation page now, refused for a gateway in mode observe before anything is read
    response = admin_client.get(reverse("admin:fallbacks_gateway_publish", args=[gateway.pk]), follow=True)
    assert [str(message) for message in response.context["messages"]][-1] == errors.GATEWAY_NOT_PUBLISHING.format(
        name="edge"
    )


def test_the_list_has_check_now_and_publish_per_gateway(admin_client, monkeypatch):
    monkeypatch.setenv("EDGE_KEY", "sk-edge")
    admin_client.post(reverse("admin:fallbacks_gateway_add"), {**FORM, "base_url": "http://127.0.0.1:9"})
    admin_client.post(reverse("admin:fallbacks_gateway_add"), {**FORM, "name": "pub", "mode": "publish"})
    edge, pub = selectors.gateway("edge"), selectors.gateway("pub")
    page = admin_client.get(reverse("admin:fallbacks_gateway_changelist")).content.decode()
    check_edge = reverse("admin:fallbacks_gateway_check", args=[edge.pk])
    assert check_edge in page
    assert reverse("admin:fallbacks_gateway_publish", args=[pub.pk]) in page
    assert reverse("admin:fallbacks_gateway_publish", args=[edge.pk]) not in page  # mode observe: no publish button

    response = admin_client.get(check_edge)
    assert response.status_code == 200
    assert response.context["report"]["error"].startswith("unreachable: GET /v1/models")
    assert "The check failed: unreachable" in response.content.decode()
    state = selectors.gateway("edge")
    assert state.last_state["in_sync"] is False
    assert state.last_checked_at is not None
    page = admin_client.get(reverse("admin:fallbacks_gateway_changelist")).content.decode()
    assert "error: unreachable: GET /v1/models" in page
