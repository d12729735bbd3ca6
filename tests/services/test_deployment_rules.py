"""One rule per field, whatever the door: a deployment's JSON data and a model group's max_input_tokens.

The admin, the API, the importer and the database each refuse what fallbacks.validation refuses,
in its words, and a refusal writes nothing (on SQLite, and on PostgreSQL where these inputs used
to be a 500 DataError). Here the services, the importer and the database; the other doors are in
tests/admin/test_deployment_rules.py, tests/api/test_model_groups.py and tests/unit/test_deployment_rules.py.
"""

import json

import pytest
from django.db import DataError, IntegrityError, transaction

from fallbacks import config_format as cf
from fallbacks import domain, errors, services
from fallbacks.errors import DomainError
from fallbacks.models import ModelGroup
from tests.factories import ACTOR, NOT_PLAIN_JSON, database_snapshot

LIMIT = domain.MAX_INPUT_TOKENS_LIMIT


# --- a deployment's litellm_params and model_info: plain JSON data ---------------------------------------------


@pytest.mark.parametrize(("litellm_params", "model_info", "location", "reason"), NOT_PLAIN_JSON)
def test_the_importer_and_the_service_refuse_the_same_data(group, litellm_params, model_info, location, reason):
    params, info = json.loads(litellm_params), json.loads(model_info)
    document = json.dumps({"model_list": [{"model_name": "a", "litellm_params": params, "model_info": info}]})
    before = database_snapshot()

    with pytest.raises(DomainError) as refused:
        services.deployments_set(actor=ACTOR, group=group, deployments=[{"litellm_params": params, "model_info": info}])
    parsed = cf.parse_config(document)

    assert refused.value.message == errors.NOT_JSON_DATA.format(field=location, reason=reason)
    if reason == errors.JSON_SURROGATE:  # the importer refuses it in the whole file, before reading entries
        assert [str(problem) for problem in parsed.problems] == ["file: " + cf.NOT_UNICODE_TEXT]
    else:
        assert [str(problem) for problem in parsed.problems] == [
            f"model_list[0].{location}: " + cf.NOT_JSON_DATA.format(reason=reason)
        ]
    assert database_snapshot() == before


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
        with pytest.raises(DomainError) as refused:
            services.deployments_set(actor=ACTOR, group=group, deployments=[deployment])
        location = f"litellm_params.extra{'[0]' * 63}"
        assert refused.value.message == errors.NOT_JSON_DATA.format(field=location, reason=errors.JSON_TOO_DEEP)
    assert database_snapshot() == before


# --- max_input_tokens: null, or 1 to 2**31 - 1 ------------------------------------------------------------------


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
        "model_list[1].model_info.max_input_tokens: " + errors.MAX_INPUT_TOKENS_RANGE
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
