"""One rule per field, whatever the door: a deployment's JSON data and a model group's max_input_tokens.

The admin, the API, the importer and the database each refuse what fallbacks.validation refuses,
in its words, and a refusal writes nothing (on SQLite, and on PostgreSQL where these inputs used
to be a 500 DataError).
"""

import json

import pytest
from django.db import DataError, IntegrityError, transaction
from django.utils.html import escape

from fallbacks import config_format as cf
from fallbacks import services, validation
from fallbacks.models import ModelGroup
from fallbacks.validation import RuleViolation
from tests.factories import ACTOR, add_deployment, change_url, database_snapshot, form_data

LIMIT = validation.MAX_INPUT_TOKENS_LIMIT


@pytest.fixture
def group(make_groups) -> ModelGroup:
    (gpt,) = make_groups("gpt-4o", max_input_tokens=128000)
    return gpt


# --- a deployment's litellm_params and model_info: plain JSON data ---------------------------------------------

# (JSON text as an operator types it in the admin, where the problem is, the reason)
NOT_PLAIN_JSON = [
    ('{"model": "openai/gpt-4o", "note": "a\\u0000b"}', "{}", "litellm_params.note", validation.JSON_NUL),
    ('{"model": "openai/gpt-4o", "rpm": NaN}', "{}", "litellm_params.rpm", validation.JSON_NOT_FINITE),
    ('{"model": "openai/gpt-4o", "tpm": -Infinity}', "{}", "litellm_params.tpm", validation.JSON_NOT_FINITE),
    ('{"model": "openai/gpt-4o"}', '{"a\\u0000": 1}', "model_info", validation.JSON_NUL + " in a key"),
    ('{"model": "openai/gpt-4o"}', '{"tags": ["ok", "\\ud800"]}', "model_info.tags[1]", validation.JSON_SURROGATE),
]


@pytest.mark.parametrize(("litellm_params", "model_info", "location", "reason"), NOT_PLAIN_JSON)
def test_the_admin_refuses_a_deployment_that_is_not_plain_json(
    admin_client, group, litellm_params, model_info, location, reason
):
    url = change_url(group)
    data = form_data(admin_client.get(url), "modelgroup_form")
    add_deployment(data, litellm_params, model_info)
    before = database_snapshot()

    response = admin_client.post(url, data)

    assert response.status_code == 200, "the page comes back with the error, never a 500"
    assert database_snapshot() == before
    expected = validation.NOT_JSON_DATA.format(field=location, reason=reason)
    assert escape(expected) in response.content.decode()


@pytest.mark.parametrize(("litellm_params", "model_info", "location", "reason"), NOT_PLAIN_JSON)
def test_the_importer_and_the_service_refuse_the_same_data(group, litellm_params, model_info, location, reason):
    params, info = json.loads(litellm_params), json.loads(model_info)
    document = json.dumps({"model_list": [{"model_name": "a", "litellm_params": params, "model_info": info}]})
    before = database_snapshot()

    with pytest.raises(RuleViolation) as refused:
        services.deployments_set(actor=ACTOR, group=group, deployments=[{"litellm_params": params, "model_info": info}])
    parsed = cf.parse_config(document)

    assert refused.value.message == validation.NOT_JSON_DATA.format(field=location, reason=reason)
    if reason == validation.JSON_SURROGATE:  # the importer refuses it in the whole file, before reading entries
        assert [str(problem) for problem in parsed.problems] == ["file: " + cf.NOT_UNICODE_TEXT]
    else:
        assert [str(problem) for problem in parsed.problems] == [
            f"model_list[0].{location}: " + cf.NOT_JSON_DATA.format(reason=reason)
        ]
    assert database_snapshot() == before


@pytest.mark.parametrize("lists", [64, 100_000])  # one level too many; far deeper than Python's parser can go
def test_the_admin_refuses_json_nested_too_deeply_without_a_500(admin_client, group, lists):
    url = change_url(group)
    data = form_data(admin_client.get(url), "modelgroup_form")
    add_deployment(data, '{"model": "x", "extra": ' + "[" * lists + "]" * lists + "}")
    before = database_snapshot()

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert database_snapshot() == before
    assert response.context["inline_admin_formsets"][0].formset.errors[0] == {
        "litellm_params": [validation.JSON_TOO_DEEP]
    }


def test_the_service_refuses_data_nested_too_deeply_without_recursing(group):
    too_deep: list = []
    innermost = too_deep
    for _ in range(63):  # litellm_params, extra and 63 more lists: 65 levels
        innermost.append([])
        innermost = innermost[0]
    far_too_deep: list = []
    innermost = far_too_deep
    for _ in range(100_000):
        innermost.append([])
        innermost = innermost[0]
    before = database_snapshot()

    for extra in (too_deep, far_too_deep):
        deployment = {"litellm_params": {"model": "x", "api_key": "sk-plain", "extra": extra}, "model_info": {}}
        with pytest.raises(RuleViolation) as refused:
            services.deployments_set(actor=ACTOR, group=group, deployments=[deployment])
        location = f"litellm_params.extra{'[0]' * 63}"
        assert refused.value.message == validation.NOT_JSON_DATA.format(field=location, reason=validation.JSON_TOO_DEEP)
    assert database_snapshot() == before


