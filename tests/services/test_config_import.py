"""services.config_import: what an import of a LiteLLM proxy config guarantees, whichever door it came in by.

The doors: tests/commands/test_import_export.py and tests/admin/test_import_export_pages.py.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fallbacks import config_format as cf
from fallbacks import errors, services
from fallbacks.models import Configuration
from tests.factories import ACTOR, FIXTURE, database_snapshot, dump, export


def test_an_import_refuses_to_apply_a_stale_preview(existing):
    preview = services.config_import(actor=ACTOR, document=FIXTURE.read_text(), dry_run=True)
    services.group_create(actor=ACTOR, name="meanwhile")
    before = database_snapshot()

    with pytest.raises(errors.DomainError) as refused:
        services.config_import(actor=ACTOR, document=FIXTURE.read_text(), expected_version=preview.version)

    assert (refused.value.code, type(refused.value)) == ("stale_preview", errors.Conflict)
    assert database_snapshot() == before


def test_an_unknown_mode_is_refused(db):
    with pytest.raises(errors.DomainError, match="mode must be one of"):
        services.config_import(actor=ACTOR, document="model_list: []", mode="overwrite")


def test_an_import_writes_in_batches_not_row_by_row(db):
    def document(count: int) -> str:
        names = [f"group-{index}" for index in range(count)]
        return dump(
            {
                "model_list": [{"model_name": name, "litellm_params": {"model": f"openai/{name}"}} for name in names],
                "router_settings": {
                    "fallbacks": [{name: [names[index - 1]]} for index, name in enumerate(names)],
                    "context_window_fallbacks": [{"*": names[:2]}],
                    "content_policy_fallbacks": [{names[0]: names[1:3]}],
                },
            }
        )

    services.max_fallbacks_set(actor=ACTOR, max_fallbacks=5)  # the configuration row exists for both runs
    counts = []
    for count in (20, 400):
        services.config_import(actor=ACTOR, document="model_list: []", mode="replace")  # the same start each time
        with CaptureQueriesContext(connection) as queries:
            services.config_import(actor=ACTOR, document=document(count), mode="replace")
        counts.append(len(queries))

    # 380 more groups, deployments and chain entries (1,140 rows) cost only the extra INSERT batches
    # that the database's limit on query parameters asks for (SQLite: 999 per statement).
    assert counts[0] <= 20
    assert counts[1] - counts[0] <= 1140 // 100


NAME = st.from_regex(r"[a-z][a-z0-9]{0,4}([/:.@-][a-z0-9]{1,3})?", fullmatch=True)


@st.composite
def litellm_configs(draw) -> str:
    """A random valid LiteLLM config, written the way people write them (rules spread over both sections)."""
    names = draw(st.lists(NAME, min_size=1, max_size=7, unique=True))
    model_list = []
    for name in names:
        for _ in range(draw(st.integers(1, 2))):
            params = {"model": draw(st.sampled_from([f"openai/{name}", "anthropic/claude-3-haiku", "gpt-4o"]))}
            if draw(st.booleans()):
                params["api_key"] = "os.environ/PROVIDER_KEY"
            if draw(st.booleans()):
                params["rpm"] = draw(st.integers(1, 1000))
            entry = {"model_name": name, "litellm_params": params}
            if draw(st.booleans()):
                entry["model_info"] = {"max_input_tokens": 8192, "mode": "chat"}
            model_list.append(entry)
    sections: dict[str, dict] = {"router_settings": {}, "litellm_settings": {}}
    for key in cf.rule_keys().values():
        rules = []
        for source in [*names, "*"]:
            targets = [t for t in draw(st.lists(st.sampled_from(names), unique=True, max_size=3)) if t != source]
            if targets:
                rules.append({source: targets})
        sections[draw(st.sampled_from(list(sections)))][key] = rules
    if draw(st.booleans()):
        sections["litellm_settings"]["max_fallbacks"] = draw(st.integers(0, 10))
    return dump({"model_list": model_list, **sections})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=litellm_configs())
def test_round_trips_hold_for_random_valid_configurations(db, text):
    services.config_import(actor=ACTOR, document=text, mode="replace")
    exported = export()
    before = database_snapshot()

    report = services.config_import(actor=ACTOR, document=exported, mode="replace")

    assert report.diff.is_empty
    assert database_snapshot() == before
    assert export() == exported


def test_configuration_row_is_not_created_by_a_dry_run(db):
    services.config_import(actor=ACTOR, document=FIXTURE.read_text(), dry_run=True)

    assert not Configuration.objects.exists()
