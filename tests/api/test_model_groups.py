"""`/model_groups` of PRODUCT.md 3.2: every status and body, the version each write reports, and
max_input_tokens's one rule at this door (the others: tests/*/test_deployment_rules.py)."""

import pytest

from fallbacks import domain, errors
from fallbacks.selectors import config_version
from tests.factories import database_snapshot, post_chain

LIMIT = domain.MAX_INPUT_TOKENS_LIMIT


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
            ("*", errors.RESERVED_GROUP_NAME),
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


# --- max_input_tokens: null, or 1 to 2**31 - 1 ------------------------------------------------------------------


@pytest.mark.parametrize("value", [0, -1, LIMIT + 1, 10**12])
def test_the_api_refuses_out_of_range_and_writes_nothing(api, group, value):
    before = database_snapshot()

    patched = api.patch("/model_groups/gpt-4o", {"max_input_tokens": value}, format="json")
    created = api.post("/model_groups", {"name": "new", "max_input_tokens": value}, format="json")

    for response in (patched, created):
        assert response.status_code == 400
        assert errors.MAX_INPUT_TOKENS_RANGE in response.json()["detail"]["error"]
    assert database_snapshot() == before


def test_the_api_refuses_a_boolean(api, group):
    before = database_snapshot()

    response = api.patch("/model_groups/gpt-4o", {"max_input_tokens": True}, format="json")

    assert response.status_code == 400
    assert database_snapshot() == before


def test_the_api_accepts_the_limits_and_null(api, group):
    assert api.patch("/model_groups/gpt-4o", {"max_input_tokens": LIMIT}, format="json").json()["max_input_tokens"] == (
        LIMIT
    )
    assert api.patch("/model_groups/gpt-4o", {"max_input_tokens": None}, format="json").json()["max_input_tokens"] is (
        None
    )
    assert api.post("/model_groups", {"name": "one", "max_input_tokens": 1}, format="json").status_code == 201
