"""The long lists kept per configuration stamp (fallbacks.api.listings): the same bytes and headers as DRF would
answer, never an answer older than an acknowledged write, and only bytes that belong to their version kept."""

import threading
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.renderers import JSONRenderer

from fallbacks import queries, selectors, services
from fallbacks.api.listings import LISTINGS, ListingCache, render_json
from fallbacks.models import Configuration, ModelGroup
from tests.factories import ACTOR, post_chain

KEPT_PATHS = [
    "/v1/models",
    "/models",
    "/v1/models?include_metadata=true",
    "/v1/models?include_metadata=true&fallback_type=context_window",
    "/v1/models?include_metadata=true&fallback_type=content_policy",
    "/models?include_metadata=yes&fallback_type=general",
    "/fallback",
    "/fallback?fallback_type=general",
    "/fallback?fallback_type=content_policy",
    "/config",
    "/config?format=json",
]


def drf_bytes(data) -> bytes:
    return JSONRenderer().render(data)


@pytest.mark.parametrize(
    "text",
    [
        "plain",
        'quote " backslash \\ slash /',
        "control \x00 \x01 \x1f \x7f \t \n \r \b \f",
        "line separators \u2028 and \u2029",
        "only the paragraph separator \u2029",
        "other characters whose UTF-8 begins with the separators' first byte: \u2027 \u202a € •",
        "accents é ü ß, CJK 模型, emoji 🤖, surrogate pair 𝄞",
    ],
)
def test_orjson_writes_exactly_the_bytes_drf_writes(text):
    data = {"data": [{"id": text, "object": "model", "created": 2**53 + 1, "owned_by": text, "n": [0, -1, None]}]}
    assert render_json(data) == drf_bytes(data)


def test_each_list_answers_what_it_answered_before_it_was_kept(api, groups, set_chain):
    """The bodies equal DRF's rendering of what queries and selectors read, and an owner with odd characters
    comes out as DRF writes it."""
    services.group_create(actor=ACTOR, name="odd", owned_by="line\u2028sep \u2029 é 🤖")
    set_chain("gpt-4o", ["claude-3-haiku", "odd"])
    set_chain("*", ["gpt-4o"], "context_window")
    for fallback_type in (None, "general", "context_window", "content_policy"):
        suffix = "" if fallback_type is None else f"?include_metadata=true&fallback_type={fallback_type}"
        expected = drf_bytes({"data": queries.model_objects(fallback_type=fallback_type), "object": "list"})
        for path in ("/v1/models", "/models"):
            for _ in range(2):  # built, then kept
                assert api.get(path + suffix).content == expected
    for fallback_type in (None, "general", "context_window"):
        suffix = "" if fallback_type is None else f"?fallback_type={fallback_type}"
        expected = drf_bytes({"data": selectors.chain_list(fallback_type=fallback_type)})
        for _ in range(2):
            assert api.get("/fallback" + suffix).content == expected


@pytest.mark.parametrize(
    ("path", "rendered_by_drf"), [("/fallback", "/fallback?model=gpt-4o"), ("/v1/models", "/v1/models/gpt-4o")]
)
def test_kept_answers_carry_the_headers_drf_gives(api, groups, path, rendered_by_drf):
    """The headers of an answer DRF renders from the same view (`/fallback?model=` is not kept) or from one with the
    same methods (the model object, which has no ETag): type, Vary, Allow, the security headers."""

    def headers(response) -> dict:
        return {name: value for name, value in response.headers.items() if name not in ("Content-Length", "ETag")}

    rendered = api.get(rendered_by_drf)
    for _ in range(2):  # built, then kept
        kept = api.get(path)
        assert kept.status_code == 200
        assert headers(kept) == headers(rendered)
        assert kept["ETag"] == f'"{selectors.config_version()}"'
        assert kept["Content-Length"] == str(len(kept.content))


@pytest.mark.parametrize("path", KEPT_PATHS)
def test_a_write_is_seen_by_the_next_read(api, groups, path):
    first = api.get(path)
    assert api.get(path).content == first.content  # kept
    seen = [first.content]
    for write in (
        lambda: api.post("/model_groups", {"name": "newcomer"}, format="json"),
        lambda: post_chain(api, "newcomer", ["gpt-4o"]),
        lambda: post_chain(api, "newcomer", ["gpt-4o"], "content_policy"),
        lambda: post_chain(api, "newcomer", ["claude-3-haiku"], "context_window"),
    ):
        written = write()
        assert written.status_code in (200, 201)
        after = api.get(path)
        assert after["ETag"] == f'"{written["X-Config-Version"]}"'
        seen.append(after.content)
    assert b"newcomer" in seen[-1]
    assert seen[-1] != seen[0]
    assert seen[-1] == api.get(path).content


@pytest.mark.parametrize("path", KEPT_PATHS)
def test_304_to_a_matching_if_none_match_for_one_query(api, groups, path, django_assert_num_queries):
    etag = api.get(path)["ETag"]
    with django_assert_num_queries(2):  # the address's failure count and the stamp
        unchanged = api.get(path, HTTP_IF_NONE_MATCH=etag)
    assert (unchanged.status_code, unchanged.content, unchanged["ETag"]) == (304, b"", etag)


