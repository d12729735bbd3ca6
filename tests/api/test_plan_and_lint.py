"""`GET /fallback_plan/{model}`, `GET /fallback_lint`, and the lint warnings of `POST /fallback`.

Their pinned query counts are in tests/selectors/test_queries.py.
"""

import pytest

from fallbacks import errors, selectors, services
from fallbacks.domain import FALLBACK_TYPES
from fallbacks.lint import CYCLE, NO_DEPLOYMENTS, NO_TYPED_FALLBACK, SMALLER_CONTEXT_WINDOW
from fallbacks.models import Deployment, ModelGroup
from tests.factories import ACTOR, database_snapshot


@pytest.fixture
def graph(make_groups, set_chain):
    make_groups("gpt-4o", "openrouter/gpt-4", "claude-3-haiku", "bedrock/anthropic.claude-v2:1", "small")
    set_chain("gpt-4o", ["openrouter/gpt-4", "claude-3-haiku"])
    set_chain("openrouter/gpt-4", ["bedrock/anthropic.claude-v2:1"])


# The plan ----------------------------------------------------------------------------------------


def test_plan_follows_the_chains_and_names_the_model_that_answers(api, graph):
    response = api.get("/fallback_plan/gpt-4o?failing=openrouter/gpt-4&failing=bedrock/anthropic.claude-v2:1")
    assert response.status_code == 200
    body = response.json()
    assert {key: body[key] for key in ("model", "fallback_type", "attempts", "served_by")} == {
        "model": "gpt-4o",
        "fallback_type": "general",
        "attempts": ["gpt-4o", "openrouter/gpt-4", "bedrock/anthropic.claude-v2:1", "claude-3-haiku"],
        "served_by": "claude-3-haiku",
    }
    assert body["max_fallbacks"] == 5
    assert body["config_version"] == selectors.config_version()
    steps = body["steps"]
    assert [(step["model"], step["outcome"], step["level"]) for step in steps] == [
        ("gpt-4o", "failed", 0),
        ("openrouter/gpt-4", "failed", 1),
        ("bedrock/anthropic.claude-v2:1", "failed", 2),
        # bedrock has no chain of its own, so gpt-4o's applies again, depth first, before claude at level 1.
        ("openrouter/gpt-4", "skipped", 3),
        ("claude-3-haiku", "answered", 3),
    ]
    assert steps[1]["then_via"] == {"source": "openrouter/gpt-4", "fallback_type": "general"}
    assert steps[2]["then_via"] == {"source": "gpt-4o", "fallback_type": "general"}
    assert steps[4]["why"].startswith("next in the general chain of gpt-4o: bedrock/anthropic.claude-v2:1 has no")
    assert [step["fallback_depth"] for step in steps] == [0, 1, 2, None, 3]


def test_plan_with_nothing_failing_is_served_by_the_first_target(api, graph):
    body = api.get("/fallback_plan/gpt-4o").json()
    assert (body["attempts"], body["served_by"]) == (["gpt-4o", "openrouter/gpt-4"], "openrouter/gpt-4")


def test_plan_for_a_model_without_fallbacks_is_served_by_nobody(api, graph):
    body = api.get("/fallback_plan/small").json()
    assert (body["attempts"], body["served_by"]) == (["small"], None)
    assert body["steps"][0]["then"] == "no_chain"


def test_plan_uses_the_max_fallbacks_setting(api, graph):
    services.max_fallbacks_set(actor=ACTOR, max_fallbacks=1)
    body = api.get("/fallback_plan/gpt-4o?failing=openrouter/gpt-4").json()
    # openrouter/gpt-4 is tried at count 1: its chain is cut, the next sibling answers.
    assert (body["attempts"], body["served_by"], body["max_fallbacks"]) == (
        ["gpt-4o", "openrouter/gpt-4", "claude-3-haiku"],
        "claude-3-haiku",
        1,
    )
    assert body["steps"][1]["then"] == "max_fallbacks"


