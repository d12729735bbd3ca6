"""The operators' editor, through Django's test client: pages are read and their forms posted back
as a browser would post them, with the same rules, words and records as the API."""

import itertools
from html import unescape

import pytest
from django.contrib.auth.models import Permission, User
from django.urls import reverse
from django.utils.html import escape

from fallbacks import domain, errors, queries, selectors, services
from fallbacks.admin.forms import CHAIN_ERRORS_NOTE
from fallbacks.admin.options import LINT_HOVER_CHARACTERS
from fallbacks.admin.sites import DEFAULT_CHAINS_ENTRY
from fallbacks.domain import FALLBACK_TYPES
from fallbacks.models import ApiKey, ChangeRecord, Deployment, FallbackEntry, ModelGroup, SecurityEvent
from tests.factories import add_deployment, change_url, database_snapshot, forget_kept, form_data, load, load_fleet

LIST_URL = reverse("admin:fallbacks_modelgroup_changelist")
ADD_URL = reverse("admin:fallbacks_modelgroup_add")
DEFAULTS_URL = reverse("admin:fallbacks_configuration_change", args=[1])


def add_chain_row(data: dict, fallback_type: str, target: ModelGroup, position: int | None = None) -> int:
    """What the page's "Add a fallback model" button does, then picking `target`: returns the row's index."""
    prefix = f"chain-{fallback_type}"
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    data[f"{prefix}-{index}-target"] = str(target.pk)
    data[f"{prefix}-{index}-ORDER"] = "" if position is None else str(position)
    return index


def row_html(response, fallback_type: str, index: int) -> str:
    """The HTML of one row of a chain editor, to show that a message is beside that row."""
    html = response.content.decode()
    start = html.index(f'id="chain-{fallback_type}-{index}-row"')
    return html[start : html.index("</tr>", start)]


def versions() -> int:
    return selectors.config_version()


@pytest.fixture
def operator(admin_client):
    return admin_client


@pytest.fixture
def groups(make_groups):
    return {group.name: group for group in make_groups("gpt-4", "claude-3-haiku", "gemini-pro", "openrouter/gpt-4")}


# --- creating, reordering and removing, through the services -------------------------------------------------


def test_creates_a_group_with_a_chain_as_one_version_recorded_like_api_writes(operator, groups):
    data = form_data(operator.get(ADD_URL), "modelgroup_form")
    data.update({"name": "  mistral-large  ", "owned_by": "mistral"})
    add_chain_row(data, "general", groups["gpt-4"])
    add_chain_row(data, "general", groups["claude-3-haiku"])
    before = versions()

    response = operator.post(ADD_URL, data)

    assert response.status_code == 302, response.content.decode()[:3000]
    group = ModelGroup.objects.get(name="mistral-large")  # trimmed, as the API trims
    assert group.owned_by == "mistral"
    assert selectors.chain_map(model="mistral-large") == {("mistral-large", "general"): ["gpt-4", "claude-3-haiku"]}
    assert versions() == before + 1  # one operator save is one config version
    (record,) = ChangeRecord.objects.filter(version__gt=before)
    assert (record.action, record.subject, record.actor, record.via) == (
        "group_save",
        "mistral-large",
        "admin",
        "admin",
    )
    assert [(part["action"], part["subject"]) for part in record.details["parts"]] == [
        ("group_create", "mistral-large"),
        ("chain_create", "mistral-large (general)"),
    ]


def test_reorders_a_chain_and_the_api_sees_the_new_order(operator, groups, set_chain, api):
    set_chain("gpt-4", ["claude-3-haiku", "gemini-pro", "openrouter/gpt-4"])
    data = form_data(operator.get(change_url(groups["gpt-4"])), "modelgroup_form")
    assert [data[f"chain-general-{index}-ORDER"] for index in range(3)] == ["1", "2", "3"]
    data["chain-general-0-ORDER"], data["chain-general-2-ORDER"] = "3", "1"
    before = versions()

    response = operator.post(change_url(groups["gpt-4"]), data)

    assert response.status_code == 302
    assert api.get("/fallback/gpt-4").json()["fallback_models"] == ["openrouter/gpt-4", "gemini-pro", "claude-3-haiku"]
    assert versions() == before + 1
    assert ChangeRecord.objects.get(version=before + 1).action == "chain_update"


def test_a_row_added_without_a_position_goes_last(operator, groups, set_chain):
    set_chain("gpt-4", ["claude-3-haiku"])
    data = form_data(operator.get(change_url(groups["gpt-4"])), "modelgroup_form")
    add_chain_row(data, "general", groups["gemini-pro"])

    assert operator.post(change_url(groups["gpt-4"]), data).status_code == 302
    assert selectors.chain_map(model="gpt-4")[("gpt-4", "general")] == ["claude-3-haiku", "gemini-pro"]


def test_removes_one_target_then_the_whole_chain(operator, groups, set_chain):
    set_chain("gpt-4", ["claude-3-haiku", "gemini-pro"], "context_window")
    url = change_url(groups["gpt-4"])
    data = form_data(operator.get(url), "modelgroup_form")
    data["chain-context_window-0-DELETE"] = "on"
    assert operator.post(url, data).status_code == 302
    assert selectors.chain_map(model="gpt-4") == {("gpt-4", "context_window"): ["gemini-pro"]}

    data = form_data(operator.get(url), "modelgroup_form")
    data["chain-context_window-0-DELETE"] = "on"
    before = versions()
    assert operator.post(url, data).status_code == 302
    assert selectors.chain_map(model="gpt-4") == {}
    assert ChangeRecord.objects.get(version=before + 1).action == "chain_delete"


