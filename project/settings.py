"""Settings, all from the environment (see project/env.py and the README's table).

With DEBUG off (the default) every secret must be set and no development default is accepted:
a production deployment that forgets a variable fails at start-up instead of running with
`sk-1234` or a made-up SECRET_KEY.
"""

import os
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from project.env import (
    BASE_DIR,
    env_bool,
    env_int,
    env_list,
    env_required,
    env_str,
    load_dotenv_file,
)

load_dotenv_file()

DEBUG = env_bool("DEBUG", False)

# The development master key that README examples use; refused whenever DEBUG is off, with LiteLLM's
# documentation's other examples and anything short or of few distinct characters: the master key can do
# everything, and anyone who can reach the API may guess at it (at the failed-authentication rate).
DEVELOPMENT_MASTER_KEY = "sk-1234"
KNOWN_MASTER_KEYS = {DEVELOPMENT_MASTER_KEY, "sk-12345", "sk-123456", "sk-1234567890", "sk-master-key", "sk-admin"}
MIN_MASTER_KEY_LENGTH = 16
MIN_MASTER_KEY_DISTINCT_CHARACTERS = 8

if DEBUG:
    SECRET_KEY = env_str("SECRET_KEY") or "django-insecure-development-only"
    MASTER_KEY = env_str("FALLBACKS_MASTER_KEY") or env_str("LITELLM_MASTER_KEY") or DEVELOPMENT_MASTER_KEY
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
else:
    SECRET_KEY = env_required("SECRET_KEY", why="set a long random value (DEBUG is off, so there is no default)")
    if SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured("SECRET_KEY is too weak for production: use 50 or more random characters")
    MASTER_KEY = (env_str("FALLBACKS_MASTER_KEY") or env_str("LITELLM_MASTER_KEY") or "").strip()
    if not MASTER_KEY:
        raise ImproperlyConfigured("FALLBACKS_MASTER_KEY (or LITELLM_MASTER_KEY) is not set and DEBUG is off")
    if MASTER_KEY == DEVELOPMENT_MASTER_KEY:
        raise ImproperlyConfigured("the master key is the development default sk-1234, refused when DEBUG is off")
    if (
        MASTER_KEY.lower() in KNOWN_MASTER_KEYS
        or len(MASTER_KEY) < MIN_MASTER_KEY_LENGTH
        or len(set(MASTER_KEY)) < MIN_MASTER_KEY_DISTINCT_CHARACTERS
    ):
        raise ImproperlyConfigured(
            f"the master key is too weak for production: use {MIN_MASTER_KEY_LENGTH} or more random characters "
            f"(python -c 'import secrets; print(\"sk-\" + secrets.token_urlsafe(32))')"
        )
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS is not set and DEBUG is off: list the host names that serve the app")

# PRODUCT.md 3.1: with STORE_MODEL_IN_DB=False every write is refused and reads keep working.
STORE_MODEL_IN_DB = env_bool("STORE_MODEL_IN_DB", True)

INSTALLED_APPS = [
    "fallbacks.apps.FallbacksAdminConfig",  # django.contrib.admin, with the product's admin site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "fallbacks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "fallbacks.api.middleware.ProbeMiddleware",  # before anything checks the Host header
    "fallbacks.api.middleware.RequestLimitsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "fallbacks.api.middleware.RejectControlCharactersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "fallbacks.api.middleware.DatabaseUnavailableMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires: it answers a locked-out login
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: a locked-out address is refused before a password is hashed
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


# PRODUCT.md 8: no request may hold a worker hostage. A wait for a lock gives up after DATABASE_LOCK_TIMEOUT
# seconds (on PostgreSQL a queued writer may wait twice: for its place in the row's queue, then for the
# holder) and a statement after DATABASE_STATEMENT_TIMEOUT seconds, well under the app server's worker
# timeout (gunicorn.conf.py: 30 s); past them the API answers 503 with Retry-After
# (fallbacks.services.recording.timeouts_as_unavailable) and the worker is free again.
DATABASE_LOCK_TIMEOUT = env_int("DATABASE_LOCK_TIMEOUT", 5)
DATABASE_STATEMENT_TIMEOUT = env_int("DATABASE_STATEMENT_TIMEOUT", 20)


def _database() -> dict:
    config = dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
    if config["ENGINE"] == "django.db.backends.postgresql":
        timeouts = f"-c lock_timeout={DATABASE_LOCK_TIMEOUT}s -c statement_timeout={DATABASE_STATEMENT_TIMEOUT}s"
        options = config.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} {timeouts}".strip()
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # Concurrent writers must queue, not fail with "database is locked": WAL lets readers go on
        # while one writes, IMMEDIATE takes the write lock when a transaction starts (so two
        # transactions never deadlock upgrading a read lock), and the timeout is how long to queue (SQLite
        # has no statement timeout; its statements here are short).
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": DATABASE_LOCK_TIMEOUT,
        }
        # Tests use a file, not memory, so that they see the locking that production sees.
        # One file per test process, so that two runs side by side never share it.
        config["TEST"] = {"NAME": str(Path(tempfile.gettempdir()) / f"fallbacks-test-{os.getpid()}.sqlite3")}
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# No uploads are kept; set anyway, since Django's test server treats every path as a media file when it is empty.
MEDIA_URL = "media/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Security: on by default without DEBUG, each switchable for a deployment behind a TLS proxy.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^health(/readiness)?$"]  # load balancers probe over plain HTTP
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp) on every answer, the admin's pages above all: scripts and styles only
# from this site's own static files (no inline script, no inline style: the graph page and the chain editors
# use static files only; tests/browser checks that a browser reports no violation). A nonce is there for the
# one inline block a page may need (the API docs page's style), and only on the page that asks for it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SILENCED_SYSTEM_CHECKS = [
    # SQLite cannot defer the chain position constraint; migration 0002 gives it a plain unique
    # index instead, so the rule holds on both databases.
    "models.W038",
    # HSTS preloading is a one-way decision for a whole domain: the operator opts in with
    # SECURE_HSTS_PRELOAD=True, it is not ours to take.
    "security.W021",
]

