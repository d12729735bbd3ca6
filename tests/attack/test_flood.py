"""Finding 6: neither failed logins nor wrong API keys were rate limited (200 wrong admin passwords and 1,000
wrong keys in 11 s, all processed; each login attempt cost 240 ms of CPU). PRODUCT.md 4: per client address,
429 JSON with Retry-After on the API, the admin's own page on its login; counted in the database, so that
every worker (and host) shares the count.
"""

import http.cookiejar
import re
import subprocess
import sys
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.contrib.auth.models import User
from django.test import override_settings

from fallbacks import services
from fallbacks.api.throttling import TOO_MANY_FAILURES
from tests.attack.conftest import ATTACK_SERVER, production_environment
from tests.factories import REPO_ROOT

API_LIMIT = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["failed_authentication"].split("/")[0])
PASSWORD = "the-operators-long-password"


def test_wrong_keys_are_refused_with_429_once_an_address_has_failed_too_often(served):
    _, issued = services.api_key_create(actor="tests", name="reader", can_write=False)

    failures = [served.call("GET", "/v1/models", key=f"sk-guess-{index}").status for index in range(API_LIMIT)]
    assert failures == [401] * API_LIMIT

    for key in ("sk-one-guess-too-many", settings.MASTER_KEY, issued):  # no key is looked at any more
        refused = served.call("GET", "/v1/models", key=key)
        assert refused.status == 429, refused.body
        assert refused.headers["Content-Type"] == "application/json"
        wait = int(refused.headers["Retry-After"])
        assert 0 < wait <= 60
        assert refused.json() == {"detail": {"error": TOO_MANY_FAILURES.format(wait=wait)}}
    # A spoofed X-Forwarded-For is no way out: without TRUSTED_PROXIES the address is the connection's.
    spoofed = served.call("GET", "/v1/models", headers={"X-Forwarded-For": "203.0.113.9"})
    assert spoofed.status == 429
    # Health checks need no key and answer whatever the address did.
    assert served.call("GET", "/health", key="").status == 200


def test_malformed_authorization_headers_count_as_failures(served):
    for _ in range(API_LIMIT):
        assert served.call("GET", "/fallback", key="", headers={"Authorization": "Basic eDp5"}).status == 401
    assert served.call("GET", "/fallback").status == 429


def test_wrong_keys_sent_in_parallel_are_all_counted(served):
    """A read of the count followed by a write of it lost most parallel failures: 96 of 400 wrong keys sent 32 at a
    time were evaluated against a limit of 20. Counted atomically, at most the limit plus the requests in flight
    when it was reached are evaluated; the rest get 429."""
    parallel, guesses = 16, 200

    def guess(index: int) -> int:
        return served.call("GET", "/fallback", key=f"sk-guess-{index}").status

    with ThreadPoolExecutor(max_workers=parallel) as pool:
        statuses = list(pool.map(guess, range(guesses)))
    assert set(statuses) == {401, 429}
    assert statuses.count(401) <= API_LIMIT + parallel, statuses.count(401)


def test_the_count_is_shared_by_every_process(served):
    """Failures seen by the served app block the same address in another process on the same database."""
    for index in range(API_LIMIT):
        assert served.call("GET", "/fallback", key=f"sk-guess-{index}").status == 401
    code = (
        "import django; django.setup(); from django.test import Client; "
        f"print(Client(SERVER_NAME='localhost').get('/fallback', HTTP_AUTHORIZATION='Bearer {settings.MASTER_KEY}')"
        ".status_code)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, env=production_environment(), capture_output=True, text=True
    )
    assert result.stdout.strip().splitlines()[-1] == "429", result.stderr[-2000:]


def create_operator() -> User:
    """An admin user whose password the served app can check: gunicorn runs production's password hasher, the live
    server in this process the test suite's fast one."""
    hashers = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"] if ATTACK_SERVER == "gunicorn" else None
    with override_settings(PASSWORD_HASHERS=hashers or settings.PASSWORD_HASHERS):
        return User.objects.create_superuser("operator", "operator@example.com", PASSWORD)


class LoopbackIsSecure(http.cookiejar.DefaultCookiePolicy):
    """As browsers do, cookies marked Secure (production settings) go back to http://localhost."""

    def return_ok_secure(self, cookie, request):
        return True


class AdminBrowser:
    """Logs in to the admin's page as a browser does: the CSRF cookie and token, then the form."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        jar = http.cookiejar.CookieJar(policy=LoopbackIsSecure())
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def log_in(self, username: str, password: str) -> tuple[int, dict, str]:
        page = self.opener.open(self.base_url + "/admin/login/").read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "username": username, "password": password, "next": "/admin/"}
        ).encode()
        request = urllib.request.Request(self.base_url + "/admin/login/?next=/admin/", data=data)
        try:
            with self.opener.open(request) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()


def test_failed_admin_logins_lock_the_address_out_with_the_admins_page(served):
    create_operator()
    browser = AdminBrowser(served.url)

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        status, _, page = browser.log_in("operator", "a-wrong-password")
        assert status == 200
        assert "Please enter the correct username and password" in page
    status, headers, page = browser.log_in("operator", "a-wrong-password")  # the one that locks the address out
    assert status == 429

    status, headers, page = browser.log_in("operator", PASSWORD)  # even the right password, for the cool-off
    assert status == 429
    assert 'id="login-locked-out"' in page
    assert "Too many failed login attempts from your address. Try again in 15 minutes." in page
    assert "LLM fallback manager" in page  # the admin's own page
    assert int(headers["Retry-After"]) == 15 * 60


def test_a_successful_login_does_not_reset_the_count(served):
    """With the lock-out per address, resetting on success would let anyone holding one account keep guessing
    another's password from the same address, logging in with their own between guesses."""
    create_operator()
    browser = AdminBrowser(served.url)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert browser.log_in("operator", "a-wrong-password")[0] == 200
    assert browser.log_in("operator", PASSWORD)[0] == 200  # followed to the index
    assert browser.log_in("operator", "a-wrong-password")[0] == 429  # the count went on: this is the limit
