"""Migrations keep what was there: 0005 what was recorded before versions kept their changes, 0009 the groups
and their chains (with each group's stem filled in)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("fallbacks", "0003_modelgroup_max_input_tokens_range")
HISTORY = ("fallbacks", "0005_history")
BEFORE_STEM = ("fallbacks", "0008_import_preview")
STEM = ("fallbacks", "0009_group_stem")


def migrate_to(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


def migrate_to_latest():
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


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
        migrate_to_latest()


@pytest.mark.django_db(transaction=True)
def test_the_groups_stem_is_filled_in_and_their_chains_and_deployments_stay():
    try:
        apps = migrate_to(BEFORE_STEM)
        group = apps.get_model("fallbacks", "ModelGroup")
        gpt, azure, twice = (group.objects.create(name=name) for name in ("gpt-4o", "azure/gpt-4o", "azure/azure/x"))
        apps.get_model("fallbacks", "Deployment").objects.create(model_group=twice, litellm_params={"model": "x"})
        entry = apps.get_model("fallbacks", "FallbackEntry")
        entry.objects.create(source=azure, fallback_type="general", position=0, target=gpt)
        entry.objects.create(source=None, fallback_type="general", position=0, target=twice)

        apps = migrate_to(STEM)

        groups = apps.get_model("fallbacks", "ModelGroup").objects
        assert dict(groups.values_list("name", "stem")) == {
            "gpt-4o": "gpt-4o",
            "azure/gpt-4o": "gpt-4o",
            "azure/azure/x": "x",
        }
        chains = apps.get_model("fallbacks", "FallbackEntry").objects.order_by("id")
        assert [(e.source_id, e.target_id) for e in chains] == [(azure.id, gpt.id), (None, twice.id)]
        deployments = apps.get_model("fallbacks", "Deployment").objects.values_list("model_group_id", flat=True)
        assert list(deployments) == [twice.id]
    finally:
        migrate_to_latest()


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