def test_plain_json_data_at_the_depth_limit_is_stored(admin_client, group):
    nested = "[" * 63 + "1" + "]" * 63  # litellm_params, extra and 62 more lists: 64 levels
    url = change_url(group)
    data = form_data(admin_client.get(url), "modelgroup_form")
    add_deployment(data, '{"model": "openai/gpt-4o", "extra": ' + nested + ', "rpm": 1.5}', '{"id": "é"}')

    assert admin_client.post(url, data).status_code == 302

    deployment = group.deployments.get()
    assert deployment.litellm_params["extra"] == json.loads(nested)
    assert deployment.model_info == {"id": "é"}


# --- max_input_tokens: null, or 1 to 2**31 - 1 ------------------------------------------------------------------


@pytest.mark.parametrize("value", [0, -1, LIMIT + 1, 10**12, True, 8192.5, "8192"])
def test_the_rule(value):
    with pytest.raises(RuleViolation) as refused:
        validation.clean_max_input_tokens(value)
    assert refused.value.message == validation.MAX_INPUT_TOKENS_RANGE


@pytest.mark.parametrize("value", [None, 1, 8192, LIMIT])
def test_the_rule_keeps_good_values(value):
    assert validation.clean_max_input_tokens(value) == value


@pytest.mark.parametrize("value", [0, -1, LIMIT + 1, 10**12])
def test_the_api_refuses_out_of_range_and_writes_nothing(api, group, value):
    before = database_snapshot()

    patched = api.patch("/model_groups/gpt-4o", {"max_input_tokens": value}, format="json")
    created = api.post("/model_groups", {"name": "new", "max_input_tokens": value}, format="json")

    for response in (patched, created):
        assert response.status_code == 400
        assert validation.MAX_INPUT_TOKENS_RANGE in response.json()["detail"]["error"]
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


@pytest.mark.parametrize("value", ["0", "-1", str(LIMIT + 1), str(10**12)])
def test_the_admin_refuses_out_of_range_and_writes_nothing(admin_client, group, value):
    url = change_url(group)
    data = form_data(admin_client.get(url), "modelgroup_form")
    data["max_input_tokens"] = value
    data["description"] = "changed too"
    before = database_snapshot()

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert database_snapshot() == before
    assert response.context["adminform"].form.errors["max_input_tokens"] == [validation.MAX_INPUT_TOKENS_RANGE]


def test_the_admin_saves_the_limit_and_an_empty_field_as_null(admin_client, group):
    url = change_url(group)
    data = form_data(admin_client.get(url), "modelgroup_form")
    data["max_input_tokens"] = str(LIMIT)
    assert admin_client.post(url, data).status_code == 302
    assert ModelGroup.objects.get(pk=group.pk).max_input_tokens == LIMIT

    data["max_input_tokens"] = ""
    assert admin_client.post(url, data).status_code == 302
    assert ModelGroup.objects.get(pk=group.pk).max_input_tokens is None


@pytest.mark.parametrize("value", [0, LIMIT + 1])
def test_the_importer_refuses_out_of_range_where_it_is(group, value):
    document = {
        "model_list": [
            {"model_name": "a", "litellm_params": {"model": "openai/a"}, "model_info": {"max_input_tokens": 8192}},
            {"model_name": "b", "litellm_params": {"model": "openai/b"}, "model_info": {"max_input_tokens": value}},
        ]
    }
    before = database_snapshot()

    with pytest.raises(services.ConfigRefused) as refused:
        services.config_import(actor=ACTOR, document=json.dumps(document))

    assert [str(problem) for problem in refused.value.problems] == [
        "model_list[1].model_info.max_input_tokens: " + validation.MAX_INPUT_TOKENS_RANGE
    ]
    assert database_snapshot() == before


@pytest.mark.parametrize("value", [0, -5, LIMIT + 1])
def test_the_database_refuses_what_the_rule_refuses(group, value):
    # 0 and -5 break the named check constraint; PostgreSQL's integer column cannot even hold 2**31.
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        ModelGroup.objects.filter(pk=group.pk).update(max_input_tokens=value)

    assert ModelGroup.objects.get(pk=group.pk).max_input_tokens == 128000


def test_the_constraint_is_named_in_the_house_pattern():
    names = {constraint.name for constraint in ModelGroup._meta.constraints}
    assert "fallbacks_modelgroup_max_input_tokens_range" in names