def test_saving_an_unchanged_page_writes_nothing(operator, groups, set_chain):
    set_chain("gpt-4", ["claude-3-haiku", "gemini-pro"])
    url = change_url(groups["gpt-4"])
    data = form_data(operator.get(url), "modelgroup_form")
    before = database_snapshot()

    assert operator.post(url, data).status_code == 302
    assert database_snapshot() == before


def test_renaming_a_group_keeps_the_chains_that_name_it(operator, groups, set_chain):
    set_chain("gemini-pro", ["gpt-4"])
    data = form_data(operator.get(change_url(groups["gpt-4"])), "modelgroup_form")
    data["name"] = "gpt-4-turbo"

    assert operator.post(change_url(groups["gpt-4"]), data).status_code == 302
    assert selectors.chain_map(model="gemini-pro") == {("gemini-pro", "general"): ["gpt-4-turbo"]}
    assert ChangeRecord.objects.filter(action="group_update", subject="gpt-4-turbo").exists()


# --- refusals: the API's words beside the row, and nothing written -----------------------------------------------


def refused(operator, url: str, data: dict):
    before = database_snapshot()
    response = operator.post(url, data)
    assert response.status_code == 200, "the page should come back with the errors"
    assert database_snapshot() == before
    assert escape(CHAIN_ERRORS_NOTE) in response.content.decode()
    return response


def test_self_fallback_is_shown_beside_its_row(operator, groups, set_chain):
    set_chain("gpt-4", ["claude-3-haiku"])
    url = change_url(groups["gpt-4"])
    data = form_data(operator.get(url), "modelgroup_form")
    index = add_chain_row(data, "general", groups["gpt-4"])

    response = refused(operator, url, data)

    message = escape(errors.SELF_FALLBACK.format(model="gpt-4"))
    assert message in row_html(response, "general", index)
    assert message not in row_html(response, "general", 0)


def test_a_group_renamed_and_picked_as_its_own_target_is_a_self_fallback(operator, groups):
    """The row names the group by its key: renaming it in the same save does not make it another model."""
    url = change_url(groups["gpt-4"])
    data = form_data(operator.get(url), "modelgroup_form")
    data["name"] = "gpt-4-renamed"
    add_chain_row(data, "general", groups["claude-3-haiku"])
    index = add_chain_row(data, "general", groups["gpt-4"])

    response = refused(operator, url, data)

    message = escape(errors.SELF_FALLBACK.format(model="gpt-4-renamed"))  # the name in the form
    assert message in row_html(response, "general", index)
    assert message not in row_html(response, "general", 0)
    assert form_data(response, "modelgroup_form")["name"] == "gpt-4-renamed"  # the operator's edits are kept


def test_duplicate_target_is_shown_beside_the_second_row(operator, groups):
    url = change_url(groups["gpt-4"])
    data = form_data(operator.get(url), "modelgroup_form")
    first = add_chain_row(data, "content_policy", groups["gemini-pro"])
    second = add_chain_row(data, "content_policy", groups["gemini-pro"])

    response = refused(operator, url, data)

    assert escape(errors.DUPLICATE_TARGETS) in row_html(response, "content_policy", second)
    assert escape(errors.DUPLICATE_TARGETS) not in row_html(response, "content_policy", first)


def test_unknown_model_is_shown_beside_its_row(operator, groups):
    url = change_url(groups["gpt-4"])
    data = form_data(operator.get(url), "modelgroup_form")
    gone = groups["gemini-pro"]
    gone_id = gone.pk
    index = add_chain_row(data, "general", gone)
    services.group_delete(actor="another operator", group=gone)  # deleted while the page was open

    response = refused(operator, url, data)

    message = escape(errors.INVALID_FALLBACK_MODELS.format(models=[str(gone_id)]))
    assert message in row_html(response, "general", index)


@pytest.mark.parametrize("posted", ["abc", "1.5", "99999999999999999999999", "-7"])
def test_a_target_that_cannot_be_a_model_group_is_shown_beside_its_row(operator, groups, set_chain, posted):
    """A hand-made post, not something the page sends: the row still says what is wrong, and nothing is written."""
    set_chain("gpt-4", ["claude-3-haiku"])
    url = change_url(groups["gpt-4"])
    data = form_data(operator.get(url), "modelgroup_form")
    data["chain-general-0-target"] = posted

    response = refused(operator, url, data)

    assert escape(errors.INVALID_FALLBACK_MODELS.format(models=[posted])) in row_html(response, "general", 0)


def test_a_chain_of_more_than_100_targets_is_refused_above_its_rows(operator, groups, make_groups):
    """PRODUCT.md 1: the 100-target limit holds on every door, the admin's chain editor too."""
    targets = make_groups(*(f"target-{index:03d}" for index in range(101)))
    url = change_url(groups["gpt-4"])
    data = form_data(operator.get(url), "modelgroup_form")
    for target in targets:
        add_chain_row(data, "general", target)

    response = refused(operator, url, data)

    assert escape(errors.CHAIN_TOO_LONG) in response.content.decode()


def test_a_refused_chain_refuses_the_whole_save(operator, groups):
    """The group's own fields are not saved either when one chain is wrong: nothing half-written."""
    url = change_url(groups["gpt-4"])
    data = form_data(operator.get(url), "modelgroup_form")
    data["description"] = "changed"
    add_chain_row(data, "general", groups["claude-3-haiku"])
    add_chain_row(data, "context_window", groups["gpt-4"])

    refused(operator, url, data)
    assert ModelGroup.objects.get(name="gpt-4").description == ""


