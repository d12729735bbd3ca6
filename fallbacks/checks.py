"""Deployment checks (`manage.py check --deploy`) for settings whose mistakes Django cannot see."""

from django.conf import settings
from django.core import checks

BEHIND_PROXY_WITHOUT_TRUSTED_PROXIES = checks.Warning(
    "SECURE_PROXY_SSL_HEADER says a proxy is in front, but TRUSTED_PROXIES is 0: every client then has the "
    "proxy's address, so one client's failed keys or logins lock every client out.",
    hint="Set TRUSTED_PROXIES to the number of proxies that set X-Forwarded-For (SECURITY.md, client addresses).",
    id="fallbacks.W001",
)


@checks.register(checks.Tags.security, deploy=True)
def trusted_proxies_behind_a_proxy(app_configs, **kwargs) -> list[checks.CheckMessage]:
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and not settings.TRUSTED_PROXIES:
        return [BEHIND_PROXY_WITHOUT_TRUSTED_PROXIES]
    return []
