"""Importing and exporting LiteLLM proxy configs: the service, the two commands and the admin pages."""

import json
import os
import time
from io import BytesIO, StringIO
from pathlib import Path

import pytest
import yaml
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fallbacks import admin_config, selectors, services, validation
from fallbacks import config_format as cf
from fallbacks.models import ChangeRecord, Configuration, Deployment, FallbackEntry, ModelGroup
from tests.factories import ACTOR, FIXTURE, database_snapshot


def run(*args, stdin: str | None = None) -> str:
    out, err = StringIO(), StringIO()
    streams = {"stdin": StringIO(stdin)} if stdin is not None else {}
    call_command(*args, stdout=out, stderr=err, **streams)
    return out.getvalue()


def export(fmt: str = "yaml") -> str:
    return run("export_config", "--format", fmt)


def import_text(text: str, *args: str) -> str:
    return run("import_config", "-", *args, stdin=text)


def dump(document: dict) -> str:
    return yaml.safe_dump(document, sort_keys=False)


def chains() -> dict:
    return selectors.chain_map()


@pytest.fixture
def existing(db, make_groups, set_chain):
    """A configuration made through the API's services: groups with no deployments, chains, a setting."""
    make_groups("keep-me", "gpt-4o", owned_by="azure")
    make_groups("lonely", description="only through the API", max_input_tokens=4096)
    set_chain("keep-me", ["gpt-4o"])
    set_chain("*", ["keep-me"], "context_window")
    services.max_fallbacks_set(actor=ACTOR, max_fallbacks=4)


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
    assert message.startswith(services.CONFIG_REFUSED.format(count=3))
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
    assert selectors.configuration().max_fallbacks == cf.DEFAULT_MAX_FALLBACKS


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


# Files that used to crash the reader: a RecursionError, or libyaml's composer overflowing the C stack.
DEEP = 100_000
DEEP_FILES = {
    "yaml-flow": ("model_list: " + "[" * DEEP + "]" * DEEP, "line 1, column 76"),
    "yaml-block": (
        "model_list:\n" + "".join("  " * level + "- k:\n" for level in range(1, 3000)),
        "line 33, column 67",
    ),
    "json": ('{"model_list": ' + "[" * DEEP + "]" * DEEP + "}", "line 1, column 79"),
}


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


def test_an_import_refuses_to_apply_a_stale_preview(existing):
    preview = services.config_import(actor=ACTOR, document=FIXTURE.read_text(), dry_run=True)
    services.group_create(actor=ACTOR, name="meanwhile")
    before = database_snapshot()

    with pytest.raises(validation.RuleViolation) as refused:
        services.config_import(actor=ACTOR, document=FIXTURE.read_text(), expected_version=preview.version)

    assert (refused.value.code, refused.value.status) == ("stale_preview", 409)
    assert database_snapshot() == before


def test_an_unknown_mode_is_refused(db):
    with pytest.raises(validation.RuleViolation, match="mode must be one of"):
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


def test_the_export_reads_in_a_fixed_number_of_queries(db, django_assert_num_queries):
    run("import_config", str(FIXTURE))
    with django_assert_num_queries(5):
        small = export()
    services.config_import(
        actor=ACTOR,
        document=dump(
            {"model_list": [{"model_name": f"x{i}", "litellm_params": {"model": "o/x"}} for i in range(300)]}
        ),
    )
    with django_assert_num_queries(5):
        large = export()
    assert len(large) > len(small)


# --- exporting and round trips -------------------------------------------------------------------


def test_an_export_reads_again_when_a_write_lands_between_its_queries(existing, monkeypatch):
    read_once = selectors._config_data_once
    reads = []

    def read_while_someone_writes(max_fallbacks):
        data = read_once(max_fallbacks)
        if not reads:
            services.group_create(actor="someone else", name="meanwhile")
        reads.append(data)
        return data

    monkeypatch.setattr(selectors, "_config_data_once", read_while_someone_writes)

    data = selectors.config_data()

    assert len(reads) == 2
    assert "meanwhile" not in reads[0].groups
    assert "meanwhile" in data.groups
    assert data.version == selectors.config_version()


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
    for key in cf.RULE_KEYS.values():
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


# --- the admin pages ------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def previews_folder(tmp_path, monkeypatch):
    """Each test keeps its previewed files in a folder of its own."""
    monkeypatch.setattr(admin_config, "PENDING_DIR", tmp_path / "previews")


