"""`manage.py rollback_config N`: make the configuration (or one chain) what it was right after version N."""

from django.core.management.base import BaseCommand, CommandError

from fallbacks import services
from fallbacks.errors import DomainError
from fallbacks.management.commands.config_history import describe

ACTOR = "manage.py rollback_config"


class Command(BaseCommand):
    help = (
        "Roll the configuration back to how it was right after version N, as one new version; with --model and "
        "--fallback-type, only that chain. --dry-run shows what would change and changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("version", type=int)
        parser.add_argument("--model", help="Roll back only this model group's chain (`*` for a default chain).")
        parser.add_argument("--fallback-type", dest="fallback_type")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, version: int, model: str | None, fallback_type: str | None, dry_run: bool, **options):
        try:
            result = services.config_rollback(
                actor=ACTOR, to_version=version, model=model, fallback_type=fallback_type, dry_run=dry_run
            )
        except DomainError as error:
            raise CommandError(error.message) from None
        for change in result.changes:
            self.stdout.write(describe(change.as_dict()))
        if not result.changes:
            self.stdout.write(f"Nothing to roll back: it is as it was right after version {version}.")
        elif dry_run:
            self.stdout.write(f"Dry run: {len(result.changes)} change(s) would be made; nothing was written.")
        else:
            self.stdout.write(f"Rolled back to version {version}: config version {result.version}.")
