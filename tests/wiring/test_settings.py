"""Settings: production refuses to start without its secrets or with a development default.

Each case starts a fresh interpreter, since settings are read once per process.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import REPO_ROOT

PROJECT = REPO_ROOT
STRONG_SECRET = "s3cret-" * 10
PRODUCTION = {
    "DEBUG": "False",
    "SECRET_KEY": STRONG_SECRET,
    "FALLBACKS_MASTER_KEY": "sk-production-master-key",
    "ALLOWED_HOSTS": "fallbacks.example.com",
}


# What tests/settings.py puts in this process's environment, kept out of the child's.
TEST_VARIABLES = {
    "DEBUG",
    "SECRET_KEY",
    "FALLBACKS_MASTER_KEY",
    "LITELLM_MASTER_KEY",
    "ALLOWED_HOSTS",
    "SECURE_SSL_REDIRECT",
}


def clean_environment() -> dict:
    return {key: value for key, value in os.environ.items() if key not in TEST_VARIABLES}


def load_settings(overrides: dict, *, dotenv: str | None = None, tmp_path: Path) -> subprocess.CompletedProcess:
    env_file = tmp_path / "env"
    env_file.write_text(dotenv or "")
    env = clean_environment()
    env.update({"DJANGO_SETTINGS_MODULE": "project.settings", "FALLBACKS_ENV_FILE": str(env_file), **overrides})
    code = "from django.conf import settings; print(settings.DEBUG, settings.MASTER_KEY, settings.ALLOWED_HOSTS)"
    return subprocess.run([sys.executable, "-c", code], cwd=PROJECT, env=env, capture_output=True, text=True)


def test_production_settings_load(tmp_path):
    result = load_settings(PRODUCTION, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False sk-production-master-key ['fallbacks.example.com']"


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY is not set"),
        ({"SECRET_KEY": "django-insecure-" + "x" * 60}, "SECRET_KEY is too weak"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY is too weak"),
        ({"FALLBACKS_MASTER_KEY": ""}, "FALLBACKS_MASTER_KEY (or LITELLM_MASTER_KEY) is not set"),
        ({"FALLBACKS_MASTER_KEY": "sk-1234"}, "development default"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS is not set"),
        ({"DEBUG": "perhaps"}, "DEBUG must be true or false"),
    ],
)
def test_production_refuses_missing_or_development_values(tmp_path, change, complaint):
    result = load_settings({**PRODUCTION, **change}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert complaint in result.stderr


def test_litellm_master_key_is_read_when_ours_is_unset(tmp_path):
    overrides = {key: value for key, value in PRODUCTION.items() if key != "FALLBACKS_MASTER_KEY"}
    result = load_settings({**overrides, "LITELLM_MASTER_KEY": "sk-from-litellm-env"}, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "sk-from-litellm-env" in result.stdout


def test_our_master_key_wins_over_litellms(tmp_path):
    result = load_settings({**PRODUCTION, "LITELLM_MASTER_KEY": "sk-other-key-value"}, tmp_path=tmp_path)
    assert "sk-production-master-key" in result.stdout


def test_without_dotenv_and_variables_the_app_refuses_to_start(tmp_path):
    result = load_settings({}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_dotenv_gives_development_defaults_and_the_environment_wins(tmp_path):
    dotenv = "DEBUG=True\nSECRET_KEY=dev-secret\nFALLBACKS_MASTER_KEY=sk-1234\n"
    result = load_settings({}, dotenv=dotenv, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("True sk-1234")
    overridden = load_settings({"FALLBACKS_MASTER_KEY": "sk-from-environment"}, dotenv=dotenv, tmp_path=tmp_path)
    assert "sk-from-environment" in overridden.stdout


def deploy_check(tmp_path, **overrides: str) -> subprocess.CompletedProcess:
    env_file = tmp_path / "env"
    env_file.write_text("")
    env = {
        **clean_environment(),
        **PRODUCTION,
        "FALLBACKS_ENV_FILE": str(env_file),
        "DJANGO_SETTINGS_MODULE": "project.settings",
        **overrides,
    }
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
    )


def test_deploy_checks_pass_with_production_settings(tmp_path):
    result = deploy_check(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_checks_warn_behind_a_proxy_that_is_not_trusted(tmp_path):
    """Behind a proxy with TRUSTED_PROXIES=0 every client has the proxy's address: one client's failures would lock
    every client out."""
    refused = deploy_check(tmp_path, SECURE_PROXY_SSL_HEADER="True")
    assert refused.returncode == 1
    assert "fallbacks.W001" in refused.stderr
    assert deploy_check(tmp_path, SECURE_PROXY_SSL_HEADER="True", TRUSTED_PROXIES="1").returncode == 0


@pytest.mark.parametrize(
    "master_key",
    ["x", "sk-short", "sk-aaaaaaaaaaaaaaaaaaaaaa", "sk-master-key", "SK-1234", "0123456789abcde"],
)
def test_production_refuses_a_weak_master_key(tmp_path, master_key):
    """Finding 6 of issue 12: a production master key of `x` passed the checks."""
    for variable in ("FALLBACKS_MASTER_KEY", "LITELLM_MASTER_KEY"):
        production = {key: value for key, value in PRODUCTION.items() if key != "FALLBACKS_MASTER_KEY"}
        result = load_settings({**production, variable: master_key}, tmp_path=tmp_path)
        assert result.returncode != 0
        assert "the master key is too weak for production" in result.stderr


def test_a_random_master_key_is_accepted(tmp_path):
    result = load_settings({**PRODUCTION, "FALLBACKS_MASTER_KEY": "sk-Jd8w2kQ9vLx3Zr7T"}, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr


def test_a_dotenv_left_in_a_production_checkout_cannot_turn_debug_on(tmp_path):
    """Finding 7 of issue 12: the environment configured production (SECRET_KEY, no DEBUG) and a stray `.env`
    with DEBUG=True turned debugging on, with its error pages, in production."""
    production = {key: value for key, value in PRODUCTION.items() if key != "DEBUG"}
    result = load_settings(production, dotenv="DEBUG=True\nFALLBACKS_MASTER_KEY=sk-1234\n", tmp_path=tmp_path)
    assert result.returncode != 0
    assert "turns DEBUG on, but the environment sets SECRET_KEY" in result.stderr
    assert load_settings(production, dotenv="LOG_LEVEL=INFO\n", tmp_path=tmp_path).returncode == 0
    explicit = load_settings({**production, "DEBUG": "True"}, dotenv="DEBUG=True\n", tmp_path=tmp_path)
    assert explicit.returncode == 0, explicit.stderr
