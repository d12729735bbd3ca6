"""`manage.py config_history` and `manage.py rollback_config` (PRODUCT.md 3.3)."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from fallbacks import selectors
from tests.factories import database_snapshot


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_history_lists_versions_with_their_changes(db, make_groups, set_chain):
    make_groups("a", "b")
    set_chain("a", ["b"])

    lines = run("config_history", "--limit", "2").splitlines()

    assert lines[0].endswith("command  tests: set chain a (general): b")
    assert lines[1].strip() == 'chain a (general): null -> ["b"]'
    assert "created model group b" in lines[2]
    assert json.loads(run("config_history", "--model", "a", "--format", "json"))["data"][0]["version"] == 3


def test_history_limit_is_bounded(db):
    with pytest.raises(CommandError, match="--limit"):
        run("config_history", "--limit", "0")


def test_rollback_dry_run_writes_nothing_then_rollback_does(db, make_groups, set_chain):
    make_groups("a", "b", "c")
    first = set_chain("a", ["b"])
    set_chain("a", ["c"])
    before = database_snapshot()

    output = run("rollback_config", str(first.version), "--dry-run")

    assert database_snapshot() == before
    assert 'chain a (general): ["c"] -> ["b"]' in output
    assert "Dry run: 1 change(s) would be made; nothing was written." in output
    output = run("rollback_config", str(first.version), "--model", "a", "--fallback-type", "general")
    assert selectors.chain_map(model="a") == {("a", "general"): ["b"]}
    assert f"Rolled back to version {first.version}: config version {selectors.config_version()}." in output


def test_rollback_refusals_are_command_errors(db, make_groups):
    make_groups("a")
    with pytest.raises(CommandError, match="Version 9 not found"):
        run("rollback_config", "9")
