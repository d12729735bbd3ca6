"""`/health` has a thread of its own in each gunicorn worker (project/workers.py): a load balancer's probe never
waits behind busy threads. gunicorn with one worker of one thread, whose only thread a client holds by sending a
request's head and then nothing (as a slow client, or a request waiting on the database, would)."""

import http.client
import socket
import urllib.error
import urllib.request

import pytest

from tests.servers import gunicorn, production_environment

ANSWERS_WITHIN = 5  # seconds: a held thread never answers; a free one answers in milliseconds


@pytest.fixture(scope="module")
def one_thread(tmp_path_factory):
    logs = tmp_path_factory.mktemp("probe-lane")
    # `/health` touches no database: an empty SQLite file is enough to start
    environment = production_environment(DATABASE_URL=f"sqlite:///{logs}/empty.sqlite3", GUNICORN_THREADS="1")
    with gunicorn(logs / "gunicorn.log", workers=1, environment=environment) as url:
        yield url


def hold(url: str, head: bytes) -> socket.socket:
    """A connection that sends `head` (an unfinished request head) and then nothing."""
    port = int(url.rsplit(":", 1)[1])
    held = socket.create_connection(("127.0.0.1", port))
    held.sendall(head)
    return held


def get(url: str, path: str) -> bytes:
    with urllib.request.urlopen(url + path, timeout=ANSWERS_WITHIN) as response:
        return response.read()


def status(url: str, path: str, timeout: float = ANSWERS_WITHIN) -> int:
    """The status of a GET of `path` (readiness is a 503 here: the database is empty)."""
    try:
        with urllib.request.urlopen(url + path, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_health_answers_while_the_only_thread_is_held(one_thread):
    held = hold(one_thread, b"GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    try:
        with pytest.raises(TimeoutError):  # the pool's only thread is really taken: a request that needs it waits
            status(one_thread, "/health/readiness", timeout=1)
        assert get(one_thread, "/health") == b'{"status":"ok"}'
        assert get(one_thread, "/health?probe=lb") == b'{"status":"ok"}'
    finally:
        held.close()
    assert status(one_thread, "/health/readiness") == 503  # the pool answers again once the client goes


def test_a_probe_whose_head_has_not_all_arrived_does_not_take_the_lane(one_thread):
    """A client that trickles a probe's head goes to the pool, so the lane stays free for the probes that follow."""
    tricklers = [hold(one_thread, b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n") for _ in range(2)]
    try:
        for _ in range(3):
            assert get(one_thread, "/health") == b'{"status":"ok"}'
    finally:
        for trickler in tricklers:
            trickler.close()


def test_a_kept_alive_connection_is_routed_by_each_request(one_thread):
    """After a probe on a kept-alive connection, the next request on it takes the pool, and each answer is its own."""
    host, port = one_thread.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=ANSWERS_WITHIN)
    try:
        answers, sockets = [], set()
        for path in ("/health", "/health/readiness", "/health"):
            connection.request("GET", path)
            response = connection.getresponse()
            answers.append((response.status, response.read()[:10]))
            sockets.add(id(connection.sock))
        assert len(sockets) == 1  # one connection, kept alive, carried all three
        assert id(None) not in sockets
        assert answers == [(200, b'{"status":'), (503, b'{"status":'), (200, b'{"status":')]
    finally:
        connection.close()
