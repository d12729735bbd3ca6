"""The LiteLLM series the gateways run (PRODUCT.md section 2): `1.110` (the default, also for an existing
configuration) or `1.109`; the database refuses any other, as validation.clean_litellm_version does."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("fallbacks", "0003_modelgroup_max_input_tokens_range"),
    ]

    operations = [
        migrations.AddField(
            model_name="configuration",
            name="litellm_version",
            field=models.CharField(
                choices=[("1.110", "LiteLLM 1.110 (router core in Rust)"), ("1.109", "LiteLLM 1.109")],
                default="1.110",
                help_text="The LiteLLM series the gateways run: plans, lint and the model list follow its router.",
                max_length=16,
                verbose_name="LiteLLM version",
            ),
        ),
        migrations.AddConstraint(
            model_name="configuration",
            constraint=models.CheckConstraint(
                condition=models.Q(("litellm_version__in", ["1.110", "1.109"])),
                name="fallbacks_configuration_known_litellm_version",
            ),
        ),
    ]
