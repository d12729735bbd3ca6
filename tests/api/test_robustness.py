"""Bad input of every kind gets a 4xx JSON answer: never a 500, never an HTML page."""

import json

import pytest

from fallbacks import errors
from tests.factories import database_snapshot

LONG_NAME = "m" * 10_000


def assert_json_4xx(response):
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    # The contract's `{"detail": ...}`, or LiteLLM's own error shape where the contract says so (PRODUCT.md 3.1).
    assert "detail" in body or set(body["error"]) == {"message", "type", "param", "code"}, body
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


# Found by probing around the fuzzer (tests/api/test_fuzz.py): both were 500s.


@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/fallback"), ("POST", "/model_groups"), ("PATCH", "/fallback_settings")]
)
def test_a_body_over_the_upload_limit_is_413_json(api, seeded, settings, method, path):
    before = database_snapshot()
    raw = json.dumps({"model": "a", "fallback_models": ["b"], "padding": "x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE})
    response = api.generic(method, path, raw, content_type="application/json")
    assert response.status_code == 413
    body = assert_json_4xx(response)
    assert body["detail"]["error"] == f"The request body must be at most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes"
    assert database_snapshot() == before


@pytest.mark.parametrize("raw", ["[" * 100_000, '{"model": ' * 5_000, '{"model": "a", "fallback_models": ' + "[" * 65])
def test_a_body_nested_too_deeply_is_400_json(api, seeded, raw):
    before = database_snapshot()
    for method, path in [("POST", "/fallback"), ("POST", "/model_groups"), ("PATCH", "/fallback_settings")]:
        body = assert_json_4xx(api.generic(method, path, raw, content_type="application/json"))
        assert body["detail"]["error"] == "JSON parse error - nested deeper than 64 levels"
    assert database_snapshot() == before


def test_nesting_within_the_limit_is_parsed_as_usual(api, seeded):
    raw = '{"model": "a", "fallback_models": ' + "[" * 63 + '"b"' + "]" * 63 + "}"
    body = assert_json_4xx(api.generic("POST", "/fallback", raw, content_type="application/json"))
    assert body["detail"]["error"] == "fallback_models must be a list of model names"
    ok = api.generic("POST", "/fallback", '{"model": "a", "fallback_models": ["b"]}', content_type="application/json")
    assert ok.status_code == 200


# Found by the fuzzer: a name padded with white space is trimmed before its length is checked, so
# the schema must not give the untrimmed string a maxLength (it did, 255, from DRF's max_length).
def test_names_are_limited_once_trimmed_and_the_schema_says_no_more(api, seeded):
    padded = "\x1e" + "n" * 255 + "  "  # str.strip() takes \x1e (a separator) as white space, as for any name
    response = api.post("/model_groups", {"name": padded, "owned_by": " " + "p" * 255}, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["name"], response.json()["owned_by"]) == ("n" * 255, "p" * 255)
    chain = api.post("/fallback", {"model": f"  {'n' * 255} ", "fallback_models": ["b"]}, format="json")
    assert chain.status_code == 200, chain.content
    too_long = api.post("/model_groups", {"name": " " + "n" * 256}, format="json")
    assert assert_json_4xx(too_long)["detail"]["error"] == "name: name must be at most 255 characters"

    components = api.get("/api/schema?format=json").json()["components"]["schemas"]
    for component, field in [
        ("ModelGroupRequest", "name"),
        ("ModelGroupRequest", "owned_by"),
        ("FallbackRequestRequest", "model"),
    ]:
        assert "maxLength" not in components[component]["properties"][field], (component, field)


@pytest.mark.parametrize("owned_by", ["open\x01ai", "openai\x7f", "o" * 256, "   "])
def test_owned_by_follows_the_importers_rule(api, seeded, owned_by):
    """What the API stores exports to a config file that imports back: import refuses these providers."""
    before = database_snapshot()
    create = api.post("/model_groups", {"name": "new", "owned_by": owned_by}, format="json")
    assert_json_4xx(create)
    assert_json_4xx(api.patch("/model_groups/a", {"owned_by": owned_by}, format="json"))
    assert database_snapshot() == before


# Issue 12: duplicate keys were silently read as their last value (`"model": "a", "model": "b"` wrote b's chain).


@pytest.mark.parametrize(
    ("raw", "where"),
    [
        ('{"model": "a", "fallback_models": ["b"], "model": "b"}', '"model" in the top-level object'),
        ('{"name": "c", "max_input_tokens": 1, "max_input_tokens": 2}', '"max_input_tokens" in the top-level object'),
    ],
)
def test_a_key_given_twice_is_400_naming_it(api, seeded, raw, where):
    before = database_snapshot()
    path = "/fallback" if "model" in raw else "/model_groups"
    body = assert_json_4xx(api.generic("POST", path, raw, content_type="application/json"))
    assert body["detail"]["error"] == (
        f"JSON parse error - duplicate key {where}: which value was meant cannot be known"
    )
    assert database_snapshot() == before


def test_a_key_given_twice_in_a_nested_object_names_where(api, seeded):
    raw = '{"max_fallbacks": 3, "nested": [{"a": 1}, {"b": 1, "b": 2}]}'
    body = assert_json_4xx(api.generic("PATCH", "/fallback_settings", raw, content_type="application/json"))
    assert body["detail"]["error"] == (
        'JSON parse error - duplicate key "b" in nested[1]: which value was meant cannot be known'
    )


@pytest.mark.parametrize("name", ["gpt\u202e4o", "gpt-4o\u200b"])
def test_look_alike_names_are_refused_at_the_api(api, seeded, name):
    before = database_snapshot()
    body = assert_json_4xx(api.post("/model_groups", {"name": name}, format="json"))
    assert body["detail"]["error"] == "name: " + errors.INVISIBLE_CHARACTERS.format(field="name")
    body = assert_json_4xx(api.post("/fallback", {"model": "a", "fallback_models": [name]}, format="json"))
    assert body["detail"]["error"] == errors.INVISIBLE_CHARACTERS.format(field="each of fallback_models")
    assert database_snapshot() == before
