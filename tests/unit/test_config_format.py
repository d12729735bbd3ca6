"""fallbacks.config_format: reading and writing LiteLLM proxy configs as plain data, no database."""

import ast
import json
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from fallbacks import config_format as cf
from fallbacks import domain, errors, validation
from fallbacks.config_format import ConfigData, DeploymentData, GroupData, ImportMode
from fallbacks.domain import DEFAULT_MAX_FALLBACKS, FALLBACK_TYPES
from tests.factories import FIXTURE


def parse(document) -> cf.ParsedConfig:
    return cf.parse_config(document if isinstance(document, str | bytes) else json.dumps(document))


def problems(document, existing=None) -> list[str]:
    parsed = parse(document)
    found = list(parsed.problems)
    if existing is not None:
        found += cf.check_chains(parsed, existing)
    return [str(problem) for problem in found]


def group(name: str, model: str | None = None, **info) -> dict:
    entry = {"model_name": name, "litellm_params": {"model": model or f"openai/{name}"}}
    if info:
        entry["model_info"] = info
    return entry


def config(*names: str, **router_settings) -> dict:
    return {"model_list": [group(name) for name in names], "router_settings": router_settings}


# --- reading the fixture: every place LiteLLM reads fallbacks from ------------------------------


def test_the_fixture_is_read_whole():
    parsed = cf.parse_config(FIXTURE.read_text())

    assert parsed.problems == []
    assert len(parsed.groups) == 12
    assert {"openrouter/gpt-4", "bedrock/anthropic.claude-v2:1", "llama3:70b"} <= parsed.groups.keys()
    chains = {key: chain.targets for key, chain in parsed.chains.items()}
    assert chains[("gpt-4o", "general")] == ["claude-3-5-sonnet", "gemini-1.5-pro"]
    assert chains[("*", "context_window")] == ["gemini-1.5-pro"]
    # default_fallbacks of litellm_settings is the general `*` chain, as LiteLLM appends {"*": [...]}
    assert chains[("*", "general")] == ["gpt-4o-mini", "claude-3-haiku"]
    assert parsed.chains[("*", "general")].location == "litellm_settings.default_fallbacks"
    # router_settings has no content_policy_fallbacks: litellm_settings' are used
    assert chains[("claude-3-5-sonnet", "content_policy")] == ["gpt-4o", "mistral-large"]
    assert (
        parsed.chains[("gemini-1.5-pro", "content_policy")].location == "litellm_settings.content_policy_fallbacks[1]"
    )
    # router_settings has context_window_fallbacks: litellm_settings' one is ignored, and the report says so
    assert ("gpt-4o", "context_window") not in chains
    assert "litellm_settings.context_window_fallbacks: " + cf.SHADOWED_SETTING.format(
        key="context_window_fallbacks"
    ) in [str(notice) for notice in parsed.notices]
    assert parsed.max_fallbacks == 3


def test_group_fields_come_out_of_model_info_and_deployments_keep_the_rest():
    parsed = cf.parse_config(FIXTURE.read_text())

    gpt = parsed.groups["gpt-4o"]
    assert gpt.fields == {"max_input_tokens": 128000}
    assert [deployment.litellm_params["model"] for deployment in gpt.deployments] == [
        "openai/gpt-4o",
        "azure/gpt-4o-eu",
    ]
    assert gpt.deployments[1].model_info == {"base_model": "azure/gpt-4o"}
    assert gpt.deployments[0].litellm_params["api_key"] == "os.environ/OPENAI_API_KEY"
    assert parsed.groups["claude-3-5-sonnet"].fields["description"].startswith("Anthropic's")
    assert parsed.groups["claude-3-haiku"].inferred_owned_by == "anthropic"
    assert parsed.groups["gpt-4o-mini"].inferred_owned_by == "openai"  # no provider prefix: LiteLLM's default


def test_ignored_settings_are_reported_by_location():
    notices = [str(notice) for notice in cf.parse_config(FIXTURE.read_text()).notices]

    assert f"general_settings: {cf.IGNORED_SETTING}" in notices
    assert f"router_settings.routing_strategy: {cf.IGNORED_SETTING}" in notices
    assert f"litellm_settings.drop_params: {cf.IGNORED_SETTING}" in notices


