"""`manage.py import_config` and `manage.py export_config`: LiteLLM proxy configs in and out.

The service under them: tests/services/test_config_import.py; the admin pages: tests/admin/test_import_export_pages.py.
"""

import json
from io import StringIO

import pytest
import yaml
from django.core.management import CommandError, call_command

from fallbacks import config_format as cf
from fallbacks import errors, selectors, services
from fallbacks.domain import DEFAULT_MAX_FALLBACKS
from fallbacks.models import ChangeRecord, Deployment, FallbackEntry, ModelGroup
from tests.factories import ACTOR, DEEP_FILES, FIXTURE, database_snapshot, dump, export, import_text, run


def chains() -> dict:
    return selectors.chain_map()


# --- importing ------------------------------------------------------------------------------------


def test_importing_the_fixture_creates_everything_in_one_version(db):
    output = run("import_config", str(FIXTURE))

    assert ModelGroup.objects.count() == 12
    assert Deployment.objects.filter(model_group__name="gpt-4o").count() == 2
    gpt = ModelGroup.objects.get(name="gpt-4o")
    assert gpt.max_input_tokens == 128000
    assert ModelGroup.objects.get(name="claude-3-haiku").owned_by == "anthropic"
    assert chains()[("*", "general")] == ["gpt-4o-mini", "claude-3-haiku"]
    assert chains()[("bedrock/anthropic.claude-v2:1", "general")] == ["claude-3-haiku"]
    assert chains()[("gemini-1.5-pro", "content_policy")] == ["claude-3-5-sonnet"]
    assert selectors.configuration().max_fallbacks == 3
    assert selectors.config_version() == 1
    record = ChangeRecord.objects.get()
    assert (record.action, record.version, record.details["created"]) == ("config_import", 1, 22)
    assert "created model group 'openrouter/gpt-4' (1 deployment)" in output.splitlines()
    assert "created chain * (general) (gpt-4o-mini, claude-3-haiku)" in output.splitlines()
    assert "changed setting max_fallbacks (5 -> 3)" in output.splitlines()
    assert output.splitlines()[-1] == "Imported (merge): 22 created, 1 changed, 0 removed; config version 1."


def test_a_dry_run_reports_and_writes_nothing(existing):
    before = database_snapshot()

    output = run("import_config", str(FIXTURE), "--dry-run")

    assert database_snapshot() == before
    assert "created model group 'gpt-4o-mini' (1 deployment)" in output
    assert output.splitlines()[-1] == "Dry run (merge): 20 created, 3 changed, 0 removed. Nothing was written."


def test_a_refused_file_lists_every_problem_and_changes_nothing(existing):
    document = yaml.safe_load(FIXTURE.read_text())
    document["model_list"][2]["litellm_params"]["api_key"] = "sk-plain-text"
    document["router_settings"]["fallbacks"].append({"gpt-4o-mini": ["gpt-5"]})
    document["router_settings"]["fallbacks"].append("claude-3-haiku")
    before = database_snapshot()

    with pytest.raises(CommandError) as refused:
        import_text(dump(document))

    message = str(refused.value)
    assert message.startswith(errors.CONFIG_REFUSED.format(count=3))
    assert "  model_list[2].litellm_params.api_key: plain-text secret, use os.environ/NAME" in message
    assert "  router_settings.fallbacks[4]: unknown model 'gpt-5'" in message
    assert "  router_settings.fallbacks[5]: " + cf.BARE_STRING_RULE.format(model="claude-3-haiku") in message
    assert database_snapshot() == before


def test_a_problem_only_the_database_can_see_is_refused_too(existing):
    """In replace mode the groups the file leaves out go away, so a chain to one of them is refused."""
    document = {"model_list": [{"model_name": "new", "litellm_params": {"model": "openai/new"}}]}
    document["router_settings"] = {"fallbacks": [{"new": ["lonely"]}]}
    before = database_snapshot()

    import_text(dump(document), "--dry-run")  # merging is fine: 'lonely' stays
    with pytest.raises(CommandError, match=r"router_settings\.fallbacks\[0\]: unknown model 'lonely'"):
        import_text(dump(document), "--mode", "replace")

    assert database_snapshot() == before


