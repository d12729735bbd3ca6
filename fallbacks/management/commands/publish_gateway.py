from django.core.management.base import BaseCommand, CommandError

from fallbacks import selectors
from fallbacks.errors import DomainError
from fallbacks.gateways import checks


class Command(BaseCommand):
    help = "Publish this configuration to a gateway in mode publish through its /fallback API; exit 1 unless in sync."

    def add_arguments(self, parser):
        parser.add_argument("name")

    def handle(self, *args, name, **options):
        gateway = selectors.gateway(name)
        if gateway is None:
            raise CommandError(f"Unknown gateway: {name}")
        try:
            report = checks.publish(gateway)
        except DomainError as refusal:
            raise CommandError(refusal.message) from None
        for chain in report["published"]:
            self.stdout.write(f"published {chain['model']} ({chain['fallback_type']})")
        for chain in report["failed"]:
            self.stdout.write(f"failed {chain['model']} ({chain['fallback_type']}): {chain['status']} {chain['error']}")
        if report["error"]:
            self.stdout.write(f"error: {report['error']}")
        if not report["in_sync"]:
            raise CommandError(f"{name} is not in sync with version {report['config_version']}", returncode=1)
        self.stdout.write(f"{name}: in sync with version {report['config_version']}")
