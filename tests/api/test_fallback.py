"""The LiteLLM-compatible endpoints of PRODUCT.md 3.1 and the additions of 3.2: every status and body."""

import pytest

from fallbacks import validation
from fallbacks.models import ChangeRecord, FallbackEntry
from fallbacks.selectors import config_version
from tests.factories import database_snapshot


def post_chain(api, model, fallback_models, fallback_type=None):
    body = {"model": model, "fallback_models": fallback_models}
    if fallback_type is not None:
        body["fallback_type"] = fallback_type
    return api.post("/fallback", body, format="json")


@pytest.fixture
def groups(make_groups):
    return make_groups("gpt-4o", "claude-3-haiku", "openrouter/gpt-4", "bedrock/anthropic.claude-v2:1")


ALL_NAMES = sorted(["gpt-4o", "claude-3-haiku", "openrouter/gpt-4", "bedrock/anthropic.claude-v2:1"])


class TestPostFallback:
    def test_creates_then_updates_with_the_contract_messages(self, api, groups):
        created = post_chain(api, "gpt-4o", ["claude-3-haiku", "openrouter/gpt-4"])
        assert created.status_code == 200
        assert created.json() == {
            "model": "gpt-4o",
            "fallback_models": ["claude-3-haiku", "openrouter/gpt-4"],
            "fallback_type": "general",
            "message": "Fallback configuration created successfully",
        }
        updated = post_chain(api, "gpt-4o", ["openrouter/gpt-4"])
        assert updated.status_code == 200
        assert updated.json()["message"] == "Fallback configuration updated successfully"
        assert api.get("/fallback/gpt-4o").json()["fallback_models"] == ["openrouter/gpt-4"]

    def test_trims_the_model_name(self, api, groups):
        response = post_chain(api, "  gpt-4o\t", ["claude-3-haiku"])
        assert response.status_code == 200
        assert response.json()["model"] == "gpt-4o"

    def test_each_type_is_its_own_chain(self, api, groups):
        for fallback_type in validation.FALLBACK_TYPES:
            response = post_chain(api, "gpt-4o", ["claude-3-haiku"], fallback_type)
            assert response.status_code == 200
            assert response.json()["fallback_type"] == fallback_type
            assert response.json()["message"] == "Fallback configuration created successfully"
        assert FallbackEntry.objects.filter(source__name="gpt-4o").count() == 3

    def test_names_with_slash_and_colon(self, api, groups):
        response = post_chain(api, "openrouter/gpt-4", ["bedrock/anthropic.claude-v2:1"])
        assert response.status_code == 200
        got = api.get("/fallback/openrouter/gpt-4")
        assert got.status_code == 200
        assert got.json() == {
            "model": "openrouter/gpt-4",
            "fallback_models": ["bedrock/anthropic.claude-v2:1"],
            "fallback_type": "general",
        }

    def test_keeps_the_order_given(self, api, groups):
        order = ["openrouter/gpt-4", "bedrock/anthropic.claude-v2:1", "claude-3-haiku"]
        post_chain(api, "gpt-4o", order)
        assert api.get("/fallback/gpt-4o").json()["fallback_models"] == order

    def test_every_write_bumps_the_version_once_and_is_recorded(self, api, groups):
        before = config_version()
        response = post_chain(api, "gpt-4o", ["claude-3-haiku"])
        assert config_version() == before + 1
        assert response["X-Config-Version"] == str(before + 1)
        record = ChangeRecord.objects.get(version=before + 1)
        assert (record.action, record.actor, record.subject) == ("chain_create", "master key", "gpt-4o (general)")


