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

ACTOR = "browser tests"
VIEWPORTS = [(1280, 800), (1440, 900)]
README_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
# The screenshots the README shows (README_SCREENSHOTS=1 writes them); the others stay in artifacts/screenshots/.
README_SCREENSHOTS = {
    "admin-model-group-list",
    "admin-model-group-list-1280",
    "admin-model-group-page",
    "admin-fallback-graph",
    "admin-fallback-graph-focus",
}

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
def readme_screenshot(page, screenshot):
    """Saves the page in artifacts/screenshots/, and as a README image when README_SCREENSHOTS=1."""

    def take(name: str, *, full_page: bool = False) -> Path:
        path = screenshot(name, full_page=full_page)
        if os.environ.get("README_SCREENSHOTS") and name in README_SCREENSHOTS:
            README_IMAGES.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(README_IMAGES / f"{name}.png"), full_page=full_page)
        return path

    return take


def horizontal_overflow(page) -> int:
    """How many pixels the page is wider than its window (0: no horizontal scroll bar)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
def test_the_model_group_list_fits_with_long_names(operator_login, live_server, readme_screenshot, width, height):
    realistic_configuration()
    page = operator_login(width, height)
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
def test_a_group_page_shows_its_chains_and_plans_first(operator_login, live_server, readme_screenshot, width, height):
    realistic_configuration()
    page = operator_login(width, height)
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
    if width == 1440:
        readme_screenshot("admin-model-group-page")
    # "Add" opens the new row's search with the cursor in it, offering neither gpt-4o nor its chain's targets.
    page.locator("#chain-context_window-section").get_by_role("button", name="Add a fallback model").click()
    page.wait_for_selector("#chain-context_window-1-row .select2-container--open")
    assert page.evaluate("document.activeElement.classList.contains('select2-search__field')")
    page.keyboard.type("gpt-4o")
    page.wait_for_timeout(400)
    page.wait_for_selector(".select2-container--open .select2-results__option:not(.loading-results)")
    offered = page.locator(".select2-container--open .select2-results__option").all_inner_texts()
    assert offered == ["azure/gpt-4o-2024-08-06", "gpt-4o-mini"]
    page.keyboard.type("-mini")
    page.wait_for_timeout(400)
    page.wait_for_selector(".select2-container--open .select2-results__option:not(.loading-results)")
    assert page.locator(".select2-container--open .select2-results__option").all_inner_texts() == ["gpt-4o-mini"]


PROVIDERS = ["openai", "azure", "anthropic", "bedrock", "openrouter/meta-llama", "vertex_ai", "groq", "mistral"]
MODELS = ["gpt-4o", "claude-3-5-sonnet-20240620", "llama-3.1-70b-instruct", "gemini-1.5-pro-002", "mixtral-8x22b"]


def many_groups(count: int) -> list[str]:
    """`count` realistic names with chains of every type, written in bulk (the graph page reads chains only).

    As in real configurations, most chains end in a few popular models (the hubs, a tenth of the groups), which
    fall back to one another in turn.
    """
    from fallbacks.domain import FALLBACK_TYPES
    from fallbacks.models import FallbackEntry

    names = [f"{PROVIDERS[index % len(PROVIDERS)]}/{MODELS[index % len(MODELS)]}-{index:03}" for index in range(count)]
    groups = ModelGroup.objects.bulk_create(ModelGroup(name=name) for name in names)
    hubs = groups[: max(2, count // 10)]
    entries = []
    for index, group in enumerate(groups):
        for kind_index, kind in enumerate(FALLBACK_TYPES.values()):
            if (index + kind_index) % 3 == 2:
                continue  # not every group has a chain of every type
            picks = [hubs[(index * 7 + kind_index + step) % len(hubs)] for step in (0, 3, 5)]
            targets = [target for target in dict.fromkeys(picks) if target != group]
            entries += [
                FallbackEntry(source=group, fallback_type=kind, position=position, target=target)
                for position, target in enumerate(targets)
            ]
    FallbackEntry.objects.bulk_create(entries)
    return names


def drawn_boxes(page) -> list[dict]:
    return page.evaluate(
        """window.fallbackGraph.nodes().map((node) => {
             const box = node.renderedBoundingBox({includeLabels: true, includeOverlays: false});
             return {id: node.id(), x1: box.x1, x2: box.x2, y1: box.y1, y2: box.y2};
           })"""
    )


def overlapping(boxes: list[dict]) -> list[tuple[str, str]]:
    ordered = sorted(boxes, key=lambda box: box["x1"])
    found = []
    for index, box in enumerate(ordered):
        for other in ordered[index + 1 :]:
            if other["x1"] >= box["x2"]:
                break
            if other["y1"] < box["y2"] and box["y1"] < other["y2"]:
                found.append((box["id"], other["id"]))
    return found


@pytest.mark.parametrize("count", [10, 200])
def test_the_graph_is_layered_without_overlaps_and_framed_alike(operator_login, live_server, readme_screenshot, count):
    if count == 10:
        realistic_configuration()
    else:
        many_groups(count)
    page = operator_login(1440, 900)
    container = None
    for fallback_type in ("general", "context_window", "content_policy"):
        page.goto(f"{live_server.url}/admin/fallbacks/graph/{fallback_type}")
        page.wait_for_selector("#fallback-graph[data-rendered=true] canvas")
        boxes = drawn_boxes(page)
        readme_screenshot(f"admin-fallback-graph-{count}-{fallback_type}")
        assert len(boxes) >= 2
        assert overlapping(boxes) == [], fallback_type
        # Framed alike: everything inside the drawing's box, and centred in it.
        container = page.locator("#fallback-graph").bounding_box()
        left = min(box["x1"] for box in boxes)
        right = max(box["x2"] for box in boxes)
        top = min(box["y1"] for box in boxes)
        bottom = max(box["y2"] for box in boxes)
        assert left >= 0, fallback_type
        assert top >= 0, fallback_type
        assert right <= container["width"], fallback_type
        assert bottom <= container["height"], fallback_type
        assert abs(left - (container["width"] - right)) < 30 or abs(top - (container["height"] - bottom)) < 30
        assert page.evaluate("window.fallbackGraph.zoom()") <= 1
        summary = page.locator("#fallback-graph-summary").inner_text()
        models = len([box for box in boxes if box["id"] != "*"])
        assert summary.startswith(f"{models} model group"), summary  # `*` is not counted as a model group
        legend = page.locator(".fallback-graph-legend").inner_text()
        for mark in ("chain of its own", "target only", "default * chain", "cycle", "position", "dashed", "dotted"):
            assert mark in legend
        if count == 10 and fallback_type == "general":
            readme_screenshot("admin-fallback-graph")
    assert container is not None


def test_the_graph_focuses_on_one_models_neighbourhood(operator_login, live_server, readme_screenshot):
    realistic_configuration()
    page = operator_login(1280, 800)
    page.goto(f"{live_server.url}/admin/fallbacks/graph/general")
    page.fill("#fallback-graph-model", "groq/llama-3.1-8b-instant")
    page.click(".fallback-graph-search button")
    page.wait_for_selector("#fallback-graph[data-rendered=true] canvas")
    drawn = {box["id"] for box in drawn_boxes(page)}
    # groq's neighbourhood: who falls back to it (openrouter's llama) and, two steps away, what that one touches.
    assert "groq/llama-3.1-8b-instant" in drawn
    assert "openrouter/meta-llama/llama-3.1-70b-instruct" in drawn
    assert "claude-3-haiku" not in drawn
    assert page.evaluate("window.fallbackGraph.$('node.focus').id()") == "groq/llama-3.1-8b-instant"
    assert overlapping(drawn_boxes(page)) == []
    readme_screenshot("admin-fallback-graph-focus")


def test_the_landing_page_and_the_api_docs_work_for_a_logged_in_admin(operator_login, live_server, readme_screenshot):
    realistic_configuration()
    page = operator_login(1280, 800)
    page.get_by_role("link", name="View site").click()
    page.wait_for_selector("h1")
    assert page.url == f"{live_server.url}/"
    assert page.inner_text("h1") == "LLM fallback manager"
    for name in ("Admin", "API docs", "/health", "/health/readiness"):
        assert page.get_by_role("link", name=name, exact=True).count() == 1
    favicon = page.request.get(f"{live_server.url}/favicon.ico")
    assert favicon.status == 200
    assert "svg" in favicon.headers["content-type"]
    readme_screenshot("landing-page")

    page.get_by_role("link", name="API docs", exact=True).click()
    page.wait_for_selector(".swagger-ui .info .title")
    assert "Try it out uses that session" in page.inner_text("#api-docs-session")
    # Try it out on GET /v1/models, with no key: the admin session answers.
    operation = page.locator(".opblock-get", has=page.locator(".opblock-summary-path", has_text="/v1/models")).first
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    status = operation.locator(".live-responses-table .response .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip() == "200"
    assert "bedrock/anthropic.claude-v2:1" in operation.locator(".live-responses-table").inner_text()