def test_merge_keeps_what_the_file_does_not_name(existing):
    document = {
        "model_list": [{"model_name": "gpt-4o", "litellm_params": {"model": "openai/gpt-4o"}}],
        "router_settings": {"fallbacks": [{"gpt-4o": ["lonely"]}]},
    }

    import_text(dump(document))

    assert chains() == {
        ("keep-me", "general"): ["gpt-4o"],
        ("*", "context_window"): ["keep-me"],
        ("gpt-4o", "general"): ["lonely"],
    }
    gpt = ModelGroup.objects.get(name="gpt-4o")
    assert gpt.owned_by == "azure"  # the file does not say: kept
    assert list(gpt.deployments.values_list("litellm_params", flat=True)) == [{"model": "openai/gpt-4o"}]
    assert ModelGroup.objects.get(name="lonely").description == "only through the API"
    assert selectors.configuration().max_fallbacks == 4


def test_replace_makes_the_database_equal_the_file(existing):
    output = run("import_config", str(FIXTURE), "--mode", "replace")

    assert not ModelGroup.objects.filter(name__in=["keep-me", "lonely"]).exists()
    assert ("keep-me", "general") not in chains()
    assert chains()[("*", "context_window")] == ["gemini-1.5-pro"]
    assert "removed model group 'lonely'" in output.splitlines()
    assert "removed chain keep-me (general) (gpt-4o)" in output.splitlines()
    # exactly what the same file makes of an empty configuration
    parsed = cf.parse_config(FIXTURE.read_text())
    assert export() == cf.emit_config(cf.desired_config(parsed, cf.ConfigData(), mode=cf.ImportMode.REPLACE))


def test_replace_without_max_fallbacks_restores_the_default(existing):
    import_text(dump({"model_list": []}), "--mode", "replace")

    assert ModelGroup.objects.count() == 0
    assert FallbackEntry.objects.count() == 0
    assert selectors.configuration().max_fallbacks == DEFAULT_MAX_FALLBACKS


def test_a_file_that_changes_nothing_writes_nothing(existing):
    text = export()
    before = database_snapshot()

    output = import_text(text)

    assert database_snapshot() == before
    assert output.splitlines()[-1] == "Nothing to change (merge): config version 6 stays."


def test_reading_standard_input_and_json(db):
    document = {"model_list": [{"model_name": "a", "litellm_params": {"model": "openai/a"}}]}

    import_text(json.dumps(document))

    assert ModelGroup.objects.filter(name="a").exists()