class TestPostFallbackErrors:
    """PRODUCT.md 3.1's error table, row by row; each refused write leaves the database as it was."""

    def assert_refused(self, response, status, detail):
        assert response.status_code == status, response.content
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"detail": detail}

    def test_unknown_source_is_404_with_available_models(self, api, groups):
        before = database_snapshot()
        response = post_chain(api, "gpt-5", ["gpt-4o"])
        self.assert_refused(
            response, 404, {"error": "Model 'gpt-5' not found in router", "available_models": ALL_NAMES}
        )
        assert database_snapshot() == before

    def test_unknown_targets_are_400_listing_them(self, api, groups):
        before = database_snapshot()
        response = post_chain(api, "gpt-4o", ["a", "claude-3-haiku", "b"])
        self.assert_refused(
            response, 400, {"error": "Invalid fallback models: ['a', 'b']", "available_models": ALL_NAMES}
        )
        assert database_snapshot() == before

    def test_self_fallback_is_400(self, api, groups):
        before = database_snapshot()
        response = post_chain(api, "gpt-4o", ["claude-3-haiku", "gpt-4o"])
        self.assert_refused(response, 400, {"error": "Model 'gpt-4o' cannot be its own fallback"})
        assert database_snapshot() == before

    def test_duplicate_targets_are_400(self, api, groups):
        before = database_snapshot()
        response = post_chain(api, "gpt-4o", ["claude-3-haiku", "claude-3-haiku"])
        self.assert_refused(response, 400, {"error": "fallback_models must not contain duplicates"})
        assert database_snapshot() == before

    def test_empty_chain_is_400(self, api, groups):
        response = post_chain(api, "gpt-4o", [])
        self.assert_refused(response, 400, {"error": "fallback_models must contain at least one model"})

    @pytest.mark.parametrize("model", ["", "   ", None, 42, ["gpt-4o"], {"name": "x"}])
    def test_blank_or_non_string_model_is_400(self, api, groups, model):
        response = post_chain(api, model, ["gpt-4o"])
        self.assert_refused(response, 400, {"error": "model must be a non-empty string"})

    @pytest.mark.parametrize("fallback_type", ["generic", "", "GENERAL", None, 3])
    def test_unknown_fallback_type_is_400_naming_the_three(self, api, groups, fallback_type):
        response = api.post(
            "/fallback",
            {"model": "gpt-4o", "fallback_models": ["claude-3-haiku"], "fallback_type": fallback_type},
            format="json",
        )
        assert response.status_code == 400
        error = response.json()["detail"]["error"]
        assert error == validation.INVALID_FALLBACK_TYPE
        assert all(name in error for name in ("general", "context_window", "content_policy"))

    def test_read_only_mode_refuses_with_the_contract_message(self, api, groups, settings):
        settings.STORE_MODEL_IN_DB = False
        before = database_snapshot()
        response = post_chain(api, "gpt-4o", ["claude-3-haiku"])
        self.assert_refused(response, 400, {"error": validation.WRITES_DISABLED})
        assert validation.WRITES_DISABLED == (
            "Database storage not enabled. Set 'STORE_MODEL_IN_DB=True' in your environment to use this feature."
        )
        assert database_snapshot() == before


class TestDefaultChain:
    def test_star_chain_is_set_read_and_inherited(self, api, groups):
        response = post_chain(api, "*", ["gpt-4o", "claude-3-haiku"])
        assert response.status_code == 200
        assert response.json()["model"] == "*"
        assert api.get("/fallback/*").json() == {
            "model": "*",
            "fallback_models": ["gpt-4o", "claude-3-haiku"],
            "fallback_type": "general",
        }
        inherited = api.get("/fallback/openrouter/gpt-4").json()
        assert inherited == {
            "model": "openrouter/gpt-4",
            "fallback_models": ["gpt-4o", "claude-3-haiku"],
            "fallback_type": "general",
            "inherited_from": "*",
        }

    def test_a_model_in_the_star_chain_does_not_see_itself(self, api, groups):
        post_chain(api, "*", ["gpt-4o", "claude-3-haiku"])
        assert api.get("/fallback/gpt-4o").json()["fallback_models"] == ["claude-3-haiku"]

    def test_own_chain_wins_over_the_default(self, api, groups):
        post_chain(api, "*", ["gpt-4o"])
        post_chain(api, "claude-3-haiku", ["openrouter/gpt-4"])
        body = api.get("/fallback/claude-3-haiku").json()
        assert body["fallback_models"] == ["openrouter/gpt-4"]
        assert "inherited_from" not in body

    def test_default_chain_is_per_type(self, api, groups):
        post_chain(api, "*", ["gpt-4o"], "context_window")
        assert api.get("/fallback/claude-3-haiku").status_code == 404
        body = api.get("/fallback/claude-3-haiku?fallback_type=context_window").json()
        assert body["inherited_from"] == "*"

    def test_delete_of_an_inheriting_model_says_so(self, api, groups):
        post_chain(api, "*", ["gpt-4o"])
        before = database_snapshot()
        response = api.delete("/fallback/claude-3-haiku")
        assert response.status_code == 404
        detail = response.json()["detail"]
        assert detail["error"] == "No general fallbacks configured for model 'claude-3-haiku'"
        assert detail["inherited_from"] == "*"
        assert database_snapshot() == before

    def test_delete_star(self, api, groups):
        post_chain(api, "*", ["gpt-4o"])
        response = api.delete("/fallback/*")
        assert response.status_code == 200
        assert response.json() == {
            "model": "*",
            "fallback_type": "general",
            "message": "Fallback configuration deleted successfully",
        }
        assert api.get("/fallback/claude-3-haiku").status_code == 404

    def test_a_star_chain_may_not_name_star(self, api, groups):
        response = post_chain(api, "*", ["*"])
        assert response.status_code == 400
        assert response.json()["detail"]["error"] == "Invalid fallback models: ['*']"


