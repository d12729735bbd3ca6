"""Finding 7: a database outage answered JSON 500s. PRODUCT.md 8: JSON 503s with Retry-After, while `/health`
(which touches no database) answers, and the service recovers by itself once the database is back.

The app runs in another process whose database cannot be reached (a closed port, or a SQLite file in a
folder that does not exist), on the same engine as this session's.
"""

import json
import subprocess
import sys

from django.conf import settings
from django.db import connection

from fallbacks import errors
from tests.attack.conftest import production_environment
from tests.factories import REPO_ROOT

REQUESTS = """
import json, django
django.setup()
from django.test import Client
client = Client(SERVER_NAME="localhost")
key = {"HTTP_AUTHORIZATION": "Bearer " + KEY}
answers = {}
for name, method, path, extra in [
    ("read", "get", "/fallback", key),
    ("write", "post", "/model_groups", key),
    ("issued key", "get", "/fallback", {"HTTP_AUTHORIZATION": "Bearer sk-fb-not-issued"}),
    ("admin", "post", "/admin/login/", {"data": {"username": "operator", "password": "a-password"}}),
    ("health", "get", "/health", {}),
    ("readiness", "get", "/health/readiness", {}),
]:
    data = {"content_type": "application/json", "data": {"name": "x"}} if path == "/model_groups" else {}
    response = getattr(client, method)(path, **data, **extra)
    answers[name] = [response.status_code, response.get("Content-Type"), response.get("Retry-After"),
                     response.content.decode()]
print(json.dumps(answers))
"""


def unreachable_database() -> str:
    if connection.vendor == "sqlite":
        return "sqlite:////nonexistent-folder-of-the-attack-suite/db.sqlite3"
    return "postgres://postgres@127.0.0.1:1/unreachable"


def test_a_database_outage_is_a_json_503_and_health_answers():
    environment = production_environment(DATABASE_URL=unreachable_database())
    code = REQUESTS.replace("KEY", repr(settings.MASTER_KEY))
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answers = json.loads(result.stdout.strip().splitlines()[-1])

    unavailable = json.dumps({"detail": {"error": errors.DATABASE_UNAVAILABLE}}, separators=(",", ":"))
    for name in ("read", "write", "issued key"):
        assert answers[name] == [503, "application/json", "1", unavailable], name
    status, content_type, retry_after, page = answers["admin"]
    assert (status, retry_after) == (503, "1")
    assert content_type.startswith("text/html")
    assert errors.DATABASE_UNAVAILABLE in page
    assert answers["health"][:2] == [200, "application/json"]
    assert answers["readiness"][0] == 503