def test_an_empty_router_list_defers_to_litellm_settings_as_litellm_does():
    document = config("a", "b", fallbacks=[])
    document["litellm_settings"] = {"fallbacks": [{"a": ["b"]}], "max_fallbacks": 2}

    parsed = parse(document)

    assert parsed.chains[("a", "general")].location == "litellm_settings.fallbacks[0]"
    assert parsed.max_fallbacks == 2


def test_a_star_key_is_the_default_chain_of_its_type():
    parsed = parse(config("a", "b", content_policy_fallbacks=[{"*": ["b"]}]))

    assert parsed.chains[("*", "content_policy")].targets == ["b"]


def test_default_fallbacks_and_a_star_rule_must_agree():
    same = config("a", "b", fallbacks=[{"*": ["b"]}], default_fallbacks=["b"])
    different = config("a", "b", fallbacks=[{"*": ["a"]}], default_fallbacks=["b"])

    assert problems(same) == []
    assert problems(different) == [
        "router_settings.default_fallbacks: "
        + cf.DUPLICATE_RULE.format(model="*", fallback_type="general", first="router_settings.fallbacks[0]")
    ]


def test_two_different_rules_for_one_model_are_refused():
    document = config("a", "b", "c", fallbacks=[{"a": ["b"]}, {"a": ["b"]}, {"a": ["c"]}])

    assert problems(document) == [
        "router_settings.fallbacks[2]: "
        + cf.DUPLICATE_RULE.format(model="a", fallback_type="general", first="router_settings.fallbacks[0]")
    ]


# --- what the format allows and this service does not model -------------------------------------


def test_rules_that_cannot_be_modelled_are_each_reported_where_they_are():
    document = config(
        "a",
        "b",
        fallbacks=[
            {"a": ["b"]},
            "b",
            {"model": "b", "messages": [{"role": "user", "content": "hi"}]},
            {"a": ["b"], "b": ["a"]},
        ],
        context_window_fallbacks=[{"a": [{"model": "b", "temperature": 0}]}],
    )

    assert problems(document) == [
        "router_settings.fallbacks[1]: " + cf.BARE_STRING_RULE.format(model="b"),
        "router_settings.fallbacks[2]: " + cf.OVERRIDE_RULE,
        "router_settings.fallbacks[3]: " + cf.RULE_NOT_ONE_KEY.format(count=2),
        "router_settings.context_window_fallbacks[0].a[0]: " + cf.TARGET_NOT_A_NAME,
    ]


def test_fallbacks_set_per_deployment_or_per_team_are_refused_not_dropped():
    document = config("a", "b")
    document["model_list"][0]["litellm_params"]["fallbacks"] = [{"a": ["b"]}]
    document["litellm_settings"] = {"default_team_settings": [{"team_id": "t1", "context_window_fallbacks": []}]}

    assert problems(document) == [
        "model_list[0].litellm_params.fallbacks: " + cf.NOT_MODELLED_HERE,
        "litellm_settings.default_team_settings[0].context_window_fallbacks: " + cf.NOT_MODELLED_HERE,
    ]


def test_a_model_group_may_be_called_like_a_setting_inside_a_rule():
    parsed = parse(config("fallbacks", "b", fallbacks=[{"fallbacks": ["b"]}]))

    assert parsed.problems == []
    assert parsed.chains[("fallbacks", "general")].targets == ["b"]


# --- the chain rules are the API's ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ([{"a": []}], errors.EMPTY_CHAIN),
        ([{"a": ["b", "b"]}], errors.DUPLICATE_TARGETS),
        ([{"a": "b"}], errors.TARGETS_NOT_A_LIST),
        ([{"a": ["b", " "]}], errors.BLANK_TARGET),
        ([{" ": ["b"]}], errors.BLANK_MODEL),
        ([{"a": ["a"]}], errors.SELF_FALLBACK.format(model="a")),
        ([{"a": ["gpt-5"]}], cf.UNKNOWN_MODEL.format(model="gpt-5")),
        ([{"gpt-5": ["a"]}], cf.UNKNOWN_MODEL.format(model="gpt-5")),
        ([{"a": ["b"] * 101}], errors.CHAIN_TOO_LONG),  # PRODUCT.md 1: at most 100 targets, on every door
    ],
)
def test_chain_problems_carry_the_rule_location(rules, message):
    document = config("a", "b", fallbacks=rules)

    assert problems(document, existing={"a", "b"}) == [f"router_settings.fallbacks[0]: {message}"]