class TestGetAndDelete:
    def test_get_nothing_configured_is_404_with_the_type_name(self, api, groups):
        for fallback_type in validation.FALLBACK_TYPES:
            response = api.get(f"/fallback/gpt-4o?fallback_type={fallback_type}")
            assert response.status_code == 404
            assert response.json() == {
                "detail": {"error": f"No {fallback_type} fallbacks configured for model 'gpt-4o'"}
            }

    def test_get_unknown_model_is_404(self, api, groups):
        response = api.get("/fallback/gpt-5")
        assert response.status_code == 404
        assert response.json()["detail"]["error"] == "Model 'gpt-5' not found in router"

    def test_get_with_unknown_type_is_400(self, api, groups):
        response = api.get("/fallback/gpt-4o?fallback_type=nope")
        assert response.status_code == 400
        assert response.json() == {"detail": {"error": validation.INVALID_FALLBACK_TYPE}}

    def test_delete_removes_only_that_type(self, api, groups):
        post_chain(api, "gpt-4o", ["claude-3-haiku"])
        post_chain(api, "gpt-4o", ["openrouter/gpt-4"], "content_policy")
        response = api.delete("/fallback/gpt-4o?fallback_type=content_policy")
        assert response.status_code == 200
        assert response.json() == {
            "model": "gpt-4o",
            "fallback_type": "content_policy",
            "message": "Fallback configuration deleted successfully",
        }
        assert api.get("/fallback/gpt-4o").status_code == 200
        assert api.get("/fallback/gpt-4o?fallback_type=content_policy").status_code == 404

    def test_delete_nothing_is_404(self, api, groups):
        response = api.delete("/fallback/gpt-4o?fallback_type=context_window")
        assert response.status_code == 404
        assert response.json() == {"detail": {"error": "No context_window fallbacks configured for model 'gpt-4o'"}}

    def test_delete_in_read_only_mode(self, api, groups, set_chain, settings):
        set_chain("gpt-4o", ["claude-3-haiku"])
        settings.STORE_MODEL_IN_DB = False
        response = api.delete("/fallback/gpt-4o")
        assert response.status_code == 400
        assert response.json() == {"detail": {"error": validation.WRITES_DISABLED}}
        assert api.get("/fallback/gpt-4o").status_code == 200  # reads keep working


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

    def test_one_model_unknown_is_404(self, api, groups):
        response = api.get("/v1/models/gpt-5")
        assert response.status_code == 404
        assert response.json()["detail"]["error"] == "Model 'gpt-5' not found"

    def test_created_is_set_once(self, api, groups):
        first = api.get("/v1/models/gpt-4o").json()["created"]
        api.patch("/model_groups/gpt-4o", {"description": "changed"}, format="json")
        assert api.get("/v1/models/gpt-4o").json()["created"] == first


class TestFallbackList:
    def test_lists_every_chain_star_first_and_filters(self, api, groups, set_chain):
        set_chain("gpt-4o", ["claude-3-haiku"])
        set_chain("gpt-4o", ["openrouter/gpt-4"], "context_window")
        set_chain("*", ["gpt-4o"])
        set_chain("claude-3-haiku", ["gpt-4o"], "content_policy")
        body = api.get("/fallback").json()
        assert body == {
            "data": [
                {"model": "*", "fallback_type": "general", "fallback_models": ["gpt-4o"]},
                {"model": "claude-3-haiku", "fallback_type": "content_policy", "fallback_models": ["gpt-4o"]},
                {"model": "gpt-4o", "fallback_type": "general", "fallback_models": ["claude-3-haiku"]},
                {"model": "gpt-4o", "fallback_type": "context_window", "fallback_models": ["openrouter/gpt-4"]},
            ]
        }
        by_type = api.get("/fallback?fallback_type=context_window").json()["data"]
        assert [(item["model"], item["fallback_type"]) for item in by_type] == [("gpt-4o", "context_window")]
        by_model = api.get("/fallback?model=gpt-4o").json()["data"]
        assert [item["fallback_type"] for item in by_model] == ["general", "context_window"]
        assert [item["model"] for item in api.get("/fallback?model=*").json()["data"]] == ["*"]

    def test_bad_type_filter_is_400(self, api, groups):
        assert api.get("/fallback?fallback_type=x").status_code == 400


