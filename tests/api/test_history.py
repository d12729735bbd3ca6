"""PRODUCT.md 3.3 over HTTP: versions, diff, rollback, ETags and preconditions."""

import pytest

from fallbacks import selectors
from tests.factories import database_snapshot


@pytest.fixture
def abc(api):
    for name in ("a", "b", "c"):
        assert api.post("/model_groups", {"name": name}, format="json").status_code == 201
    return ["a", "b", "c"]


def post_chain(client, model, targets, fallback_type="general", **headers):
    return client.post(
        "/fallback",
        {"model": model, "fallback_models": targets, "fallback_type": fallback_type},
        format="json",
        **headers,
    )


class TestVersions:
    def test_every_write_is_a_version_with_its_changes_newest_first(self, api, abc):
        post_chain(api, "a", ["b"])
        post_chain(api, "a", ["c", "b"])

        body = api.get("/config/versions").json()

        assert body["next"] is None
        assert [item["version"] for item in body["data"]] == [5, 4, 3, 2, 1]
        newest = body["data"][0]
        assert set(newest) == {"version", "created_at", "actor", "via", "summary", "changes"}
        assert (newest["actor"], newest["via"], newest["summary"]) == ("master", "api", "set chain a (general): c, b")
        assert newest["created_at"].endswith("Z")
        assert newest["changes"] == [
            {"kind": "chain", "model": "a", "fallback_type": "general", "before": ["b"], "after": ["c", "b"]}
        ]
        created = body["data"][-1]["changes"][0]
        assert (created["kind"], created["name"], created["before"]) == ("model_group", "a", None)
        assert created["after"]["deployments"] == []

    def test_filters_and_cursor_pages(self, api, abc, read_write_api):
        post_chain(api, "a", ["b"])
        post_chain(read_write_api, "b", ["c"], "context_window")

        assert [v["version"] for v in api.get("/config/versions?model=a").json()["data"]] == [4, 1]
        assert [v["version"] for v in api.get("/config/versions?fallback_type=context_window").json()["data"]] == [5]
        assert [v["version"] for v in api.get("/config/versions?actor=writer").json()["data"]] == [5]
        assert [v["version"] for v in api.get("/config/versions?via=admin").json()["data"]] == []
        assert [v["version"] for v in api.get("/config/versions?since=2000-01-01T00:00:00Z").json()["data"]] == [
            5,
            4,
            3,
            2,
            1,
        ]
        assert api.get("/config/versions?since=2999-01-01T00:00:00Z").json()["data"] == []
        first = api.get("/config/versions?limit=2").json()
        assert ([v["version"] for v in first["data"]], first["next"]) == ([5, 4], "4")
        second = api.get(f"/config/versions?limit=2&cursor={first['next']}").json()
        third = api.get(f"/config/versions?limit=2&cursor={second['next']}").json()
        assert [v["version"] for v in second["data"] + third["data"]] == [3, 2, 1]
        assert third["next"] is None

    @pytest.mark.parametrize(
        "query",
        ["limit=0", "limit=501", "limit=x", "cursor=abc", "since=yesterday", "via=email", "fallback_type=nope"],
    )
    def test_bad_filters_are_400s(self, api, query):
        response = api.get(f"/config/versions?{query}")
        assert response.status_code == 400
        assert "error" in response.json()["detail"]

    def test_one_version_and_a_missing_one(self, api, abc):
        assert api.get("/config/versions/2").json()["changes"][0]["name"] == "b"
        response = api.get("/config/versions/99")
        assert response.status_code == 404
        assert response.json() == {"detail": {"error": "Version 99 not found"}}

    def test_a_list_reads_the_same_queries_for_two_versions_and_for_fifty(self, api, abc, django_assert_num_queries):
        # The address's failed-authentication count, the versions, their changes (the master key needs no query).
        with django_assert_num_queries(3):
            api.get("/config/versions?limit=2")
        for index in range(50):
            post_chain(api, "a", ["b"] if index % 2 else ["c"])
        with django_assert_num_queries(3):
            assert len(api.get("/config/versions?limit=50").json()["data"]) == 50


class TestDiff:
    def test_the_net_change_between_two_versions_either_way(self, api, abc):
        post_chain(api, "a", ["b"])  # 4
        post_chain(api, "a", ["c"])  # 5
        post_chain(api, "a", ["b", "c"])  # 6
        api.patch("/fallback_settings", {"max_fallbacks": 2}, format="json")  # 7

        forward = api.get("/config/diff?from=3&to=7").json()["changes"]
        assert forward == [
            {"kind": "chain", "model": "a", "fallback_type": "general", "before": None, "after": ["b", "c"]},
            {"kind": "setting", "name": "max_fallbacks", "before": 5, "after": 2},
        ]
        backward = api.get("/config/diff?from=7&to=3").json()["changes"]
        assert [(c["before"], c["after"]) for c in backward] == [(["b", "c"], None), (2, 5)]
        assert api.get("/config/diff?from=4&to=4").json() == {"changes": []}

    def test_unknown_versions_and_bad_numbers(self, api, abc):
        assert api.get("/config/diff?from=1&to=99").status_code == 404
        assert api.get("/config/diff?from=x&to=1").status_code == 400
        assert api.get("/config/diff?to=1").status_code == 400


