"""`make bench`, part two: `/fallback_plan/{model}` (and the lint) at 10,000 model groups.

Loads the same throwaway configuration as scripts/bench.py (a temporary SQLite file, or the
database BENCH_DATABASE_URL names, which it empties first): N model groups in a ring, each with
a deployment and a three-target chain of every type. Serves the real WSGI application over HTTP
on a free local port and prints, per request shape, SQL queries per request, median and p95
latency. It asserts nothing: figures are for reading.

    .venv/bin/python scripts/bench_plan.py [--sizes 10000] [--requests 30]
"""

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import QueryCounter, load, measure, serve


def plan_paths(size: int) -> list[str]:
    first, second, third = (f"provider-{index % 7}/model-{index:05d}" for index in (0, 1, 2))
    middle = f"provider-{(size // 2) % 7}/model-{size // 2:05d}"
    return [
        f"/fallback_plan/{first}",
        f"/fallback_plan/{first}?failing={second}&failing={third}",
        f"/fallback_plan/{middle}?fallback_type=context_window&failing={second}",
        "/fallback_settings",
    ]


def measure_post(base_url: str, size: int, requests: int, counter: QueryCounter) -> dict:
    """`POST /fallback` rewriting one chain, which now also lints it."""
    body = {
        "model": "provider-0/model-00000",
        "fallback_models": [f"provider-{i % 7}/model-{i:05d}" for i in (1, 2, 3)],
    }
    return measure(base_url, "/fallback", requests, counter, json_body=body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000])
    parser.add_argument("--requests", type=int, default=30)
    arguments = parser.parse_args()

    server, counter = serve(tempfile.mkdtemp(prefix="fallbacks-bench-plan-"))
    base_url = f"http://127.0.0.1:{server.server_port}"

    from django.db import connection

    print(f"\nattempt plan and lint; database: {connection.vendor}; served over HTTP at {base_url}")
    print(f"{'groups':>7}  {'request':<86} {'queries':>7} {'median ms':>10} {'p95 ms':>9}")
    for size in arguments.sizes:
        load(size)
        rows = [(f"GET {path}", measure(base_url, path, arguments.requests, counter)) for path in plan_paths(size)]
        # The lint plans a request for every model group: fewer rounds, it is an operator's report.
        rows.append(
            ("GET /fallback_lint", measure(base_url, "/fallback_lint", max(3, arguments.requests // 10), counter))
        )
        rows.append(("POST /fallback (one chain rewritten, then linted)", measure_post(base_url, size, 10, counter)))
        for label, figures in rows:
            print(
                f"{size:>7}  {label:<86} {figures['queries']:>7.1f} {figures['median_ms']:>10.1f}"
                f" {figures['p95_ms']:>9.1f}"
            )
    server.shutdown()


if __name__ == "__main__":
    main()