@pytest.mark.parametrize("path", KEPT_PATHS)
def test_a_kept_list_costs_one_query(api, groups, path, django_assert_num_queries):
    built = api.get(path)
    with django_assert_num_queries(2):  # the address's failure count and the stamp
        kept = api.get(path)
    assert kept.content == built.content


def test_every_write_door_is_seen_services_and_settings_too(api, groups, set_chain):
    before = api.get("/v1/models?include_metadata=true").json()
    set_chain("gpt-4o", ["claude-3-haiku"])
    assert api.get("/v1/models?include_metadata=true").json() != before
    services.group_create(actor=ACTOR, name="new-one")
    assert "new-one" in [item["id"] for item in api.get("/v1/models").json()["data"]]
    # The series changes what metadata shows: a 1.109 gateway shows no general chain for a context-window error.
    set_chain("*", ["gpt-4o"], "context_window")
    on_1110 = api.get("/v1/models?include_metadata=true&fallback_type=context_window")
    services.litellm_version_set(actor=ACTOR, litellm_version="1.109")
    on_1109 = api.get("/v1/models?include_metadata=true&fallback_type=context_window")
    assert on_1109["ETag"] != on_1110["ETag"]
    assert on_1109.content == drf_bytes(
        {"data": queries.model_objects(fallback_type="context_window", series="1.109"), "object": "list"}
    )


def test_a_build_that_a_write_landed_in_is_served_but_not_kept(api, groups, monkeypatch):
    """A write committed between the stamp and the body's queries: the answer is labelled with the stamp read first
    (never newer than the data), and the bytes are not kept under it."""
    real = queries.model_objects

    def write_meanwhile(**kwargs):
        monkeypatch.setattr(queries, "model_objects", real)
        services.group_create(actor=ACTOR, name="landed-meanwhile")
        return real(**kwargs)

    version = selectors.config_version()
    monkeypatch.setattr(queries, "model_objects", write_meanwhile)
    built = LISTINGS.built
    racing = api.get("/v1/models")
    assert racing["ETag"] == f'"{version}"'
    assert "landed-meanwhile" in racing.content.decode()
    after = api.get("/v1/models")
    assert after["ETag"] == f'"{version + 1}"'
    assert LISTINGS.built == built + 2  # not kept under the old version, built again under the new one
    with CaptureQueriesContext(connection) as captured:
        assert api.get("/v1/models").content == after.content
    assert len(captured) == 2  # now kept


def test_a_restored_database_with_the_same_version_number_is_not_served_old_bytes(api, groups):
    """The version number alone repeats (a restored backup, a rolled back test); the stamp's time does not."""
    first = api.get("/v1/models").content
    stamp = selectors.config_stamp()
    written_at = Configuration.objects.get(pk=1).updated_at
    ModelGroup.objects.filter(name="gpt-4o").update(owned_by="restored")  # the data a backup holds
    Configuration.objects.filter(pk=1).update(updated_at=written_at.replace(year=written_at.year - 1))
    assert selectors.config_stamp().version == stamp.version
    again = api.get("/v1/models").content
    assert again != first
    assert b'"restored"' in again


# The cache itself, without a database -------------------------------------------------------------------------


def stamp(version: int, series: str = "1.110") -> selectors.ConfigStamp:
    return selectors.ConfigStamp(version=version, written_at=None, litellm_version=series)


def test_the_lists_of_the_two_stamps_used_last_are_kept():
    cache = ListingCache(max_bytes=1000)
    cache.body(stamp(1), "a", lambda: (b"one", True))
    cache.body(stamp(1), "b", lambda: (b"uno", True))
    cache.body(stamp(2), "a", lambda: (b"two", True))
    assert cache.body(stamp(1), "b", lambda: (b"built again", True)) == b"uno"  # a request that read 1 before 2
    cache.body(stamp(3), "a", lambda: (b"three", True))  # 2 was used longest ago: dropped
    assert cache.body(stamp(2), "a", lambda: (b"built again", True)) == b"built again"
    assert cache.body(stamp(3, "1.109"), "a", lambda: (b"other series", True)) == b"other series"
    assert cache.size == len(b"built again") + len(b"other series")


def test_bytes_that_do_not_belong_are_never_kept_and_the_total_is_bounded():
    cache = ListingCache(max_bytes=10)
    assert cache.body(stamp(1), "a", lambda: (b"torn", False)) == b"torn"
    assert cache.body(stamp(1), "a", lambda: (b"whole", True)) == b"whole"
    cache.body(stamp(2), "b", lambda: (b"123456", True))  # 5 + 6 > 10: the stamp used longest ago goes
    assert cache.size == 6
    assert cache.body(stamp(1), "a", lambda: (b"again", True)) == b"again"
    cache.body(stamp(3), "c", lambda: (b"0123456789abc", True))  # alone larger than the bound: kept alone
    assert cache.size == 13
    assert cache.body(stamp(3), "c", lambda: (b"built again", True)) == b"0123456789abc"


def test_concurrent_misses_of_one_list_build_it_once():
    cache = ListingCache(max_bytes=1000)
    builds = []

    def build():
        builds.append(1)
        time.sleep(0.05)
        return b"body", True

    answers = []
    threads = [threading.Thread(target=lambda: answers.append(cache.body(stamp(1), "a", build))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [b"body"] * 8
    assert len(builds) == 1