def test_a_taken_or_reserved_name_is_refused_in_the_api_words(operator, groups):
    for name, message in [
        ("claude-3-haiku", errors.GROUP_NAME_TAKEN.format(name="claude-3-haiku")),
        ("*", errors.RESERVED_GROUP_NAME),
    ]:
        data = form_data(operator.get(ADD_URL), "modelgroup_form")
        data["name"] = name
        before = database_snapshot()
        response = operator.post(ADD_URL, data)
        assert response.status_code == 200
        assert escape(message) in response.content.decode()
        assert database_snapshot() == before


def test_renaming_to_a_taken_name_is_refused_beside_the_name_keeping_the_edits(operator, groups):
    """The service refuses the taken name (the API's 409); the page comes back with it beside the name field."""
    url = change_url(groups["gpt-4"])
    data = form_data(operator.get(url), "modelgroup_form")
    data.update({"name": "claude-3-haiku", "description": "changed"})
    add_chain_row(data, "general", groups["gemini-pro"])
    before = database_snapshot()

    response = operator.post(url, data)

    assert response.status_code == 200
    assert database_snapshot() == before
    html = response.content.decode()
    name_errors = html[html.index('id="id_name_error"') : html.index("</ul>", html.index('id="id_name_error"'))]
    assert escape(errors.GROUP_NAME_TAKEN.format(name="claude-3-haiku")) in name_errors
    shown = form_data(response, "modelgroup_form")
    assert (shown["name"], shown["description"], shown["chain-general-0-target"]) == (
        "claude-3-haiku",
        "changed",
        str(groups["gemini-pro"].pk),
    )
    assert list(response.context["messages"]) == []


def test_a_bad_provider_is_refused_beside_its_field(operator, groups):
    url = change_url(groups["gpt-4"])
    data = form_data(operator.get(url), "modelgroup_form")
    data["owned_by"] = "open\x01ai"
    before = database_snapshot()

    response = operator.post(url, data)

    assert response.status_code == 200
    assert database_snapshot() == before
    html = response.content.decode()
    field_errors = html[
        html.index('id="id_owned_by_error"') : html.index("</ul>", html.index('id="id_owned_by_error"'))
    ]
    assert escape(errors.BAD_OWNED_BY) in field_errors


def test_read_only_mode_refuses_a_save_with_the_api_message(operator, groups, settings):
    settings.STORE_MODEL_IN_DB = False
    url = change_url(groups["gpt-4"])
    data = form_data(operator.get(url), "modelgroup_form")
    add_chain_row(data, "general", groups["gemini-pro"])
    data["description"] = "changed"
    before = database_snapshot()

    response = operator.post(url, data, follow=True)

    assert database_snapshot() == before
    assert errors.WRITES_DISABLED in [str(message) for message in response.context["messages"]]


def test_read_only_mode_lets_a_save_that_changes_nothing_through(operator, groups, set_chain, settings):
    set_chain("gpt-4", ["gemini-pro"])
    settings.STORE_MODEL_IN_DB = False
    before = database_snapshot()

    for url, form in ((change_url(groups["gpt-4"]), "modelgroup_form"), (DEFAULTS_URL, "configuration_form")):
        response = operator.post(url, form_data(operator.get(url), form), follow=True)

        assert response.status_code == 200
        assert errors.WRITES_DISABLED not in [str(message) for message in response.context["messages"]]
    assert database_snapshot() == before


# --- the default `*` chains and max_fallbacks --------------------------------------------------------------------


def test_default_chains_are_edited_the_same_way(operator, groups, api):
    data = form_data(operator.get(DEFAULTS_URL), "configuration_form")
    add_chain_row(data, "context_window", groups["claude-3-haiku"])
    add_chain_row(data, "context_window", groups["gemini-pro"])
    data["max_fallbacks"] = "3"
    before = versions()

    response = operator.post(DEFAULTS_URL, data)

    assert response.status_code == 302
    assert selectors.chain_map(model="*") == {("*", "context_window"): ["claude-3-haiku", "gemini-pro"]}
    assert selectors.configuration().max_fallbacks == 3
    assert versions() == before + 1  # one operator save is one config version
    (record,) = ChangeRecord.objects.filter(version__gt=before)
    assert record.action == "defaults_save"
    assert {part["action"] for part in record.details["parts"]} == {
        "max_fallbacks_set",
        "chain_create",
    }
    body = api.get("/fallback/gpt-4?fallback_type=context_window").json()
    assert body["fallback_models"] == ["claude-3-haiku", "gemini-pro"]
    assert body["inherited_from"] == "*"


def test_default_chain_duplicate_is_refused_beside_the_row(operator, groups):
    data = form_data(operator.get(DEFAULTS_URL), "configuration_form")
    add_chain_row(data, "general", groups["gpt-4"])
    second = add_chain_row(data, "general", groups["gpt-4"])

    response = refused(operator, DEFAULTS_URL, data)

    assert escape(errors.DUPLICATE_TARGETS) in row_html(response, "general", second)


def test_max_fallbacks_out_of_range_is_refused(operator, db):
    data = form_data(operator.get(DEFAULTS_URL), "configuration_form")
    data["max_fallbacks"] = "101"
    before = database_snapshot()

    response = operator.post(DEFAULTS_URL, data)

    assert response.status_code == 200
    assert escape(errors.MAX_FALLBACKS_RANGE.format(limit=domain.MAX_FALLBACKS_LIMIT)) in response.content.decode()
    assert database_snapshot() == before


