"""The lint of part of the graph answers exactly what the whole configuration's lint answers, and reads a part
whose size does not grow with the number of model groups."""

import random
from dataclasses import replace

import pytest
from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.test.utils import CaptureQueriesContext

from fallbacks import queries, selectors, services
from fallbacks.domain import FALLBACK_TYPES
from fallbacks.lint import lint, lint_chain
from fallbacks.models import Configuration, Deployment, FallbackEntry, ModelGroup
from fallbacks.resolution import attempt_plan, direct_chain
from tests.factories import RANDOM_SERIES, load, load_fleet, random_context, store_context, stored_random_contexts


@pytest.mark.django_db
def test_the_lint_of_a_chain_just_written_is_the_whole_configurations(monkeypatch):
    local = whole = 0
    for rng, context in stored_random_contexts(13, 120):
        written = list(context.chains)
        for source, fallback_type in rng.sample(written, k=min(4, len(written))):
            expected = [finding.as_dict() for finding in lint_chain(selectors.lint_context(), source, fallback_type)]
            found = [finding.as_dict() for finding in queries.chain_warnings(source, fallback_type)]
            assert found == expected, (context, source, fallback_type)
            if queries.chain_lint_context(source, fallback_type) is None:
                whole += 1
            else:
                local += 1
    assert local > 3 * whole  # most chains are linted from their part of the graph


class RowsRead:
    """Counts the rows every query hands back to Python (fetchone, fetchmany, fetchall on Django's cursors)."""

    def __init__(self, monkeypatch):
        self.count = 0
        for method in ("fetchone", "fetchmany", "fetchall"):
            monkeypatch.setattr(CursorWrapper, method, self._counting(method), raising=False)

    def _counting(self, method):
        def fetch(cursor, *args):
            rows = getattr(cursor.cursor, method)(*args)
            self.count += (rows is not None) if method == "fetchone" else len(rows)
            return rows

        return fetch


def reload(loader, size: int, series: str | None = None) -> None:
    """An empty configuration loaded again by `loader` with `size` groups, on `series` when given."""
    FallbackEntry.objects.all().delete()
    Deployment.objects.all().delete()
    ModelGroup.objects.all().delete()
    loader(size)
    if series is not None:
        Configuration.objects.filter(pk=Configuration.SINGLETON_ID).update(litellm_version=series)


# A chain in the middle of the fleet, rewritten with another shape (the chain changes), then again the same (it does
# not): its family only.
WRITTEN = {"fallback_models": ["fleet-00056", "fleet-00057"]}
# The write (11: the client's failed-authentication count, the transaction, the lock, the names, the chain before,
# its delete and insert, the version and its record, the change or, when the chain is as it was, the version that
# last changed it (the ETag), the commit), then the lint: the settings with which types have chains, the `*` chains
# with the source's, the requesters (every hop back at once), the chains their walks may take, the reachable chains
# of the type, for a general chain the names spelled like its source, the groups' facts and their rule keys' chains.
POST_QUERIES = {"general": 19, "context_window": 18, "content_policy": 18}


@pytest.mark.parametrize("fallback_type", ["general", "context_window", "content_policy"])
@pytest.mark.parametrize("series", ["1.110", "1.109"])
def test_a_linted_write_reads_the_same_at_every_size(api, fallback_type, series, monkeypatch):
    costs = []
    for size in (1000, 4000):
        reload(load_fleet, size, series)
        body = {"model": "fleet-00055", "fallback_type": fallback_type, **WRITTEN}
        for _ in ("changed", "unchanged"):
            rows = RowsRead(monkeypatch)
            with CaptureQueriesContext(connection) as captured:
                response = api.post("/fallback", body, format="json")
            assert response.status_code == 200, response.json()
            costs.append((size, len(captured), rows.count))
            expected = lint_chain(selectors.lint_context(), "fleet-00055", fallback_type)
            assert response.json().get("warnings", []) == [finding.as_dict() for finding in expected]
            assert response["ETag"] == api.get(f"/fallback/fleet-00055?fallback_type={fallback_type}")["ETag"]
    queries = POST_QUERIES[fallback_type]
    assert [cost[1:] for cost in costs[:2]] == [cost[1:] for cost in costs[2:]]
    assert [cost[1] for cost in costs] == [queries] * 4, costs


@pytest.mark.django_db
def test_the_plan_read_from_the_chains_it_walks_is_the_whole_configurations():
    for rng, context in stored_random_contexts(17, 60):
        everything = selectors.chain_map()
        names = sorted(context.groups)
        for model in rng.sample(names, k=min(3, len(names))):
            for fallback_type in FALLBACK_TYPES.values():
                failing = rng.sample(names, k=rng.randint(0, len(names)))
                series = rng.choice(RANDOM_SERIES)
                expected = attempt_plan(
                    everything, model, fallback_type, set(failing), context.max_fallbacks, series=series
                )
                found = queries.fallback_plan(model, fallback_type, failing, litellm_version=series).plan
                assert found.as_dict() == expected.as_dict(), (context, model, fallback_type, failing)


