"""Bad input of every kind gets a 4xx JSON answer: never a 500, never an HTML page."""

import json

import pytest

from tests.conftest import database_snapshot

LONG_NAME = "m" * 10_000


def assert_json_4xx(response):
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert "detail" in body
    return body


@pytest.fixture
def seeded(make_groups, set_chain):
    make_groups("a", "b")
    set_chain("a", ["b"])


@pytest.mark.parametrize(
    "raw",
    [
        "{bad json",
        "[]",
        '["a", "b"]',
        "42",
        '"a string"',
        "null",
        "true",
        "",
        '{"model": "a"}',
        '{"fallback_models": ["b"]}',
        '{"model": "a", "fallback_models": "b"}',
        '{"model": "a", "fallback_models": null}',
        '{"model": "a", "fallback_models": [null]}',
        '{"model": "a", "fallback_models": [1, 2]}',
        '{"model": "a", "fallback_models": [["b"]]}',
        '{"model": "a", "fallback_models": {"b": 1}}',
        '{"model": null, "fallback_models": ["b"]}',
        '{"model": true, "fallback_models": ["b"]}',
        '{"model": "a", "fallback_models": ["b"], "fallback_type": null}',
        '{"model": "a", "fallback_models": ["b"], "fallback_type": ["general"]}',
        '{"model": "a", "fallback_models": ["", "b"]}',
        '{"model": "a", "fallback_models": ["  "]}',
        json.dumps({"model": LONG_NAME, "fallback_models": ["b"]}),
        json.dumps({"model": "a", "fallback_models": [LONG_NAME]}),
        '{"model": "a\\u0000", "fallback_models": ["b"]}',
    ],
)
def test_bad_post_fallback_bodies(api, seeded, raw):
    before = database_snapshot()
    response = api.generic("POST", "/fallback", raw, content_type="application/json")
    assert_json_4xx(response)
    assert database_snapshot() == before


def test_wrong_content_type_is_415_json(api, seeded):
    response = api.generic("POST", "/fallback", "model=a", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert_json_4xx(response)


@pytest.mark.parametrize(
    "raw",
    [
        "[]",
        "7",
        '{"name": null}',
        '{"name": 5}',
        '{"name": ["x"]}',
        json.dumps({"name": LONG_NAME}),
        '{"name": "ok", "max_input_tokens": "lots"}',
        '{"name": "ok", "max_input_tokens": -1}',
        '{"name": "ok", "max_input_tokens": 1e400}',
        '{"name": "ok", "owned_by": null}',
        '{"name": "ok", "description": {"a": 1}}',
        '{"name": "ok", "owned_by": "' + "o" * 300 + '"}',
    ],
)
def test_bad_model_group_bodies(api, seeded, raw):
    before = database_snapshot()
    response = api.generic("POST", "/model_groups", raw, content_type="application/json")
    assert_json_4xx(response)
    assert database_snapshot() == before


@pytest.mark.parametrize(
    "path",
    [
        "/v1/models?include_metadata=perhaps",
        "/v1/models?include_metadata=true&fallback_type=",
        "/v1/models?include_metadata=true&fallback_type=general%00",
        "/fallback?fallback_type=everything",
        "/fallback/a?fallback_type=",
        "/fallback/" + LONG_NAME,
        "/v1/models/" + LONG_NAME,
        "/model_groups/" + LONG_NAME,
        "/no/such/endpoint",
        "/fallback/",
        "/v1/models/",
    ],
)
def test_bad_paths_and_query_values(api, seeded, path):
    assert_json_4xx(api.get(path))


def test_delete_with_long_name(api, seeded):
    assert_json_4xx(api.delete("/fallback/" + LONG_NAME))


def test_unsupported_method_is_405_json(api, seeded):
    response = api.put("/fallback/a", {}, format="json")
    assert response.status_code == 405
    assert_json_4xx(response)


def test_unknown_query_parameters_are_ignored(api, seeded):
    assert api.get("/v1/models?colour=blue").status_code == 200
    assert api.get("/fallback/a?colour=blue").status_code == 200


def test_extra_body_fields_are_ignored(api, seeded):
    response = api.post("/fallback", {"model": "a", "fallback_models": ["b"], "extra": 1}, format="json")
    assert response.status_code == 200
    assert "extra" not in response.json()


@pytest.mark.parametrize("name", ["\\ud800", "a\\udfffb"])
def test_lone_surrogates_in_names_are_refused(api, seeded, name):
    before = database_snapshot()
    raw = '{"model": "' + name + '", "fallback_models": ["b"]}'
    body = assert_json_4xx(api.generic("POST", "/fallback", raw, content_type="application/json"))
    assert "unpaired surrogates" in body["detail"]["error"]
    raw_group = '{"name": "' + name + '"}'
    assert_json_4xx(api.generic("POST", "/model_groups", raw_group, content_type="application/json"))
    assert database_snapshot() == before
