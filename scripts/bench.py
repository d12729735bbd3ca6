"""`make bench`: how the model list behaves at 1,000 and 10,000 model groups.

For each size it loads a throwaway database (a temporary SQLite file, or the database that
BENCH_DATABASE_URL names, which it empties first) with N model groups, each with one deployment
and a three-target chain of every type, serves the real WSGI application over HTTP on a free
local port, and prints per endpoint: SQL queries per request (counted on every database
connection the server opens), median and p95 latency, and the response size. It asserts
nothing: figures are for reading, not for failing a build.

    .venv/bin/python scripts/bench.py [--sizes 1000 10000] [--requests 30]
"""

import argparse
import json
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
import warnings
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

MASTER_KEY = "sk-bench-" + secrets.token_urlsafe(16)
ENDPOINTS = [
    "/v1/models?include_metadata=true",
    "/v1/models?include_metadata=true&fallback_type=context_window",
    "/v1/models",
    "/fallback",
    "/model_groups",
]


def configure_django(database_url: str) -> None:
    """Production-like settings on a throwaway database; nothing of the developer's is read or written."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "project.settings",
            "FALLBACKS_ENV_FILE": os.devnull,
            "DEBUG": "False",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "FALLBACKS_MASTER_KEY": MASTER_KEY,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "False",
            "DATABASE_URL": database_url,
            "LOG_LEVEL": "WARNING",
        }
    )
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


def measure(base_url: str, path: str, requests: int, counter: QueryCounter, *, json_body: dict | None = None) -> dict:
    """Queries per request, median and p95 latency of `path`: a GET, or a POST of `json_body`."""
    headers = {"Authorization": f"Bearer {MASTER_KEY}"}
    if json_body is not None:
        headers["Content-Type"] = "application/json"
    data = None if json_body is None else json.dumps(json_body).encode()
    request = urllib.request.Request(base_url + path, data=data, headers=headers)

    def fetch() -> bytes:
        with urllib.request.urlopen(request, timeout=120) as response:
            assert response.status == 200, response.status
            return response.read()

    for _ in range(2):  # warm up caches and connections
        fetch()
    timings = []
    before = counter.count
    for _ in range(requests):
        started = time.perf_counter()
        body = fetch()
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "queries": (counter.count - before) / requests,
        "median_ms": statistics.median(timings),
        "p95_ms": timings[max(0, round(0.95 * len(timings)) - 1)],
        "kib": len(body) / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--requests", type=int, default=30)
    arguments = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="fallbacks-bench-")
    server, counter = serve(workdir)
    base_url = f"http://127.0.0.1:{server.server_port}"

    from django.db import connection

    print(f"database: {connection.vendor} ({'BENCH_DATABASE_URL' if 'BENCH_DATABASE_URL' in os.environ else workdir})")
    print(f"served over HTTP by the WSGI app at {base_url}; {arguments.requests} requests per figure\n")
    print(f"{'groups':>7}  {'endpoint':<62} {'queries':>7} {'median ms':>10} {'p95 ms':>9} {'KiB':>8}")
    for size in arguments.sizes:
        started = time.perf_counter()
        load(size)
        print(f"{size:>7}  (loaded {size} groups, {size * 9} chain entries in {time.perf_counter() - started:.1f} s)")
        for path in ENDPOINTS:
            figures = measure(base_url, path, arguments.requests, counter)
            print(
                f"{size:>7}  {path:<62} {figures['queries']:>7.1f} {figures['median_ms']:>10.1f}"
                f" {figures['p95_ms']:>9.1f} {figures['kib']:>8.0f}"
            )
    server.shutdown()


if __name__ == "__main__":
    main()
