"""Issue 11: the admin reads at a glance at 1280x800 and 1440x900 with realistic, long model names.

With README_SCREENSHOTS=1 these tests also write the README's images (docs/images/); they always write
artifacts/screenshots/ (git-ignored).
"""

import os
from pathlib import Path

import pytest

from fallbacks import services
from fallbacks.models import ModelGroup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-operator-password"
ACTOR = "browser tests"
VIEWPORTS = [(1280, 800), (1440, 900)]
README_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"

# Names as operators meet them: provider prefixes, dots, colons, long model ids.
GROUPS = [
    ("gpt-4o", "openai"),
    ("gpt-4o-mini", "openai"),
    ("azure/gpt-4o-2024-08-06", "azure"),
    ("anthropic/claude-3-5-sonnet-20240620", "anthropic"),
    ("claude-3-haiku", "anthropic"),
    ("bedrock/anthropic.claude-v2:1", "bedrock"),
    ("bedrock/anthropic.claude-3-sonnet-20240229-v1:0", "bedrock"),
    ("openrouter/meta-llama/llama-3.1-70b-instruct", "openrouter"),
    ("openrouter/mistralai/mixtral-8x22b-instruct", "openrouter"),
    ("vertex_ai/gemini-1.5-pro-002", "vertex_ai"),
    ("gemini-1.5-flash", "google"),
    ("groq/llama-3.1-8b-instant", "groq"),
]
CHAINS = [
    (
        "gpt-4o",
        "general",
        ["azure/gpt-4o-2024-08-06", "anthropic/claude-3-5-sonnet-20240620", "vertex_ai/gemini-1.5-pro-002"],
    ),
    ("gpt-4o", "context_window", ["vertex_ai/gemini-1.5-pro-002"]),
    ("gpt-4o", "content_policy", ["bedrock/anthropic.claude-v2:1", "openrouter/meta-llama/llama-3.1-70b-instruct"]),
    ("azure/gpt-4o-2024-08-06", "general", ["gpt-4o", "openrouter/meta-llama/llama-3.1-70b-instruct"]),
    ("anthropic/claude-3-5-sonnet-20240620", "general", ["bedrock/anthropic.claude-3-sonnet-20240229-v1:0", "gpt-4o"]),
    ("anthropic/claude-3-5-sonnet-20240620", "context_window", ["vertex_ai/gemini-1.5-pro-002"]),
    ("claude-3-haiku", "general", ["bedrock/anthropic.claude-v2:1", "gpt-4o-mini"]),
    (
        "openrouter/meta-llama/llama-3.1-70b-instruct",
        "general",
        ["groq/llama-3.1-8b-instant", "openrouter/mistralai/mixtral-8x22b-instruct"],
    ),
    ("openrouter/meta-llama/llama-3.1-70b-instruct", "content_policy", ["openrouter/mistralai/mixtral-8x22b-instruct"]),
    ("gemini-1.5-flash", "general", ["vertex_ai/gemini-1.5-pro-002", "gpt-4o-mini"]),
    ("*", "general", ["gpt-4o-mini", "claude-3-haiku"]),
    ("*", "content_policy", ["bedrock/anthropic.claude-v2:1"]),
]


def realistic_configuration() -> None:
    for name, provider in GROUPS:
        services.group_create(actor=ACTOR, name=name, owned_by=provider, description="")
    for source, fallback_type, targets in CHAINS:
        services.chain_set(actor=ACTOR, source=source, fallback_type=fallback_type, targets=targets)


@pytest.fixture
def logged_in(page, live_server, django_user_model):
    django_user_model.objects.create_superuser("operator", "operator@example.com", PASSWORD)

    def log_in(width: int = 1440, height: int = 900):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{live_server.url}/admin/login/?next=/admin/")
        page.fill("#id_username", "operator")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_selector("#site-name")
        return page

    return log_in


