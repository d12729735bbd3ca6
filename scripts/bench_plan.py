"""`make bench`, part two: `/fallback_plan/{model}`, `/fallback_lint` and a linted `POST /fallback`, at 1,000 and
10,000 model groups, on two shapes of configuration.

- `ring`: the configuration of scripts/bench.py (N groups in a ring, each with a deployment and a three-target chain
  of every type to the next three). Every chain reaches every group, so each type's chains are one cycle of N groups
  and the linted write's answer names all of them (its `cycle` finding): that part of its cost grows with N.
- `fleet`: the same groups in families of ten, each falling back to the next three of its family (no cycles), with
  `*` chains naming the first group: what a chain reaches does not grow with N.

Loads a throwaway database (a temporary SQLite file, or the database BENCH_DATABASE_URL names, which it empties
first), serves the real WSGI application over HTTP on a free local port and prints, per request, SQL queries per
request, median and p95 latency. It asserts nothing: figures are for reading.

    .venv/bin/python scripts/bench_plan.py [--sizes 1000 10000] [--shapes ring fleet] [--requests 30]
"""

import argparse
import json
import sys
import tempfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import MASTER_KEY, QueryCounter, analyze, load, serve, timed


def name(index: int) -> str:
    return f"provider-{index % 7}/model-{index:05d}"


def load_fleet(size: int) -> None:
    """`size` groups (scripts/bench.py's names), each with a deployment, in families of ten: each falls back to the
    next three of its family, in every type; the `*` chains name the first group."""
    from django.core.management import call_command
    from django.db import transaction

    from fallbacks.domain import FALLBACK_TYPES
    from fallbacks.models import Configuration, Deployment, FallbackEntry, ModelGroup

    call_command("flush", interactive=False, verbosity=0)
    with transaction.atomic():
        ModelGroup.objects.bulk_create(
            (ModelGroup(name=name(index), owned_by=f"provider-{index % 7}") for index in range(size)), batch_size=2000
        )
        groups = {group.name: group for group in ModelGroup.objects.all()}
        ordered = [groups[name(index)] for index in range(size)]
        Deployment.objects.bulk_create(
            (Deployment(model_group=group, litellm_params={"model": group.name}) for group in ordered), batch_size=2000
        )
        entries = []
        for index, group in enumerate(ordered):
            family_end = min((index // 10 + 1) * 10, size)
            for fallback_type in FALLBACK_TYPES.values():
                entries += [
                    FallbackEntry(source=group, fallback_type=fallback_type, position=position, target=ordered[other])
                    for position, other in enumerate(range(index + 1, min(index + 4, family_end)))
                ]
        for fallback_type in FALLBACK_TYPES.values():
            entries.append(FallbackEntry(source=None, fallback_type=fallback_type, position=0, target=ordered[0]))
        FallbackEntry.objects.bulk_create(entries, batch_size=5000)
        Configuration.objects.update_or_create(pk=1, defaults={"version": 1})
    analyze()


LOADERS = {"ring": load, "fleet": load_fleet}


def plan_paths(size: int) -> list[str]:
    middle = size // 2 + 5  # the middle of a family
    first, second, third = (name(middle + step) for step in (0, 1, 2))
    return [
        f"/fallback_plan/{first}",
        f"/fallback_plan/{first}?failing={second}&failing={third}",
        f"/fallback_plan/{first}?fallback_type=context_window&failing={second}",
    ]


def post_body(size: int, fallback_type: str) -> dict:
    """Rewrites the chain of a group in the middle of the configuration (to the targets it already has)."""
    middle = size // 2 + 5
    return {
        "model": name(middle),
        "fallback_type": fallback_type,
        "fallback_models": [name(middle + 1), name(middle + 2)],
    }


def measure(base_url: str, path: str, requests: int, counter: QueryCounter, *, json_body: dict | None = None) -> dict:
    """Queries per request, median and p95 latency of `path`: a GET, or a POST of `json_body` (scripts/bench.py's
    measure times the lists' GETs only)."""
    headers = {"Authorization": f"Bearer {MASTER_KEY}"}
    if json_body is not None:
        headers["Content-Type"] = "application/json"
    data = None if json_body is None else json.dumps(json_body).encode()
    request = urllib.request.Request(base_url + path, data=data, headers=headers)

    def fetch() -> None:
        with urllib.request.urlopen(request, timeout=120) as response:
            assert response.status == 200, response.status
            response.read()

    return timed(fetch, requests, counter, warmups=2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--shapes", nargs="+", choices=sorted(LOADERS), default=["fleet", "ring"])
    parser.add_argument("--requests", type=int, default=30)
    arguments = parser.parse_args()

    server, counter = serve(tempfile.mkdtemp(prefix="fallbacks-bench-plan-"))
    base_url = f"http://127.0.0.1:{server.server_port}"

    from django.db import connection

    print(f"\nattempt plan and lint; database: {connection.vendor}; served over HTTP at {base_url}")
    print(f"{'shape':<6} {'groups':>7}  {'request':<78} {'queries':>7} {'median ms':>10} {'p95 ms':>9}")
    for shape in arguments.shapes:
        for size in arguments.sizes:
            LOADERS[shape](size)
            rows = [(f"GET {path}", measure(base_url, path, arguments.requests, counter)) for path in plan_paths(size)]
            for fallback_type in ("general", "content_policy"):
                rows.append(
                    (
                        f"POST /fallback ({fallback_type} chain rewritten, then linted)",
                        measure(
                            base_url, "/fallback", arguments.requests, counter, json_body=post_body(size, fallback_type)
                        ),
                    )
                )
            # The whole lint plans a request for every model group: fewer rounds, it is an operator's report.
            rounds = max(3, arguments.requests // 10)
            rows.append(("GET /fallback_lint", measure(base_url, "/fallback_lint", rounds, counter)))
            for label, figures in rows:
                print(
                    f"{shape:<6} {size:>7}  {label:<78} {figures['queries']:>7.1f} {figures['median_ms']:>10.1f}"
                    f" {figures['p95_ms']:>9.1f}"
                )
    server.shutdown()


if __name__ == "__main__":
    main()