def test_the_litellm_version_is_set_on_the_settings_page(operator, db, api):
    page = operator.get(DEFAULTS_URL).content.decode()
    assert 'name="litellm_version"' in page
    data = form_data(operator.get(DEFAULTS_URL), "configuration_form")
    assert data["litellm_version"] == "1.110"
    data["litellm_version"] = "1.109"

    response = operator.post(DEFAULTS_URL, data)

    assert response.status_code == 302
    assert api.get("/fallback_settings").json()["litellm_version"] == "1.109"
    record = ChangeRecord.objects.get()
    assert (record.action, record.details["litellm_version"]) == ("litellm_version_set", "1.109")


def test_the_settings_page_shows_what_switching_the_series_changes(operator, groups, set_chain, api):
    set_chain("gpt-4", ["claude-3-haiku"])
    set_chain("gemini-pro", ["gpt-4"], "context_window")
    page = operator.get(DEFAULTS_URL).content.decode()
    # Configured 1.110: on 1.109 gpt-4's context-window errors would get no fallback.
    start = page.index('id="series-change-1.109"')
    section = unescape(page[start : page.index("</fieldset>", start)])
    assert "If the gateways ran LiteLLM 1.109" in section
    impact = api.get("/fallback_lint?litellm_version=1.109").json()["findings"]
    rows = [item for item in impact if item["code"] == "upgrade_impact"]
    # openrouter/gpt-4 uses the rule of gpt-4 (its provider prefix stripped)
    assert [(item["model"], item["fallback_type"]) for item in rows] == [
        ("gpt-4", "context_window"),
        ("openrouter/gpt-4", "context_window"),
    ]
    assert section.count('class="upgrade-impact"') == len(rows)
    assert "<code>gpt-4 → claude-3-haiku</code><br>answered by <strong>claude-3-haiku</strong>" in section
    assert "<code>gpt-4</code><br>no fallback answers" in section

    services.litellm_version_set(actor="test", litellm_version="1.109")
    page = unescape(operator.get(DEFAULTS_URL).content.decode())
    assert 'id="series-change-1.110"' in page
    assert 'id="series-change-1.109"' not in page


def test_an_unknown_litellm_version_is_refused_on_the_settings_page(operator, db):
    data = form_data(operator.get(DEFAULTS_URL), "configuration_form")
    data["litellm_version"] = "1.111"
    before = database_snapshot()

    response = operator.post(DEFAULTS_URL, data)

    assert response.status_code == 200
    assert 'name="litellm_version"' in response.content.decode()
    assert response.context["adminform"].form.errors["litellm_version"]
    assert database_snapshot() == before


def test_operators_find_the_default_chains_from_the_index_and_the_list(operator, db):
    index = operator.get(reverse("admin:index")).content.decode()
    assert f'<a href="{DEFAULTS_URL}">{DEFAULT_CHAINS_ENTRY}</a>' in index
    assert "LLM fallback manager" in index
    assert f'href="{DEFAULTS_URL}"' in operator.get(LIST_URL).content.decode()


def test_each_chain_section_says_when_it_is_used(operator, groups):
    page = operator.get(change_url(groups["gpt-4"])).content.decode()
    for fallback_type in FALLBACK_TYPES:
        assert escape(fallback_type.uses) in page


def test_the_group_page_shows_what_v1_models_reports(operator, groups, set_chain, api):
    set_chain("gpt-4", ["claude-3-haiku", "gemini-pro"])
    set_chain("*", ["gpt-4", "gemini-pro"], "content_policy")
    page = operator.get(change_url(groups["gpt-4"])).content.decode()

    for fallback_type in FALLBACK_TYPES.values():
        models = api.get(f"/v1/models?include_metadata=true&fallback_type={fallback_type}").json()["data"]
        reported = next(model for model in models if model["id"] == "gpt-4")["metadata"]
        start = page.index(f'id="reported-{fallback_type}"')
        row = unescape(page[start : page.index("</tr>", start)])
        assert f'{{"fallbacks": {reported["fallbacks"]}}}'.replace("'", '"') in row
    assert "from the default * chain" in page  # content_policy comes from `*`, without gpt-4 itself


def test_the_group_page_shows_the_attempt_plan_and_lint(operator, groups, set_chain, api):
    services.litellm_version_set(actor="test", litellm_version="1.109")  # the series whose router strands gpt-4
    set_chain("gpt-4", ["claude-3-haiku", "gemini-pro"])
    set_chain("claude-3-haiku", ["gemini-pro"], "context_window")
    page = operator.get(change_url(groups["gpt-4"])).content.decode()
    plan = api.get("/fallback_plan/gpt-4").json()
    assert plan["served_by"] == "claude-3-haiku"
    assert 'data-fallback-type="general"' in page
    assert "answered by <strong>claude-3-haiku</strong> when gpt-4 fails" in page
    # gpt-4 has a general chain, but context-window chains exist only for another model.
    lint = api.get("/fallback_lint?model=gpt-4").json()
    assert any(finding["code"] == "no_typed_fallback" for finding in lint["findings"])
    assert 'class="fallback-lint"' in page
    assert "fallback-finding" in page
    assert reverse("admin:fallbacks_graph", kwargs={"fallback_type": "general"}) in page


# --- pages that are not a model's ---------------------------------------------------------------------------------


def test_index_leads_to_the_operator_pages(operator):
    index = operator.get(reverse("admin:index")).content.decode()
    assert f'<a href="{DEFAULTS_URL}">{DEFAULT_CHAINS_ENTRY}</a>' in index
    for url, label in [
        (reverse("admin:fallbacks_graph", kwargs={"fallback_type": "general"}), "Fallback graph"),
        (reverse("admin:fallbacks_config_import"), "Import a LiteLLM config file"),
        (reverse("admin:fallbacks_config_export"), "Export the LiteLLM config"),
    ]:
        assert f'<a href="{url}">{label}</a>' in index
        assert operator.get(url).status_code == 200, url


