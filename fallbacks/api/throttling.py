"""Failed authentication is rate limited per client address (PRODUCT.md 4), with DRF's throttling.

The count lives in Django's cache, which settings.CACHES makes the database (DatabaseCache): every
worker and every host sharing the database shares the count, where a per-process memory would let a
client spread its guesses across workers. An address that failed `failed_authentication` times
(DEFAULT_THROTTLE_RATES, per minute by default) gets 429 with Retry-After for every key it presents,
right or wrong, until the window has passed: no guess is evaluated meanwhile. Requests with a valid key
from an address that is not blocked cost one cache read; only failures write.

The client address is REMOTE_ADDR, or the address a trusted proxy put in X-Forwarded-For when
TRUSTED_PROXIES (DRF's NUM_PROXIES) says how many proxies are in front: otherwise a client could name
any address it likes. The admin's login (django-axes) uses the same address (`client_address`).
"""

from rest_framework import exceptions, status
from rest_framework.throttling import SimpleRateThrottle

TOO_MANY_FAILURES = "Too many failed authentication attempts from this address: try again in {wait} seconds"


class AuthenticationThrottled(exceptions.Throttled):
    """429 with Retry-After: the client's address failed to authenticate too often."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS

    def __init__(self, wait: float):
        super().__init__(wait=wait)
        self.detail = exceptions.ErrorDetail(TOO_MANY_FAILURES.format(wait=self.wait), code="throttled")


class FailedAuthenticationThrottle(SimpleRateThrottle):
    """The failed authentications of one client address within the rate's window, in the shared cache."""

    scope = "failed_authentication"

    def get_cache_key(self, request, view=None) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def check(self, request) -> None:
        """Raise AuthenticationThrottled when the address has used up its failures; otherwise do nothing.

        One cache read, which `record_failure` then builds on.
        """
        self.key = self.get_cache_key(request)
        self.now = self.timer()
        self.history = [moment for moment in self.cache.get(self.key, []) if moment > self.now - self.duration]
        if len(self.history) >= self.num_requests:
            raise AuthenticationThrottled(wait=self.wait())

    def record_failure(self) -> None:
        """Count one more failure of the address `check` looked at (the count is approximate under races)."""
        self.history.insert(0, self.now)
        self.cache.set(self.key, self.history, self.duration)


def client_address(request) -> str:
    """The address failures are counted by, for the API and the admin's login alike."""
    return FailedAuthenticationThrottle().get_ident(request)
