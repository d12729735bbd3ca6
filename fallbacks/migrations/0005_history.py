"""Versions keep their changes (ConfigChange); API key events move to SecurityEvent.

Records written before this migration have no changes: they are kept, marked `via: legacy`, with
their action and subject as summary, and a rollback cannot reach back past them (it says so).
"""

import django.db.models.deletion
from django.db import migrations, models

KEY_ACTIONS = ("api_key_create", "api_key_activate", "api_key_revoke")


def split_records(apps, schema_editor):
    ChangeRecord = apps.get_model("fallbacks", "ChangeRecord")
    SecurityEvent = apps.get_model("fallbacks", "SecurityEvent")
    key_events = ChangeRecord.objects.filter(action__in=KEY_ACTIONS)
    SecurityEvent.objects.bulk_create(
        SecurityEvent(actor=record.actor, action=record.action, subject=record.subject, details=record.details)
        for record in key_events.order_by("id")
    )
    key_events.delete()
    for record in ChangeRecord.objects.all():
        record.via = "legacy"
        record.summary = f"{record.action} {record.subject}".strip()[:600]
        record.save(update_fields=["via", "summary"])


def join_records(apps, schema_editor):
    ChangeRecord = apps.get_model("fallbacks", "ChangeRecord")
    SecurityEvent = apps.get_model("fallbacks", "SecurityEvent")
    for event in SecurityEvent.objects.all():
        ChangeRecord.objects.create(
            version=0, actor=event.actor, action=event.action, subject=event.subject, details=event.details
        )


class Migration(migrations.Migration):
    dependencies = [
        ("fallbacks", "0004_configuration_litellm_version"),
    ]

    operations = [
        migrations.CreateModel(
            name="SecurityEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("actor", models.CharField(max_length=255)),
                ("action", models.CharField(max_length=64)),
                ("subject", models.CharField(blank=True, max_length=600)),
                ("details", models.JSONField(blank=True, default=dict)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.AlterModelOptions(
            name="changerecord",
            options={"ordering": ["-version"], "verbose_name": "configuration version"},
        ),
        migrations.AddField(
            model_name="changerecord",
            name="summary",
            field=models.CharField(blank=True, max_length=600),
        ),
        migrations.AddField(
            model_name="changerecord",
            name="change_count",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="changerecord",
            name="via",
            field=models.CharField(
                choices=[
                    ("api", "Api"),
                    ("admin", "Admin"),
                    ("import", "Import"),
                    ("rollback", "Rollback"),
                    ("command", "Command"),
                    ("legacy", "Legacy"),
                ],
                default="command",
                max_length=16,
            ),
        ),
        migrations.AlterField(
            model_name="changerecord",
            name="actor",
            field=models.CharField(help_text="The user or API key name; `master` for the master key.", max_length=255),
        ),
        migrations.RunPython(split_records, join_records),
        migrations.AlterField(
            model_name="changerecord",
            name="version",
            field=models.PositiveBigIntegerField(unique=True),
        ),
        migrations.CreateModel(
            name="ConfigChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("version", models.PositiveBigIntegerField()),
                ("position", models.PositiveIntegerField()),
                (
                    "kind",
                    models.CharField(
                        choices=[("chain", "Chain"), ("model_group", "Model Group"), ("setting", "Setting")],
                        max_length=16,
                    ),
                ),
                ("name", models.CharField(max_length=255)),
                ("fallback_type", models.CharField(blank=True, default="", max_length=20)),
                ("before", models.JSONField(blank=True, null=True)),
                ("after", models.JSONField(blank=True, null=True)),
                (
                    "record",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="changes", to="fallbacks.changerecord"
                    ),
                ),
            ],
            options={
                "ordering": ["version", "position"],
                "indexes": [
                    models.Index(
                        fields=["kind", "name", "fallback_type", "version"], name="fallbacks_change_subject_idx"
                    ),
                    models.Index(fields=["version"], name="fallbacks_change_version_idx"),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("record", "position"), name="fallbacks_configchange_unique_position"
                    )
                ],
            },
        ),
    ]