# --- deleting groups ---------------------------------------------------------------------------------------------


def test_deleting_a_group_a_chain_uses_is_refused_naming_the_chains(operator, groups, set_chain):
    set_chain("gpt-4", ["claude-3-haiku"])
    set_chain("*", ["claude-3-haiku"], "context_window")
    url = reverse("admin:fallbacks_modelgroup_delete", args=[groups["claude-3-haiku"].pk])
    before = database_snapshot()

    for method in (operator.get, operator.post):
        response = method(url, {"post": "yes"} if method == operator.post else None, follow=True)
        assert response.status_code == 200
        shown = [str(message) for message in response.context["messages"]]
        assert shown == [
            errors.GROUP_IN_USE.format(name="claude-3-haiku", chains="* (context_window), gpt-4 (general)")
        ]
        assert response.redirect_chain[-1][0] == change_url(groups["claude-3-haiku"])
    assert database_snapshot() == before


def test_a_chain_made_while_the_delete_page_was_open_is_refused_by_the_service(operator, groups, set_chain):
    url = reverse("admin:fallbacks_modelgroup_delete", args=[groups["gemini-pro"].pk])
    assert operator.get(url).status_code == 200  # "are you sure?": nothing uses it yet
    set_chain("*", ["gemini-pro"])  # another operator, meanwhile
    before = database_snapshot()

    response = operator.post(url, {"post": "yes"}, follow=True)

    assert database_snapshot() == before
    assert [str(message) for message in response.context["messages"]] == [
        errors.GROUP_IN_USE.format(name="gemini-pro", chains="* (general)")
    ]
    assert response.redirect_chain == [(change_url(groups["gemini-pro"]), 302)]


def test_deleting_an_unused_group_goes_through_the_service(operator, groups):
    Deployment.objects.create(model_group=groups["gemini-pro"], litellm_params={"model": "gemini/gemini-pro"})
    url = reverse("admin:fallbacks_modelgroup_delete", args=[groups["gemini-pro"].pk])
    assert operator.get(url).status_code == 200  # Django's "are you sure?" page
    before = versions()

    assert operator.post(url, {"post": "yes"}).status_code == 302

    assert not ModelGroup.objects.filter(name="gemini-pro").exists()
    assert not Deployment.objects.exists()
    assert ChangeRecord.objects.get(version=before + 1).action == "group_delete"


def test_bulk_delete_is_not_offered(operator, groups):
    assert "delete_selected" not in operator.get(LIST_URL).content.decode()


# --- deployments -------------------------------------------------------------------------------------------------


def test_deployments_are_saved_through_the_service(operator, groups):
    url = change_url(groups["gpt-4"])
    data = form_data(operator.get(url), "modelgroup_form")
    add_deployment(data, '{"model": "openai/gpt-4", "api_key": "os.environ/OPENAI_API_KEY"}', '{"id": "east"}')
    add_deployment(data, '{"model": "azure/gpt-4", "api_key": "os.environ/AZURE_API_KEY"}')
    before = versions()

    assert operator.post(url, data).status_code == 302

    assert list(groups["gpt-4"].deployments.values_list("position", "litellm_params", "model_info")) == [
        (0, {"model": "openai/gpt-4", "api_key": "os.environ/OPENAI_API_KEY"}, {"id": "east"}),
        (1, {"model": "azure/gpt-4", "api_key": "os.environ/AZURE_API_KEY"}, {}),
    ]
    assert ChangeRecord.objects.get(version=before + 1).action == "deployments_set"

    data = form_data(operator.get(url), "modelgroup_form")
    data["deployments-0-DELETE"] = "on"
    assert operator.post(url, data).status_code == 302
    assert [d.litellm_params["model"] for d in groups["gpt-4"].deployments.all()] == ["azure/gpt-4"]


@pytest.mark.parametrize(
    ("litellm_params", "message"),
    [
        ('{"model": "openai/gpt-4", "api_key": "sk-live-123"}', errors.SECRET_IN_PLAIN_TEXT),
        ('{"model": "bedrock/claude", "aws_secret_access_key": "abc"}', errors.SECRET_IN_PLAIN_TEXT),
        ('{"api_key": "os.environ/KEY"}', errors.DEPLOYMENT_MODEL_REQUIRED),
    ],
)
def test_a_deployment_with_a_plain_secret_or_no_model_is_refused(operator, groups, litellm_params, message):
    url = change_url(groups["gpt-4"])
    data = form_data(operator.get(url), "modelgroup_form")
    add_deployment(data, litellm_params)
    before = database_snapshot()

    response = operator.post(url, data)

    assert response.status_code == 200
    assert database_snapshot() == before
    page = response.content.decode()
    field = "aws_secret_access_key" if "aws" in litellm_params else "api_key"
    expected = message.format(field=f"litellm_params.{field}") if "{field}" in message else message
    assert escape(expected) in page
    assert "sk-live-123" not in page.split("errorlist", 1)[1].split("</ul>", 1)[0]  # the secret is not repeated


# --- roles -------------------------------------------------------------------------------------------------------


@pytest.fixture
def viewer(client, db):
    user = User.objects.create_user("viewer", password="viewer-password", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="fallbacks", codename__startswith="view_")
    )
    client.force_login(user)
    return client