def test_plan_applies_the_type_rule(api, graph, set_chain):
    body = api.get("/fallback_plan/gpt-4o?fallback_type=context_window").json()
    assert (body["chain_type"], body["served_by"]) == ("general", "openrouter/gpt-4")
    assert "No context_window chain exists at all" in body["note"]

    set_chain("small", ["claude-3-haiku"], "context_window")
    # LiteLLM 1.109: context-window chains exist, none applies to gpt-4o: no fallback at all.
    body = api.get("/fallback_plan/gpt-4o?fallback_type=context_window&litellm_version=1.109").json()
    assert (body["chain_type"], body["attempts"], body["served_by"]) == ("context_window", ["gpt-4o"], None)
    assert "not even to the general chain" in body["note"]
    assert body["litellm_version"] == "1.109"
    body = api.get("/fallback_plan/small?fallback_type=context_window").json()
    assert (body["fallback_type"], body["served_by"]) == ("context_window", "claude-3-haiku")
    # LiteLLM 1.110 (the default) walks gpt-4o's general chain instead; content policy errors would still get none.
    body = api.get("/fallback_plan/gpt-4o?fallback_type=context_window").json()
    assert (body["attempts"], body["served_by"], body["litellm_version"]) == (
        ["gpt-4o", "openrouter/gpt-4"],
        "openrouter/gpt-4",
        "1.110",
    )
    assert body["steps"][0]["then_via"] == {"source": "gpt-4o", "fallback_type": "general"}


def test_plan_follows_the_configured_series_and_may_ask_about_another(api, graph, set_chain):
    set_chain("small", ["claude-3-haiku"], "context_window")
    path = "/fallback_plan/gpt-4o?fallback_type=context_window"
    assert api.get(path).json()["served_by"] == "openrouter/gpt-4"
    services.litellm_version_set(actor=ACTOR, litellm_version="1.109")
    assert (api.get(path).json()["served_by"], api.get(path).json()["litellm_version"]) == (None, "1.109")
    assert api.get(path + "&litellm_version=1.110").json()["served_by"] == "openrouter/gpt-4"


@pytest.mark.parametrize("value", ["1.111", "", "1.110.2", "latest"])
def test_an_unknown_litellm_version_is_a_400_naming_the_supported_ones(api, graph, value):
    message = errors.INVALID_LITELLM_VERSION.format(versions=["1.110", "1.109"])
    for path in ("/fallback_plan/gpt-4o", "/fallback_lint"):
        response = api.get(f"{path}?litellm_version={value}")
        assert response.status_code == 400
        assert response.json() == {"detail": {"error": message}}


def test_plan_uses_the_rule_of_another_spelling_of_the_model_s_name(api, make_groups, set_chain):
    make_groups("gpt-4o", "openai/gpt-4o", "claude", "gpt-4.1", "openai/gpt-4.1")
    set_chain("gpt-4o", ["claude"])
    set_chain("openai/gpt-4.1", ["gpt-4o"])
    body = api.get("/fallback_plan/openai/gpt-4o").json()
    assert (body["attempts"], body["served_by"]) == (["openai/gpt-4o", "claude"], "claude")
    assert body["steps"][0]["then_via"] == {"source": "gpt-4o", "fallback_type": "general"}
    body = api.get("/fallback_plan/gpt-4.1?failing=gpt-4o").json()
    assert body["attempts"] == ["gpt-4.1", "gpt-4o", "claude"]


def test_plan_through_the_default_chain(api, graph, set_chain):
    set_chain("*", ["small", "gpt-4o"])
    body = api.get("/fallback_plan/claude-3-haiku?failing=small").json()
    assert (body["attempts"], body["served_by"]) == (["claude-3-haiku", "small", "gpt-4o"], "gpt-4o")
    assert body["steps"][1]["via"] == {"source": "*", "fallback_type": "general"}


def test_unknown_model_is_the_contracts_404(api, graph):
    response = api.get("/fallback_plan/nope/gpt-5")
    assert response.status_code == 404
    assert response.json() == {
        "detail": {
            "error": errors.MODEL_NOT_FOUND.format(model="nope/gpt-5"),
            "available_models": sorted(ModelGroup.objects.values_list("name", flat=True)),
        }
    }
    assert api.get("/fallback_plan/*").status_code == 404  # `*` names a chain, not a model a request can name


@pytest.mark.parametrize("value", ["", "General", "none", "context-window"])
def test_bad_fallback_type_is_a_400_naming_the_three_types(api, graph, value):
    response = api.get(f"/fallback_plan/gpt-4o?fallback_type={value}")
    assert response.status_code == 400
    assert response.json() == {"detail": {"error": errors.INVALID_FALLBACK_TYPE.format(types=FALLBACK_TYPES.values())}}
    for name in FALLBACK_TYPES.values():
        assert name in response.json()["detail"]["error"]