def test_an_unknown_model_is_named_at_its_rule():
    rules = [{"a": ["b"]}, {"b": ["a"]}, {"a2": ["a"]}, {"gpt-4": ["a", "gpt-5"]}]
    document = config("a", "b", "a2", "gpt-4", fallbacks=rules)

    assert problems(document, existing={"a", "b", "a2", "gpt-4"}) == [
        "router_settings.fallbacks[3]: unknown model 'gpt-5'"
    ]


def _api_refuses(source, targets, existing) -> bool:
    try:
        request = validation.parse_chain_request({"model": source, "fallback_models": targets})
        validation.check_chain(
            source=request.model, targets=request.fallback_models, existing=existing, all_names=lambda: existing
        )
    except errors.DomainError:
        return True
    return False


NAMES = st.sampled_from(["a", "b", "c", "gone", " a ", "", "*"])


@settings(max_examples=300, deadline=None)
@given(source=NAMES, targets=st.lists(NAMES, max_size=4))
def test_a_file_refuses_exactly_what_post_fallback_refuses(source, targets):
    existing = {"a", "b", "c"}
    document = config(*sorted(existing), fallbacks=[{source: targets}])

    file_refuses = bool(problems(document, existing=existing))

    assert file_refuses == _api_refuses(source, targets, existing)


# --- secrets -------------------------------------------------------------------------------------


def test_a_plain_text_secret_is_refused_where_it_is():
    document = config("a", "b", "c")
    document["model_list"][2]["litellm_params"]["api_key"] = "sk-live-123"

    assert problems(document) == ["model_list[2].litellm_params.api_key: plain-text secret, use os.environ/NAME"]


def test_every_kind_of_secret_is_found_even_nested():
    params = {
        "model": "bedrock/x",
        "aws_access_key_id": "AKIA123",
        "aws_secret_access_key": "os.environ/AWS_SECRET_ACCESS_KEY",
        "vertex_credentials": {"type": "service_account", "private_key": "-----BEGIN"},
        "extra_headers": {"Authorization": "Bearer sk-1", "X-Request-Source": "gateway"},
        "azure_ad_token": None,
        "input_cost_per_token": 0.000001,
        "max_tokens": 100,
    }
    document = {"model_list": [{"model_name": "a", "litellm_params": params}]}

    assert problems(document) == [
        "model_list[0].litellm_params.aws_access_key_id: " + cf.PLAIN_TEXT_SECRET,
        "model_list[0].litellm_params.vertex_credentials: " + cf.PLAIN_TEXT_SECRET,  # inline credentials
        "model_list[0].litellm_params.extra_headers.Authorization: " + cf.PLAIN_TEXT_SECRET,
    ]


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("api_key", True),
        ("AWS_SESSION_TOKEN", True),
        ("client_secret", True),
        ("X-Api-Key", True),
        ("watsonx_api_key", True),
        ("azure_password", True),
        ("api_base", False),
        ("input_cost_per_token", False),
        ("max_tokens", False),
        ("aws_region_name", False),
    ],
)
def test_secret_field_names(name, secret):
    assert validation.is_secret_field(name) is secret


def test_environment_references_are_kept_as_they_are():
    document = config("a")
    document["model_list"][0]["litellm_params"]["api_key"] = "os.environ/OPENAI_API_KEY"

    parsed = parse(document)

    assert parsed.problems == []
    assert parsed.groups["a"].deployments[0].litellm_params["api_key"] == "os.environ/OPENAI_API_KEY"


# --- shapes and syntax ---------------------------------------------------------------------------


