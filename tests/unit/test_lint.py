"""fallbacks.lint, finding by finding, and `GET /fallback_lint`."""

import pytest

from fallbacks import lint as fallback_lint
from fallbacks.lint import (
    BEYOND_MAX_FALLBACKS,
    CYCLE,
    ERROR,
    INFO,
    NO_DEPLOYMENTS,
    NO_FALLBACKS_AT_ALL,
    NO_TYPED_FALLBACK,
    SMALLER_CONTEXT_WINDOW,
    WARNING,
    GroupFacts,
    LintContext,
    lint,
    lint_chain,
)
from fallbacks.models import Deployment, ModelGroup
from tests.factories import load

G, CW, CP = "general", "context_window", "content_policy"


def context(chains, max_fallbacks=5, tokens=None, without_deployments=()):
    names = {name for name, _ in chains} | {target for targets in chains.values() for target in targets}
    names.discard("*")
    tokens = tokens or {}
    groups = {
        name: GroupFacts(max_input_tokens=tokens.get(name), deployments=0 if name in without_deployments else 1)
        for name in names
    }
    return LintContext(chains=chains, groups=groups, max_fallbacks=max_fallbacks)


def codes(findings):
    return [(finding.code, finding.severity, finding.source, finding.fallback_type) for finding in findings]


def test_a_clean_configuration_has_no_findings():
    assert lint(context({("a", G): ["b", "c"], ("*", G): ["c"], ("a", CW): ["d"], ("*", CW): ["d"]})) == []


def test_a_cycle_is_info_and_names_its_models_and_path():
    findings = lint(context({("a", G): ["b"], ("b", G): ["c"], ("c", G): ["a"], ("d", G): ["a"]}))
    assert codes(findings) == [(CYCLE, INFO, "a", G)]
    assert findings[0].models == ("a", "b", "c")
    assert "a -> b -> c -> a" in findings[0].message


def test_cycles_are_per_type():
    findings = lint(context({("a", G): ["b"], ("b", CW): ["a"], ("*", CW): ["a"]}))
    assert [finding for finding in findings if finding.code == CYCLE] == []


def test_a_target_beyond_max_fallbacks_is_a_warning_on_the_chain_it_sits_in():
    chains = {("a", G): ["b"], ("b", G): ["c"], ("c", G): ["d"]}
    findings = lint(context(chains, max_fallbacks=2))
    # From a: b (1), c (2): c's chain starts at the limit, so d is never tried for requests to a.
    assert codes(findings) == [(BEYOND_MAX_FALLBACKS, WARNING, "c", G)]
    assert findings[0].models == ("c", "d", "a")
    assert "d in the general chain of c can never be tried for requests to a" in findings[0].message
    assert lint(context(chains, max_fallbacks=3)) == []


def test_a_long_first_chain_is_never_cut():
    # The router tries every target of the chain it walks; only nested walks are bounded.
    assert lint(context({("a", G): ["b", "c", "d", "e", "f", "g"]}, max_fallbacks=1)) == []


def test_max_fallbacks_zero_is_an_error_on_every_chain():
    findings = lint(context({("a", G): ["b"], ("*", CW): ["b"]}, max_fallbacks=0))
    assert codes(findings) == [(NO_FALLBACKS_AT_ALL, ERROR, "*", CW), (NO_FALLBACKS_AT_ALL, ERROR, "a", G)]


@pytest.mark.parametrize("fallback_type", [CW, CP])
def test_general_fallbacks_stranded_by_typed_chains_elsewhere_are_a_warning(fallback_type):
    findings = lint(context({("a", G): ["b"], ("c", fallback_type): ["b"]}))
    assert codes(findings) == [(NO_TYPED_FALLBACK, WARNING, "a", G)]
    assert f"its {fallback_type} errors get no fallback at all" in findings[0].message


def test_models_inheriting_the_default_general_chain_are_stranded_too():
    findings = lint(context({("*", G): ["b"], ("c", CW): ["b"], ("d", G): ["c"]}))
    assert codes(findings) == [(NO_TYPED_FALLBACK, WARNING, "*", G), (NO_TYPED_FALLBACK, WARNING, "d", G)]
    assert findings[0].models == ("b",)


def test_nothing_is_stranded_when_a_default_typed_chain_exists_or_no_typed_chain_exists():
    assert lint(context({("a", G): ["b"], ("c", CW): ["b"], ("*", CW): ["c"]})) == []
    assert lint(context({("a", G): ["b"]})) == []


def test_a_context_window_target_no_larger_than_its_source_is_a_warning():
    tokens = {"a": 32000, "b": 8000, "c": 32000, "d": 128000}
    findings = lint(context({("a", CW): ["b", "c", "d", "e"]}, tokens=tokens))
    assert codes(findings) == [(SMALLER_CONTEXT_WINDOW, WARNING, "a", CW)] * 2
    assert [finding.models for finding in findings] == [("a", "b"), ("a", "c")]
    assert "fewer than a" in findings[0].message
    assert "as many as a" in findings[1].message


def test_a_target_without_deployments_is_an_error_when_other_groups_have_some():
    findings = lint(context({("a", G): ["b", "c"], ("*", G): ["b"]}, without_deployments={"b"}))
    assert codes(findings) == [(NO_DEPLOYMENTS, ERROR, "*", G), (NO_DEPLOYMENTS, ERROR, "a", G)]
    assert findings[1].models == ("a", "b")


