"""The gateway client: every failure is a GatewayError saying what went wrong; answers are size-limited; the key
comes from the environment through the gateway's reference. Driven by real local sockets (a server that is not
LiteLLM: it answers what a broken gateway might)."""

import http.server
import json
import re
import socket
import threading
import time

import pytest

from fallbacks import services
from fallbacks.gateways.client import GatewayClient, GatewayError

pytestmark = pytest.mark.django_db


class Handler(http.server.BaseHTTPRequestHandler):
    answers: dict = {}  # path, or path?query, -> (status, body, delay[, headers])
    received: list = []  # (method, path, JSON body) of each POST and DELETE

    def do_GET(self):
        path = self.path.split("?")[0]
        status, body, delay, *headers = self.answers.get(self.path) or self.answers.get(path, (404, b"{}", 0))
        time.sleep(delay)
        self.send_response(status)
        for name, value in (headers[0] if headers else {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.received.append((self.command, self.path, json.loads(self.rfile.read(length) or b"null")))
        self.do_GET()

    do_DELETE = do_POST

    def log_message(self, *args):
        pass


@pytest.fixture
def broken_gateway():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", Handler.answers
    server.shutdown()
    server.server_close()
    Handler.answers.clear()
    Handler.received.clear()


def test_size_limit_timeout_and_missing_key(broken_gateway, monkeypatch):
    url, answers = broken_gateway
    answers["/big"] = (200, b"[" + b"1," * 5000 + b"1]", 0)
    answers["/slow"] = (200, b"{}", 1.5)
    with pytest.raises(GatewayError, match="larger than 1,000 bytes"):
        GatewayClient(url, max_bytes=1000).get_json("/big")
    with pytest.raises(GatewayError, match=re.escape("timed out: no answer to GET /slow within 0.5 s")):
        GatewayClient(url, timeout=0.5).get_json("/slow")
    monkeypatch.delenv("ABSENT_GATEWAY_KEY", raising=False)
    with pytest.raises(GatewayError, match="environment variable ABSENT_GATEWAY_KEY is empty or missing"):
        GatewayClient(url, "os.environ/ABSENT_GATEWAY_KEY").get_json("/big")


def test_a_gateway_that_trickles_its_answer_times_out_on_the_whole_call():
    """Each byte comes sooner than the timeout (httpx's read timeout is per read), the whole answer not."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def trickle():
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
            while not stop.is_set():
                try:
                    connection.sendall(b" ")
                except OSError:
                    return
                stop.wait(0.1)

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    started = time.monotonic()
    try:
        with pytest.raises(GatewayError, match=re.escape("timed out: no answer to GET /v1/models within 0.5 s")):
            GatewayClient(f"http://127.0.0.1:{listener.getsockname()[1]}", timeout=0.5).get_json("/v1/models")
    finally:
        stop.set()
        thread.join(5)
        listener.close()
    assert time.monotonic() - started < 1.5


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (200, b"not json", "bad body: GET /v1/models did not answer JSON"),
        (200, b'{"data": 3}', "bad body: /v1/models did not answer an object with a `data` list"),
        (200, b'{"data": [{"id": "a"}]}', "bad body: /v1/models data[0] has no `id` or no `metadata.fallbacks`"),
        (500, b'{"error": {"message": "boom"}}', "500 from GET /v1/models: boom"),
        (401, b'{"error": {"message": "Authentication Error"}}', "401: the gateway refused this service's key"),
    ],
)
def test_malformed_answers_are_an_error_in_a_200(api, broken_gateway, status, body, error):
    url, answers = broken_gateway
    answers["/v1/models"] = (status, body, 0)
    services.gateway_create(actor="test", name="broken", base_url=url)
    response = api.get("/gateways/broken/drift")
    assert response.status_code == 200
    assert response.json()["in_sync"] is False
    assert response.json()["error"].startswith(error)
    assert api.get("/gateways/broken").json()["last_state"]["error"] == response.json()["error"]


def test_unknown_gateway_is_a_404(api):
    assert api.get("/gateways/nobody/drift").status_code == 404
