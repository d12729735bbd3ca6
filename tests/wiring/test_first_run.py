"""Issue 11, what a new operator meets first: a landing page at `/`, a favicon, `manage.py` saying in one line what
production setting is missing, and development logs that print each line once."""

import subprocess
import sys

from django.contrib.staticfiles import finders

from tests.factories import REPO_ROOT
from tests.wiring.test_settings import clean_environment


def run_manage(tmp_path, *args: str, **variables: str) -> subprocess.CompletedProcess:
    env_file = tmp_path / "env"
    env_file.write_text("")
    env = {**clean_environment(), "FALLBACKS_ENV_FILE": str(env_file), **variables}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_a_missing_production_setting_is_one_line(tmp_path):
    result = run_manage(tmp_path, "check")
    assert result.returncode == 1
    assert result.stderr.strip().startswith("manage.py: SECRET_KEY is not set")
    assert len(result.stderr.strip().splitlines()) == 1  # no traceback
    assert "Traceback" not in result.stderr


def test_development_logs_each_line_once(tmp_path):
    code = "import logging; logging.getLogger('django.request').warning('one line, once')"
    result = run_manage(tmp_path, "shell", "-c", code, DEBUG="True")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("one line, once") == 1
    code = "import logging; logging.getLogger('fallbacks').warning('ours, once')"
    assert run_manage(tmp_path, "shell", "-c", code, DEBUG="True").stderr.count("ours, once") == 1


def test_the_landing_page_says_what_this_is_and_where_to_go(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "LLM fallback manager" in html
    for link in ('href="/admin/"', 'href="/api/docs"', 'href="/health"', 'href="/health/readiness"'):
        assert link in html
    policy = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in policy
    assert "<style" not in html
    assert "<script" not in html


def test_the_admins_view_site_leads_to_the_landing_page(admin_client):
    assert '<a href="/">View site</a>' in admin_client.get("/admin/").content.decode()


def test_the_favicon_is_served(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("fallbacks/favicon.svg")
    assert finders.find("fallbacks/favicon.svg")
