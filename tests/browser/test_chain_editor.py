"""What an operator does in the admin, done in a real browser against the app on localhost."""

import pytest
from django.conf import settings

from fallbacks import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def create_group(page, live_server, name: str, provider: str) -> None:
    page.goto(f"{live_server.url}/admin/fallbacks/modelgroup/add/")
    page.fill("#id_name", name)
    page.fill("#id_owned_by", provider)
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")


def pick_target(page, fallback_type: str, row: int, name: str) -> None:
    """Add a row to a chain and pick `name` in its search box, as an operator does: "Add" opens the row's search
    with the cursor in it (issue 11), so the operator types at once."""
    section = page.locator(f"#chain-{fallback_type}-section")
    section.get_by_role("button", name="Add a fallback model").click()
    page.wait_for_selector(f"#chain-{fallback_type}-{row}-row .select2-container--open")
    page.keyboard.type(name[:6])
    page.locator(".select2-container--open .select2-results__option", has_text=name).first.click()


def offered(page, fallback_type: str, row: int, term: str = "") -> list[str]:
    """What the search of a chain's row offers for `term` (opening it if it is not open)."""
    if not page.locator(f"#chain-{fallback_type}-{row}-row .select2-container--open").count():
        page.locator(f"#chain-{fallback_type}-{row}-row .select2-selection").click()
    search = page.locator(".select2-container--open .select2-search__field")
    search.fill(term)
    page.wait_for_selector(".select2-container--open .select2-results__option:not(.loading-results)")
    page.wait_for_timeout(400)  # select2 waits 250 ms before it asks
    page.wait_for_selector(".select2-container--open .select2-results__option:not(.loading-results)")
    return page.locator(".select2-container--open .select2-results__option").all_inner_texts()


def chain_on_page(page, fallback_type: str) -> list[str]:
    rows = page.locator(f"#chain-{fallback_type}-section tbody.chain-rows tr.chain-row")
    return [
        rows.nth(index).locator(".select2-selection__rendered").get_attribute("title") for index in range(rows.count())
    ]


def api_chain(page, live_server, model: str) -> list[str]:
    response = page.request.get(
        f"{live_server.url}/fallback/{model}", headers={"Authorization": f"Bearer {settings.MASTER_KEY}"}
    )
    assert response.status == 200, response.text()
    return response.json()["fallback_models"]


def test_operator_builds_reorders_and_is_refused_a_self_fallback(page, live_server, operator_login):
    operator_login()
    for name, provider in [("gpt-4o", "openai"), ("claude-3-haiku", "anthropic"), ("gemini-pro", "google")]:
        create_group(page, live_server, name, provider)

    page.goto(f"{live_server.url}/admin/fallbacks/modelgroup/")
    page.get_by_role("link", name="gpt-4o", exact=True).click()
    page.wait_for_selector("#chain-general-section")
    pick_target(page, "general", 0, "claude-3-haiku")
    pick_target(page, "general", 1, "gemini-pro")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    assert chain_on_page(page, "general") == ["claude-3-haiku", "gemini-pro"]
    assert api_chain(page, live_server, "gpt-4o") == ["claude-3-haiku", "gemini-pro"]

    page.locator("#chain-general-1-row").get_by_role("button", name="Move up").click()
    assert chain_on_page(page, "general") == ["gemini-pro", "claude-3-haiku"]
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    page.reload()
    assert chain_on_page(page, "general") == ["gemini-pro", "claude-3-haiku"]
    assert api_chain(page, live_server, "gpt-4o") == ["gemini-pro", "claude-3-haiku"]
    reported = page.locator("#reported-general").inner_text()
    assert '"fallbacks": ["gemini-pro", "claude-3-haiku"]' in reported

    # The search of a new row offers neither gpt-4o itself nor what the chain already names (issue 11): a
    # self-fallback cannot be picked any more (the server still refuses one beside its row: tests/admin).
    page.locator("#chain-general-section").get_by_role("button", name="Add a fallback model").click()
    assert page.evaluate("document.activeElement.classList.contains('select2-search__field')")
    assert offered(page, "general", 2) == ["No results found"]
    assert offered(page, "general", 2, "gpt") == ["No results found"]
    page.keyboard.press("Escape")
    page.locator("#chain-context_window-section").get_by_role("button", name="Add a fallback model").click()
    assert offered(page, "context_window", 0) == ["claude-3-haiku", "gemini-pro"]
    page.keyboard.press("Escape")
    page.click("input[name=_continue]")  # the empty rows are ignored: nothing changes
    page.wait_for_selector(".messagelist .success")
    assert api_chain(page, live_server, "gpt-4o") == ["gemini-pro", "claude-3-haiku"]