def upload(client, text: str | bytes, *, mode: str = "merge", name: str = "config.yaml"):
    content = text.encode() if isinstance(text, str) else text
    return client.post(
        reverse("config-import"),
        {"action": "preview", "mode": mode, "config_file": SimpleUploadedFile(name, content)},
    )


def apply(client, preview_response):
    return client.post(reverse("config-import"), {"action": "apply", "digest": preview_response.context["digest"]})


def staff_with(*codenames: str) -> User:
    user = User.objects.create_user("-".join(codenames), password="operator-password", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="fallbacks", codename__in=codenames))
    return user


def test_the_admin_previews_then_applies_a_file(existing, admin_client):
    before = database_snapshot()

    preview = upload(admin_client, FIXTURE.read_text())

    assert preview.status_code == 200
    assert database_snapshot() == before
    html = preview.content.decode()
    assert "Preview of config.yaml (merge): 20 created, 3 changed, 0 removed" in html
    assert "created model group &#x27;openrouter/gpt-4&#x27; (1 deployment)" in html
    assert "litellm_settings.drop_params" in html

    applied = apply(admin_client, preview)

    assert applied.status_code == 302
    assert ModelGroup.objects.filter(name="openrouter/gpt-4").exists()
    assert ChangeRecord.objects.filter(action="config_import").count() == 1
    page = admin_client.get(applied.url)
    assert "Imported config.yaml (merge): 20 created, 3 changed, 0 removed; config version 7." in page.content.decode()


def test_the_admin_lists_every_problem_and_changes_nothing(existing, admin_client):
    document = yaml.safe_load(FIXTURE.read_text())
    document["model_list"][0]["litellm_params"]["api_key"] = "sk-plain"
    document["router_settings"]["fallbacks"][3] = {"llama3:70b": ["gpt-5"]}
    before = database_snapshot()

    response = upload(admin_client, dump(document))

    assert response.status_code == 400
    assert response.context["problems"] == [
        "model_list[0].litellm_params.api_key: plain-text secret, use os.environ/NAME",
        "router_settings.fallbacks[3]: unknown model 'gpt-5'",
    ]
    assert "router_settings.fallbacks[3]: unknown model &#x27;gpt-5&#x27;" in response.content.decode()
    assert admin_config.PENDING_IMPORT not in admin_client.session
    assert database_snapshot() == before


@pytest.mark.parametrize("kind", DEEP_FILES)
def test_the_admin_refuses_a_file_nested_too_deeply(existing, admin_client, kind):
    text, where = DEEP_FILES[kind]
    before = database_snapshot()

    response = upload(admin_client, text)

    assert response.status_code == 400
    assert response.context["problems"] == ["file: " + cf.DOCUMENT_TOO_DEEP.format(where=where)]
    assert database_snapshot() == before
    assert previews() == []


def test_the_admin_refuses_a_file_too_large(existing, admin_client):
    response = upload(admin_client, b"model_list: []\n" + b"#" * cf.MAX_DOCUMENT_BYTES)

    assert response.status_code == 400
    assert response.context["form"].errors["config_file"] == ["The file is larger than 10 MB."]
    assert "Files up to 10 MB." in response.content.decode()
    assert previews() == []


def previews() -> list[Path]:
    return sorted(admin_config.PENDING_DIR.glob("*"))


def test_the_previewed_file_waits_in_a_temporary_file_not_in_the_session(existing, admin_client):
    text = FIXTURE.read_text().replace("\n", "\r\n")  # kept byte for byte
    preview = upload(admin_client, text)

    [kept] = previews()
    assert kept.read_bytes() == text.encode()
    assert kept.stat().st_mode & 0o777 == 0o600
    pending = admin_client.session[admin_config.PENDING_IMPORT]
    assert text not in json.dumps(pending)  # the session holds what applying needs, not the file
    assert pending["digest"] == preview.context["digest"]

    second = upload(admin_client, FIXTURE.read_text(), mode="replace")  # a new preview replaces the earlier one
    assert previews() != [kept]
    assert len(previews()) == 1
    assert apply(admin_client, second).status_code == 302
    assert previews() == []
    assert admin_config.PENDING_IMPORT not in admin_client.session
    assert ModelGroup.objects.filter(name="openrouter/gpt-4").exists()


def test_a_preview_whose_file_is_gone_is_not_applied(existing, admin_client):
    preview = upload(admin_client, FIXTURE.read_text())
    [kept] = previews()
    kept.unlink()  # cleaned up, or the apply reached another host
    before = database_snapshot()

    response = apply(admin_client, preview)

    assert response.status_code == 302
    assert admin_config.NOTHING_PENDING in [
        str(message) for message in admin_client.get(response.url).context["messages"]
    ]
    assert database_snapshot() == before


