"""Issue 12: the admin's pages carry a Content-Security-Policy (django-csp) and still work under it in a real
browser: the chain editors (select2 searches, reordering), the fallback graph (cytoscape.js), the import page
and the API's docs page (Swagger UI). The `page` fixture fails a test on any violation the browser reports."""

import pytest

from fallbacks import services
from fallbacks.selectors import chain_map

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ACTOR = "browser tests"


def violations(page) -> list[str]:
    return page.evaluate("JSON.parse(sessionStorage.getItem('csp-violations') || '[]')")


def test_admin_pages_work_under_the_content_security_policy(operator_login, live_server):
    page = operator_login()
    for name in ("gpt-4o", "claude-3-haiku", "gemini-pro"):
        services.group_create(actor=ACTOR, name=name)
    services.chain_set(actor=ACTOR, source="gpt-4o", fallback_type="general", targets=["claude-3-haiku"])
    services.chain_set(actor=ACTOR, source="claude-3-haiku", fallback_type="general", targets=["gpt-4o"])

    response = page.goto(f"{live_server.url}/admin/fallbacks/graph/general")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "'unsafe-inline'" not in policy
    page.wait_for_selector("#fallback-graph[data-rendered=true] canvas")
    assert page.locator("#fallback-graph canvas").count() >= 1

    # The `*` chains' editor: add a target through its search box, save, and see it kept.
    page.goto(f"{live_server.url}/admin/fallbacks/configuration/1/change/")
    section = page.locator("#chain-general-section")
    section.get_by_role("button", name="Add a fallback model").click()  # opens the row's search box (issue 11)
    page.locator(".select2-container--open .select2-search__field").press_sequentially("gemini")
    page.locator(".select2-container--open .select2-results__option", has_text="gemini-pro").first.click()
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    assert chain_map()[("*", "general")] == ["gemini-pro"]

    # A group's page: its chains, attempt plans and lint, drawn from static styles only.
    page.goto(f"{live_server.url}/admin/fallbacks/modelgroup/")
    page.get_by_role("link", name="gpt-4o", exact=True).click()
    page.wait_for_selector("#chain-general-0-row .select2-selection__rendered")
    assert page.locator(".fallback-step.fallback-level-1").count() >= 1
    indent = page.locator(".fallback-step.fallback-level-1").first.evaluate("e => getComputedStyle(e).marginLeft")
    assert indent != "0px"

    page.goto(f"{live_server.url}/admin/config/import")
    page.wait_for_selector("#id_config_file")

    page.goto(f"{live_server.url}/api/docs")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "LLM fallback manager" in page.locator(".swagger-ui .info .title").inner_text()

    assert violations(page) == []
