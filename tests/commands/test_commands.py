"""Management commands of the core (import/export have their own file)."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError


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
