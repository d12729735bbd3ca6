"""Two app servers (gunicorn, production settings) on this session's PostgreSQL database (PRODUCT.md 8)."""

import pytest
from django.core.cache import cache
from django.db import connection

from tests.servers import Served, ServerDidNotStart, gunicorn


@pytest.fixture(scope="module")
def two_servers(django_db_setup, django_db_blocker, tmp_path_factory):
    """Two gunicorn servers, each its own processes with their own memory, sharing only the database."""
    with django_db_blocker.unblock():
        if connection.vendor != "postgresql":
            pytest.skip("two app servers share one PostgreSQL database (SQLite's test database lives in memory)")
    logs = tmp_path_factory.mktemp("fleet")
    try:
        with gunicorn(logs / "a.log", workers=1) as first, gunicorn(logs / "b.log", workers=1) as second:
            yield Served(url=first, kind="gunicorn"), Served(url=second, kind="gunicorn")
    except ServerDidNotStart as error:
        pytest.fail(str(error))


@pytest.fixture
def servers(two_servers, transactional_db):
    """The two servers, on a database whose writes they see (each test starts empty)."""
    cache.clear()  # failed-authentication counts of an earlier test (the cache table is not flushed)
    yield two_servers
    cache.clear()
