"""`GET /v1/models`, `GET /models` and `GET /v1/models/{model}`: the OpenAI list, with the fallbacks on request."""

import pytest

from tests.factories import ALL_NAMES


class TestModelList:
    @pytest.mark.parametrize("path", ["/v1/models", "/models"])
    def test_plain_list_has_exactly_the_four_openai_keys(self, api, groups, set_chain, path):
        set_chain("gpt-4o", ["claude-3-haiku"])
        body = api.get(path).json()
        assert body["object"] == "list"
        assert [item["id"] for item in body["data"]] == ALL_NAMES
        for item in body["data"]:
            assert set(item) == {"id", "object", "created", "owned_by"}
            assert item["object"] == "model"
            assert isinstance(item["created"], int)

    def test_include_metadata_shows_direct_chains(self, api, groups, set_chain):
        set_chain("gpt-4o", ["claude-3-haiku", "openrouter/gpt-4"])
        set_chain("*", ["gpt-4o"])
        set_chain("openrouter/gpt-4", ["gpt-4o"], "context_window")
        data = {item["id"]: item for item in api.get("/v1/models?include_metadata=true").json()["data"]}
        assert data["gpt-4o"]["metadata"] == {"fallbacks": ["claude-3-haiku", "openrouter/gpt-4"]}
        assert data["claude-3-haiku"]["metadata"] == {"fallbacks": ["gpt-4o"]}
        context = api.get("/v1/models?include_metadata=true&fallback_type=context_window").json()["data"]
        assert {item["id"]: item["metadata"]["fallbacks"] for item in context} == {
            "bedrock/anthropic.claude-v2:1": [],
            "claude-3-haiku": [],
            "gpt-4o": [],
            "openrouter/gpt-4": ["gpt-4o"],
        }

    def test_star_chain_leaves_the_model_itself_out(self, api, groups, set_chain):
        set_chain("*", ["gpt-4o", "claude-3-haiku"])
        data = {item["id"]: item for item in api.get("/v1/models?include_metadata=true").json()["data"]}
        assert data["gpt-4o"]["metadata"]["fallbacks"] == ["claude-3-haiku"]
        assert data["openrouter/gpt-4"]["metadata"]["fallbacks"] == ["gpt-4o", "claude-3-haiku"]

    def test_unknown_fallback_type_with_metadata_is_the_plain_400(self, api, groups):
        response = api.get("/v1/models?include_metadata=true&fallback_type=bogus")
        assert response.status_code == 400
        assert response.json() == {
            "detail": "Invalid fallback_type. Must be one of: ['general', 'context_window', 'content_policy']"
        }

    def test_fallback_type_without_metadata_is_ignored(self, api, groups):
        assert api.get("/v1/models?fallback_type=bogus").status_code == 200

    @pytest.mark.parametrize("value", ["maybe", "2", ""])
    def test_unknown_include_metadata_is_400(self, api, groups, value):
        response = api.get(f"/v1/models?include_metadata={value}")
        assert response.status_code == 400
        assert "include_metadata" in response.json()["detail"]

    def test_one_model_with_and_without_metadata(self, api, groups, set_chain):
        set_chain("openrouter/gpt-4", ["gpt-4o"])
        plain = api.get("/v1/models/openrouter/gpt-4").json()
        assert set(plain) == {"id", "object", "created", "owned_by"}
        assert plain["id"] == "openrouter/gpt-4"
        rich = api.get("/v1/models/openrouter/gpt-4?include_metadata=true").json()
        assert rich["metadata"] == {"fallbacks": ["gpt-4o"]}

    def test_one_model_unknown_is_404_in_litellm_s_error_shape(self, api, groups):
        response = api.get("/v1/models/gpt-5")
        assert response.status_code == 404
        assert response.json() == {
            "error": {
                "message": "The model `gpt-5` does not exist or is not accessible",
                "type": "invalid_request_error",
                "param": "model",
                "code": "404",
            }
        }

    def test_created_is_set_once(self, api, groups):
        first = api.get("/v1/models/gpt-4o").json()["created"]
        api.patch("/model_groups/gpt-4o", {"description": "changed"}, format="json")
        assert api.get("/v1/models/gpt-4o").json()["created"] == first
