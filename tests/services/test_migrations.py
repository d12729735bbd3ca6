"""Migration 0005 keeps what was recorded before versions kept their changes."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("fallbacks", "0003_modelgroup_max_input_tokens_range")
HISTORY = ("fallbacks", "0005_history")


def migrate_to(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


@pytest.mark.django_db(transaction=True)
def test_old_records_stay_as_legacy_versions_and_key_events_move_to_security_events():
    try:
        apps = migrate_to(BEFORE)
        old = apps.get_model("fallbacks", "ChangeRecord")
        old.objects.create(version=1, actor="admin 'ann'", action="chain_create", subject="a (general)")
        old.objects.create(version=1, actor="manage.py", action="api_key_create", subject="bot", details={"x": 1})
        old.objects.create(version=2, actor="master key", action="chain_delete", subject="a (general)")

        apps = migrate_to(HISTORY)

        records = apps.get_model("fallbacks", "ChangeRecord").objects.order_by("version")
        assert [(r.version, r.via, r.summary) for r in records] == [
            (1, "legacy", "chain_create a (general)"),
            (2, "legacy", "chain_delete a (general)"),
        ]
        events = apps.get_model("fallbacks", "SecurityEvent").objects.all()
        assert [(e.action, e.subject, e.details) for e in events] == [("api_key_create", "bot", {"x": 1})]
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db
def test_a_rollback_cannot_reach_past_the_legacy_records(make_groups):
    from fallbacks import services
    from fallbacks.errors import Conflict
    from fallbacks.models import ChangeRecord, Via

    make_groups("a")  # version 1, recorded with its changes
    ChangeRecord.objects.filter(version=1).update(via=Via.LEGACY)  # as if recorded before migration 0005
    make_groups("b")

    with pytest.raises(Conflict, match="older than the recorded history"):
        services.config_rollback(actor="tests", to_version=0)
    services.config_rollback(actor="tests", to_version=1)  # from version 1 on, every change is known
