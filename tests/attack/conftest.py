"""The attack suite (issue 12): what an adversary did to the served app, replayed as regression tests.

By default every test here runs against Django's live server in this process (as `make test` does,
on SQLite or PostgreSQL). `make attack` runs the same tests against gunicorn with production
settings (ATTACK_SERVER=gunicorn): the repository's gunicorn.conf.py with two workers of four threads, DEBUG off,
on this session's test database, so what the tests set up through the ORM the served app sees.
"""

import os

import pytest

from tests.servers import Served, ServerDidNotStart, gunicorn, production_environment

__all__ = ["ATTACK_SERVER", "production_environment"]  # the attack tests import these from here

ATTACK_SERVER = os.environ.get("ATTACK_SERVER", "live_server")


@pytest.fixture(scope="session")
def gunicorn_app(django_db_setup, tmp_path_factory):
    """gunicorn serving this session's test database with production settings, for `make attack`."""
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    try:
        with gunicorn(log, workers=2) as url:
            yield Served(url=url, kind="gunicorn")
    except ServerDidNotStart as error:
        pytest.fail(str(error))


@pytest.fixture
def served(request, transactional_db) -> Served:
    """The served app, on a database whose writes other processes see (each test starts empty)."""
    if ATTACK_SERVER == "gunicorn":
        app = request.getfixturevalue("gunicorn_app")
    else:
        app = Served(url=request.getfixturevalue("live_server").url, kind="live_server")
    return app