def test_a_view_only_operator_sees_everything(viewer, groups, set_chain):
    set_chain("gpt-4", ["claude-3-haiku", "gemini-pro"])
    set_chain("*", ["gemini-pro"])
    listing = viewer.get(LIST_URL).content.decode()
    assert "claude-3-haiku → gemini-pro" in listing

    page = viewer.get(change_url(groups["gpt-4"]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<li>claude-3-haiku</li><li>gemini-pro</li>" in html
    assert "chain-general-TOTAL_FORMS" not in html  # no editor
    assert viewer.get(DEFAULTS_URL).status_code == 200
    assert "<li>gemini-pro</li>" in viewer.get(DEFAULTS_URL).content.decode()
    assert viewer.get(reverse("admin:fallbacks_changerecord_changelist")).status_code == 200


def test_a_view_only_operator_changes_nothing(viewer, groups, set_chain):
    set_chain("gpt-4", ["claude-3-haiku"])
    before = database_snapshot()
    group_url = change_url(groups["gpt-4"])
    attempts = [
        (group_url, {"name": "renamed", "chain-general-TOTAL_FORMS": "0"}),
        (ADD_URL, {"name": "new-group"}),
        (DEFAULTS_URL, {"max_fallbacks": "1"}),
        (reverse("admin:fallbacks_modelgroup_delete", args=[groups["gemini-pro"].pk]), {"post": "yes"}),
        (reverse("admin:fallbacks_apikey_add"), {"name": "sneaky", "can_write": "on"}),
    ]
    for url, data in attempts:
        assert viewer.post(url, data).status_code == 403, url
    assert database_snapshot() == before


def test_changing_a_group_without_chain_permission_leaves_chains_read_only(client, groups, set_chain):
    user = User.objects.create_user("editor", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["view_modelgroup", "change_modelgroup", "view_fallbackentry"])
    )
    client.force_login(user)
    set_chain("gpt-4", ["claude-3-haiku"])
    url = change_url(groups["gpt-4"])
    data = form_data(client.get(url), "modelgroup_form")
    assert "chain-general-TOTAL_FORMS" not in data
    data.update({"description": "edited", "chain-general-TOTAL_FORMS": "1", "chain-general-0-target": "0"})

    assert client.post(url, data).status_code == 302
    assert ModelGroup.objects.get(name="gpt-4").description == "edited"
    assert selectors.chain_map(model="gpt-4") == {("gpt-4", "general"): ["claude-3-haiku"]}


def chain_user(client, *codenames: str):
    user = User.objects.create_user("chain-user", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="fallbacks", codename__in=codenames))
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("codenames", "status"),
    [
        (["view_fallbackentry"], 200),
        (["change_fallbackentry"], 200),  # changing implies seeing, as in Django's has_view_or_change_permission
        (["view_modelgroup", "change_modelgroup"], 403),
    ],
)
def test_the_graph_needs_the_view_or_the_change_permission_on_chains(client, groups, codenames, status):
    chain_user(client, *codenames)
    assert client.get(reverse("admin:fallbacks_graph", kwargs={"fallback_type": "general"})).status_code == status


# --- the list of model groups ------------------------------------------------------------------------------------


def test_the_list_shows_each_chain_at_a_glance(operator, groups, set_chain):
    set_chain("gpt-4", ["claude-3-haiku", "gemini-pro"])
    set_chain("gpt-4", ["openrouter/gpt-4"], "context_window")
    set_chain("*", ["gpt-4", "claude-3-haiku"], "content_policy")
    html = operator.get(LIST_URL).content.decode()

    start = html.index('<a href="' + change_url(groups["gpt-4"]))
    row = html[start : html.index("</tr>", start)]
    assert "claude-3-haiku → gemini-pro" in row
    assert "openrouter/gpt-4" in row
    assert "* claude-3-haiku" in row  # the default chain, without gpt-4 itself


def test_the_lists_lint_mark_cuts_long_messages_short_and_the_group_page_shows_them_whole(operator, db):
    load(600)  # one ring through every group: each cycle's message walks a path through 200 of them
    html = operator.get(LIST_URL).content.decode()
    group = ModelGroup.objects.get(name="model-00000")
    start = html.index('<a href="' + change_url(group))
    row = html[start : html.index("</tr>", start)]
    mark = row[row.index('class="lint-mark') :]
    opening = mark.index('title="') + len('title="')
    title = unescape(mark[opening : mark.index('"', opening)])
    cycles = [line for line in title.split("\n") if line.startswith("info: The ")]
    assert len(cycles) == len(FALLBACK_TYPES)
    assert all(len(line) == LINT_HOVER_CHARACTERS and line.endswith("…") for line in cycles)
    assert len(html) < 1_000_000  # each of the page's 100 rows held three messages of 3,000 characters: 1.7 MB
    page = operator.get(change_url(group)).content.decode()
    whole = [finding.message for finding in queries.lint_of_groups(["model-00000"])["model-00000"]]
    assert max(len(message) for message in whole) > 3000
    assert all(escape(message) in page for message in whole)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["claude-3-haiku", "gemini-pro", "gpt-4", "openrouter/gpt-4"]),
        ("?q=gpt", ["gpt-4", "openrouter/gpt-4"]),
        ("?fallbacks=any", ["gemini-pro", "gpt-4"]),
        ("?fallbacks=none", ["claude-3-haiku", "openrouter/gpt-4"]),
        ("?fallbacks=context_window", ["gemini-pro"]),
        ("?owned_by=anthropic", ["claude-3-haiku"]),
    ],
)
def test_the_list_searches_filters_and_sorts_by_name(operator, groups, set_chain, query, expected):
    ModelGroup.objects.filter(name="claude-3-haiku").update(owned_by="anthropic")
    set_chain("gpt-4", ["claude-3-haiku"])
    set_chain("gemini-pro", ["gpt-4"], "context_window")
    response = operator.get(LIST_URL + query)
    assert [group.name for group in response.context["cl"].result_list] == expected