class TestModelGroups:
    def test_create_returns_201_with_the_stored_object(self, api):
        response = api.post(
            "/model_groups",
            {"name": " anthropic/claude-3-haiku ", "owned_by": "anthropic", "max_input_tokens": 200000},
            format="json",
        )
        assert response.status_code == 201
        body = response.json()
        assert body["name"] == "anthropic/claude-3-haiku"
        assert body["owned_by"] == "anthropic"
        assert body["max_input_tokens"] == 200000
        assert body["description"] == ""
        assert isinstance(body["created"], int)
        assert body["fallbacks"] == {"general": [], "context_window": [], "content_policy": []}

    def test_only_name_is_required_and_owned_by_defaults(self, api):
        body = api.post("/model_groups", {"name": "gpt-4o"}, format="json").json()
        assert body["owned_by"] == "openai"

    def test_duplicate_name_is_409_and_changes_nothing(self, api, make_groups):
        make_groups("gpt-4o")
        before = database_snapshot()
        response = api.post("/model_groups", {"name": "gpt-4o "}, format="json")
        assert response.status_code == 409
        assert response.json() == {"detail": {"error": "Model group 'gpt-4o' already exists"}}
        assert database_snapshot() == before

    @pytest.mark.parametrize(
        ("name", "message"),
        [
            ("*", validation.RESERVED_GROUP_NAME),
            ("   ", None),
            ("x" * 256, None),
        ],
    )
    def test_bad_names_are_400(self, api, name, message):
        response = api.post("/model_groups", {"name": name}, format="json")
        assert response.status_code == 400
        if message:
            assert message in response.json()["detail"]["error"]

    def test_get_patch_and_list(self, api, make_groups, set_chain):
        make_groups("a/b:c", "d")
        set_chain("a/b:c", ["d"])
        got = api.get("/model_groups/a/b:c").json()
        assert got["fallbacks"]["general"] == ["d"]
        patched = api.patch("/model_groups/a/b:c", {"owned_by": "openrouter"}, format="json")
        assert patched.status_code == 200
        assert patched.json()["owned_by"] == "openrouter"
        names = [group["name"] for group in api.get("/model_groups").json()["data"]]
        assert names == ["a/b:c", "d"]

    def test_rename_keeps_chains_and_refuses_taken_names(self, api, make_groups, set_chain):
        make_groups("a", "b", "c")
        set_chain("a", ["b"])
        assert api.patch("/model_groups/b", {"name": "c"}, format="json").status_code == 409
        assert api.patch("/model_groups/b", {"name": "b2"}, format="json").status_code == 200
        assert api.get("/fallback/a").json()["fallback_models"] == ["b2"]

    def test_unknown_group_is_404(self, api, db):
        response = api.get("/model_groups/nope")
        assert response.status_code == 404
        assert response.json() == {"detail": {"error": "Model group 'nope' not found"}}

    def test_delete_of_a_referenced_group_is_409_naming_the_chains(self, api, make_groups, set_chain):
        make_groups("a", "b", "c")
        set_chain("a", ["b"])
        set_chain("*", ["b"], "context_window")
        set_chain("b", ["c"], "content_policy")
        before = database_snapshot()
        response = api.delete("/model_groups/b")
        assert response.status_code == 409
        detail = response.json()["detail"]
        assert detail["chains"] == ["* (context_window)", "a (general)", "b (content_policy)"]
        assert "b" in detail["error"]
        assert database_snapshot() == before

    def test_delete_unused_group(self, api, make_groups):
        make_groups("a")
        assert api.delete("/model_groups/a").status_code == 204
        assert api.get("/model_groups/a").status_code == 404

    def test_writes_refused_in_read_only_mode(self, api, make_groups, settings):
        make_groups("a")
        settings.STORE_MODEL_IN_DB = False
        assert api.post("/model_groups", {"name": "b"}, format="json").status_code == 400
        assert api.patch("/model_groups/a", {"owned_by": "x"}, format="json").status_code == 400
        assert api.delete("/model_groups/a").status_code == 400
        assert api.get("/model_groups/a").status_code == 200