def test_the_command_refuses_bad_arguments(db, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run("import_config", str(tmp_path / "missing.yaml"))
    with pytest.raises(CommandError, match="invalid choice"):
        run("import_config", str(FIXTURE), "--mode", "overwrite")


@pytest.mark.parametrize("kind", DEEP_FILES)
def test_the_command_refuses_a_file_nested_too_deeply(existing, tmp_path, kind):
    text, where = DEEP_FILES[kind]
    path = tmp_path / "deep.yaml"
    path.write_text(text)
    before = database_snapshot()

    with pytest.raises(CommandError) as refused:
        run("import_config", str(path))

    assert str(refused.value).splitlines()[1:] == ["  file: " + cf.DOCUMENT_TOO_DEEP.format(where=where)]
    assert database_snapshot() == before


def test_the_command_refuses_a_file_too_large_without_reading_it_all(existing, tmp_path):
    path = tmp_path / "large.yaml"
    with path.open("w") as handle:
        handle.write("model_list: []\n")
        handle.write(("#" * 1023 + "\n") * (cf.MAX_DOCUMENT_BYTES // 1024 + 1))
    before = database_snapshot()

    with pytest.raises(CommandError) as refused:
        run("import_config", str(path))
    with pytest.raises(CommandError) as refused_on_stdin:
        import_text(path.read_text())

    assert str(refused.value).splitlines()[1:] == ["  file: " + cf.DOCUMENT_TOO_LARGE]
    assert str(refused_on_stdin.value).splitlines()[1:] == ["  file: " + cf.DOCUMENT_TOO_LARGE]
    assert database_snapshot() == before


def test_the_command_refuses_an_alias_bomb_and_reads_shared_anchors(existing):
    bomb = "model_list:\n- model_name: a\n  litellm_params:\n    model: openai/a\n"
    bomb += "    a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for previous, name in zip("abcdef", "bcdefg", strict=True):
        bomb += f"    {name}: &{name} [" + ", ".join([f"*{previous}"] * 10) + "]\n"
    before = database_snapshot()

    with pytest.raises(CommandError, match="values once YAML aliases are expanded"):
        import_text(bomb)
    assert database_snapshot() == before

    import_text(
        "model_list:\n"
        "- model_name: a\n  litellm_params: &shared {model: openai/a, api_key: os.environ/KEY, rpm: 60}\n"
        "- model_name: b\n  litellm_params: {<<: *shared, model: openai/b}\n"
    )
    assert Deployment.objects.get(model_group__name="b").litellm_params == {
        "model": "openai/b",
        "api_key": "os.environ/KEY",
        "rpm": 60,
    }


def test_large_imports_show_progress_on_standard_error(db):
    document = {
        "model_list": [{"model_name": f"m{index}", "litellm_params": {"model": "openai/m"}} for index in range(1200)]
    }
    err = StringIO()

    call_command("import_config", "-", stdin=StringIO(dump(document)), stdout=StringIO(), stderr=err)

    assert "creating model groups: 1,000/1,200" in err.getvalue()
    assert "creating model groups: 1,200/1,200" in err.getvalue()
    assert ModelGroup.objects.count() == 1200


def test_read_only_mode_refuses_an_import_but_not_a_dry_run(existing, settings):
    settings.STORE_MODEL_IN_DB = False
    before = database_snapshot()

    import_text(FIXTURE.read_text(), "--dry-run")
    with pytest.raises(CommandError, match="STORE_MODEL_IN_DB"):
        import_text(FIXTURE.read_text())

    assert database_snapshot() == before


# --- exporting and round trips -------------------------------------------------------------------


def test_the_export_of_an_api_made_configuration(existing):
    document = yaml.safe_load(export())

    assert document == {
        "model_list": [
            {
                "model_name": "gpt-4o",
                "litellm_params": {"model": "openai/gpt-4o"},
                "model_info": {"owned_by": "azure", "placeholder": True},
            },
            {
                "model_name": "keep-me",
                "litellm_params": {"model": "openai/keep-me"},
                "model_info": {"owned_by": "azure", "placeholder": True},
            },
            {
                "model_name": "lonely",
                "litellm_params": {"model": "openai/lonely"},
                "model_info": {
                    "description": "only through the API",
                    "max_input_tokens": 4096,
                    "owned_by": "openai",
                    "placeholder": True,
                },
            },
        ],
        "router_settings": {
            "fallbacks": [{"keep-me": ["gpt-4o"]}],
            "context_window_fallbacks": [{"*": ["keep-me"]}],
            "content_policy_fallbacks": [],
            "max_fallbacks": 4,
        },
    }
    assert json.loads(export("json")) == document


def test_two_exports_are_byte_identical_and_the_file_option_writes_the_same(existing, tmp_path):
    target = tmp_path / "config.yaml"

    run("export_config", "-o", str(target))

    assert export() == export() == target.read_text()
    assert export("json") == export("json")


@pytest.mark.parametrize("mode", ["merge", "replace"])
@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_importing_the_export_leaves_the_database_unchanged(existing, mode, fmt):
    run("import_config", str(FIXTURE))  # deployments, group fields and all three types on top of the API's data
    services.chain_set(actor=ACTOR, source="lonely", fallback_type="content_policy", targets=["gpt-4o", "keep-me"])
    before = database_snapshot()

    import_text(export(fmt), "--mode", mode)

    assert database_snapshot() == before


def test_the_export_of_an_import_is_stable(db):
    run("import_config", str(FIXTURE), "--mode", "replace")
    first = export()

    import_text(first, "--mode", "replace")
    assert export() == first
    import_text(FIXTURE.read_text(), "--mode", "replace")
    assert export() == first