def test_previews_nobody_applied_are_deleted_after_a_day(existing, admin_client, client):
    upload(admin_client, FIXTURE.read_text())
    [old] = previews()
    a_day_ago = time.time() - admin_config.PENDING_LIFETIME_SECONDS - 60
    os.utime(old, (a_day_ago, a_day_ago))
    client.force_login(User.objects.create_user("other", is_staff=True, is_superuser=True))

    upload(client, FIXTURE.read_text())

    assert old not in previews()
    assert len(previews()) == 1


def test_a_preview_that_cannot_be_kept_is_said_and_changes_nothing(existing, admin_client, tmp_path, monkeypatch):
    monkeypatch.setattr(admin_config, "PENDING_DIR", tmp_path / "a-file")
    (tmp_path / "a-file").write_text("not a folder")
    before = database_snapshot()

    response = upload(admin_client, FIXTURE.read_text())

    assert response.status_code == 503
    assert response.context["notice"].startswith("The file could not be kept in")
    assert database_snapshot() == before


def test_the_admin_does_not_apply_a_preview_the_configuration_has_moved_on_from(existing, admin_client):
    preview = upload(admin_client, FIXTURE.read_text(), mode="replace")
    services.group_create(actor=ACTOR, name="meanwhile")
    before = database_snapshot()

    response = apply(admin_client, preview)

    assert response.status_code == 200
    assert response.context["notice"] == admin_config.MOVED_ON
    assert "removed model group &#x27;meanwhile&#x27;" in response.content.decode()
    assert database_snapshot() == before
    assert apply(admin_client, response).status_code == 302  # the new preview applies
    assert not ModelGroup.objects.filter(name="meanwhile").exists()


def test_the_admin_applies_only_the_previewed_file(existing, admin_client):
    upload(admin_client, FIXTURE.read_text())
    before = database_snapshot()

    response = admin_client.post(reverse("config-import"), {"action": "apply", "digest": "not-the-preview"})

    assert response.status_code == 302
    assert database_snapshot() == before


def test_the_admin_export_downloads_the_same_file_as_the_command(existing, admin_client):
    yaml_response = admin_client.get(reverse("config-export"))
    json_response = admin_client.get(reverse("config-export"), {"format": "json"})

    assert yaml_response.status_code == 200
    assert yaml_response["Content-Disposition"] == 'attachment; filename="litellm_config.yaml"'
    assert yaml_response["X-Config-Version"] == "6"
    assert yaml_response.content.decode() == export()
    assert json_response["Content-Type"] == "application/json; charset=utf-8"
    assert json_response.content.decode() == export("json")
    assert admin_client.get(reverse("config-export"), {"format": "toml"}).status_code == 400


def test_the_admin_pages_need_the_model_permissions(existing, client):
    viewer = staff_with("view_modelgroup", "view_fallbackentry")
    client.force_login(viewer)
    before = database_snapshot()

    assert client.get(reverse("config-export")).status_code == 200
    assert client.get(reverse("config-import")).status_code == 403
    assert upload(client, FIXTURE.read_text()).status_code == 403

    merger = staff_with("add_modelgroup", "change_modelgroup", "add_fallbackentry", "change_fallbackentry")
    viewer.delete()
    client.force_login(merger)
    assert client.get(reverse("config-import")).status_code == 200
    assert upload(client, FIXTURE.read_text(), mode="replace").status_code == 403  # replace deletes: needs delete
    assert upload(client, FIXTURE.read_text(), mode="merge").status_code == 200
    assert database_snapshot() == before


def test_the_admin_pages_need_a_staff_login(existing, client):
    for url in (reverse("config-import"), reverse("config-export")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


def test_the_upload_form_reports_a_missing_file(admin_client):
    response = admin_client.post(reverse("config-import"), {"action": "preview", "mode": "merge"})

    assert response.status_code == 400
    assert response.context["form"].errors["config_file"]


def test_the_admin_reports_a_file_that_is_not_utf8(admin_client):
    response = upload(admin_client, BytesIO(b"\xff\xfe").getvalue())

    assert response.context["problems"] == ["file: " + cf.NOT_UTF8]


def test_configuration_row_is_not_created_by_a_dry_run(db):
    services.config_import(actor=ACTOR, document=FIXTURE.read_text(), dry_run=True)

    assert not Configuration.objects.exists()