@pytest.mark.parametrize("loader", [load, load_fleet])
def test_a_plan_reads_the_same_at_every_size(api, loader, monkeypatch):
    costs = []
    for size in (100, 2000):
        reload(loader, size)
        first, *failing = ModelGroup.objects.order_by("name").values_list("name", flat=True)[50:53]
        rows = RowsRead(monkeypatch)
        with CaptureQueriesContext(connection) as captured:
            response = api.get(
                f"/fallback_plan/{first}?fallback_type=context_window&failing={'&failing='.join(failing)}"
            )
        assert response.status_code == 200
        costs.append((len(captured), rows.count, response.json()["attempts"][1:]))
    assert costs[0][:2] == costs[1][:2]
    assert len(costs[0][2]) == len(costs[1][2]) > 1


def lint_of_random_groups(rng: random.Random, default_chance: float):
    """Stores a random configuration, asserts that lint_of_groups of a few of its groups is the whole lint filtered,
    and returns what those findings were and how the local lint read them (None: the whole configuration)."""
    context = random_context(rng, default_chance=default_chance)
    context = replace(context, series=context.configured_series)
    store_context(context)
    findings = lint(selectors.lint_context())
    # Names that other names spell half of the time: the lint reads their rules by either spelling.
    pool = sorted(context.groups)
    spelled = [name for name in pool if "/" in name or f"openai/{name}" in pool]
    pool = spelled if spelled and rng.random() < 0.5 else pool
    names = rng.sample(pool, k=rng.randint(1, min(4, len(pool))))
    expected = {name: [finding.as_dict() for finding in findings if finding.concerns(name)] for name in names}
    found = queries.lint_of_groups(names)
    assert {name: [finding.as_dict() for finding in found[name]] for name in names} == expected, (context, names)
    return context, expected, queries._groups_lint_context(names, selectors.lint_facts())


@pytest.mark.django_db
def test_the_lint_of_some_groups_is_the_whole_lint_filtered():
    rng = random.Random(19)
    local = whole = concerned = 0
    for _ in range(300):
        _, expected, read = lint_of_random_groups(rng, rng.choice([0.0, 0.05, 0.15]))
        concerned += sum(bool(value) for value in expected.values())
        if read is None:
            whole += 1
        else:
            local += 1
    assert concerned > 100
    assert local > whole


@pytest.mark.django_db
def test_the_lint_of_groups_a_default_chain_reaches_is_the_whole_lint_filtered():
    """Every model that walks a `*` chain may be a requester: the local lint plans one of those whose walks are alike
    for all of them (and the first model in no chain for every such model), and still answers the whole lint."""
    rng = random.Random(29)
    spoken_for: dict[str, int] = dict.fromkeys(RANDOM_SERIES, 0)
    whole = 0
    for _ in range(300):
        context, _, read = lint_of_random_groups(rng, rng.choice([0.5, 0.9]))
        if read is None:
            whole += 1
        elif any(len(models) > 1 for models in read[2].values()):
            spoken_for[context.series] += 1
    assert min(spoken_for.values()) > 10, spoken_for  # on both series, one walk planned for several models
    assert whole < 100  # the whole configuration only for max_fallbacks 0 or a requester no chain names


def whole_group_page(name: str) -> dict:
    """What a group's page showed when it read every chain (the reference): its chains, plans and findings."""
    context = selectors.lint_context()
    chains = context.chains
    everything = {name} | {target for targets in chains.values() for target in targets}
    kinds = list(FALLBACK_TYPES.values())
    return {
        "own": {kind: list(chains.get((name, kind), [])) for kind in kinds},
        "defaults": {kind: list(targets) for (source, kind), targets in chains.items() if source == "*"},
        "reported": {kind: direct_chain(chains, name, kind, series=context.series) for kind in kinds},
        "plans": [
            (
                attempt_plan(chains, name, kind, everything, context.max_fallbacks, series=context.series).as_dict(),
                attempt_plan(chains, name, kind, {name}, context.max_fallbacks, series=context.series).as_dict(),
            )
            for kind in kinds
        ],
        "findings": [finding.as_dict() for finding in lint(context) if finding.concerns(name)],
    }


@pytest.mark.django_db
def test_a_group_page_reads_what_it_read_from_every_chain():
    rng = random.Random(23)
    for _ in range(80):
        context = random_context(rng, default_chance=rng.choice([0.0, 0.15, 0.9]))
        store_context(context)
        for name in rng.sample(sorted(context.groups), k=2):
            page = queries.group_page(name)
            found = {
                "own": page.own,
                "defaults": page.defaults,
                "reported": page.reported,
                "plans": [(plans.walk.as_dict(), plans.first_choice_fails.as_dict()) for plans in page.plans],
                "findings": [finding.as_dict() for finding in page.findings],
            }
            assert found == whole_group_page(name), (context, name)


