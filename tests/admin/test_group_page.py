"""Issue 11: a model group's page leads with its chains and plans, links each chain to its history and to undoing
its last change (the history's own rollback), shows dates as dates and explains the plans' marks."""

from html import unescape

from django.contrib.auth.models import Permission, User

from fallbacks import selectors
from fallbacks.models import ChangeRecord, ModelGroup
from tests.factories import change_url

HISTORY_URL = "/admin/fallbacks/changerecord/"


def section_links(response, fallback_type: str) -> dict:
    (section,) = [
        section for section in response.context["chain_sections"] if section["fallback_type"] == fallback_type
    ]
    return section


def test_the_chains_and_plans_come_before_the_group_fields(admin_client, make_groups, set_chain):
    make_groups("gpt-4o", "claude-3-haiku")
    set_chain("gpt-4o", ["claude-3-haiku"])
    html = admin_client.get(change_url(ModelGroup.objects.get(name="gpt-4o"))).content.decode()
    order = [html.index(marker) for marker in ('id="chain-general-section"', 'id="plans"', 'id="lint"', 'id="id_name"')]
    assert order == sorted(order)
    legend = html[html.index('class="fallback-plan-legend"') :]
    for meaning in ("the request fails here", "answers when only gpt-4o fails", "skipped", "max_fallbacks (5)"):
        assert meaning in legend


def test_created_is_a_date(admin_client, make_groups):
    (group,) = make_groups("gpt-4o")
    ModelGroup.objects.filter(pk=group.pk).update(created=1796019278)
    html = unescape(admin_client.get(change_url(group)).content.decode())
    assert "2026-11-30 06:14 UTC" in html
    assert "1796019278" in html  # and the API's value, named as such


def test_each_chain_links_to_its_own_history(admin_client, make_groups, set_chain):
    make_groups("gpt-4o", "claude-3-haiku", "gemini-pro")
    set_chain("gpt-4o", ["claude-3-haiku"])
    general_version = selectors.config_version()
    set_chain("gpt-4o", ["gemini-pro"], "context_window")
    set_chain("claude-3-haiku", ["gemini-pro"])
    response = admin_client.get(change_url(ModelGroup.objects.get(name="gpt-4o")))

    general = section_links(response, "general")
    assert general["last_version"] == general_version
    assert "history_url" not in section_links(response, "content_policy")  # never changed: nothing to show
    listed = admin_client.get(general["history_url"]).context["cl"].result_list
    assert [record.version for record in listed] == [general_version]
    context_window = admin_client.get(section_links(response, "context_window")["history_url"])
    assert [record.version for record in context_window.context["cl"].result_list] == [general_version + 1]


def test_undoing_a_chains_last_change_goes_through_the_rollback_page(admin_client, make_groups, set_chain):
    make_groups("gpt-4o", "claude-3-haiku", "gemini-pro")
    set_chain("gpt-4o", ["claude-3-haiku"])
    set_chain("gpt-4o", ["gemini-pro", "claude-3-haiku"])
    set_chain("gpt-4o", ["gemini-pro"], "context_window")
    url = section_links(admin_client.get(change_url(ModelGroup.objects.get(name="gpt-4o"))), "general")["rollback_url"]

    confirm = admin_client.get(url)  # the history's own confirmation page: what it would change, nothing written
    assert confirm.status_code == 200
    assert selectors.chain_map(model="gpt-4o")[("gpt-4o", "general")] == ["gemini-pro", "claude-3-haiku"]
    assert "gpt-4o (general)" in unescape(confirm.content.decode())

    records = ChangeRecord.objects.count()
    admin_client.post(url, {"model": "gpt-4o", "fallback_type": "general"})
    assert ChangeRecord.objects.count() == records + 1
    chains = selectors.chain_map(model="gpt-4o")
    assert chains[("gpt-4o", "general")] == ["claude-3-haiku"]  # as before its last change
    assert chains[("gpt-4o", "context_window")] == ["gemini-pro"]  # the other chains untouched


def test_undo_is_offered_only_to_those_who_may_roll_back(client, make_groups, set_chain):
    make_groups("gpt-4o", "claude-3-haiku")
    set_chain("gpt-4o", ["claude-3-haiku"])
    viewer = User.objects.create_user("viewer", password="a-long-password-1", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    client.force_login(viewer)
    section = section_links(client.get(change_url(ModelGroup.objects.get(name="gpt-4o"))), "general")
    assert "history_url" in section
    assert "rollback_url" not in section


def test_the_chain_editors_search_leaves_out_what_it_is_told(admin_client, make_groups):
    groups = {group.name: group for group in make_groups("gpt-4o", "claude-3-haiku", "gemini-pro")}
    search = "/admin/autocomplete/?term=&app_label=fallbacks&model_name=fallbackentry&field_name=target"

    def offered(query: str = "") -> list[str]:
        response = admin_client.get(search + query)
        assert response.status_code == 200
        return [result["text"] for result in response.json()["results"]]

    assert offered() == ["claude-3-haiku", "gemini-pro", "gpt-4o"]
    assert offered(f"&exclude={groups['gpt-4o'].pk}&exclude={groups['gemini-pro'].pk}") == ["claude-3-haiku"]
    # What is not an id is ignored, never a 500.
    assert offered("&exclude=abc&exclude=-1&exclude=99999999999999999999999&exclude=%EF%BC%91") == [
        "claude-3-haiku",
        "gemini-pro",
        "gpt-4o",
    ]
