"""Pages of the long lists (PRODUCT.md 3.2): `GET /model_groups` and `GET /fallback` page only when asked with
`?limit=` (at most 1,000), `next` is the cursor of the following page (null on the last); without a limit the
whole list, exactly as before."""

import base64

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fallbacks import errors, selectors, services
from fallbacks.api import cursors
from tests.factories import ACTOR, load

KEY_CHECK_QUERIES = 1  # the address's count of failed authentications (tests/reads/test_queries.py)


def walk(api, path: str, limit: int) -> tuple[list[dict], int]:
    """Every item of `path` read a page of `limit` at a time, and how many pages it took."""
    separator = "&" if "?" in path else "?"
    items, pages, cursor = [], 0, None
    while True:
        url = f"{path}{separator}limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        response = api.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        assert set(body) == {"data", "next"}
        assert len(body["data"]) <= limit
        items += body["data"]
        pages += 1
        cursor = body["next"]
        if cursor is None:
            return items, pages
        assert len(body["data"]) == limit  # only the last page is short


@pytest.fixture
def chains(make_groups, set_chain):
    """Groups whose chains are of every type, some of none, `*` chains, and names that sort next to each other."""
    names = ["a", "a/b", "a:c", "b", "c.d", "d@e", "z"]
    make_groups(*names)
    set_chain("*", ["a"], "content_policy")
    set_chain("*", ["b"])
    set_chain("a", ["b", "z"])
    set_chain("a", ["z"], "context_window")
    set_chain("a", ["b"], "content_policy")
    set_chain("a/b", ["a"], "context_window")
    set_chain("c.d", ["a", "b"])
    set_chain("c.d", ["z"], "content_policy")
    set_chain("z", ["a"], "content_policy")
    return names


@pytest.mark.parametrize("limit", [1, 2, 3, 4, 5, 1000])
@pytest.mark.parametrize(
    "filters", ["", "?fallback_type=general", "?fallback_type=content_policy", "?model=a", "?model=*", "?model=b"]
)
def test_the_pages_of_the_chains_are_the_whole_list(api, chains, limit, filters):
    whole = api.get(f"/fallback{filters}").json()
    assert set(whole) == {"data"}  # without a limit: the whole list, no `next`, as before
    items, pages = walk(api, f"/fallback{filters}", limit)
    assert items == whole["data"]
    assert pages == max(1, -(-len(items) // limit))


@pytest.mark.parametrize("limit", [1, 2, 3, 6, 7, 8, 1000])
def test_the_pages_of_the_model_groups_are_the_whole_list(api, chains, limit):
    whole = api.get("/model_groups").json()
    assert set(whole) == {"data"}
    items, _ = walk(api, "/model_groups", limit)
    assert items == whole["data"]
    assert [item["name"] for item in items] == sorted(chains)


def test_a_page_carries_the_config_version_and_answers_304(api, chains):
    first = api.get("/model_groups?limit=2")
    assert first["ETag"] == f'"{selectors.config_version()}"'
    unchanged = api.get("/model_groups?limit=2", HTTP_IF_NONE_MATCH=first["ETag"])
    assert (unchanged.status_code, unchanged.content) == (304, b"")


def test_a_cursor_continues_after_its_item_even_when_that_item_is_gone(api, chains, set_chain):
    first = api.get("/model_groups?limit=2").json()
    assert [group["name"] for group in first["data"]] == ["a", "a/b"]
    services.chain_delete(actor=ACTOR, source="a/b", fallback_type="context_window")
    services.group_delete(actor=ACTOR, group="a/b")
    rest = api.get(f"/model_groups?limit=10&cursor={first['next']}").json()
    assert [group["name"] for group in rest["data"]] == ["a:c", "b", "c.d", "d@e", "z"]
    chain_page = api.get("/fallback?limit=3").json()
    set_chain("a", ["d@e"], "context_window")  # rewritten meanwhile: the next page starts after it all the same
    following = api.get(f"/fallback?limit=3&cursor={chain_page['next']}").json()
    assert [(chain["model"], chain["fallback_type"]) for chain in chain_page["data"] + following["data"]] == [
        ("*", "general"),
        ("*", "content_policy"),
        ("a", "general"),
        ("a", "context_window"),
        ("a", "content_policy"),
        ("c.d", "general"),
    ]


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize("path", ["/fallback", "/model_groups"])
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("limit=0", errors.INVALID_LIMIT.format(limit=1000)),
        ("limit=1001", errors.INVALID_LIMIT.format(limit=1000)),
        ("limit=-1", errors.INVALID_LIMIT.format(limit=1000)),
        ("limit=1.5", errors.INVALID_LIMIT.format(limit=1000)),
        ("limit=", errors.INVALID_LIMIT.format(limit=1000)),
        ("limit=x", errors.INVALID_LIMIT.format(limit=1000)),
        ("limit=%D9%A3", errors.INVALID_LIMIT.format(limit=1000)),  # an Arabic-Indic three: a digit, not ASCII
        ("limit=2&cursor=", errors.INVALID_CURSOR),
        ("limit=2&cursor=%%%", errors.INVALID_CURSOR),
        ("limit=2&cursor=abc", errors.INVALID_CURSOR),
        ("limit=2&cursor=%C3%A9", errors.INVALID_CURSOR),
        (f"limit=2&cursor={b64('{}')}", errors.INVALID_CURSOR),
        (f"limit=2&cursor={b64('[1, 2]')}", errors.INVALID_CURSOR),
        ("limit=2&cursor=" + b64('["a", "b", "c"]'), errors.INVALID_CURSOR),
        ("limit=2&cursor=" + base64.urlsafe_b64encode(bytes([255, 254])).decode(), errors.INVALID_CURSOR),
        ("limit=2&cursor=" + b64("[" * 2900), errors.INVALID_CURSOR),  # nested too deep for Python's json
        (f"cursor={cursors.encode('a')}", errors.CURSOR_WITHOUT_LIMIT),
    ],
)
def test_a_bad_limit_or_cursor_is_a_400_in_the_contracts_shape(api, chains, path, query, message):
    response = api.get(f"{path}?{query}")
    assert response.status_code == 400
    assert response.json() == {"detail": {"error": message}}