def test_model_list_entries_are_checked_each_at_its_place():
    document = {
        "model_list": [
            {"litellm_params": {"model": "x"}},
            {"model_name": "*", "litellm_params": {"model": "x"}},
            {"model_name": "ok"},
            {"model_name": "ok2", "litellm_params": {"api_base": "http://x"}},
            "gpt-4",
            {"model_name": "ok3", "litellm_params": {"model": "x"}, "model_info": {"max_input_tokens": -1}},
            {"model_name": "ok4", "litellm_params": {"model": "x", "note": "a\x00b"}},
        ],
        "router_settings": {"max_fallbacks": 1000},
    }

    assert problems(document) == [
        "model_list[0].model_name: required",
        "model_list[1].model_name: " + errors.RESERVED_GROUP_NAME,
        "model_list[2].litellm_params: required",
        "model_list[3].litellm_params.model: required",
        "model_list[4]: " + cf.NOT_A_MAPPING.format(kind="a string"),
        "model_list[5].model_info.max_input_tokens: " + errors.MAX_INPUT_TOKENS_RANGE,
        "model_list[6].litellm_params.note: " + cf.NOT_JSON_DATA.format(reason=errors.JSON_NUL),
        "router_settings.max_fallbacks: " + errors.MAX_FALLBACKS_RANGE.format(limit=domain.MAX_FALLBACKS_LIMIT),
    ]


def test_deployments_of_one_group_must_agree_on_its_fields():
    document = {"model_list": [group("a", max_input_tokens=8000), group("a", max_input_tokens=9000)]}

    assert problems(document) == [
        "model_list[1].model_info.max_input_tokens: "
        + cf.GROUP_FIELD_CONFLICT.format(
            value=9000, first=8000, model="a", location="model_list[0].model_info.max_input_tokens"
        )
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("model_list: [\n  - bad", "line 2, column"),
        ('{"model_list": [}', "line 1, column 17: Expecting value"),
        (b"\xff\xfe model_list", "file: " + cf.NOT_UTF8),
        ("", "file: " + cf.EMPTY_DOCUMENT),
        ("- a\n- b\n", "file: " + cf.NOT_A_MAPPING.format(kind="a list")),
        ("model_list:\n  - model_name: a\n    litellm_params: {model: x, 1: y}\n", "not plain JSON data"),
    ],
)
def test_unreadable_files_say_where(text, expected):
    assert any(expected in problem for problem in problems(text))


@pytest.mark.parametrize(
    ("text", "location", "reason"),
    [
        ("model_list:\n- model_name: a\n  litellm_params: {model: x, rpm: .nan}\n", "rpm", errors.JSON_NOT_FINITE),
        ("model_list:\n- model_name: a\n  litellm_params: {model: x, tpm: -.inf}\n", "tpm", errors.JSON_NOT_FINITE),
        (
            '{"model_list": [{"model_name": "a", "litellm_params": {"model": "x", "rpm": NaN}}]}',
            "rpm",
            errors.JSON_NOT_FINITE,
        ),
        ('model_list:\n- model_name: a\n  litellm_params: {model: x, note: "a\\0b"}\n', "note", errors.JSON_NUL),
        ("model_list:\n- model_name: a\n  litellm_params: {model: x, 1: y}\n", "", "the key 1 is not a string"),
        (
            'model_list:\n- model_name: a\n  litellm_params: {model: x, "a\\0": y}\n',
            "",
            errors.JSON_NUL + " in a key",
        ),
        ("model_list:\n- model_name: a\n  litellm_params: {model: x, tags: [ok, 2024-01-31]}\n", "tags[1]", "a date"),
        ("model_list:\n- model_name: a\n  litellm_params: {model: x, tags: !!set {a}}\n", "tags", "a set"),
    ],
)
def test_deployment_data_must_be_plain_json_by_the_admins_rule(text, location, reason):
    """The importer and the admin's deployment form apply one rule (validation.json_data_problem), at its place."""
    found = problems(text)

    where = "model_list[0].litellm_params" + (f".{location}" if location and location[0] != "[" else location)
    assert len(found) == 1
    assert found[0].startswith(f"{where}: " + cf.NOT_JSON_DATA.format(reason=""))
    assert reason in found[0]
    document = yaml.safe_load(text) if not text.startswith("{") else json.loads(text)
    entry = document["model_list"][0]
    [admin_problem] = validation.deployment_problems(entry["litellm_params"], {})
    assert admin_problem.message == errors.NOT_JSON_DATA.format(
        field=where.removeprefix("model_list[0]."), reason=found[0].split(cf.NOT_JSON_DATA.format(reason=""), 1)[1]
    )


