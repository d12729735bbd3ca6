"""The app served by real server processes on this test session's database: production settings, gunicorn.

The attack suite (tests/attack, `make attack`) and the fleet tests (tests/fleet: two app servers on one
PostgreSQL) start their servers here, so that what a test sets up through the ORM the served app sees.
"""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection

from tests.factories import REPO_ROOT

GUNICORN_START_SECONDS = 30


def database_url() -> str:
    """The URL of the database this test session uses, for another process to open it."""
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(database['NAME']).resolve()}"
    user = database.get("USER") or ""
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    credentials = f"{user}{password}@" if user else ""
    host, port = database.get("HOST") or "127.0.0.1", database.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{database['NAME']}"


def production_environment(**overrides: str) -> dict[str, str]:
    """The environment of a production process on this session's database: no .env, DEBUG off, real secrets."""
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PYTEST_", "FALLBACKS_"))
    }
    environment.update(
        {
            "DJANGO_SETTINGS_MODULE": "project.settings",
            "FALLBACKS_ENV_FILE": os.devnull,
            "DEBUG": "False",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "FALLBACKS_MASTER_KEY": settings.MASTER_KEY,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "False",
            "DATABASE_URL": database_url(),
            "LOG_LEVEL": "WARNING",
            **overrides,
        }
    )
    return environment


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass(frozen=True)
class Served:
    """The app under attack: its base URL, and which server serves it."""

    url: str
    kind: str  # "live_server" (Django's, in this process) or "gunicorn"

    def call(
        self,
        method: str,
        path: str,
        body: object = None,
        *,
        key: str | None = None,
        headers: dict | None = None,
        timeout: float = 60,
    ) -> Answer:
        """One request; `key` defaults to the master key ("" sends none)."""
        key = settings.MASTER_KEY if key is None else key
        sent = {"Content-Type": "application/json", **({"Authorization": f"Bearer {key}"} if key else {})}
        sent.update(headers or {})
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, method=method, data=data, headers=sent)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return Answer(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return Answer(error.code, dict(error.headers), error.read())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServerDidNotStart(RuntimeError):
    pass


@contextmanager
def gunicorn(log: Path, *, workers: int = 2, environment: dict[str, str] | None = None) -> Iterator[str]:
    """gunicorn with the repository's gunicorn.conf.py and production settings on this session's database; yields
    its base URL once `/health` answers, and stops it on the way out."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        str(REPO_ROOT / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "project.wsgi",
    ]
    with open(log, "wb") as output:
        process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=environment or production_environment(),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + GUNICORN_START_SECONDS
    try:
        while True:
            try:
                with urllib.request.urlopen(url + "/health", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise ServerDidNotStart(f"gunicorn did not start:\n{log.read_text()}") from None
                time.sleep(0.2)
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