@pytest.mark.parametrize("default_chain", [False, True], ids=["own-chains", "with-a-default-chain"])
def test_the_list_reads_a_constant_number_of_queries(
    operator, make_groups, set_chain, django_assert_num_queries, default_chain
):
    """The same shape of configuration at 3 and at 63 groups reads the same queries. The per-row lint reads the part
    of the graph the page's groups touch, and when a `*` chain's findings may name every group that walks it, which
    groups walk it alike and which are in no chain (queries.lint_of_groups): two pins."""
    expected = LIST_PAGE_QUERIES_WITH_DEFAULT_WALKERS if default_chain else LIST_PAGE_QUERIES

    def list_page_queries() -> int:
        with django_assert_num_queries(expected) as captured:
            assert operator.get(LIST_URL).status_code == 200
        return len(captured)

    make_groups("a", "b", "c")
    set_chain("a", ["b", "c"])
    if default_chain:
        set_chain("*", ["c"], "context_window")
    few = list_page_queries()
    names = [f"group-{number:03}" for number in range(60)]
    make_groups(*names)
    for source, target in itertools.pairwise(names):
        set_chain(source, [target, "a"])
        set_chain(source, ["b"], "content_policy")
    assert list_page_queries() == few


# Session, user, two counts (filtered and total), the page, the configured LiteLLM series, its chains with the `*`
# chains (and those of other spellings of its names), the providers filter; and the lint that marks each row
# (queries.lint_of_groups): the part of the graph the page's groups touch (tests/reads/test_local_lint.py); when a
# `*` chain makes a finding depend on every group that walks it, also what the `*` chains reach, the groups without a
# chain of their own of some type (the walkers, planned one for those alike) and the first group in no chain.
LIST_PAGE_QUERIES = 21
LIST_PAGE_QUERIES_WITH_DEFAULT_WALKERS = 24


def test_the_change_page_reads_the_same_queries_at_10_and_at_1000_groups(
    operator, make_groups, set_chain, django_assert_num_queries
):
    make_groups("a", "b", "c")
    set_chain("a", ["b", "c"])
    set_chain("b", ["a"], "context_window")
    set_chain("*", ["c"])
    url = change_url(ModelGroup.objects.get(name="a"))

    def change_page_queries(expected: int = CHANGE_PAGE_QUERIES) -> int:
        with django_assert_num_queries(expected) as captured:
            response = operator.get(url)
        assert response.status_code == 200
        assert response.context["group_page"].own["general"] == ["b", "c"]
        return len(captured)

    ModelGroup.objects.bulk_create(ModelGroup(name=f"filler-{number:04}") for number in range(7))
    operator.get(url)  # the first page of the process also reads (and caches) the content type of the log entries
    forget_kept()  # as after a write: the page reads its cycles too
    at_10 = change_page_queries()
    # Once read, the cycles through the group are kept for the config version (queries.CYCLES): one query fewer.
    assert change_page_queries(CHANGE_PAGE_QUERIES - 1) == at_10 - 1
    ModelGroup.objects.bulk_create(ModelGroup(name=f"filler-{number:04}") for number in range(7, 997))
    forget_kept()  # written behind the services' back, which leaves the version as it was
    assert ModelGroup.objects.count() == 1000
    assert change_page_queries() == at_10


# Session, user, the group, the version that last changed what the page edits (for the stale-save guard), the editors'
# current chains (with their targets, which the chain rows show without a query each), its deployments (inline), and the
# group page. The group page reads the part of the graph the group touches, never every group
# (fallbacks.queries.group_page and lint_of_groups, tests/reads/test_local_lint.py): the settings with the chain types
# present, the chains its plans may walk, the `*` chains, the groups spelled alike, the chains of and naming the group,
# the own chains it reaches, which names are in chains, its plans' neighbourhood, one hop back to the requesters that
# may cut a chain its findings are about, whether they are all in chains, their walks' neighbourhood, and the facts and
# rule keys of the groups the findings name; then the version that last changed each of its chains (for their history
# and undo links), and the group's gateways (the config version and the gateways with their last drift checks:
# fallbacks.queries.group_gateways).
CHANGE_PAGE_QUERIES = 23


@pytest.mark.parametrize("name", ["fleet-00001", "fleet-00055"])
def test_a_fleets_change_page_reads_the_same_queries_at_100_and_at_1000_groups(
    operator, django_assert_num_queries, name
):
    """fleet-00001's findings may name every group that walks a `*` chain (tests/reads/test_local_lint.py): its page
    reads what the `*` chains reach and which groups walk them alike, never every group's chains."""

    def change_page_queries(size: int) -> int:
        FallbackEntry.objects.all().delete()
        Deployment.objects.all().delete()
        ModelGroup.objects.all().delete()
        load_fleet(size)
        url = change_url(ModelGroup.objects.get(name=name))
        operator.get(url)  # the first page of the process also reads (and caches) the content type of the log entries
        forget_kept()  # as after a write: the page reads its cycles too
        with django_assert_num_queries(FLEET_CHANGE_PAGE_QUERIES[name]) as captured:
            assert operator.get(url).status_code == 200
        with django_assert_num_queries(FLEET_CHANGE_PAGE_QUERIES[name] - 1):  # the cycles kept (queries.CYCLES)
            assert operator.get(url).status_code == 200
        return len(captured)

    assert change_page_queries(100) == change_page_queries(1000)


# CHANGE_PAGE_QUERIES' reads, with the fleet's chains, deployments and `*` chains: for fleet-00001 also what the
# `*` chains reach, the groups without a chain of their own of some type and the first group in no chain.
FLEET_CHANGE_PAGE_QUERIES = {"fleet-00001": 29, "fleet-00055": 25}


