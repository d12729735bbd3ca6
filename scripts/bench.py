"""`make bench`: how the long lists behave at 1,000 and 10,000 model groups.

For each size it loads a throwaway database (a temporary SQLite file, or the database that
BENCH_DATABASE_URL names, which it empties first) with N model groups, each with one deployment
and a three-target chain of every type, serves the real WSGI application over HTTP on a free
local port, and prints per figure: SQL queries per request (counted on every database
connection the server opens), median and p95 latency, the response size, and for JSON lists the
ratio of the median to the serialisation floor (orjson.dumps of the same data in this process).
"warm" figures repeat a request at one config version (the lists are kept per version,
fallbacks/api/listings.py); "after a write" ones follow a `POST /fallback` each (the list is built
again); "304" ones send the ETag back. It asserts nothing: figures are for reading, not for
failing a build.

    .venv/bin/python scripts/bench.py [--sizes 1000 10000] [--requests 30]
"""

import argparse
import json
import os
import secrets
import socket
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Callable
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

MASTER_KEY = "sk-bench-" + secrets.token_urlsafe(16)
# (label, path, kind): kind "warm" repeats the request, "304" sends the ETag back, "write" writes a chain first.
FIGURES = [
    ("reference", "/health", "warm"),  # no key, no database: what the HTTP round trip itself costs here
    ("warm", "/v1/models?include_metadata=true", "warm"),
    ("304", "/v1/models?include_metadata=true", "304"),
    ("after a write", "/v1/models?include_metadata=true", "write"),
    ("warm", "/v1/models?include_metadata=true&fallback_type=context_window", "warm"),
    ("warm", "/v1/models", "warm"),
    ("warm", "/fallback", "warm"),
    ("304", "/fallback", "304"),
    ("after a write", "/fallback", "write"),
    ("warm", "/config", "warm"),
    ("warm", "/config?format=json", "warm"),
    ("whole", "/model_groups", "warm"),
    ("page", "/model_groups?limit=100", "warm"),
    ("page", "/model_groups?limit=1000", "warm"),
    ("last page", "/model_groups?limit=100&cursor={last_group}", "warm"),
    ("page", "/fallback?limit=100", "warm"),
    ("page", "/fallback?limit=1000", "warm"),
]
WRITES_MEASURED = 5  # "after a write" figures: each write costs a whole rebuild, so fewer of them


