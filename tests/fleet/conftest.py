"""Two app servers (gunicorn, production settings) on this session's PostgreSQL database (PRODUCT.md 8)."""

import subprocess
import sys

import pytest
from django.db import connection

from tests.factories import REPO_ROOT
from tests.servers import Served, ServerDidNotStart, gunicorn, production_environment


@pytest.fixture(scope="module")
def two_servers(django_db_setup, django_db_blocker, tmp_path_factory):
    """Two gunicorn servers, each its own processes with their own memory, sharing only the database."""
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.skip("two app servers share one PostgreSQL database (SQLite's test database lives in memory)")
    logs = tmp_path_factory.mktemp("fleet")
    # Production settings serve the admin's static files from STATIC_ROOT, hashed (as `make attack` does first).
    environment = production_environment()  # one SECRET_KEY for the fleet, as sessions and signing need
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=REPO_ROOT,
        env=environment,
        check=True,
    )

    def host_environment(host: str) -> dict[str, str]:
        """A temporary folder of each server's own, as two hosts have: nothing may pass between them there."""
        folder = logs / f"tmp-{host}"
        folder.mkdir()
        return {**environment, "TMPDIR": str(folder)}

    try:
        with (
            gunicorn(logs / "a.log", workers=1, environment=host_environment("a")) as first,
            gunicorn(logs / "b.log", workers=1, environment=host_environment("b")) as second,
        ):
            yield Served(url=first, kind="gunicorn"), Served(url=second, kind="gunicorn")
    except ServerDidNotStart as error:
        pytest.fail(str(error))


@pytest.fixture
def servers(two_servers, transactional_db):
    """The two servers, on a database whose writes they see (each test starts empty)."""
    return two_servers