def test_screenshots_of_the_list_and_a_group_page(page, live_server, operator_login, screenshot):
    actor = "browser tests"
    for name, provider in [
        ("gpt-4o", "openai"),
        ("gpt-4o-mini", "openai"),
        ("anthropic/claude-3-5-sonnet", "anthropic"),
        ("claude-3-haiku", "anthropic"),
        ("gemini-1.5-pro", "google"),
        ("bedrock/anthropic.claude-v2:1", "bedrock"),
    ]:
        services.group_create(actor=actor, name=name, owned_by=provider)
    services.chain_set(
        actor=actor, source="gpt-4o", fallback_type="general", targets=["anthropic/claude-3-5-sonnet", "gemini-1.5-pro"]
    )
    services.chain_set(actor=actor, source="gpt-4o", fallback_type="context_window", targets=["gemini-1.5-pro"])
    services.chain_set(actor=actor, source="claude-3-haiku", fallback_type="general", targets=["gpt-4o-mini"])
    services.chain_set(actor=actor, source="*", fallback_type="general", targets=["gpt-4o-mini", "claude-3-haiku"])
    services.chain_set(
        actor=actor, source="*", fallback_type="content_policy", targets=["bedrock/anthropic.claude-v2:1"]
    )
    operator_login()

    page.goto(f"{live_server.url}/admin/fallbacks/modelgroup/")
    assert "anthropic/claude-3-5-sonnet → gemini-1.5-pro" in page.locator("#result_list").inner_text()
    assert screenshot("model-group-list").stat().st_size > 10_000

    page.get_by_role("link", name="gpt-4o", exact=True).click()
    page.wait_for_selector("#chain-general-1-row .select2-selection__rendered")
    assert chain_on_page(page, "general") == ["anthropic/claude-3-5-sonnet", "gemini-1.5-pro"]
    assert screenshot("model-group-page").stat().st_size > 10_000


def test_two_operators_on_one_page_the_second_save_is_refused_with_the_current_values(
    page, live_server, operator_login
):
    """PRODUCT.md 3.3: two pages open, save one, save the other: the refusal names the change, the page shows it."""
    for name in ("gpt-4o", "claude-3-haiku", "gemini-pro"):
        services.group_create(actor="setup", name=name)
    operator_login()
    url = f"{live_server.url}/admin/fallbacks/modelgroup/{_group_pk('gpt-4o')}/change/"
    second = page.context.new_page()
    page.goto(url)
    second.goto(url)

    pick_target(page, "general", 0, "claude-3-haiku")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    pick_target(second, "general", 0, "gemini-pro")
    second.fill("#id_description", "the second operator's edit")
    second.click("input[name=_continue]")
    second.wait_for_selector(".messagelist .error")

    message = second.inner_text(".messagelist .error")
    assert "Nothing was saved: Precondition failed: model group gpt-4o changed at version" in message
    assert "by operator (admin)" in message
    assert "set chain gpt-4o (general): claude-3-haiku" in message
    assert chain_on_page(second, "general") == ["claude-3-haiku"]  # the current values, not the refused edit
    assert second.input_value("#id_description") == ""
    assert api_chain(page, live_server, "gpt-4o") == ["claude-3-haiku"]


def _group_pk(name: str) -> int:
    from fallbacks.models import ModelGroup

    return ModelGroup.objects.get(name=name).pk


def test_a_chain_is_reordered_from_the_keyboard(page, live_server, operator_login):
    for name in ("gpt-4o", "claude-3-haiku", "gemini-pro", "mistral-large"):
        services.group_create(actor="setup", name=name)
    services.chain_set(
        actor="setup",
        source="gpt-4o",
        fallback_type="general",
        targets=["claude-3-haiku", "gemini-pro", "mistral-large"],
    )
    operator_login()
    page.goto(f"{live_server.url}/admin/fallbacks/modelgroup/{_group_pk('gpt-4o')}/change/")
    page.wait_for_selector("#chain-general-2-row .select2-selection__rendered")

    # Tab to a row's "Move down" button and press it twice: the row goes down, the focus stays on its button.
    page.locator("#chain-general-0-row").get_by_role("button", name="Move down").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Space")
    assert chain_on_page(page, "general") == ["gemini-pro", "mistral-large", "claude-3-haiku"]
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Move down"
    # Alt+Up anywhere in a row (here its position field) moves it up, keeping the focus where it was.
    page.locator("#chain-general-2-row input.chain-position").focus()  # the rows keep their ids: this is mistral-large
    page.keyboard.press("Alt+ArrowUp")
    assert chain_on_page(page, "general") == ["mistral-large", "gemini-pro", "claude-3-haiku"]
    assert page.evaluate("document.activeElement.name") == "chain-general-2-ORDER"
    positions = page.locator("#chain-general-section input.chain-position")
    assert [positions.nth(index).input_value() for index in range(3)] == ["1", "2", "3"]
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    assert api_chain(page, live_server, "gpt-4o") == ["mistral-large", "gemini-pro", "claude-3-haiku"]