def test_unknown_failing_model_is_a_400(api, graph):
    response = api.get("/fallback_plan/gpt-4o?failing=small&failing=ghost&failing=ghost")
    assert response.status_code == 400
    assert response.json()["detail"]["error"] == "Invalid failing models: ['ghost']"
    assert "small" in response.json()["detail"]["available_models"]


def test_plan_needs_a_key_and_read_only_keys_may_read(anonymous, read_only_api, graph):
    assert anonymous.get("/fallback_plan/gpt-4o").status_code == 401
    assert read_only_api.get("/fallback_plan/gpt-4o").status_code == 200
    assert read_only_api.post("/fallback_plan/gpt-4o").status_code in (403, 405)


# GET /fallback_lint ------------------------------------------------------------------------------


@pytest.fixture
def findings_in_database(make_groups, set_chain):
    make_groups("a", "b", "c")
    make_groups("big", max_input_tokens=100000)
    make_groups("tiny", max_input_tokens=4000)
    for group in ModelGroup.objects.exclude(name="c"):
        Deployment.objects.create(model_group=group, litellm_params={"model": f"openai/{group.name}"})
    set_chain("a", ["b", "c"])
    set_chain("b", ["a"])
    set_chain("big", ["tiny"], "context_window")


def test_lint_endpoint_lists_findings_with_counts(api, findings_in_database):
    services.litellm_version_set(actor=ACTOR, litellm_version="1.109")  # the series whose router strands a and b
    response = api.get("/fallback_lint")
    assert response.status_code == 200
    body = response.json()
    assert body["counts"] == {"error": 1, "warning": 3, "info": 1}
    assert [(item["severity"], item["code"], item["model"]) for item in body["findings"]] == [
        ("error", NO_DEPLOYMENTS, "a"),
        ("warning", NO_TYPED_FALLBACK, "a"),
        ("warning", NO_TYPED_FALLBACK, "b"),
        ("warning", SMALLER_CONTEXT_WINDOW, "big"),
        ("info", CYCLE, "a"),
    ]
    assert body["config_version"] == 9  # the fixture's 8 writes, and the setting
    assert body["litellm_version"] == "1.109"


def test_lint_endpoint_follows_the_configured_series(api, findings_in_database):
    # On LiteLLM 1.110 (the default) a context-window error no chain applies to walks the general chain:
    # nothing is stranded by big's context-window chain.
    body = api.get("/fallback_lint").json()
    assert [(item["code"], item["model"]) for item in body["findings"]] == [
        (NO_DEPLOYMENTS, "a"),
        (SMALLER_CONTEXT_WINDOW, "big"),
        (CYCLE, "a"),
    ]
    assert body["litellm_version"] == "1.110"
    services.litellm_version_set(actor=ACTOR, litellm_version="1.109")
    assert api.get("/fallback_lint").json()["counts"] == {"error": 1, "warning": 3, "info": 1}


def test_lint_endpoint_filters_by_model_and_severity(api, findings_in_database):
    body = api.get("/fallback_lint?model=c").json()
    assert [item["code"] for item in body["findings"]] == [NO_DEPLOYMENTS]
    services.litellm_version_set(actor=ACTOR, litellm_version="1.109")
    body = api.get("/fallback_lint?severity=info").json()
    assert [item["code"] for item in body["findings"]] == [CYCLE]
    assert body["counts"]["warning"] == 3  # counts are before the severity filter


def test_lint_endpoint_refuses_an_unknown_severity(api):
    response = api.get("/fallback_lint?severity=fatal")
    assert response.status_code == 400
    assert "error" in response.json()["detail"]["error"]


def test_lint_endpoint_needs_a_key(anonymous, read_only_api):
    assert anonymous.get("/fallback_lint").status_code == 401
    assert read_only_api.get("/fallback_lint").status_code == 200


# Warnings on POST /fallback -----------------------------------------------------------------------

CONTRACT_KEYS = {"model", "fallback_models", "fallback_type", "message"}


def test_post_says_nothing_more_when_the_lint_has_nothing_to_say(api, make_groups):
    make_groups("a", "b")
    response = api.post("/fallback", {"model": "a", "fallback_models": ["b"]}, format="json")
    assert response.status_code == 200
    assert set(response.json()) == CONTRACT_KEYS


