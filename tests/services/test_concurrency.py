"""Parallel writes against the served app all land, on SQLite too, and never interleave within a chain."""

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from itertools import permutations

import pytest
from django.conf import settings

from fallbacks import queries, services
from fallbacks.models import ChangeRecord, FallbackEntry
from fallbacks.selectors import chain_map, config_version

pytestmark = pytest.mark.django_db(transaction=True)

WORKERS = 8
SOURCES = 20
TYPES = ("general", "context_window", "content_policy")
TARGET_CHOICES = [list(order) for order in permutations(["t1", "t2", "t3", "t4"], 3)]


def call(base_url: str, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(
        base_url + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {settings.MASTER_KEY}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture
def groups():
    names = [f"source-{index}" for index in range(SOURCES)] + ["t1", "t2", "t3", "t4", "hot"]
    for name in names:
        services.group_create(actor="tests", name=name)
    return names


def test_parallel_writes_to_different_chains_all_land(live_server, groups):
    start = config_version()
    jobs = [
        (f"source-{source}", fallback_type, TARGET_CHOICES[(source * 3 + index) % len(TARGET_CHOICES)])
        for source in range(SOURCES)
        for index, fallback_type in enumerate(TYPES)
    ]

    def write(job):
        source, fallback_type, targets = job
        return call(
            live_server.url,
            "POST",
            "/fallback",
            {"model": source, "fallback_models": targets, "fallback_type": fallback_type},
        )

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = list(pool.map(write, jobs))
    assert [status for status, _ in results] == [200] * len(jobs), [body for status, body in results if status != 200]
    assert config_version() == start + len(jobs)
    assert ChangeRecord.objects.filter(version__gt=start).count() == len(jobs)
    assert chain_map() == {(source, fallback_type): targets for source, fallback_type, targets in jobs}


def test_parallel_writes_to_one_chain_leave_one_whole_chain(live_server, groups):
    candidates = TARGET_CHOICES[: WORKERS * 2]

    def write(targets):
        return call(live_server.url, "POST", "/fallback", {"model": "hot", "fallback_models": targets})

    for _ in range(3):
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            results = list(pool.map(write, candidates))
        assert all(status == 200 for status, _ in results), results
        created = [body["message"] for _, body in results].count("Fallback configuration created successfully")
        assert created <= 1  # only the very first writer ever creates it
        final = chain_map()[("hot", "general")]
        assert final in candidates
        assert FallbackEntry.objects.filter(source__name="hot").count() == 3
        status, body = call(live_server.url, "GET", "/fallback/hot")
        assert (status, body["fallback_models"]) == (200, final)


def test_parallel_reads_and_writes(live_server, groups):
    def read(_):
        return call(live_server.url, "GET", "/v1/models?include_metadata=true")[0]

    def write(index):
        targets = ["t1", "t2"] if index % 2 else ["t2", "t1"]
        return call(live_server.url, "POST", "/fallback", {"model": "hot", "fallback_models": targets})[0]

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        reads = pool.map(read, range(40))
        writes = pool.map(write, range(40))
        statuses = list(reads) + list(writes)
    assert statuses == [200] * 80


def call_with_headers(base_url: str, method: str, path: str, body: dict, headers: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        base_url + path,
        method=method,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {settings.MASTER_KEY}", "Content-Type": "application/json", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_writers_racing_with_the_same_if_match_one_wins_the_others_get_412(live_server, groups):
    """PRODUCT.md 3.3: two operators editing at once never silently overwrite each other."""
    for round_number in range(len(TARGET_CHOICES) // WORKERS):
        chain_etag = f'"{queries.chain_etag("hot", "general")}"'  # what GET /fallback/hot answers as its ETag
        candidates = TARGET_CHOICES[round_number * WORKERS : (round_number + 1) * WORKERS]

        def write(targets, chain_etag=chain_etag):
            return call_with_headers(
                live_server.url,
                "POST",
                "/fallback",
                {"model": "hot", "fallback_models": targets},
                {"If-Match": chain_etag},
            )

        version_before = config_version()
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            results = list(pool.map(write, candidates))
        statuses = sorted(status for status, _ in results)
        assert statuses == [200] + [412] * (len(candidates) - 1), results
        (winner,) = [targets for targets, (status, _) in zip(candidates, results, strict=True) if status == 200]
        assert chain_map()[("hot", "general")] == winner  # nothing of a loser's write landed
        assert config_version() == version_before + 1
        refused = [body for status, body in results if status == 412]
        assert all(body["detail"]["current_version"] == version_before + 1 for body in refused)