def test_a_lone_surrogate_anywhere_is_refused():
    document = '{"model_list": [{"model_name": "a\\ud800", "litellm_params": {"model": "x"}}]}'

    assert problems(document) == ["file: " + cf.NOT_UNICODE_TEXT]
    assert problems("model_list: [{model_name: a\ud800, litellm_params: {model: x}}]") == [  # text, not a file
        "file: " + cf.NOT_UNICODE_TEXT
    ]
    assert problems(document.replace("\\ud800", "\\ud83d\\ude00")) == []  # a surrogate pair is an emoji


def test_the_module_keeps_no_copy_of_the_deployment_rules():
    for name in ("is_secret_field", "is_env_reference", "_json_problem", "MAX_INPUT_TOKENS_LIMIT"):
        assert not hasattr(cf, name), f"config_format.{name}: the rule is fallbacks.validation's"


# --- files that would exhaust the reader: refused before they are parsed -----------------------------------------

DEEP = 100_000


def nested_mappings(depth: int) -> str:
    """Block style: `k:` under `k:` under ..., `depth` mappings deep."""
    return "".join(" " * level + "k:\n" for level in range(depth - 1)) + " " * (depth - 1) + "k: v\n"


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("model_list: " + "[" * DEEP + "]" * DEEP, "line 1, column 76"),  # YAML flow style
        ("model_list:\n" + "- " * DEEP + "x\n", "line 2, column 127"),  # YAML block sequences on one line
        (nested_mappings(2000), "line 65, column 65"),  # YAML block mappings
        ('{"model_list": ' + "[" * DEEP + "]" * DEEP + "}", "line 1, column 79"),  # JSON
        ('{"a": "[{\\"[", "b": ' + "[" * 64 + "]" * 64 + "}", "line 1, column 84"),  # brackets in strings are text
    ],
)
def test_a_file_nested_too_deeply_is_refused_before_it_is_parsed(text, where):
    assert problems(text) == ["file: " + cf.DOCUMENT_TOO_DEEP.format(where=where)]


@pytest.mark.parametrize(
    "text",
    [
        "model_list: " + "[" * 63 + "]" * 63,
        nested_mappings(64),
        '{"model_list": [], "a": "]]]\\"]]", "b": ' + "[" * 63 + "]" * 63 + "}",
    ],
)
def test_sixty_four_levels_are_read(text):
    assert not any("nested" in problem for problem in problems(text))


def test_a_recursion_error_is_a_refusal_not_a_crash(monkeypatch):
    def recurse(*args, **kwargs):
        raise RecursionError

    monkeypatch.setattr(cf.reader, "_read_model_list", recurse)

    assert problems(FIXTURE.read_text()) == ["file: " + cf.NESTED_TOO_DEEPLY]


