"""Management commands of the core (import/export and lint_fallbacks have their own files)."""

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from fallbacks.models import ApiKey, ChangeRecord
from fallbacks.services import hash_api_key


def test_ensure_dev_admin_creates_the_user_of_dotenv(db, settings, monkeypatch, capsys):
    settings.DEBUG = True
    monkeypatch.setenv("DEV_ADMIN_USERNAME", "devadmin")
    monkeypatch.setenv("DEV_ADMIN_PASSWORD", "pw-from-dotenv")
    call_command("ensure_dev_admin")
    user = get_user_model().objects.get(username="devadmin")
    assert user.is_staff
    assert user.is_superuser
    assert user.check_password("pw-from-dotenv")
    assert "devadmin" in capsys.readouterr().out
    call_command("ensure_dev_admin")  # idempotent
    assert get_user_model().objects.filter(username="devadmin").count() == 1


def test_ensure_dev_admin_refuses_without_debug(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only with DEBUG"):
        call_command("ensure_dev_admin")
    call_command("ensure_dev_admin", "--if-debug")  # a quiet no-op for `make run` in production-like settings
    assert not get_user_model().objects.exists()


def test_create_api_key_command_prints_the_secret_once_and_stores_a_hash(db, capsys):
    call_command("create_api_key", "deploy-bot", "--read-write")
    out, err = capsys.readouterr()
    secret = out.strip()
    key = ApiKey.objects.get(name="deploy-bot")
    assert key.can_write
    assert key.key_hash == hash_api_key(secret)
    assert secret not in (key.key_hash, key.prefix)
    assert secret.startswith(key.prefix)
    assert "not shown again" in err
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get("/v1/models").status_code == 200


def test_create_api_key_defaults_to_read_only_and_refuses_a_taken_name(db, capsys):
    from django.core.management.base import CommandError

    call_command("create_api_key", "reader")
    assert not ApiKey.objects.get(name="reader").can_write
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_api_key", "reader")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("k" * 101, "An API key's name must be at most 100 characters"),
        ("bad\x00name", "An API key's name must not contain control characters or unpaired surrogates"),
    ],
)
def test_create_api_key_refuses_a_name_the_database_cannot_hold(db, name, message):
    """Finding 7 of issue 12: a long name crashed the command on PostgreSQL (a DataError), and SQLite stored it."""
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("create_api_key", name, stdout=StringIO(), stderr=StringIO())
    assert not ApiKey.objects.exists()
    call_command("create_api_key", "k" * 100, stdout=StringIO(), stderr=StringIO())
    assert ApiKey.objects.get().name == "k" * 100


def test_fallback_settings_shows_and_sets_the_settings(db, capsys):
    call_command("fallback_settings")
    assert capsys.readouterr().out.splitlines() == ["max_fallbacks: 5", "litellm_version: 1.110", "config_version: 0"]

    call_command("fallback_settings", "--litellm-version", "1.109", "--max-fallbacks", "3")

    assert capsys.readouterr().out.splitlines() == ["max_fallbacks: 3", "litellm_version: 1.109", "config_version: 1"]
    record = ChangeRecord.objects.get()
    assert (record.actor, record.action) == ("manage.py fallback_settings", "settings_update")


def test_fallback_settings_refuses_an_unknown_series_naming_the_supported_ones(db):
    with pytest.raises(CommandError, match=re.escape("Must be one of: ['1.110', '1.109']")):
        call_command("fallback_settings", "--litellm-version", "1.111")
    assert not ChangeRecord.objects.exists()
