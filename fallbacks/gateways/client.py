"""HTTP calls to one registered gateway, with explicit timeouts and a response size limit.

A call's timeout also bounds the whole call, not only each wait: httpx's timeouts are per phase (connecting, and
each read, may wait that long), so a gateway that trickles a byte now and then would hold the request for ever.
No read begins once the timeout has passed since the call began, so a call ends within twice its timeout.

Only gateways of the registry are called: a GatewayClient is made from a Gateway row, never from a URL a
request carries. The key is read from this service's environment through the gateway's `os.environ/NAME`
reference at call time; it is sent as LiteLLM expects (`Authorization: Bearer`) and never logged or shown.
"""

import json
import os
import time
from dataclasses import dataclass

import httpx

from fallbacks.domain import GATEWAY_MAX_RESPONSE_BYTES, GATEWAY_TIMEOUT_SECONDS

ENV_REFERENCE_PREFIX = "os.environ/"


class GatewayError(Exception):
    """A call to a gateway that did not give a usable answer: unreachable, timed out, refused, or a bad body."""

    def __init__(self, message: str, *, status: int | None = None, body: object = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.body = body


@dataclass(frozen=True)
class GatewayAnswer:
    status: int
    headers: httpx.Headers
    body: object  # the JSON body, or None when it was not JSON


def error_message(body: object) -> str:
    """The message of an error body in LiteLLM's shapes (`{"error": {"message"}}`, `{"detail": {"error"}}`,
    `{"detail": "..."}`), else the body itself."""
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and "message" in error:
            return str(error["message"])
        detail = body.get("detail")
        if isinstance(detail, dict) and "error" in detail:
            return str(detail["error"])
        if detail is not None:
            return str(detail)
        if error is not None:
            return str(error)
    return json.dumps(body)[:500] if body is not None else "no JSON body"


class GatewayClient:
    def __init__(
        self,
        base_url: str,
        api_key_reference: str = "",
        *,
        timeout: float = GATEWAY_TIMEOUT_SECONDS,
        max_bytes: int = GATEWAY_MAX_RESPONSE_BYTES,
        transport: httpx.BaseTransport | None = None,
    ):
        self.base_url = base_url
        self.api_key_reference = api_key_reference
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.transport = transport

    _http: httpx.Client | None = None

    def _client(self) -> httpx.Client:
        # One connection pool for the calls of one check or publish (a publish makes hundreds of calls).
        if self._http is None:
            self._http = httpx.Client(
                base_url=self.base_url,
                timeout=httpx.Timeout(self.timeout),
                follow_redirects=False,
                transport=self.transport,
                trust_env=False,  # no proxy from the environment: the registered address is the one called
            )
        return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def __enter__(self) -> "GatewayClient":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    @classmethod
    def of(cls, gateway, **options) -> "GatewayClient":
        return cls(gateway.base_url, gateway.api_key, **options)

    def _headers(self) -> dict:
        if not self.api_key_reference:
            return {}
        variable = self.api_key_reference.removeprefix(ENV_REFERENCE_PREFIX)
        key = os.environ.get(variable)
        if not key:
            raise GatewayError(f"the gateway's key is not set: environment variable {variable} is empty or missing")
        return {"Authorization": f"Bearer {key}"}

    def request(
        self, method: str, path: str, *, params=None, json_body=None, timeout: float | None = None
    ) -> GatewayAnswer:
        """One call; GatewayError when there is no answer, or an answer larger than the limit. `timeout` replaces
        the client's own for this call (a test fallback waits for the fallback targets)."""
        headers = self._headers()
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        timed_out = GatewayError(f"timed out: no answer to {method} {path} within {timeout:g} s")
        try:
            with self._client().stream(
                method, path, params=params, json=json_body, headers=headers, timeout=httpx.Timeout(timeout)
            ) as response:
                if time.monotonic() > deadline:  # the connection and the head took it all
                    raise timed_out
                content = bytearray()
                for chunk in response.iter_bytes():
                    if time.monotonic() > deadline:  # each read waited less than the timeout, but all of them not
                        raise timed_out
                    content.extend(chunk)
                    if len(content) > self.max_bytes:
                        raise GatewayError(
                            f"bad body: the answer to {method} {path} is larger than {self.max_bytes:,} bytes",
                            status=response.status_code,
                        )
        except httpx.TimeoutException:
            raise timed_out from None
        except httpx.HTTPError as error:
            raise GatewayError(f"unreachable: {method} {path}: {type(error).__name__}: {error}") from None
        try:
            body = json.loads(bytes(content)) if content else None
        except ValueError:
            body = None
        return GatewayAnswer(status=response.status_code, headers=response.headers, body=body)

    def get_json(self, path: str, *, params=None) -> object:
        """A GET whose answer must be a 200 with a JSON body; GatewayError otherwise (401 named as such)."""
        answer = self.request("GET", path, params=params)
        if answer.status in (401, 403):
            raise GatewayError(
                f"{answer.status}: the gateway refused this service's key ({error_message(answer.body)})",
                status=answer.status,
            )
        if answer.status != 200:
            raise GatewayError(f"{answer.status} from GET {path}: {error_message(answer.body)}", status=answer.status)
        if answer.body is None:
            raise GatewayError(f"bad body: GET {path} did not answer JSON", status=answer.status)
        return answer.body
