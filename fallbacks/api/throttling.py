"""Failed authentication is rate limited per client address (PRODUCT.md 4), with DRF's throttling.

The count lives in the database (fallbacks.models.AuthenticationFailures, a row per address and second), so
every worker and every host sharing the database shares it, where a per-process memory would let a client
spread its guesses across workers. Each failure is counted by one atomic statement: failures that arrive in
parallel are all counted (a read followed by a write, as DRF's cache-backed throttles do, loses most of them
under a parallel flood), so the guesses evaluated in a window are at most the limit plus those in flight when
it was reached. An address that failed `failed_authentication` times within the rate's window
(DEFAULT_THROTTLE_RATES, per minute by default) gets 429 with Retry-After for every key it presents, right or
wrong, until enough of those failures are older than the window: no guess is evaluated meanwhile. Requests
with a valid key from an address that is not blocked cost one read; only failures write.

The client address is REMOTE_ADDR, or the address a trusted proxy put in X-Forwarded-For when
TRUSTED_PROXIES (DRF's NUM_PROXIES) says how many proxies are in front: otherwise a client could name
any address it likes. The admin's login (django-axes) uses the same address (`client_address`).
"""

import math

from rest_framework import exceptions, status
from rest_framework.throttling import SimpleRateThrottle

from fallbacks import selectors, services
from fallbacks.models import AuthenticationFailures

TOO_MANY_FAILURES = "Too many failed authentication attempts from this address: try again in {wait} seconds"


class AuthenticationThrottled(exceptions.Throttled):
    """429 with Retry-After: the client's address failed to authenticate too often."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS

    def __init__(self, wait: float):
        super().__init__(wait=wait)
        self.detail = exceptions.ErrorDetail(TOO_MANY_FAILURES.format(wait=self.wait), code="throttled")


class FailedAuthenticationThrottle(SimpleRateThrottle):
    """The failed authentications of one client address within the rate's window (DRF's rate and address)."""

    scope = "failed_authentication"

    def check(self, request) -> None:
        """Raise AuthenticationThrottled when the address has used up its failures; otherwise do nothing."""
        self.address = client_address(request)
        self.now = self.timer()
        seconds = selectors.authentication_failures(self.address, after=math.floor(self.now - self.duration))
        failures = sum(count for _, count in seconds)
        if failures >= self.num_requests:
            raise AuthenticationThrottled(wait=self._wait(seconds, failures))

    def _wait(self, seconds: list[tuple[int, int]], failures: int) -> float:
        """Until enough of the oldest failures have left the window for the address to be under the limit."""
        for second, count in seconds:
            failures -= count
            if failures < self.num_requests:
                return max(second + self.duration - self.now, 1)
        return self.duration

    def record_failure(self) -> None:
        """Count one more failure of the address `check` looked at."""
        services.authentication_failure_record(
            self.address, math.floor(self.now), forget_up_to=math.floor(self.now - self.duration)
        )

    def get_cache_key(self, request, view=None) -> str:  # DRF's abstract method; the count is not in a cache
        raise NotImplementedError


def client_address(request) -> str:
    """The address failures are counted by, for the API and the admin's login alike ("" when there is none)."""
    return (FailedAuthenticationThrottle().get_ident(request) or "")[: AuthenticationFailures.address.field.max_length]