# --- API keys ----------------------------------------------------------------------------------------------------


def test_an_api_key_is_issued_with_its_secret_shown_once(operator, db, anonymous):
    response = operator.post(reverse("admin:fallbacks_apikey_add"), {"name": "deploy-bot", "can_write": "on"})

    assert response.status_code == 200
    key = ApiKey.objects.get(name="deploy-bot")
    html = response.content.decode()
    start = html.index('id="api-key-secret"')
    secret = html[html.index(">", start) + 1 : html.index("</code>", start)]
    assert secret.startswith(key.prefix)
    assert key.key_hash == services.hash_api_key(secret)
    assert secret not in repr(database_snapshot())
    # A security event, apart from configuration versions (PRODUCT.md 3.3): issuing a key changes no configuration.
    assert SecurityEvent.objects.filter(action="api_key_create", subject="deploy-bot", actor="admin").exists()
    assert not ChangeRecord.objects.filter(action__startswith="api_key").exists()

    anonymous.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert anonymous.get("/fallback").status_code == 200

    change_page = operator.get(reverse("admin:fallbacks_apikey_change", args=[key.pk])).content.decode()
    assert secret not in change_page
    listing = operator.get(reverse("admin:fallbacks_apikey_changelist")).content.decode()
    assert "deploy-bot" in listing
    assert key.prefix in listing
    assert "read-write" in listing


def test_an_api_key_is_revoked_through_the_service(operator, db, anonymous):
    key, secret = services.api_key_create(actor="tests", name="old-bot", can_write=False)
    url = reverse("admin:fallbacks_apikey_change", args=[key.pk])
    data = form_data(operator.get(url), "apikey_form")
    data.pop("is_active")  # the box unticked

    assert operator.post(url, data).status_code == 302

    assert not ApiKey.objects.get(pk=key.pk).is_active
    assert SecurityEvent.objects.filter(action="api_key_revoke", subject="old-bot").exists()
    assert not ChangeRecord.objects.filter(action__startswith="api_key").exists()
    anonymous.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert anonymous.get("/fallback").status_code == 401


# --- error pages: HTML for people in the admin, JSON for the API ------------------------------------------------


def is_json(response) -> bool:
    return response["Content-Type"] == "application/json"


def test_a_refused_admin_page_is_an_html_page(viewer, groups):
    response = viewer.post(change_url(groups["gpt-4"]), {"name": "renamed"})

    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    assert "<h1>403 Forbidden</h1>" in response.content.decode()


def test_a_missing_admin_page_is_an_html_page_and_a_missing_endpoint_json(operator, anonymous):
    admin_page = operator.get("/admin/no-such-page/")
    assert (admin_page.status_code, admin_page["Content-Type"].startswith("text/html")) == (404, True)
    assert "<h1>Not Found</h1>" in admin_page.content.decode()

    for path in ("/no-such-endpoint", "/static/no-such-file.css"):  # the second reaches Django's handler404
        response = anonymous.get(path)
        assert (response.status_code, is_json(response)) == (404, True), path
        assert response.json() == {"detail": {"error": f"No endpoint at {path}"}}


def test_a_bad_request_is_html_in_the_admin_and_json_in_the_api(operator, anonymous):
    admin_page = operator.get(LIST_URL, headers={"host": "not-an-allowed-host.example"})
    assert (admin_page.status_code, admin_page["Content-Type"].startswith("text/html")) == (400, True)
    assert "<h1>Bad Request (400)</h1>" in admin_page.content.decode()

    # Any API path but the health checks, which answer every Host (PRODUCT.md 8; tests/attack/test_http.py).
    response = anonymous.get("/v1/models", headers={"host": "not-an-allowed-host.example"})
    assert (response.status_code, response.json()) == (400, {"detail": {"error": "Bad request"}})


def test_a_server_error_is_html_in_the_admin_and_json_in_the_api(operator, monkeypatch):
    def fail(text):
        raise RuntimeError("a bug")

    monkeypatch.setattr("fallbacks.api.middleware.has_control_characters", fail)  # runs before every view
    operator.raise_request_exception = False

    admin_page = operator.get(LIST_URL)
    assert (admin_page.status_code, admin_page["Content-Type"].startswith("text/html")) == (500, True)
    assert "<h1>Server Error (500)</h1>" in admin_page.content.decode()

    response = operator.get("/fallback")
    assert (response.status_code, response.json()) == (500, {"detail": {"error": "Internal server error"}})


# --- issue 12: what a visitor of the list may not ask for ------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["name__regex=(a%2B)%2B%24", "owned_by__iregex=.*", "name__contains=gpt&description__regex=x"]
)
def test_the_list_refuses_regex_lookups(operator, groups, query):
    """Finding 7: `?name__regex=` reached the database; SQLite runs the pattern in Python (exponential time)."""
    response = operator.get(f"{LIST_URL}?{query}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:fallbacks_changerecord_changelist") + "?subject__regex=x",
        reverse("admin:fallbacks_apikey_changelist") + "?name__regex=x",
        reverse("admin:axes_accessattempt_changelist") + "?username__regex=x",
        reverse("admin:auth_user_changelist") + "?username__regex=%5Ea",
        reverse("admin:auth_group_changelist") + "?name__iregex=x",
    ],
)
def test_every_list_refuses_regex_lookups(operator, db, url):
    assert operator.get(url).status_code == 400


def test_ordinary_filters_still_work(operator, groups):
    response = operator.get(f"{LIST_URL}?owned_by__exact=openai")
    assert response.status_code == 200
