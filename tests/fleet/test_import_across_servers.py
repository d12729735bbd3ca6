"""The admin's import across app servers (PRODUCT.md 8): preview on one, apply on another, as a browser behind a
load balancer without sticky sessions would, with one logged-in session."""

import re
import secrets
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.test import override_settings

from fallbacks.models import ChangeRecord, ImportPreview, ModelGroup
from tests.factories import FIXTURE

PASSWORD = "operator-" + secrets.token_urlsafe(12)


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Browser:
    """Cookies kept across hosts (one site behind a balancer), redirects shown rather than followed."""

    cookies: dict[str, str] = field(default_factory=dict)

    def request(self, url: str, *, data: bytes | None = None, content_type: str | None = None):
        headers = {"Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items())}
        if content_type:
            headers["Content-Type"] = content_type
        opener = urllib.request.build_opener(NoRedirects)
        try:
            response = opener.open(urllib.request.Request(url, data=data, headers=headers), timeout=60)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.headers, response.read().decode()

    def post(self, url: str, fields: dict[str, str], files: dict[str, tuple[str, bytes]] | None = None):
        fields = {**fields, "csrfmiddlewaretoken": self.cookies["csrftoken"]}
        if not files:
            return self.request(
                url,
                data=urllib.parse.urlencode(fields).encode(),
                content_type="application/x-www-form-urlencoded",
            )
        boundary = secrets.token_hex(16)
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            for name, value in fields.items()
        ]
        for name, (file_name, content) in files.items():
            disposition = f'form-data; name="{name}"; filename="{file_name}"'
            parts.append(
                f"--{boundary}\r\nContent-Disposition: {disposition}\r\nContent-Type: application/yaml\r\n\r\n".encode()
                + content
                + b"\r\n"
            )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def log_in(browser: Browser, url: str) -> None:
    status, headers, page = browser.request(url + "/admin/login/")
    assert "csrftoken" in browser.cookies, (status, dict(headers), page[:500])
    status, headers, _ = browser.post(
        url + "/admin/login/", {"username": "operator", "password": PASSWORD, "next": "/admin/"}
    )
    assert status == 302
    assert headers["Location"] == "/admin/"


def test_preview_on_one_server_and_apply_on_the_other(servers):
    first, second = servers
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.PBKDF2PasswordHasher"]):  # production's
        User.objects.create_superuser("operator", password=PASSWORD)
    browser = Browser()
    log_in(browser, first.url)

    status, _, page = browser.post(
        first.url + "/admin/config/import",
        {"action": "preview", "mode": "merge"},
        files={"config_file": ("config.yaml", FIXTURE.read_bytes())},
    )
    assert status == 200, page
    assert "Preview of config.yaml (merge)" in page
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', page).group(1)
    assert ImportPreview.objects.count() == 1
    assert not ModelGroup.objects.exists()

    status, headers, _ = browser.post(second.url + "/admin/config/import", {"action": "apply", "digest": digest})
    assert status == 302
    assert headers["Location"] == "/admin/config/import"
    assert ModelGroup.objects.filter(name="openrouter/gpt-4").exists()
    assert ChangeRecord.objects.get().via == "import"  # one version, as the import command writes it
    assert not ImportPreview.objects.exists()  # applied: deleted
    _, _, page = browser.request(first.url + "/admin/config/import")  # the message, shown by the first server
    assert "Imported config.yaml (merge)" in page