# The fleet's `*` chains name fleet-00000, whose chain reaches fleet-00001: the findings about fleet-00001 may name
# every group that walks a `*` chain (each family's last, which has no chain of its own). The local lint plans one of
# them for all: what the `*` chains reach, the groups without a chain of their own of some type and the first group in
# no chain are read besides what fleet-00055, mid-fleet, reads.
GROUP_PAGE_QUERIES = {"fleet-00001": 19, "fleet-00055": 15}


@pytest.mark.parametrize("name", sorted(GROUP_PAGE_QUERIES))
@pytest.mark.parametrize("series", RANDOM_SERIES)
@pytest.mark.django_db
def test_a_group_page_reads_the_same_queries_at_every_size(name, series):
    counts = []
    for size in (100, 2000):
        reload(load_fleet, size, series)
        with CaptureQueriesContext(connection) as captured:
            page = queries.group_page(name)
        counts.append(len(captured))
        findings = [finding.as_dict() for finding in page.findings]
        assert findings == whole_group_page(name)["findings"]
        requesters = {model for finding in findings for model in finding["models"]}
        if name == "fleet-00001":  # a finding names every family's last group, each walking a `*` chain
            assert {f"fleet-{index:05d}" for index in range(9, size, 10)} <= requesters
    assert counts[0] == counts[1] == GROUP_PAGE_QUERIES[name]


@pytest.mark.django_db
def test_the_sources_reaching_a_name_are_those_found_hop_by_hop():
    for rng, context in stored_random_contexts(23, 60):
        for name in rng.sample(sorted(context.groups), k=2):
            for fallback_type in FALLBACK_TYPES.values():
                hops = rng.randint(0, 5)
                expected, frontier = {name: 0}, {name}
                for hop in range(1, hops + 1):
                    frontier = selectors.chain_sources_naming(frontier, fallback_type) - {"*"} - expected.keys()
                    expected.update(dict.fromkeys(frontier, hop))
                assert selectors.sources_reaching(name, fallback_type, hops) == expected, (context, name, hops)


# --- the cycles kept per config version (queries.CYCLES) ---------------------------------------------------------


def cycle_findings_of(name: str) -> list[dict]:
    return [finding.as_dict() for finding in queries.lint_of_groups([name])[name] if finding.code == "cycle"]


def whole_cycle_findings_of(name: str) -> list[dict]:
    return [
        finding.as_dict()
        for finding in lint(selectors.lint_context())
        if finding.code == "cycle" and finding.concerns(name)
    ]


@pytest.mark.django_db
def test_a_ring_is_read_once_for_the_pages_of_all_its_groups(monkeypatch):
    load(300)  # one ring through every group, in every type
    rows = RowsRead(monkeypatch)
    first = cycle_findings_of("model-00010")
    read_first, rows.count = rows.count, 0
    later = [cycle_findings_of(name) for name in ("model-00150", "model-00299")]
    read_later = rows.count
    assert first == whole_cycle_findings_of("model-00010")
    assert later == [whole_cycle_findings_of("model-00150"), whole_cycle_findings_of("model-00299")]
    assert len(first) == len(FALLBACK_TYPES)
    assert all(len(found["models"]) == 300 for found in first)
    assert read_first > 3 * 3 * 300  # the first page read every chain of the ring (three targets, three types) ...
    assert read_later < read_first  # ... the next two pages not again (together less than the first alone)


@pytest.mark.django_db
def test_kept_cycles_are_not_read_after_a_write_breaks_the_ring(set_chain):
    load(30)
    assert len(cycle_findings_of("model-00010")) == len(FALLBACK_TYPES)
    # The general chains become a line, model-00000 to model-00029, which falls back to nothing: no general cycle.
    for index in range(29):
        set_chain(f"model-{index:05d}", [f"model-{index + 1:05d}"])
    services.chain_delete(actor="tests", source="model-00029", fallback_type="general")
    found = cycle_findings_of("model-00010")
    assert found == whole_cycle_findings_of("model-00010")
    assert [finding["fallback_type"] for finding in found] == [
        kind for kind in FALLBACK_TYPES.values() if kind != "general"
    ]


def test_the_cycle_memo_keeps_only_the_latest_stamp():
    memo = queries.CycleMemo()
    memo.learn((1, "t1"), "general", {"a": None})
    assert memo.known((1, "t1"), ["a"], ["general", "context_window"]) == {"general": [None]}
    assert memo.known((1, "t1"), ["a", "b"], ["general"]) == {}  # b is not settled
    assert memo.known((1, "t0"), ["a"], ["general"]) == {}  # the same version written at another time: a restore
    memo.learn((2, "t2"), "context_window", {"b": None})
    assert memo.known((1, "t1"), ["a"], ["general"]) == {}
    assert memo.known((2, "t2"), ["a"], ["general"]) == {}
    assert memo.known((2, "t2"), ["b"], ["general", "context_window"]) == {"context_window": [None]}