def test_post_closing_a_cycle_warns_about_it(api, make_groups, set_chain):
    make_groups("a", "b")
    set_chain("a", ["b"])
    response = api.post("/fallback", {"model": "b", "fallback_models": ["a"]}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == CONTRACT_KEYS | {"warnings"}
    assert body["message"] == "Fallback configuration created successfully"
    [warning] = body["warnings"]
    assert (warning["severity"], warning["code"], sorted(warning["models"])) == ("info", "cycle", ["a", "b"])


def test_post_of_the_first_typed_chain_warns_about_the_models_it_strands(api, make_groups, set_chain):
    make_groups("a", "b", "c")
    set_chain("a", ["b"])
    response = api.post(
        "/fallback", {"model": "c", "fallback_models": ["b"], "fallback_type": "content_policy"}, format="json"
    )
    [warning] = response.json()["warnings"]
    assert (warning["code"], warning["model"], warning["fallback_type"]) == (
        "no_typed_fallback",
        "c",
        "content_policy",
    )
    assert warning["models"] == ["a"]
    assert "content_policy errors get no fallback" in warning["message"]


def test_post_of_a_context_window_chain_to_a_smaller_model_warns(api, make_groups):
    make_groups("big", max_input_tokens=128000)
    make_groups("tiny", max_input_tokens=8192)
    response = api.post(
        "/fallback", {"model": "big", "fallback_models": ["tiny"], "fallback_type": "context_window"}, format="json"
    )
    [warning] = response.json()["warnings"]
    assert (warning["severity"], warning["code"]) == ("warning", "smaller_context_window")


def test_a_refused_post_has_no_warnings_and_writes_nothing(api, make_groups):
    make_groups("a")
    before = database_snapshot()
    response = api.post("/fallback", {"model": "a", "fallback_models": ["a"]}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": {"error": errors.SELF_FALLBACK.format(model="a")}}
    assert database_snapshot() == before


# The README's example, and upgrade impact ------------------------------------------------------------------------


def test_post_of_a_default_chain_naming_only_one_model_warns_that_it_strands_that_model(api, make_groups, set_chain):
    make_groups("gpt-4o", "anthropic/claude-3-haiku")
    set_chain("gpt-4o", ["anthropic/claude-3-haiku"])
    response = api.post(
        "/fallback", {"model": "*", "fallback_models": ["gpt-4o"], "fallback_type": "context_window"}, format="json"
    )
    [warning] = response.json()["warnings"]
    assert (warning["code"], warning["model"], warning["fallback_type"], warning["models"]) == (
        "inherited_chain_only_itself",
        "*",
        "context_window",
        ["gpt-4o"],
    )
    for series in ("1.110", "1.109"):
        lint = api.get(f"/fallback_lint?litellm_version={series}").json()
        assert ("inherited_chain_only_itself", "*") in [(item["code"], item["model"]) for item in lint["findings"]]
        plan = api.get(f"/fallback_plan/gpt-4o?fallback_type=context_window&litellm_version={series}").json()
        assert (plan["attempts"], plan["served_by"]) == (["gpt-4o"], None)


def test_lint_asked_about_another_series_lists_the_plans_a_switch_changes(api, make_groups, set_chain):
    make_groups("a", "b", "c", "x", "y")
    set_chain("a", ["b"])
    set_chain("x", ["y"], "context_window")
    services.litellm_version_set(actor=ACTOR, litellm_version="1.109")

    body = api.get("/fallback_lint?litellm_version=1.110").json()

    impact = [item for item in body["findings"] if item["code"] == "upgrade_impact"]
    assert impact == [
        {
            "severity": "warning",
            "code": "upgrade_impact",
            "message": (
                "Switching the gateways from LiteLLM 1.109 to 1.110 changes what a context_window error of a does: "
                "on 1.110 it is served by b (1.109: gets no fallback)."
            ),
            "model": "a",
            "fallback_type": "context_window",
            "models": ["a"],
            "plans": [
                {"litellm_version": "1.109", "attempts": ["a"], "served_by": None},
                {"litellm_version": "1.110", "attempts": ["a", "b"], "served_by": "b"},
            ],
        }
    ]
    assert body["litellm_version"] == "1.110"
    # The 1.109 trap is not a finding on 1.110; on the configured series there is nothing to compare.
    assert "no_typed_fallback" not in [item["code"] for item in body["findings"]]
    configured = api.get("/fallback_lint").json()
    assert [item["code"] for item in configured["findings"]] == ["no_typed_fallback"]
    assert api.get("/fallback_lint?model=a&litellm_version=1.110").json()["findings"] == impact
