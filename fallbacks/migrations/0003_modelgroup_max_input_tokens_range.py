"""`max_input_tokens` is null or 1 to 2**31 - 1 in the database too (validation.clean_max_input_tokens).

Before the constraint, values it would refuse are cleared: 0 (which the admin and the importer
used to accept) and, on SQLite, values beyond a 32-bit integer. Null is what the API shows for an
unknown limit, and no gateway can use a limit of 0 tokens.
"""

from django.db import migrations, models
from django.db.models import Q

LIMIT = 2**31 - 1


def clear_out_of_range(apps, schema_editor):
    ModelGroup = apps.get_model("fallbacks", "ModelGroup")
    ModelGroup.objects.filter(Q(max_input_tokens__lt=1) | Q(max_input_tokens__gt=LIMIT)).update(max_input_tokens=None)


class Migration(migrations.Migration):
    dependencies = [
        ("fallbacks", "0002_sqlite_position_index"),
    ]

    operations = [
        migrations.RunPython(clear_out_of_range, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="modelgroup",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("max_input_tokens__isnull", True),
                    models.Q(("max_input_tokens__gte", 1), ("max_input_tokens__lte", LIMIT)),
                    _connector="OR",
                ),
                name="fallbacks_modelgroup_max_input_tokens_range",
            ),
        ),
    ]
