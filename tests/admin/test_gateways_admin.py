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
    response = admin_client.post(changelist, {"action": "publish", "_selected_action": [gateway.pk]}, follow=True)
    assert [str(message) for message in response.context["messages"]][-1] == errors.GATEWAY_NOT_PUBLISHING.format(
        name="edge"
    )
