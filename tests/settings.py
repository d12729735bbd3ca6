"""Settings for the test suite: the real settings, with the variables production would set.

DEBUG stays off (as pytest-django forces it) so the tests run the production code paths;
only HTTPS redirection is off, since the test client speaks plain HTTP.
"""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-" + "k3y-" * 12)
os.environ.setdefault("FALLBACKS_MASTER_KEY", "sk-test-master-key")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ["DEBUG"] = "False"
os.environ["SECURE_SSL_REDIRECT"] = "False"

from project.settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests
# Static files come from the apps' folders in tests (as runserver does), not from a collected STATIC_ROOT.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