def production_environment(database_url: str, master_key: str) -> dict[str, str]:
    """Production-like settings on a throwaway database, as environment variables: nothing of the developer's is
    read or written."""
    return {
        "DJANGO_SETTINGS_MODULE": "project.settings",
        "FALLBACKS_ENV_FILE": os.devnull,
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "FALLBACKS_MASTER_KEY": master_key,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "False",
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "WARNING",
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def configure_django(database_url: str) -> None:
    """This process on production_environment (the benchmarks' server runs in it)."""
    os.environ.update(production_environment(database_url, MASTER_KEY))
    import django

    # No collected static files here, and none are served: WhiteNoise's warning about it is noise.
    warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")
    django.setup()


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QueryCounter:
    """Counts SQL statements on every connection Django opens, in any thread."""

    def __init__(self):
        self.count = 0
        self._lock = threading.Lock()

    def __call__(self, execute, sql, params, many, context):
        with self._lock:
            self.count += 1
        return execute(sql, params, many, context)

    def install(self) -> None:
        from django.db.backends.signals import connection_created

        connection_created.connect(self._attach, weak=False)

    def _attach(self, sender, connection, **kwargs):
        if self not in connection.execute_wrappers:
            connection.execute_wrappers.append(self)


def load(size: int) -> None:
    from django.core.management import call_command
    from django.db import transaction

    from fallbacks.domain import FALLBACK_TYPES
    from fallbacks.models import Configuration, Deployment, FallbackEntry, ModelGroup

    call_command("flush", interactive=False, verbosity=0)
    with transaction.atomic():
        ModelGroup.objects.bulk_create(
            (
                ModelGroup(name=f"provider-{index % 7}/model-{index:05d}", owned_by=f"provider-{index % 7}")
                for index in range(size)
            ),
            batch_size=2000,
        )
        groups = list(ModelGroup.objects.order_by("id"))
        Deployment.objects.bulk_create(
            (
                Deployment(model_group=group, litellm_params={"model": group.name, "api_key": "os.environ/KEY"})
                for group in groups
            ),
            batch_size=2000,
        )
        entries = []
        for index, group in enumerate(groups):
            for fallback_type in FALLBACK_TYPES.values():
                for position, step in enumerate((1, 2, 3)):
                    target = groups[(index + step) % size]
                    entries.append(
                        FallbackEntry(source=group, fallback_type=fallback_type, position=position, target=target)
                    )
        FallbackEntry.objects.bulk_create(entries, batch_size=5000)
        Configuration.objects.update_or_create(pk=1, defaults={"version": 1})
    analyze()


def analyze() -> None:
    """PostgreSQL's planner statistics of the tables just loaded, as autovacuum keeps them on a database in use: a
    table loaded a moment ago has none, and the planner then scans where an index would do."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def serve(workdir: str) -> tuple[WSGIServer, QueryCounter]:
    """Migrate a throwaway database (BENCH_DATABASE_URL, else SQLite in `workdir`) and serve the app on it."""
    configure_django(os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{workdir}/bench.sqlite3")

    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application

    call_command("migrate", verbosity=0)
    counter = QueryCounter()
    counter.install()
    server = make_server("127.0.0.1", 0, get_wsgi_application(), ThreadingWSGIServer, QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, counter


def p95(timings: list[float]) -> float:
    ordered = sorted(timings)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def timed(fetch: Callable[[], None], requests: int, counter: QueryCounter, *, warmups: int = 1) -> dict:
    """Queries per call, median and p95 latency of `requests` calls of `fetch`, after `warmups` untimed ones."""
    for _ in range(warmups):
        fetch()
    timings = []
    before = counter.count
    for _ in range(requests):
        started = time.perf_counter()
        fetch()
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "queries": (counter.count - before) / requests,
        "median_ms": statistics.median(timings),
        "p95_ms": p95(timings),
    }


def measure(base_url: str, path: str, kind: str, requests: int, counter: QueryCounter) -> dict:
    """Queries per request, median and p95 latency of a GET of `path` (see FIGURES for `kind`), its size, and the
    median of orjson.dumps of its data when it is JSON."""
    import orjson

    headers = {"Authorization": f"Bearer {MASTER_KEY}"}

    def fetch(extra: dict | None = None) -> tuple[int, bytes, str]:
        request = urllib.request.Request(base_url + path, headers={**headers, **(extra or {})})
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, response.read(), response.headers.get("ETag", "")
        except urllib.error.HTTPError as error:
            if error.code != 304:
                raise
            return error.code, b"", ""

    status, body, etag = fetch()
    assert status == 200, status
    fetch()  # warm up connections and the kept list
    extra = {"If-None-Match": etag} if kind == "304" else None
    rounds = WRITES_MEASURED if kind == "write" else requests
    timings, queries = [], 0
    for round_ in range(rounds):
        if kind == "write":
            write_chain(base_url, round_)
        before = counter.count
        started = time.perf_counter()
        status, answer, _ = fetch(extra)
        timings.append((time.perf_counter() - started) * 1000)
        queries += counter.count - before
        assert status == (304 if kind == "304" else 200), status
    floor = None
    if kind != "304" and "format=" not in path and path.split("?")[0] != "/config":
        data = json.loads(body)
        floor_timings = []
        for _ in range(max(5, requests // 2)):
            started = time.perf_counter()
            orjson.dumps(data)
            floor_timings.append((time.perf_counter() - started) * 1000)
        floor = statistics.median(floor_timings)
    elif "format=json" in path:
        data = json.loads(body)
        started = time.perf_counter()
        orjson.dumps(data)
        floor = (time.perf_counter() - started) * 1000
    return {
        "queries": queries / rounds,
        "median_ms": statistics.median(timings),
        "p95_ms": p95(timings),
        "kib": len(body if kind == "304" else answer) / 1024 if kind != "304" else 0,
        "floor_ms": floor,
    }


def write_chain(base_url: str, round_: int) -> None:
    """A `POST /fallback` that changes a chain (and so the config version)."""
    targets = ["provider-1/model-00001", "provider-2/model-00002"]
    body = {"model": "provider-0/model-00000", "fallback_models": targets[:: 1 if round_ % 2 else -1]}
    request = urllib.request.Request(
        base_url + "/fallback",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {MASTER_KEY}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        assert response.status == 200, response.status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--requests", type=int, default=30)
    arguments = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="fallbacks-bench-")
    server, counter = serve(workdir)
    base_url = f"http://127.0.0.1:{server.server_port}"

    from django.db import connection

    from fallbacks.api import cursors

    print(f"database: {connection.vendor} ({'BENCH_DATABASE_URL' if 'BENCH_DATABASE_URL' in os.environ else workdir})")
    print(f"served over HTTP by the WSGI app at {base_url}; {arguments.requests} requests per figure\n")
    print(
        f"{'groups':>7}  {'figure':<14} {'request':<62} {'queries':>7} {'median ms':>10} {'p95 ms':>9}"
        f" {'KiB':>8} {'floor ms':>9} {'x floor':>8}"
    )
    for size in arguments.sizes:
        started = time.perf_counter()
        load(size)
        print(f"{size:>7}  (loaded {size} groups, {size * 9} chain entries in {time.perf_counter() - started:.1f} s)")
        last_group = cursors.encode(f"provider-{(size - 101) % 7}/model-{size - 101:05d}")
        for label, path, kind in FIGURES:
            path = path.format(last_group=last_group)
            figures = measure(base_url, path, kind, arguments.requests, counter)
            floor = figures["floor_ms"]
            ratio = f"{figures['median_ms'] / floor:>8.1f}" if floor else f"{'':>8}"
            floor_text = f"{floor:>9.2f}" if floor else f"{'':>9}"
            print(
                f"{size:>7}  {label:<14} {path[:62]:<62} {figures['queries']:>7.1f} {figures['median_ms']:>10.1f}"
                f" {figures['p95_ms']:>9.1f} {figures['kib']:>8.0f} {floor_text} {ratio}"
            )
    server.shutdown()


if __name__ == "__main__":
    main()
