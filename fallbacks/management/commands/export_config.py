from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fallbacks import queries
from fallbacks.config_format import ConfigFormat


class Command(BaseCommand):
    help = (
        "Export the configuration as a LiteLLM proxy config: model_list with every deployment, and router_settings "
        "with the fallbacks of every type and max_fallbacks. The same data always gives the same bytes."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--format", dest="fmt", choices=[fmt.value for fmt in ConfigFormat], default=ConfigFormat.YAML.value
        )
        parser.add_argument("-o", "--output", help="The file to write (standard output when absent).")

    def handle(self, *args, fmt, output, **options):
        exported = queries.exported_config(fmt)
        text, data = exported.text, exported.data
        if not output:
            self.stdout.write(text, ending="")
            return
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror or error}") from None
        chains = len(data.chains)
        self.stderr.write(f"Wrote {len(data.groups):,} model groups and {chains:,} chains to {output}.")