class TestRollback:
    def test_the_whole_configuration_comes_back_as_one_new_version(self, api, abc):
        post_chain(api, "a", ["b"])  # 4
        post_chain(api, "a", ["c"])  # 5
        api.delete("/fallback/a")  # 6
        api.delete("/model_groups/b")  # 7

        response = api.post("/config/rollback", {"to_version": 4}, format="json")

        assert response.status_code == 200
        assert response["X-Config-Version"] == "8"
        body = response.json()
        assert body["version"] == 8
        assert [(c["kind"], c.get("name", c.get("model"))) for c in body["changes"]] == [
            ("model_group", "b"),
            ("chain", "a"),
        ]
        assert api.get("/fallback/a").json()["fallback_models"] == ["b"]
        version = api.get("/config/versions/8").json()
        assert (version["via"], version["actor"]) == ("rollback", "master")

    def test_nothing_to_roll_back_writes_nothing(self, api, abc):
        before = database_snapshot()
        body = api.post("/config/rollback", {"to_version": 3}, format="json").json()
        assert body == {"version": 3, "changes": []}
        assert database_snapshot() == before

    def test_a_chain_needing_a_deleted_group_is_a_409_naming_it(self, api, abc):
        post_chain(api, "a", ["b"])  # 4
        api.delete("/fallback/a")
        api.delete("/model_groups/b")

        response = api.post(
            "/config/rollback", {"to_version": 4, "model": "a", "fallback_type": "general"}, format="json"
        )

        assert response.status_code == 409
        assert response.json()["detail"]["missing_models"] == ["b"]

    def test_read_only_keys_cannot_roll_back(self, read_only_api, api, abc):
        response = read_only_api.post("/config/rollback", {"to_version": 1}, format="json")
        assert response.status_code == 403

    @pytest.mark.parametrize(
        "body", [[], {"to_version": "x"}, {"to_version": -1}, {"to_version": 1, "model": "a"}, {"to_version": True}]
    )
    def test_bad_bodies_are_400s(self, api, abc, body):
        assert api.post("/config/rollback", body, format="json").status_code == 400


class TestETags:
    def test_a_chain_carries_the_version_that_last_changed_it(self, api, abc):
        assert api.get("/fallback/a").status_code == 404
        post_chain(api, "a", ["b"])  # 4
        post_chain(api, "b", ["c"])  # 5: another chain

        assert api.get("/fallback/a")["ETag"] == '"4"'
        post_chain(api, "*", ["c"], "context_window")
        assert api.get("/fallback/a?fallback_type=context_window")["ETag"] == '"0"'  # inherits; never had its own

    def test_if_match_refuses_a_stale_write_with_412_and_writes_nothing(self, api, abc):
        post_chain(api, "a", ["b"])  # 4
        post_chain(api, "a", ["c"])  # 5
        before = database_snapshot()

        response = post_chain(api, "a", ["b"], HTTP_IF_MATCH='"4"')

        assert response.status_code == 412
        assert response.json() == {
            "detail": {"error": "Precondition failed: chain a (general) changed at version 5", "current_version": 5}
        }
        assert database_snapshot() == before
        accepted = post_chain(api, "a", ["b"], HTTP_IF_MATCH='"5"')
        assert (accepted.status_code, accepted["ETag"]) == (200, '"6"')
        same = post_chain(api, "a", ["b"], HTTP_IF_MATCH='"6"')  # a new version, but the chain did not change
        assert (same.status_code, same["X-Config-Version"], same["ETag"]) == (200, "7", '"6"')
        assert post_chain(api, "a", ["c"], HTTP_IF_MATCH="*").status_code == 200
        assert post_chain(api, "a", ["b"]).status_code == 200  # LiteLLM clients send no If-Match

    def test_groups_and_settings_have_etags_and_preconditions(self, api, abc):
        etag = api.get("/model_groups/a")["ETag"]
        assert etag == '"1"'
        assert api.patch("/model_groups/a", {"description": "x"}, format="json", HTTP_IF_MATCH=etag).status_code == 200
        assert api.patch("/model_groups/a", {"description": "y"}, format="json", HTTP_IF_MATCH=etag).status_code == 412
        assert api.delete("/model_groups/a", HTTP_IF_MATCH=etag).status_code == 412
        assert api.get("/fallback_settings")["ETag"] == '"0"'
        api.patch("/fallback_settings", {"max_fallbacks": 3}, format="json")
        settings_etag = api.get("/fallback_settings")["ETag"]
        assert settings_etag == f'"{selectors.config_version()}"'
        response = api.patch("/fallback_settings", {"max_fallbacks": 4}, format="json", HTTP_IF_MATCH='"0"')
        assert response.status_code == 412
        assert response.json()["detail"]["error"].startswith("Precondition failed: settings changed at version")
        assert api.delete("/fallback/a", HTTP_IF_MATCH='"77"').status_code == 412
        assert api.delete("/fallback/a", HTTP_IF_MATCH="not-a-tag").status_code == 412

    @pytest.mark.parametrize("path", ["/v1/models", "/models", "/fallback", "/model_groups"])
    def test_lists_answer_304_while_the_config_version_is_the_same(self, api, abc, path):
        response = api.get(path)
        assert response.status_code == 200
        assert response["ETag"] == '"3"'

        unchanged = api.get(path, HTTP_IF_NONE_MATCH='"3"')
        assert (unchanged.status_code, unchanged.content, unchanged["ETag"]) == (304, b"", '"3"')
        post_chain(api, "a", ["b"])
        assert api.get(path, HTTP_IF_NONE_MATCH='"3"').status_code == 200

    def test_a_304_costs_the_key_check_and_one_version_read(self, api, abc, django_assert_num_queries):
        with django_assert_num_queries(2):  # the address's failure count and the version (the master key: none)
            assert api.get("/v1/models?include_metadata=true", HTTP_IF_NONE_MATCH='"3"').status_code == 304
