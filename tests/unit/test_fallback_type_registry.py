"""The fallback types are one registry (fallbacks.domain.FALLBACK_TYPES): a new entry reaches every door.

Each test registers a fourth type, `safety` (as if LiteLLM grew `safety_fallbacks`), and shows
that a door picks it up without any change of its own: validation, resolution, lint, the config
file format, the API's parsing and shapes, and the admin. Only the database needs more: the
column's choices and check constraint, which a migration carries (`makemigrations --check` in CI
keeps the models and the migrations in step with the registry).
"""

import json

import pytest
from django.contrib import admin
from django.test import RequestFactory

from fallbacks import config_format, errors, validation
from fallbacks.admin.filters import FallbacksFilter
from fallbacks.admin.forms import ModelGroupForm
from fallbacks.api import serializers as shapes
from fallbacks.domain import DEFAULT_LITELLM_VERSION, FALLBACK_TYPES, LITELLM_SERIES, FallbackType
from fallbacks.errors import Invalid
from fallbacks.lint import CYCLE, GroupFacts, LintContext, lint
from fallbacks.models import FallbackEntry, ModelGroup
from fallbacks.resolution import attempt_plan, chain_type_for_error

SAFETY = FallbackType(
    value="safety",
    label="Safety",
    uses="Tried when a guardrail refuses the request.",
    config_key="safety_fallbacks",
    error="GuardrailRaisedException",
    own_chains_when_any=True,
)


@pytest.fixture
def safety_type(monkeypatch):
    monkeypatch.setattr(FALLBACK_TYPES, "_types", [*FALLBACK_TYPES, SAFETY])
    return SAFETY


def test_the_database_column_follows_the_registry():
    field = FallbackEntry._meta.get_field("fallback_type")

    assert field.choices == FALLBACK_TYPES.choices()
    assert FALLBACK_TYPES.values() == ["general", "context_window", "content_policy"]


def test_validation_accepts_a_new_type_and_names_it_among_the_valid_ones(safety_type):
    assert validation.clean_fallback_type("safety") == "safety"
    with pytest.raises(Invalid) as refused:
        validation.clean_fallback_type("nope")

    assert refused.value.message == errors.INVALID_FALLBACK_TYPE.format(
        types=["general", "context_window", "content_policy", "safety"]
    )


@pytest.mark.parametrize("series", LITELLM_SERIES.values())
def test_resolution_walks_a_new_type_by_its_registry_entry(safety_type, series):
    chains = {("a", "general"): ["b"], ("a", "safety"): ["c"]}

    assert chain_type_for_error(chains, "safety") == "safety"
    assert attempt_plan(chains, "a", "safety", set(), 5, series=series).served_by == "c"
    assert chain_type_for_error({("a", "general"): ["b"]}, "safety") == "general"
    # a new LiteLLM error is in no series' list of errors that walk the general chain when no chain of theirs applies
    assert (
        attempt_plan(
            {("a", "general"): ["b"], ("x", "safety"): ["y"]}, "a", "safety", set(), 5, series=series
        ).served_by
        is None
    )


def test_lint_looks_at_chains_of_a_new_type(safety_type):
    chains = {("a", "safety"): ["b"], ("b", "safety"): ["a"]}
    context = LintContext(
        chains=chains, groups={"a": GroupFacts(), "b": GroupFacts()}, max_fallbacks=5, series=DEFAULT_LITELLM_VERSION
    )

    assert [(finding.code, finding.fallback_type) for finding in lint(context)] == [(CYCLE, "safety")]


def test_the_config_format_reads_and_writes_a_new_type_under_its_key(safety_type):
    document = {
        "model_list": [{"model_name": name, "litellm_params": {"model": f"openai/{name}"}} for name in ("a", "b")],
        "router_settings": {"safety_fallbacks": [{"a": ["b"]}]},
    }
    parsed = config_format.parse_config(json.dumps(document))
    desired = config_format.desired_config(parsed, config_format.ConfigData(), mode=config_format.ImportMode.REPLACE)
    written = config_format.config_document(desired)

    assert parsed.problems == []
    assert parsed.notices == []
    assert desired.chains == {("a", "safety"): ["b"]}
    assert written["router_settings"]["safety_fallbacks"] == [{"a": ["b"]}]
    assert config_format.rule_keys()["safety"] == "safety_fallbacks"


def test_the_api_parses_and_shows_a_new_type(safety_type, rf: RequestFactory):
    from rest_framework.request import Request

    request = Request(rf.get("/fallback/a", {"fallback_type": "safety"}))

    assert shapes.FallbackTypeQuery.parse(request) == {"fallback_type": "safety"}
    assert "safety" in shapes.TypeChoiceField().choices
    assert "safety" in shapes.OwnChainsSerializer().fields


def test_the_admin_edits_lists_and_filters_a_new_type(safety_type, rf: RequestFactory):
    model_admin = admin.site._registry[ModelGroup]
    request = rf.get("/admin/fallbacks/modelgroup/")
    request.user = type("Operator", (), {"has_perm": lambda self, perm: True})()
    form_class = type("Form", (ModelGroupForm,), {"chains_editable": True})

    sections = model_admin.chain_sections(request, form_class(), {}, {})
    columns = model_admin.get_list_display(request)
    lookups = FallbacksFilter(request, {}, ModelGroup, model_admin).lookups(request, model_admin)

    assert [section["fallback_type"] for section in sections][-1] == "safety"
    assert sections[-1]["title"] == "Safety fallbacks"
    assert sections[-1]["uses"] == SAFETY.uses
    assert sections[-1]["formset"].prefix == "chain-safety"
    assert [column.__name__ for column in columns if callable(column)][-1] == "safety_fallbacks"
    assert ("safety", "Safety fallbacks") in lookups
