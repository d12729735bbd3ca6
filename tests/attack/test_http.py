"""Finding 7, the HTTP edges: what reached clients as HTML, or silently did nothing.

- a POST, PATCH or DELETE to a path that does not exist answered Django's HTML 403 (CSRF), not a JSON 404;
- a chunked request body read as empty: a PATCH answered 200 and changed nothing;
- the app server's HTML pages for URLs and headers too large reached API clients;
- `/health` answered 400 to a Host outside ALLOWED_HOSTS, so load balancers probing by IP saw it down.
"""

import http.client
import json
import socket
import urllib.parse

import pytest
from django.conf import settings

from fallbacks import selectors, services
from fallbacks.api.middleware import HEADERS_TOO_LARGE, LENGTH_REQUIRED, MAX_URL_LENGTH, URL_TOO_LONG


def raw_request(served, method: str, path: str, *, body=None, headers=None) -> tuple[int, dict, bytes]:
    address = urllib.parse.urlsplit(served.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_every_method_on_an_unknown_path_is_a_json_404(served, method):
    answer = served.call(method, "/v1/chat/completions", {"model": "gpt-4o"}, key="")
    assert answer.status == 404
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json() == {"detail": {"error": "No endpoint at /v1/chat/completions"}}


def chunked_request(served, method: str, path: str, chunks: list[bytes], headers: dict) -> tuple[int, dict, bytes]:
    """A request whose body is chunked (no Content-Length), sent whole in one write: a server that answers
    before reading the body must not make the test fail on a broken pipe."""
    address = urllib.parse.urlsplit(served.url)
    head = [f"{method} {path} HTTP/1.1", f"Host: {address.hostname}", "Transfer-Encoding: chunked", "Connection: close"]
    head += [f"{name}: {value}" for name, value in headers.items()]
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks) + b"0\r\n\r\n"
    with socket.create_connection((address.hostname, address.port), timeout=60) as connection:
        connection.sendall("\r\n".join(head).encode() + b"\r\n\r\n" + body)
        response = http.client.HTTPResponse(connection)
        response.begin()
        return response.status, dict(response.getheaders()), response.read()


def test_a_chunked_body_is_read_or_refused_never_ignored(served):
    services.max_fallbacks_set(actor="tests", max_fallbacks=5)
    headers = {"Authorization": f"Bearer {settings.MASTER_KEY}", "Content-Type": "application/json"}

    status, response_headers, content = chunked_request(
        served, "PATCH", "/fallback_settings", [b'{"max_fallbacks":', b" 3}"], headers
    )

    if served.kind == "gunicorn":  # gunicorn de-chunks the body: it is read
        assert status == 200, content
        assert selectors.fallback_settings()["max_fallbacks"] == 3
    else:  # Django's development server cannot: a 411 says so
        assert status == 411, content
        assert json.loads(content) == {"detail": {"error": LENGTH_REQUIRED}}
        assert selectors.fallback_settings()["max_fallbacks"] == 5
    assert response_headers["Content-Type"] == "application/json"


def test_a_url_too_long_is_a_json_414(served):
    answer = served.call("GET", "/fallback/" + "m" * MAX_URL_LENGTH)
    assert answer.status == 414
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json() == {"detail": {"error": URL_TOO_LONG}}
    assert served.call("GET", "/fallback?model=" + "m" * 255).status == 200


def test_headers_too_large_are_a_json_431(served):
    answer = served.call("GET", "/fallback", headers={"X-Padding": "p" * 10_000})
    assert answer.status == 431
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json() == {"detail": {"error": HEADERS_TOO_LARGE}}


@pytest.mark.parametrize("host", ["10.0.0.7", "10.0.0.7:8000", "probe.internal"])
def test_health_answers_any_host_and_the_api_does_not(served, host):
    status, _, content = raw_request(served, "GET", "/health", headers={"Host": host})
    assert (status, json.loads(content)) == (200, {"status": "ok"})
    status, _, content = raw_request(served, "GET", "/health/readiness", headers={"Host": host})
    assert status == 200
    assert json.loads(content)["status"] == "ok"
    status, _, content = raw_request(served, "GET", "/fallback", headers={"Host": host})
    assert status == 400
    assert json.loads(content) == {"detail": {"error": "Bad request"}}
