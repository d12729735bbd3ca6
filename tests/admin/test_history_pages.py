"""The admin's side of PRODUCT.md 3.3: stale saves refused with who changed what, history pages, rollback."""

from django.urls import reverse

from fallbacks import selectors, services
from fallbacks.models import ChangeRecord, ModelGroup
from tests.factories import ACTOR, change_url, database_snapshot, form_data

DEFAULTS_URL = reverse("admin:fallbacks_configuration_change", args=[1])
HISTORY_URL = reverse("admin:fallbacks_changerecord_changelist")


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_a_group_page_saved_over_a_change_made_since_is_refused_with_who_and_what(admin_client, make_groups):
    group, _, _ = make_groups("gpt-4o", "claude", "gemini")
    stale = form_data(admin_client.get(change_url(group)), "modelgroup_form")
    services.chain_set(actor="bob", source="gpt-4o", fallback_type="general", targets=["gemini"])
    stale["description"] = "my edit"
    before = database_snapshot()

    response = admin_client.post(change_url(group), stale, follow=True)

    assert database_snapshot() == before  # nothing of the stale save landed
    (message,) = messages_of(response)
    version = selectors.config_version()
    assert message.startswith(
        f"Nothing was saved: Precondition failed: model group gpt-4o changed at version {version}"
    )
    assert "by bob (command)" in message
    assert "set chain gpt-4o (general): gemini" in message
    # The page shows the current values: bob's chain, the old description.
    assert response.context["adminform"].form.initial["description"] == ""
    assert response.context["group_page"].own["general"] == ["gemini"]


def test_a_change_elsewhere_does_not_make_a_page_stale(admin_client, make_groups):
    group, _, _ = make_groups("gpt-4o", "claude", "gemini")
    page = form_data(admin_client.get(change_url(group)), "modelgroup_form")
    services.chain_set(actor="bob", source="claude", fallback_type="general", targets=["gemini"])
    page["description"] = "my edit"

    assert admin_client.post(change_url(group), page).status_code == 302
    assert ModelGroup.objects.get(name="gpt-4o").description == "my edit"


def test_the_defaults_page_is_guarded_the_same_way(admin_client, make_groups):
    make_groups("a", "b")
    stale = form_data(admin_client.get(DEFAULTS_URL), "configuration_form")
    services.max_fallbacks_set(actor="bob", max_fallbacks=2)
    stale["max_fallbacks"] = "4"

    response = admin_client.post(DEFAULTS_URL, stale, follow=True)

    assert selectors.configuration().max_fallbacks == 2
    assert "Precondition failed: the defaults changed at version" in messages_of(response)[0]


def test_the_history_lists_versions_and_a_group_page_leads_to_its_own(admin_client, make_groups, set_chain):
    group, _ = make_groups("a", "b")
    set_chain("a", ["b"])
    set_chain("b", ["a"])

    everything = admin_client.get(HISTORY_URL)
    assert everything.status_code == 200
    assert list(everything.context["cl"].result_list.values_list("version", flat=True)) == [4, 3, 2, 1]

    own = admin_client.get(reverse("admin:fallbacks_modelgroup_history", args=[group.pk]), follow=True)
    assert list(own.context["cl"].result_list.values_list("version", flat=True)) == [3, 1]  # a, and a's own chain


def test_a_version_page_shows_the_chain_side_by_side_with_changed_positions(admin_client, make_groups, set_chain):
    make_groups("a", "b", "c")
    set_chain("a", ["b", "c"])
    written = set_chain("a", ["c", "b"])
    record = ChangeRecord.objects.get(version=written.version)

    response = admin_client.get(reverse("admin:fallbacks_changerecord_change", args=[record.pk]))

    assert response.status_code == 200
    (change,) = response.context["changes"]
    assert change["title"] == "chain a (general)"
    assert [(row["before"], row["after"], row["changed"]) for row in change["positions"]] == [
        ("b", "c", True),
        ("c", "b", True),
    ]
    html = response.content.decode()
    assert "Roll back the configuration to this version" in html
    assert "Roll back only chain a (general)" in html


def test_rollback_asks_first_showing_the_diff_then_makes_one_version(admin_client, make_groups, set_chain):
    make_groups("a", "b", "c")
    first = set_chain("a", ["b"])
    set_chain("a", ["c"])
    url = reverse("admin:fallbacks_changerecord_rollback", args=[first.version])
    before = database_snapshot()

    confirm = admin_client.get(url)

    assert database_snapshot() == before  # asking writes nothing
    (change,) = confirm.context["changes"]
    assert [(row["before"], row["after"]) for row in change["positions"]] == [("c", "b")]
    done = admin_client.post(url, {"model": "", "fallback_type": ""}, follow=True)
    assert selectors.chain_map(model="a") == {("a", "general"): ["b"]}
    record = ChangeRecord.objects.get(version=selectors.config_version())
    assert (record.via, record.actor) == ("rollback", "admin")
    assert f"Rolled back the configuration to version {first.version}" in messages_of(done)[0]


def test_rollback_needs_the_permissions_to_change_everything(client, django_user_model, make_groups, set_chain):
    from django.contrib.auth.models import Permission

    make_groups("a", "b")
    written = set_chain("a", ["b"])
    viewer = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_changerecord"))
    client.force_login(viewer)

    assert client.get(HISTORY_URL).status_code == 200
    assert client.get(reverse("admin:fallbacks_changerecord_rollback", args=[written.version])).status_code == 403
    record = ChangeRecord.objects.get(version=written.version)
    page = client.get(reverse("admin:fallbacks_changerecord_change", args=[record.pk])).content.decode()
    assert "Roll back" not in page


def test_the_rollback_of_a_missing_version_says_so(admin_client, make_groups):
    make_groups("a")
    response = admin_client.get(reverse("admin:fallbacks_changerecord_rollback", args=[42]), follow=True)
    assert messages_of(response) == ["Version 42 not found"]


def test_services_used_here_record_their_actor(db, make_groups):
    make_groups("a")
    assert ChangeRecord.objects.get(version=1).actor == ACTOR
