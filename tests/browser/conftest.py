"""A real browser for the operators' editor: Playwright driving Debian's chromium, headless.

Playwright cannot download a browser here, so it drives /usr/bin/chromium (`apt-get install -y
chromium`). Without it these tests are skipped, saying why; with REQUIRE_BROWSER set (as CI
does) a missing browser is a failure instead, so CI can never pass by skipping them.
"""

import os
from pathlib import Path

import pytest
from django.db import connections

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


def _browser_missing(reason: str) -> None:
    message = f"browser tests skipped: {reason}"
    if os.environ.get("REQUIRE_BROWSER"):
        pytest.fail(message + " (REQUIRE_BROWSER is set)")
    pytest.skip(message)


# Collects what the browser refused under the app's Content-Security-Policy, page after page (an init script
# runs before any of the page's own, and is not itself subject to the policy).
RECORD_CSP_VIOLATIONS = """
window.addEventListener("securitypolicyviolation", (event) => {
  const seen = JSON.parse(sessionStorage.getItem("csp-violations") || "[]");
  seen.push(`${event.violatedDirective} ${event.blockedURI || "inline"} on ${location.pathname}`);
  sessionStorage.setItem("csp-violations", JSON.stringify(seen));
});
"""


@pytest.fixture
def page(monkeypatch, transactional_db, live_server):
    """A fresh headless chromium page; the app is at `live_server.url`.

    Every page it shows runs under the app's Content-Security-Policy: a test fails if the browser refused
    anything (an inline script or style, a source the policy does not allow), as it says on its console.
    """
    if not CHROMIUM.exists():
        _browser_missing(f"{CHROMIUM} not found (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _browser_missing("the playwright package is missing (make test installs requirements-dev.txt)")
    # Playwright's sync API keeps an event loop running in this thread, and Django refuses database
    # calls from a thread with a running loop. These tests only set up and check data around the
    # browser, never concurrently with it, so the check is switched off here and nowhere else.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        context.set_default_timeout(15_000)
        context.add_init_script(RECORD_CSP_VIOLATIONS)
        new_page = context.new_page()
        refused = []
        new_page.on(
            "console",
            lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None,
        )
        yield new_page
        context.close()
        assert not refused, f"the browser refused content under the Content-Security-Policy: {refused}"
        browser.close()
        # While Playwright's loop runs, Django keeps this thread's database connections in the loop's
        # context, where its own teardown never looks: close them here, or PostgreSQL cannot drop
        # the test database at the end ("being accessed by other users").
        connections.close_all()


OPERATOR_PASSWORD = "a-long-operator-password"


@pytest.fixture
def operator_login(page, live_server, django_user_model):
    """`operator_login()` signs a superuser in through the admin's login form (at `width` x `height` when given)."""
    django_user_model.objects.create_superuser("operator", "operator@example.com", OPERATOR_PASSWORD)

    def log_in(width: int | None = None, height: int | None = None):
        if width and height:
            page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{live_server.url}/admin/login/?next=/admin/")
        page.fill("#id_username", "operator")
        page.fill("#id_password", OPERATOR_PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_selector("#site-name")
        assert "LLM fallback manager" in page.inner_text("#site-name")
        return page

    return log_in


@pytest.fixture
def screenshot(page):
    """`screenshot("name")` saves the page as artifacts/screenshots/name.png (git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str, *, full_page: bool = True) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take