# Nothing uses Django's cache: failed authentications are counted in the database (fallbacks.api.throttling) and the
# listings are kept per process, keyed by the config version read from the database (fallbacks.api.listings). A
# dummy cache, so that nothing comes to rely on a cache that one process would not share with the others.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}

# The bytes of the long lists (GET /v1/models, /models, /fallback, /config), per process, for the current config
# version only (fallbacks.api.listings); at 10,000 model groups one version's lists take about 25 MB.
LISTING_CACHE_MAX_BYTES = env_int("LISTING_CACHE_MAX_BYTES", 128 * 1024 * 1024)

# How many proxies in front of the app set X-Forwarded-For: the client address rate limits count by is
# the one the nearest trusted proxy saw. 0 (the default): REMOTE_ADDR, and X-Forwarded-For is ignored.
TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)

# Failed admin logins (PRODUCT.md 4), with django-axes in the database: per client address, the admin's own
# login page (status 429) for the rest of the cool-off, before any password is checked.
AXES_FAILURE_LIMIT = env_int("ADMIN_LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("ADMIN_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_RESET_ON_SUCCESS = False  # per address: a success must not clear the guesses made from it
AXES_CLIENT_IP_CALLABLE = "fallbacks.api.throttling.client_address"
AXES_LOCKOUT_CALLABLE = "fallbacks.admin.views.login.locked_out"
AXES_ENABLE_ADMIN = False  # fallbacks.admin.options registers axes's pages itself, with the same lookup rules

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "fallbacks.api.authentication.BearerKeyAuthentication",
        # The API docs page's own requests, with the admin session and CSRF (nothing else is authenticated by it).
        "fallbacks.api.authentication.ApiDocsSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["fallbacks.api.permissions.HasKeyForMethod"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["fallbacks.api.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "fallbacks.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
    "NUM_PROXIES": TRUSTED_PROXIES,
    # Failed authentications per client address (fallbacks.api.throttling), before 429s.
    "DEFAULT_THROTTLE_RATES": {"failed_authentication": env_str("API_FAILED_AUTHENTICATION_RATE", "20/min")},
}

SPECTACULAR_SETTINGS = {
    "TITLE": "LLM fallback manager",
    "DESCRIPTION": "Which LLM model falls back to which, and when. Shapes match LiteLLM's fallback endpoints.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema needs a key, or a staff session for the docs page that a browser opens.
    "SERVE_PERMISSIONS": ["fallbacks.api.permissions.KeyOrStaffSession"],
    "SERVE_AUTHENTICATION": [
        "fallbacks.api.authentication.BearerKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",  # served from our own static files: no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Clients authenticate with keys; the docs page's session is that page's own business, not the API's contract.
    "AUTHENTICATION_WHITELIST": ["fallbacks.api.authentication.BearerKeyAuthentication"],
}

# Every line once: Django's own `django` logger has a console handler of its own when DEBUG is on, and would hand
# each record to the root's too (runserver printed every warning twice). Here it only hands them on; runserver's
# request lines (`django.server`) keep their own handler and do not propagate.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django": {"handlers": [], "level": env_str("LOG_LEVEL", "INFO"), "propagate": True}},
}