@pytest.fixture
def readme_screenshot(page, screenshot):
    """Saves the page in artifacts/screenshots/, and as a README image when README_SCREENSHOTS=1."""

    def take(name: str, *, full_page: bool = False) -> Path:
        path = screenshot(name, full_page=full_page)
        if os.environ.get("README_SCREENSHOTS"):
            README_IMAGES.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(README_IMAGES / f"{name}.png"), full_page=full_page)
        return path

    return take


def horizontal_overflow(page) -> int:
    """How many pixels the page is wider than its window (0: no horizontal scroll bar)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
def test_the_model_group_list_fits_with_long_names(logged_in, live_server, readme_screenshot, width, height):
    realistic_configuration()
    page = logged_in(width, height)
    page.goto(f"{live_server.url}/admin/fallbacks/modelgroup/")
    assert horizontal_overflow(page) == 0
    for column in ("general_fallbacks", "context_window_fallbacks", "content_policy_fallbacks"):
        header = page.locator(f"#result_list thead th.column-{column}").bounding_box()
        assert header["x"] >= 0, (column, header)
        assert header["x"] + header["width"] <= width, (column, header)
        assert header["width"] > 150, (column, header)  # a column, not a sliver
    # A long target is cut short in its cell, with its full name on hover.
    row = page.locator("#result_list tbody tr", has=page.get_by_role("link", name="gpt-4o", exact=True))
    chip = row.locator(".field-content_policy_fallbacks .chain-target").last
    assert chip.get_attribute("title") == "openrouter/meta-llama/llama-3.1-70b-instruct"
    cell = row.locator("td.field-content_policy_fallbacks").bounding_box()
    box = chip.bounding_box()
    assert box["x"] + box["width"] <= cell["x"] + cell["width"] + 1
    # The chain reads in order, and inherited chains say so (issue 9).
    assert "azure/gpt-4o-2024-08-06 → anthropic/claude-3-5-sonnet-20240620" in row.inner_text()
    haiku = page.locator("#result_list tbody tr", has=page.get_by_role("link", name="groq/llama-3.1-8b-instant"))
    assert haiku.locator(".field-general_fallbacks").inner_text().startswith("* gpt-4o-mini → claude-3-haiku")
    # Lint problems are marked on their rows: the cycle gpt-4o <-> azure/gpt-4o-2024-08-06.
    mark = row.locator(".lint-mark")
    assert "cycle" in mark.get_attribute("title")
    readme_screenshot(f"admin-model-group-list-{width}")
    if width == 1440:
        readme_screenshot("admin-model-group-list")


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
def test_a_group_page_shows_its_chains_and_plans_first(logged_in, live_server, readme_screenshot, width, height):
    realistic_configuration()
    page = logged_in(width, height)
    group = ModelGroup.objects.get(name="gpt-4o")
    page.goto(f"{live_server.url}/admin/fallbacks/modelgroup/{group.pk}/change/")
    page.wait_for_selector("#chain-general-2-row .select2-selection__rendered")
    readme_screenshot(f"admin-model-group-page-{width}")
    assert horizontal_overflow(page) == 0
    # The first screen: the three chains, each with its history, and the start of the plans.
    for fallback_type in ("general", "context_window", "content_policy"):
        section = page.locator(f"#chain-{fallback_type}-section")
        assert section.bounding_box()["y"] < height, fallback_type
        assert section.locator("a.chain-history").get_attribute("href").endswith(f"fallback_type={fallback_type}")
    assert page.locator("#plans").bounding_box()["y"] < height
    assert page.locator("#plans .fallback-plan-legend").inner_text().count("\n") >= 4
    # The group's own fields come after; its creation is a date.
    assert page.locator("#id_name").bounding_box()["y"] > page.locator("#plans").bounding_box()["y"]
    assert "UTC" in page.locator(".field-created_on .readonly").inner_text()
    readme_screenshot(f"admin-model-group-page-{width}")
    if width == 1440:
        readme_screenshot("admin-model-group-page")