class TestHealthAndSchema:
    def test_health_needs_no_key(self, anonymous):
        assert anonymous.get("/health").json() == {"status": "ok"}
        ready = anonymous.get("/health/readiness")
        assert ready.status_code == 200
        assert ready.json()["status"] == "ok"

    def test_schema_needs_a_key_and_describes_the_endpoints(self, api, anonymous):
        assert anonymous.get("/api/schema").status_code == 401
        response = api.get("/api/schema?format=json")
        assert response.status_code == 200
        paths = response.json()["paths"]
        for path in ("/fallback", "/fallback/{model}", "/v1/models", "/models", "/model_groups", "/health"):
            assert path in paths

    def test_docs_page_is_for_admin_users(self, client, admin_user):
        assert client.get("/api/docs").status_code == 302
        client.force_login(admin_user)
        page = client.get("/api/docs")
        assert page.status_code == 200
        assert b"swagger" in page.content.lower()


class TestWritesReportTheirVersion:
    def test_model_group_writes_carry_the_version_they_produced(self, api):
        created = api.post("/model_groups", {"name": "a"}, format="json")
        assert created["X-Config-Version"] == str(config_version())
        patched = api.patch("/model_groups/a", {"owned_by": "anthropic"}, format="json")
        assert patched["X-Config-Version"] == str(config_version())
        assert int(patched["X-Config-Version"]) == int(created["X-Config-Version"]) + 1
        deleted = api.delete("/model_groups/a")
        assert deleted["X-Config-Version"] == str(int(patched["X-Config-Version"]) + 1)

    def test_a_patch_that_changes_nothing_writes_nothing(self, api, make_groups):
        make_groups("a", owned_by="anthropic")
        before = database_snapshot()
        response = api.patch("/model_groups/a", {"owned_by": "anthropic", "name": " a "}, format="json")
        assert response.status_code == 200
        assert response["X-Config-Version"] == str(config_version())
        assert database_snapshot() == before

    @pytest.mark.parametrize("body", [{"bogus": 1}, {"created": 5}, {"deployments": []}, {"fallbacks": {}}])
    def test_fields_that_cannot_be_set_are_refused(self, api, make_groups, body):
        make_groups("a")
        before = database_snapshot()
        for response in (
            api.patch("/model_groups/a", body, format="json"),
            api.post("/model_groups", {"name": "b", **body}, format="json"),
        ):
            assert response.status_code == 400
            assert response.json()["detail"]["error"].startswith("These fields cannot be set")
        assert database_snapshot() == before

    def test_setting_max_fallbacks_to_its_value_writes_nothing(self, api):
        api.patch("/fallback_settings", {"max_fallbacks": 3}, format="json")
        before = database_snapshot()
        response = api.patch("/fallback_settings", {"max_fallbacks": 3}, format="json")
        assert response.status_code == 200
        assert database_snapshot() == before

    def test_a_failing_lint_does_not_turn_a_committed_write_into_an_error(self, api, groups, monkeypatch):
        from fallbacks import lint

        def broken_lint(*args, **kwargs):
            raise RuntimeError("a bug in the lint")

        monkeypatch.setattr(lint, "lint_chain", broken_lint)
        response = post_chain(api, "gpt-4o", ["claude-3-haiku"])
        assert response.status_code == 200
        assert "warnings" not in response.json()
        assert api.get("/fallback/gpt-4o").json()["fallback_models"] == ["claude-3-haiku"]


def test_conflict_names_each_chain_once(api, make_groups, set_chain):
    make_groups("a", "b", "c", "d")
    set_chain("a", ["b", "c", "d"])
    set_chain("*", ["c", "b"], "context_window")
    set_chain("c", ["a", "d"], "content_policy")
    response = api.delete("/model_groups/c")
    assert response.status_code == 409
    assert response.json()["detail"]["chains"] == ["* (context_window)", "a (general)", "c (content_policy)"]


def test_schema_errors_are_json(anonymous):
    response = anonymous.get("/api/schema")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]["error"]