def test_a_file_too_large_is_refused_before_it_is_parsed():
    text = "model_list: []\n" + "#" * cf.MAX_DOCUMENT_BYTES

    assert problems(text) == ["file: " + cf.DOCUMENT_TOO_LARGE]
    assert problems(text.encode()) == ["file: " + cf.DOCUMENT_TOO_LARGE]
    assert problems("model_list: []\n# " + "é" * (cf.MAX_DOCUMENT_BYTES // 2)) == ["file: " + cf.DOCUMENT_TOO_LARGE]


def alias_bomb() -> str:
    """About 1 KB: seven anchors, each ten aliases of the one before, in litellm_params (10**7 values)."""
    lines = [
        "model_list:",
        "- model_name: a",
        "  litellm_params:",
        "    model: openai/a",
        "    a: &a [x, x, x, x, x, x, x, x, x, x]",
    ]
    for previous, name in zip("abcdef", "bcdefg", strict=True):
        lines.append(f"    {name}: &{name} [" + ", ".join([f"*{previous}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_at_once():
    text = alias_bomb()
    started = time.perf_counter()

    found = problems(text)

    assert time.perf_counter() - started < 0.2
    assert len(text) < 1100
    assert found == ["file: " + cf.DOCUMENT_TOO_MANY_VALUES.format(where="line 10, column 40")]


def test_a_recursive_alias_is_refused():
    text = "model_list:\n- model_name: a\n  litellm_params: &p {model: x, self: *p}\n"

    assert problems(text) == ["file: " + cf.RECURSIVE_ALIAS.format(anchor="p", where="line 3, column 39")]


def test_anchors_and_aliases_for_shared_params_are_read():
    text = """
model_list:
  - model_name: gpt-4o
    litellm_params: &openai
      model: openai/gpt-4o
      api_key: os.environ/OPENAI_API_KEY
      rpm: 600
  - model_name: gpt-4o-mini
    litellm_params:
      <<: *openai
      model: openai/gpt-4o-mini
    model_info: &info {mode: chat}
  - model_name: o1
    litellm_params: *openai
    model_info: *info
router_settings:
  fallbacks: [{gpt-4o: &cheap [gpt-4o-mini]}, {o1: *cheap}]
"""
    parsed = parse(text)

    assert parsed.problems == []
    assert parsed.groups["gpt-4o-mini"].deployments[0].litellm_params == {
        "model": "openai/gpt-4o-mini",
        "api_key": "os.environ/OPENAI_API_KEY",
        "rpm": 600,
    }
    assert parsed.groups["o1"].deployments[0].litellm_params["model"] == "openai/gpt-4o"
    assert parsed.groups["o1"].deployments[0].model_info == {"mode": "chat"}
    assert parsed.chains[("o1", "general")].targets == ["gpt-4o-mini"]


def test_many_aliases_below_the_limit_are_read():
    """Counting is by node: an alias is one look-up however large the node it names."""
    text = alias_bomb().replace("    f: &f", "    #").replace("    g: &g", "    #")  # 10**5 values

    assert cf.parse_config(text).problems == []


def test_a_placeholder_entry_is_a_group_without_deployments():
    entry = group("a", owned_by="anthropic", placeholder=True)

    parsed = parse({"model_list": [entry, group("b", placeholder="yes")]})

    assert parsed.groups["a"].deployments == []
    assert parsed.groups["a"].fields == {"owned_by": "anthropic"}
    assert [str(problem) for problem in parsed.problems] == [
        "model_list[1].model_info.placeholder: " + cf.BAD_PLACEHOLDER
    ]


# --- what an import changes ----------------------------------------------------------------------

CURRENT = ConfigData(
    groups={
        "a": GroupData("a", owned_by="anthropic", description="kept", deployments=[DeploymentData({"model": "x"})]),
        "b": GroupData("b"),
        "old": GroupData("old"),
    },
    chains={("a", "general"): ["b"], ("old", "general"): ["a"], ("*", "content_policy"): ["b"]},
    max_fallbacks=2,
)


def test_merge_sets_what_the_file_names_and_keeps_the_rest():
    parsed = parse(config("a", "new", fallbacks=[{"a": ["new"]}]))

    desired = cf.desired_config(parsed, CURRENT, mode=ImportMode.MERGE)

    assert sorted(desired.groups) == ["a", "b", "new", "old"]
    assert desired.groups["a"].owned_by == "anthropic"  # the file does not say: kept
    assert desired.groups["a"].description == "kept"
    assert desired.groups["a"].deployments == [DeploymentData({"model": "openai/a"})]  # the file says: set
    assert desired.chains == {**CURRENT.chains, ("a", "general"): ["new"]}
    assert desired.max_fallbacks == 2


def test_replace_makes_the_configuration_the_file():
    parsed = parse(config("a", "new", fallbacks=[{"a": ["new"]}]))

    desired = cf.desired_config(parsed, CURRENT, mode=ImportMode.REPLACE)
    diff = cf.diff_configs(CURRENT, desired)

    assert sorted(desired.groups) == ["a", "new"]
    assert desired.groups["a"].owned_by == "openai"  # from the deployment's provider, as for a new group
    assert desired.chains == {("a", "general"): ["new"]}
    assert desired.max_fallbacks == DEFAULT_MAX_FALLBACKS
    assert [str(change) for change in diff.changes] == [
        "changed model group 'a' (owned_by: 'anthropic' -> 'openai'; description: 'kept' -> ''; "
        "deployments: 1 deployment -> 1 deployment)",
        "removed model group 'b'",
        "created model group 'new' (1 deployment)",
        "removed model group 'old'",
        "removed chain * (content_policy) (b)",
        "changed chain a (general) (b -> new)",
        "removed chain old (general) (a)",
        "changed setting max_fallbacks (2 -> 5)",
    ]


def test_the_default_max_fallbacks_is_the_models():
    from fallbacks.models import Configuration

    assert Configuration._meta.get_field("max_fallbacks").default == DEFAULT_MAX_FALLBACKS


# --- writing -------------------------------------------------------------------------------------


def test_the_export_is_a_litellm_config_in_a_fixed_order():
    data = ConfigData(
        groups={
            "b/x:1": GroupData("b/x:1", deployments=[DeploymentData({"rpm": 1, "model": "openai/x", "api_base": "u"})]),
            "a": GroupData("a", owned_by="anthropic", max_input_tokens=100),
        },
        chains={("b/x:1", "general"): ["a"], ("*", "general"): ["b/x:1"], ("a", "context_window"): ["b/x:1"]},
        max_fallbacks=3,
    )

    document = cf.config_document(data)

    assert document == {
        "model_list": [
            {
                "model_name": "a",
                "litellm_params": {"model": "openai/a"},
                "model_info": {"max_input_tokens": 100, "owned_by": "anthropic", "placeholder": True},
            },
            {
                "model_name": "b/x:1",
                "litellm_params": {"model": "openai/x", "api_base": "u", "rpm": 1},
                "model_info": {"owned_by": "openai"},
            },
        ],
        "router_settings": {
            "fallbacks": [{"*": ["b/x:1"]}, {"b/x:1": ["a"]}],
            "context_window_fallbacks": [{"a": ["b/x:1"]}],
            "content_policy_fallbacks": [],
            "max_fallbacks": 3,
        },
    }
    assert list(document["model_list"][1]["litellm_params"]) == ["model", "api_base", "rpm"]
    assert yaml.safe_load(cf.emit_config(data)) == json.loads(cf.emit_config(data, fmt="json")) == document


def test_the_same_data_gives_the_same_bytes_whatever_order_it_came_in():
    one = ConfigData(
        groups={"a": GroupData("a", deployments=[DeploymentData({"model": "x", "b": 1, "a": {"z": 1, "y": 2}})])},
        chains={},
    )
    other = ConfigData(
        groups={"a": GroupData("a", deployments=[DeploymentData({"a": {"y": 2, "z": 1}, "b": 1, "model": "x"})])},
        chains={},
    )

    for fmt in ("yaml", "json"):
        assert cf.emit_config(one, fmt=fmt) == cf.emit_config(other, fmt=fmt)


# Random valid configurations: the export reads back as the very same data.
GROUP_NAMES = st.lists(
    st.from_regex(r"[a-z][a-z0-9]{0,5}([/:.@-][a-z0-9]{1,4}){0,2}", fullmatch=True), min_size=1, max_size=8, unique=True
)
PARAMS = st.dictionaries(
    st.sampled_from(["api_base", "rpm", "tpm", "api_version", "timeout", "api_key", "extra_body"]),
    st.one_of(
        st.integers(-5, 10**6),
        st.text(st.characters(exclude_categories=["Cc", "Cs"]), max_size=8),
        st.booleans(),
        st.none(),
        st.just({"k": [1, "v"]}),
    ),
    max_size=3,
).map(lambda params: {**params, "api_key": "os.environ/KEY"} if "api_key" in params else params)


@st.composite
def config_data(draw) -> ConfigData:
    names = draw(GROUP_NAMES)
    groups = {}
    for name in names:
        deployments = [
            DeploymentData(litellm_params={"model": draw(st.sampled_from(["openai/x", "azure/y", "z"])), **params})
            for params in draw(st.lists(PARAMS, max_size=2))
        ]
        groups[name] = GroupData(
            name=name,
            owned_by=draw(st.sampled_from(["openai", "anthropic", "bedrock"])),
            description=draw(st.sampled_from(["", "fast: cheap", "line\nbreak"])),
            max_input_tokens=draw(st.one_of(st.none(), st.integers(1, 2**31 - 1))),
            deployments=deployments,
        )
    chains = {}
    for source in [*names, "*"]:
        for fallback_type in FALLBACK_TYPES.values():
            targets = draw(st.lists(st.sampled_from(names), unique=True, max_size=3))
            targets = [target for target in targets if target != source]
            if targets:
                chains[(source, fallback_type)] = targets
    return ConfigData(groups=groups, chains=chains, max_fallbacks=draw(st.integers(0, 100)))


@settings(max_examples=150, deadline=None)
@given(data=config_data(), fmt=st.sampled_from(["yaml", "json"]))
def test_an_export_reads_back_as_the_same_data(data, fmt):
    text = cf.emit_config(data, fmt=fmt)
    parsed = cf.parse_config(text)

    assert parsed.problems == []
    assert cf.check_chains(parsed, data.groups.keys()) == []
    assert cf.desired_config(parsed, ConfigData(), mode=ImportMode.REPLACE) == data
    assert cf.desired_config(parsed, data, mode=ImportMode.MERGE) == data
    assert cf.emit_config(cf.desired_config(parsed, ConfigData(), mode=ImportMode.REPLACE), fmt=fmt) == text


@pytest.mark.parametrize("module", sorted(path.name for path in Path(cf.__file__).parent.glob("*.py")))
def test_the_module_does_not_touch_the_database(module):
    tree = ast.parse((Path(cf.__file__).parent / module).read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)} | {
        alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }

    assert not {name for name in imported if name and (name.startswith("django.db") or name == "fallbacks.models")}


# --- issue 12: aliases of long strings, and keys given twice --------------------------------------


def test_aliases_are_counted_in_characters_too():
    """A long string anchored once and named many times: few values, but a file's worth of characters many times."""
    long = "x" * (cf.MAX_DOCUMENT_CHARACTERS // 4)
    entries = [
        f"- model_name: g{index}\n  litellm_params: {{model: openai/g{index}, note: *long}}" for index in range(5)
    ]
    text = f"anchor: &long {long}\nmodel_list:\n" + "\n".join(entries) + "\n"

    assert problems(text) == ["file: " + cf.DOCUMENT_TOO_MANY_CHARACTERS.format(where="line 8, column 44")]
    assert cf.parse_config(text.replace("note: *long}", "note: short}")).problems == []


@pytest.mark.parametrize(
    ("text", "location", "key"),
    [
        (
            "model_list: []\nrouter_settings:\n  fallbacks: [{a: [b]}]\n  fallbacks: []\n",
            "line 4, column 3",
            '"fallbacks"',
        ),
        (
            "model_list:\n- model_name: a\n  model_name: b\n  litellm_params: {model: x}\n",
            "line 3, column 3",
            '"model_name"',
        ),
        (
            '{"model_list": [{"model_name": "a", "litellm_params": {"model": "x", "model": "y"}}]}',
            "model_list[0].litellm_params",
            '"model"',
        ),
        ('{"model_list": [], "model_list": []}', "file", '"model_list"'),
    ],
)
def test_a_key_given_twice_is_refused_where_it_is(text, location, key):
    assert problems(text) == [f"{location}: " + cf.DUPLICATE_KEY_IN_FILE.format(key=key)]


def test_merge_keys_are_not_duplicates():
    text = (
        "base: &base {model: openai/a, rpm: 1}\nmodel_list:\n- model_name: a\n  litellm_params: {<<: *base, rpm: 2}\n"
    )

    assert parse(text).groups["a"].deployments[0].litellm_params == {"model": "openai/a", "rpm": 2}
