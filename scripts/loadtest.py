"""`make loadtest`: locust against gunicorn with the production settings, on PostgreSQL.

For each size (1,000 and 10,000 model groups, as scripts/bench.py loads them) it empties and loads the database
LOADTEST_DATABASE_URL names (default postgres://postgres@127.0.0.1:5432/fallbacks_loadtest, created when
missing), starts gunicorn with the repository's gunicorn.conf.py (gthread: WEB_CONCURRENCY workers of
GUNICORN_THREADS threads, default 2 x 4), DEBUG off, and runs scripts/locustfile.py headless: pollers of
`/v1/models?include_metadata=true` whole and with `If-None-Match`, and a writer changing a chain every second,
while a probe of its own (a thread here, as a load balancer) asks `/health` ten times a second. It prints, per
request and status, how many answered per second and their median, p95 and p99 latency. It asserts nothing.

    .venv/bin/python scripts/loadtest.py [--sizes 1000 10000] [--seconds 30] [--users 16] [--rate 5]

LOADTEST_WRITE_EVERY sets the writer's pause in seconds (default 1).

LOCUST names the locust program (default: the one next to this Python).
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(PROJECT / "scripts"))

import bench  # noqa: E402  (the same data as `make bench`, and its production-like settings)

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/fallbacks_loadtest"
START_SECONDS = 30


def ensure_database(url: str) -> None:
    """Create the load test's database when it does not exist (the server's `postgres` database is asked)."""
    import psycopg
    from psycopg import sql

    parts = urllib.parse.urlparse(url)
    name = parts.path.lstrip("/")
    admin_url = parts._replace(path="/postgres").geturl().replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin_url, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def percentile(timings: list[float], fraction: float) -> float:
    ordered = sorted(timings)
    return ordered[max(0, round(fraction * len(ordered)) - 1)]


class HealthProbe(threading.Thread):
    """A load balancer's probe: `GET /health` every 100 ms on a connection of its own, timed here."""

    INTERVAL = 0.1

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url = url + "/health"
        self.timings: list[float] = []
        self.failures: list[float] = []
        self._stopped = threading.Event()

    def run(self) -> None:
        while not self._stopped.wait(self.INTERVAL):
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(self.url, timeout=10) as response:
                    response.read()
                self.timings.append((time.perf_counter() - started) * 1000)
            except OSError:
                self.failures.append((time.perf_counter() - started) * 1000)

    def stop(self) -> None:
        self._stopped.set()
        self.join()


def start_gunicorn(environment: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    port = bench.free_port()
    command = [sys.executable, "-m", "gunicorn", "project.wsgi", "--config", str(PROJECT / "gunicorn.conf.py")]
    command += ["--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null"]
    with open(log, "wb") as output:
        process = subprocess.Popen(command, cwd=PROJECT, env=environment, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            with urllib.request.urlopen(url + "/health", timeout=2):
                return process, url
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                sys.exit(f"gunicorn did not start:\n{log.read_text()}")
            time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--users", type=int, default=16, help="simulated clients, the writer and the probe included")
    parser.add_argument("--rate", type=float, default=5, help="requests per second of each poller (0: no pause)")
    arguments = parser.parse_args()
    locust = os.environ.get("LOCUST") or shutil.which("locust", path=str(Path(sys.executable).parent))
    if not locust:
        sys.exit("locust is not installed: `make test` installs requirements-dev.txt, or set LOCUST")

    database_url = os.environ.get("LOADTEST_DATABASE_URL", DEFAULT_DATABASE)
    if "loadtest" not in urllib.parse.urlparse(database_url).path:
        sys.exit(f"{database_url}: each size empties its database first; name one with 'loadtest' in its name")
    ensure_database(database_url)
    bench.configure_django(database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    environment = {
        **os.environ,
        "WEB_CONCURRENCY": os.environ.get("WEB_CONCURRENCY", "2"),
        "GUNICORN_THREADS": os.environ.get("GUNICORN_THREADS", "4"),
        # Connections kept between requests (README, Settings): without, each request opens one to PostgreSQL.
        "DATABASE_CONN_MAX_AGE": os.environ.get("DATABASE_CONN_MAX_AGE", "60"),
        "LOADTEST_RATE": str(arguments.rate),
    }
    workdir = Path(tempfile.mkdtemp(prefix="fallbacks-loadtest-"))
    print(
        f"gunicorn (gunicorn.conf.py: gthread, {environment['WEB_CONCURRENCY']} workers x "
        f"{environment['GUNICORN_THREADS']} threads, production settings, DATABASE_CONN_MAX_AGE "
        f"{environment['DATABASE_CONN_MAX_AGE']}) on PostgreSQL; locust {arguments.users} users"
        f"{f' polling {arguments.rate:g}/s each' if arguments.rate else ''} for {arguments.seconds} s per size; "
        f"logs in {workdir}\n"
    )
    print(f"{'groups':>7}  {'request':<58} {'status':>6} {'count':>7} {'per s':>7} {'median':>7} {'p95':>7} {'p99':>7}")
    for size in arguments.sizes:
        bench.load(size)
        server, url = start_gunicorn(environment, workdir / f"gunicorn-{size}.log")
        results = workdir / f"results-{size}.json"
        try:
            run = {
                **environment,
                "LOADTEST_KEY": bench.MASTER_KEY,
                "LOADTEST_RESULTS": str(results),
                "LOADTEST_SOURCE": "provider-0/model-00000",
                "LOADTEST_TARGETS": "provider-1/model-00001,provider-2/model-00002",
            }
            command = [locust, "-f", str(PROJECT / "scripts" / "locustfile.py"), "--headless", "--host", url]
            command += ["--users", str(arguments.users), "--spawn-rate", str(arguments.users)]
            command += ["--run-time", f"{arguments.seconds}s", "--only-summary", "--loglevel", "WARNING"]
            probe = HealthProbe(url)
            probe.start()
            with open(workdir / f"locust-{size}.log", "wb") as output:
                subprocess.run(command, env=run, stdout=output, stderr=subprocess.STDOUT, check=False)
            probe.stop()
        finally:
            server.terminate()
            server.wait(timeout=30)
        answers = json.loads(results.read_text())
        answers["GET /health (probe) 200"] = probe.timings
        if probe.failures:
            answers["GET /health (probe) error"] = probe.failures
        for key in sorted(answers):
            method, name, status = key.split(" ")[0], " ".join(key.split(" ")[1:-1]), key.split(" ")[-1]
            timings = answers[key]
            print(
                f"{size:>7}  {(method + ' ' + name)[:58]:<58} {status:>6} {len(timings):>7}"
                f" {len(timings) / arguments.seconds:>7.1f} {statistics.median(timings):>7.1f}"
                f" {percentile(timings, 0.95):>7.1f} {percentile(timings, 0.99):>7.1f}"
            )
    print("\nlatencies in ms; 'per s' is answers per second over the whole run")


if __name__ == "__main__":
    main()
