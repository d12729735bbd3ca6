"""PRODUCT.md 8: database waits end before a worker's timeout, as error kinds a door can answer with 503."""

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from fallbacks import errors
from fallbacks.errors import Unavailable
from fallbacks.services.recording import timeouts_as_unavailable

pytestmark = pytest.mark.django_db


def only_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no statement or lock timeout of its own; its busy timeout is tested in tests/attack")


def test_postgresql_sessions_have_lock_and_statement_timeouts():
    only_postgresql()
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone()[0] == f"{settings.DATABASE_LOCK_TIMEOUT}s"
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == f"{settings.DATABASE_STATEMENT_TIMEOUT}s"


def test_timeouts_are_shorter_than_the_workers():
    from tests.factories import REPO_ROOT

    config = {}
    exec((REPO_ROOT / "gunicorn.conf.py").read_text(), config)
    assert config["timeout"] > 2 * settings.DATABASE_LOCK_TIMEOUT
    assert config["timeout"] > settings.DATABASE_STATEMENT_TIMEOUT


def sleep_past_a_short_statement_timeout():
    with timeouts_as_unavailable(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = '50ms'")
        cursor.execute("SELECT pg_sleep(2)")


def test_a_statement_that_outlasts_its_timeout_is_unavailable():
    only_postgresql()
    with pytest.raises(Unavailable) as refused:
        sleep_past_a_short_statement_timeout()
    assert refused.value.message == errors.STATEMENT_TIMED_OUT


def read_a_missing_table():
    with timeouts_as_unavailable(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table")


def test_other_database_errors_are_not_turned_into_timeouts():
    with pytest.raises(DatabaseError) as raised:
        read_a_missing_table()
    assert not isinstance(raised.value, Unavailable)