def test_deployments_are_not_checked_when_no_group_has_any():
    assert lint(context({("a", G): ["b"]}, without_deployments={"a", "b"})) == []


def test_findings_come_errors_first():
    chains = {("a", G): ["b"], ("b", G): ["a"], ("c", CW): ["d"]}
    severities = [finding.severity for finding in lint(context(chains, without_deployments={"d"}))]
    assert severities == sorted(severities, key=fallback_lint.SEVERITIES.index)
    assert (severities[0], severities[-1]) == (ERROR, INFO)


def test_lint_chain_keeps_what_is_about_the_chain_written():
    chains = {("a", G): ["b"], ("b", G): ["a", "c"], ("c", G): ["d"], ("e", CW): ["c"]}
    ctx = context(chains, max_fallbacks=2, without_deployments={"d"})
    about_c = lint_chain(ctx, "c", G)
    # a -> b (1) -> c (2): c's chain starts at the limit of 2, so d is never tried for requests to a.
    assert {finding.code for finding in about_c} == {NO_DEPLOYMENTS, NO_TYPED_FALLBACK, BEYOND_MAX_FALLBACKS}
    assert all((finding.source, finding.fallback_type) == ("c", G) for finding in about_c)
    about_b = lint_chain(ctx, "b", G)
    assert {finding.code for finding in about_b} == {CYCLE, NO_TYPED_FALLBACK}
    stranding = lint_chain(ctx, "e", CW)
    assert codes(stranding) == [(NO_TYPED_FALLBACK, WARNING, "e", CW)]
    assert stranding[0].models == ("a", "b", "c")


def test_lint_chain_finds_what_max_fallbacks_cuts_from_the_full_lint():
    chains = {("a", G): ["b"], ("b", G): ["c"], ("c", G): ["d"], ("x", G): ["c"]}
    ctx = context(chains, max_fallbacks=2)
    full = [finding for finding in lint(ctx) if finding.code == BEYOND_MAX_FALLBACKS]
    assert lint_chain(ctx, "c", G) == full
    assert lint_chain(ctx, "a", G) == []


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
    assert body["config_version"] == 8


def test_lint_endpoint_filters_by_model_and_severity(api, findings_in_database):
    body = api.get("/fallback_lint?model=c").json()
    assert [item["code"] for item in body["findings"]] == [NO_DEPLOYMENTS]
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


LINT_QUERIES = 4  # chains, groups with their deployment counts, settings, config version


@pytest.mark.parametrize("groups", [1, 1000])
def test_lint_query_count_is_constant(api, django_assert_num_queries, groups):
    load(groups)
    with django_assert_num_queries(LINT_QUERIES):
        response = api.get("/fallback_lint")
    assert response.status_code == 200


# The picture: the graph page and the model group page's template tags -------------------------


@pytest.fixture
def staff(db, django_user_model):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_fallbackentry"))
    return user


def test_graph_page_draws_the_chains_of_one_type(client, staff, make_groups, set_chain):
    make_groups("a", "b", "c")
    set_chain("a", ["b"])
    set_chain("b", ["a", "c"])
    set_chain("*", ["c"], "context_window")
    client.force_login(staff)
    response = client.get("/admin/fallbacks/graph/general")
    assert response.status_code == 200
    graph = response.context["graph"]
    assert [(edge["source"], edge["target"], edge["in_cycle"]) for edge in graph["edges"]] == [
        ("a", "b", True),
        ("b", "a", True),
        ("b", "c", False),
    ]
    assert (graph["cycles"], {node["id"]: node["pointed_at"] for node in graph["nodes"]}) == (
        1,
        {"a": 1, "b": 1, "c": 1},
    )
    html = response.content.decode()
    assert "fallbacks/vendor/cytoscape/cytoscape.min.js" in html
    assert 'id="fallback-graph-data"' in html
    default = client.get("/admin/fallbacks/graph/context_window").context["graph"]
    assert default["edges"] == [{"source": "*", "target": "c", "position": 1, "in_cycle": False, "default": True}]


def test_graph_page_needs_the_view_permission_and_a_known_type(client, staff, django_user_model):
    assert client.get("/admin/fallbacks/graph/general").status_code == 302  # to the admin login
    client.force_login(staff)
    assert client.get("/admin/fallbacks/graph/sideways").status_code == 404
    client.force_login(django_user_model.objects.create_user("nobody", password="pw", is_staff=True))
    assert client.get("/admin/fallbacks/graph/general").status_code == 403


def test_template_tags_render_the_plan_and_the_findings(make_groups, set_chain):
    from django.template import Context, Template

    make_groups("a", "b", "c")
    set_chain("a", ["b", "c"])
    set_chain("b", ["a"])
    group = ModelGroup.objects.get(name="a")
    html = Template("{% load fallback_plan %}{% attempt_plan_diagrams group %}{% lint_findings group %}").render(
        Context({"group": group})
    )
    assert html.count('class="fallback-plan"') == 3
    assert "answered by <strong>b</strong> when a fails" in html
    assert "The general chains form a cycle: a -&gt; b -&gt; a." in html
    unrelated = Template("{% load fallback_plan %}{% lint_findings group %}").render(
        Context({"group": ModelGroup.objects.get(name="c")})
    )
    assert "Nothing to report about c" in unrelated
