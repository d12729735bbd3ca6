"""The gateway registry over the API (PRODUCT.md 3.4): keys only as `os.environ/NAME` references, never returned
as secrets; gateway writes are security events, never configuration versions."""

import pytest

from fallbacks import errors, selectors
from fallbacks.models import SecurityEvent

GATEWAY = {"name": "edge-eu", "base_url": "http://127.0.0.1:4000/", "api_key": "os.environ/EDGE_EU_KEY"}


class TestRegistry:
    def test_register_read_change_and_remove(self, api):
        version = selectors.config_version()
        created = api.post("/gateways", GATEWAY, format="json")
        assert created.status_code == 201
        body = created.json()
        assert body["base_url"] == "http://127.0.0.1:4000"  # the gateway's paths are appended to it
        assert (body["api_key"], body["mode"], body["litellm_version"]) == (
            "os.environ/EDGE_EU_KEY",
            "observe",
            "1.110",
        )
        assert (body["last_state"], body["last_checked_at"]) == (None, None)
        assert api.get("/gateways").json()["data"] == [body]
        assert api.get("/gateways/edge-eu").json() == body

        changed = api.patch("/gateways/edge-eu", {"mode": "publish", "litellm_version": "1.109"}, format="json")
        assert (changed.status_code, changed.json()["mode"], changed.json()["litellm_version"]) == (
            200,
            "publish",
            "1.109",
        )
        assert api.delete("/gateways/edge-eu").status_code == 204
        assert api.get("/gateways/edge-eu").status_code == 404
        # no configuration version: the history is about what gateways run, not about the gateways
        assert selectors.config_version() == version
        actions = list(SecurityEvent.objects.order_by("id").values_list("action", "subject"))
        assert actions == [("gateway_create", "edge-eu"), ("gateway_update", "edge-eu"), ("gateway_delete", "edge-eu")]

    @pytest.mark.parametrize("key", ["sk-1234567890", "os.environ/", "os.environ/NOT A NAME", 42])
    def test_a_plain_key_is_a_400_naming_the_field_and_never_stored_nor_repeated(self, api, key):
        response = api.post("/gateways", {**GATEWAY, "api_key": key}, format="json")
        assert response.status_code == 400
        detail = response.json()["detail"]
        assert detail["error"] == errors.GATEWAY_PLAIN_KEY
        assert "api_key" in detail["error"]
        assert str(key) not in response.content.decode() or key == "os.environ/"
        assert not selectors.gateways()
        api.post("/gateways", GATEWAY, format="json")
        assert api.patch("/gateways/edge-eu", {"api_key": "sk-live-secret"}, format="json").status_code == 400
        assert selectors.gateway("edge-eu").api_key == "os.environ/EDGE_EU_KEY"

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("base_url", "ftp://gateway"),
            ("base_url", "http://user:pw@gateway"),
            ("base_url", "http://gateway?x=1"),
            ("base_url", ""),
            ("name", "with space"),
            ("name", ""),
            ("mode", "push"),
            ("litellm_version", "2.0"),
            ("colour", "red"),
        ],
    )
    def test_other_refusals(self, api, field, value):
        response = api.post("/gateways", {**GATEWAY, field: value}, format="json")
        assert response.status_code == 400, response.content
        assert not selectors.gateways()

    def test_unknown_fields_are_a_400_naming_them_and_nothing_is_written(self, api):
        response = api.post("/gateways", {**GATEWAY, "secret": "x", "color": "red"}, format="json")
        assert response.status_code == 400
        assert response.json()["detail"]["error"] == errors.GATEWAY_UNKNOWN_FIELDS.format(fields=["color", "secret"])
        assert not selectors.gateways()
        api.post("/gateways", GATEWAY, format="json")
        assert api.patch("/gateways/edge-eu", {"mode": "publish", "color": "red"}, format="json").status_code == 400
        assert selectors.gateway("edge-eu").mode == "observe"

    def test_a_taken_name_is_a_409(self, api):
        api.post("/gateways", GATEWAY, format="json")
        assert api.post("/gateways", GATEWAY, format="json").status_code == 409
        api.post("/gateways", {**GATEWAY, "name": "edge-us"}, format="json")
        assert api.patch("/gateways/edge-us", {"name": "edge-eu"}, format="json").status_code == 409

    def test_read_only_keys_read_but_do_not_register(self, api, read_only_api):
        api.post("/gateways", GATEWAY, format="json")
        assert read_only_api.get("/gateways").status_code == 200
        assert read_only_api.post("/gateways", {**GATEWAY, "name": "x"}, format="json").status_code == 403
        assert read_only_api.delete("/gateways/edge-eu").status_code == 403
