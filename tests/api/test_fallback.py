"""`POST`, `GET` and `DELETE /fallback` of PRODUCT.md 3.1, with the `*` chains and `GET /fallback` of 3.2:
every status and body. The other endpoints of 3.1 and 3.2 each have their file beside this one.
"""

import time

import pytest

from fallbacks import errors, services
from fallbacks.domain import FALLBACK_TYPES
from fallbacks.models import ChangeRecord, FallbackEntry
from fallbacks.selectors import config_version
from tests.factories import ACTOR, ALL_NAMES, database_snapshot, post_chain


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
        for fallback_type in FALLBACK_TYPES.values():
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
        assert (record.action, record.actor, record.via, record.subject) == (
            "chain_create",
            "master",
            "api",
            "gpt-4o (general)",
        )


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

    def test_a_chain_of_more_than_100_targets_is_400(self, api, groups, make_groups):
        """PRODUCT.md 1: at most 100 targets. The attack was a 4,000-target `*` chain (a 414 MB model list)."""
        names = [group.name for group in make_groups(*(f"target-{index:03d}" for index in range(101)))]
        before = database_snapshot()
        response = post_chain(api, "*", names)
        self.assert_refused(response, 400, {"error": "fallback_models must contain at most 100 models"})
        assert database_snapshot() == before
        assert post_chain(api, "*", names[:100]).status_code == 200

    def test_150000_unknown_names_are_refused_at_once(self, api, groups):
        """The attack: 150,000 unknown names made validation quadratic and the worker was killed."""
        started = time.monotonic()
        response = post_chain(api, "gpt-4o", [f"unknown-{index}" for index in range(150_000)])
        self.assert_refused(response, 400, {"error": "fallback_models must contain at most 100 models"})
        assert time.monotonic() - started < 10

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
        assert error == errors.INVALID_FALLBACK_TYPE.format(types=FALLBACK_TYPES.values())
        assert all(name in error for name in ("general", "context_window", "content_policy"))

    def test_read_only_mode_refuses_with_the_contract_message(self, api, groups, settings):
        settings.STORE_MODEL_IN_DB = False
        before = database_snapshot()
        response = post_chain(api, "gpt-4o", ["claude-3-haiku"])
        self.assert_refused(response, 400, {"error": errors.WRITES_DISABLED})
        assert errors.WRITES_DISABLED == (
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
        for fallback_type in FALLBACK_TYPES.values():
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
        assert response.json() == {
            "detail": {"error": errors.INVALID_FALLBACK_TYPE.format(types=FALLBACK_TYPES.values())}
        }

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
        assert response.json() == {"detail": {"error": errors.WRITES_DISABLED}}
        assert api.get("/fallback/gpt-4o").status_code == 200  # reads keep working


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


class TestRulesByAnotherSpelling:
    """PRODUCT.md section 2: `openai/gpt-4o` uses the rule of `gpt-4o`, and `gpt-4o` the rule of `openai/gpt-4o`."""

    @pytest.fixture
    def spelled(self, make_groups, set_chain):
        make_groups("gpt-4o", "openai/gpt-4o", "azure/gpt-4o", "gpt-4.1", "openai/gpt-4.1", "claude", "x", "wally/x")
        set_chain("gpt-4o", ["claude", "openai/gpt-4o"])
        set_chain("openai/gpt-4.1", ["gpt-4o"])
        set_chain("x", ["claude"])

    def test_get_names_the_rule_the_chain_comes_from(self, api, spelled):
        assert api.get("/fallback/openai/gpt-4o").json() == {
            "model": "openai/gpt-4o",
            "fallback_models": ["claude"],  # without the model itself, which the router skips
            "fallback_type": "general",
            "inherited_from": "gpt-4o",
        }
        assert api.get("/fallback/azure/gpt-4o").json()["inherited_from"] == "gpt-4o"
        assert api.get("/fallback/gpt-4.1").json() == {
            "model": "gpt-4.1",
            "fallback_models": ["gpt-4o"],
            "fallback_type": "general",
            "inherited_from": "openai/gpt-4.1",
        }
        assert "inherited_from" not in api.get("/fallback/gpt-4o").json()

    def test_a_rule_by_another_spelling_comes_before_the_default_chain(self, api, spelled, set_chain):
        set_chain("*", ["x"])
        assert api.get("/fallback/openai/gpt-4o").json()["inherited_from"] == "gpt-4o"
        assert api.get("/fallback/claude").json()["inherited_from"] == "*"

    def test_delete_of_a_model_that_uses_another_spelling_s_rule_says_so(self, api, spelled):
        before = database_snapshot()
        response = api.delete("/fallback/openai/gpt-4o")
        assert response.status_code == 404
        assert response.json()["detail"] == {
            "error": "No general fallbacks configured for model 'openai/gpt-4o'",
            "inherited_from": "gpt-4o",
            "note": errors.INHERITS_BY_NAME.format(model="openai/gpt-4o", fallback_type="general", source="gpt-4o"),
        }
        assert database_snapshot() == before

    def test_the_provider_list_is_the_configured_release_s(self, api, spelled):
        # `wally` is a provider of LiteLLM 1.110.2, not of 1.109.1
        assert api.get("/fallback/wally/x").json()["inherited_from"] == "x"
        services.litellm_version_set(actor=ACTOR, litellm_version="1.109")
        assert api.get("/fallback/wally/x").status_code == 404
        assert api.get("/fallback/openai/gpt-4o").json()["inherited_from"] == "gpt-4o"

    def test_the_model_list_shows_the_chain_of_the_rule_that_applies(self, api, spelled):
        data = {
            item["id"]: item["metadata"]["fallbacks"]
            for item in api.get("/v1/models?include_metadata=true").json()["data"]
        }
        assert data["openai/gpt-4o"] == ["claude"]
        assert data["gpt-4o"] == data["azure/gpt-4o"] == ["claude", "openai/gpt-4o"]
        assert data["gpt-4.1"] == data["openai/gpt-4.1"] == ["gpt-4o"]
        assert data["wally/x"] == ["claude"]
        one = api.get("/v1/models/openai/gpt-4o?include_metadata=true").json()
        assert one["metadata"] == {"fallbacks": ["claude"]}
