"""SQLite cannot defer a unique constraint, so Django creates none for the deferred position
constraint there (models.W038). This gives SQLite the same rule as an ordinary unique index;
PostgreSQL keeps its deferred constraint and gets nothing here."""

from django.db import migrations

INDEX = "fallbacks_fallbackentry_unique_position_sqlite"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            f"CREATE UNIQUE INDEX {INDEX} ON fallbacks_fallbackentry (source_id, fallback_type, position)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("fallbacks", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
