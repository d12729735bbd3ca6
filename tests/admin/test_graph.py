"""The picture: the fallback graph page, and the template tags that draw a model group's attempt plans and findings."""

import pytest

from fallbacks import queries


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
    page = queries.group_page("a")
    html = Template("{% load fallback_plan %}{% attempt_plan_diagrams page %}{% lint_findings page %}").render(
        Context({"page": page})
    )
    assert html.count('class="fallback-plan"') == 3
    assert "answered by <strong>b</strong> when a fails" in html
    assert "The general chains form a cycle: a -&gt; b -&gt; a." in html
    unrelated = Template("{% load fallback_plan %}{% lint_findings page %}").render(
        Context({"page": queries.group_page("c")})
    )
    assert "Nothing to report about c" in unrelated


def test_past_the_limit_the_page_draws_a_neighbourhood_never_the_whole_graph(client, staff):
    from fallbacks import drawing
    from tests.factories import load

    load(drawing.MAX_DRAWN_NODES + 50)
    client.force_login(staff)
    response = client.get("/admin/fallbacks/graph/general")
    graph = response.context["graph"]
    assert graph["whole"] is False
    assert graph["model_count"] == drawing.MAX_DRAWN_NODES + 50
    assert len(graph["nodes"]) < drawing.MAX_DRAWN_NODES
    assert f"more than {drawing.MAX_DRAWN_NODES} are never drawn at once" in response.content.decode()

    focused = client.get("/admin/fallbacks/graph/general?model=model-00100").context["graph"]
    assert focused["focus"] == "model-00100"
    assert {"model-00099", "model-00100", "model-00101"} <= {node["id"] for node in focused["nodes"]}
    missing = client.get("/admin/fallbacks/graph/general?model=gpt-5")
    assert "No model group named “gpt-5” is in a general chain." in missing.content.decode()