@pytest.mark.parametrize(("path", "parts"), [("/fallback", ("a\x00", "general")), ("/model_groups", ("a\x00",))])
@pytest.mark.parametrize("bad", ["\x00", "\x1b", "x" * 256])
def test_a_cursor_whose_name_no_group_can_have_is_a_400(api, chains, path, parts, bad):
    """A control character (NUL, which PostgreSQL refuses in any query) or an overlong name, hidden by base64."""
    cursor = cursors.encode(parts[0].replace("\x00", bad), *parts[1:])
    response = api.get(f"{path}?limit=2&cursor={cursor}")
    assert (response.status_code, response.json()) == (400, {"detail": {"error": errors.INVALID_CURSOR}})


def test_a_chain_cursor_names_a_type_and_a_group_cursor_one_name(api, chains):
    assert api.get(f"/fallback?limit=2&cursor={cursors.encode('a', 'nope')}").status_code == 400
    assert api.get(f"/fallback?limit=2&cursor={cursors.encode('a')}").status_code == 400
    assert api.get(f"/model_groups?limit=2&cursor={cursors.encode('a', 'general')}").status_code == 400
    assert api.get(f"/model_groups?limit=2&cursor={cursors.encode('a')}").json()["data"][0]["name"] == "a/b"


PAGE_QUERIES = {
    "/model_groups?limit=100": 4,  # the version, a page of groups, their deployments, their chains
    "/fallback?limit=100": 3,  # the version, a page of groups that have chains, their chains
    "/fallback?limit=100&fallback_type=context_window": 3,
}


@pytest.mark.parametrize(("path", "expected"), PAGE_QUERIES.items())
@pytest.mark.parametrize("groups", [1, 1000])
def test_a_page_costs_the_same_queries_and_rows_for_1_and_1000_groups(api, path, expected, groups):
    load(groups)
    with CaptureQueriesContext(connection) as first:
        response = api.get(path)
    assert len(first) == expected + KEY_CHECK_QUERIES
    page = response.json()
    if groups == 1:
        assert page["next"] is None
        return
    assert len(page["data"]) == 100
    with CaptureQueriesContext(connection) as following:
        assert api.get(f"{path}&cursor={page['next']}").status_code == 200
    assert len(following) == expected + KEY_CHECK_QUERIES
