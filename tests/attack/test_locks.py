"""Finding 2: with the configuration row locked (a long transaction, or an import preview, which took the write
lock even as a dry run), parallel writers waited until gunicorn killed its workers at 30 s: clients got an HTML
500 and `/health` stopped answering. Now a lock wait lasts at most DATABASE_LOCK_TIMEOUT seconds and ends in the
contract's 503 (PRODUCT.md 8), `/health` keeps answering, and a preview takes no lock at all.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from django.conf import settings
from django.db import connection, transaction

from fallbacks import errors, services
from fallbacks.services.recording import lock_configuration
from tests.factories import FIXTURE

# As many writers as one worker has threads (gunicorn.conf.py): one worker may accept every connection, and a writer
# beyond its threads would wait in gunicorn's queue behind a whole lock wait first, which is the server's capacity,
# not the lock wait this test bounds (CI saw 15 s with six writers on two workers of four threads).
WRITERS = 4


@contextmanager
def configuration_locked():
    """The configuration row locked by another transaction (another thread, its own connection) until the end."""
    ready, release = threading.Event(), threading.Event()

    def hold():
        try:
            with transaction.atomic():
                lock_configuration()
                ready.set()
                release.wait(60)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert ready.wait(10), "could not take the lock"
    try:
        yield
    finally:
        release.set()
        holder.join()


def test_writers_behind_a_held_lock_get_503_in_seconds_and_health_answers(served):
    services.group_create(actor="tests", name="a")
    # PostgreSQL queues the waiters for a row lock in two steps (the tuple, then the holder's transaction),
    # each with its own lock_timeout: a wait ends within twice the timeout, far below the worker's 30 s.
    bound = 2 * settings.DATABASE_LOCK_TIMEOUT + 3

    def write(index):
        started = time.monotonic()
        answer = served.call("POST", "/model_groups", {"name": f"new-{index}"})
        return answer, time.monotonic() - started

    with configuration_locked(), ThreadPoolExecutor(max_workers=WRITERS + 1) as pool:
        writes = [pool.submit(write, index) for index in range(WRITERS)]
        time.sleep(0.5)  # the writers are waiting for the lock now
        started = time.monotonic()
        health = served.call("GET", "/health", key="")
        health_took = time.monotonic() - started
        answers = [future.result() for future in writes]

    assert health.status == 200
    assert health_took < bound
    for answer, took in answers:
        assert answer.status == 503, answer.body
        assert answer.headers["Content-Type"] == "application/json"
        assert answer.headers["Retry-After"] == "1"
        assert answer.json() == {"detail": {"error": errors.CONFIGURATION_BUSY}}
        assert took < bound, [took for _, took in answers]
    # Once the lock is released, writes go through again.
    assert served.call("POST", "/model_groups", {"name": "new-0"}).status == 201


def test_an_import_preview_takes_no_lock(served):
    services.group_create(actor="tests", name="a")

    with configuration_locked():
        started = time.monotonic()
        report = services.config_import(actor="tests", document=FIXTURE.read_text(), dry_run=True)
        took = time.monotonic() - started

    assert report.dry_run
    assert report.created
    assert took < settings.DATABASE_LOCK_TIMEOUT
