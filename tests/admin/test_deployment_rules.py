"""One rule per field, whatever the door: here the admin's model group page, where an operator types a
deployment's JSON data and a model group's max_input_tokens.

The page refuses what fallbacks.validation refuses, in its words, and a refusal writes nothing
(the services, the importer and the database: tests/services/test_deployment_rules.py).
"""

import json

import pytest
from django.utils.html import escape

from fallbacks import domain, errors
from fallbacks.models import ModelGroup
from tests.factories import NOT_PLAIN_JSON, add_deployment, change_url, database_snapshot, form_data

LIMIT = domain.MAX_INPUT_TOKENS_LIMIT


# --- a deployment's litellm_params and model_info: plain JSON data ---------------------------------------------


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
    expected = errors.NOT_JSON_DATA.format(field=location, reason=reason)
    assert escape(expected) in response.content.decode()


@pytest.mark.parametrize("lists", [64, 100_000])  # one level too many; far deeper than Python's parser can go
def test_the_admin_refuses_json_nested_too_deeply_without_a_500(admin_client, group, lists):
    url = change_url(group)
    data = form_data(admin_client.get(url), "modelgroup_form")
    add_deployment(data, '{"model": "x", "extra": ' + "[" * lists + "]" * lists + "}")
    before = database_snapshot()

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert database_snapshot() == before
    assert response.context["inline_admin_formsets"][0].formset.errors[0] == {"litellm_params": [errors.JSON_TOO_DEEP]}


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
    assert response.context["adminform"].form.errors["max_input_tokens"] == [errors.MAX_INPUT_TOKENS_RANGE]


def test_the_admin_saves_the_limit_and_an_empty_field_as_null(admin_client, group):
    url = change_url(group)
    data = form_data(admin_client.get(url), "modelgroup_form")
    data["max_input_tokens"] = str(LIMIT)
    assert admin_client.post(url, data).status_code == 302
    assert ModelGroup.objects.get(pk=group.pk).max_input_tokens == LIMIT

    data = form_data(admin_client.get(url), "modelgroup_form")  # the page as the save left it (a stale one is refused)
    data["max_input_tokens"] = ""
    assert admin_client.post(url, data).status_code == 302
    assert ModelGroup.objects.get(pk=group.pk).max_input_tokens is None
