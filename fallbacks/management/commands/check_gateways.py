from django.core.management.base import BaseCommand, CommandError

from fallbacks import selectors
from fallbacks.gateways import checks


class Command(BaseCommand):
    help = (
        "Check every registered gateway (or those named) for drift against this configuration; exit 1 when any "
        "is out of sync or cannot be checked (for cron and CI)."
    )

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="*", help="Only these gateways.")

    def handle(self, *args, names, **options):
        gateways = selectors.gateways()
        unknown = sorted(set(names) - {gateway.name for gateway in gateways})
        if unknown:
            raise CommandError(f"Unknown gateways: {', '.join(unknown)}")
        out_of_sync = []
        for gateway in gateways:
            if names and gateway.name not in names:
                continue
            report = checks.drift_report(gateway)
            if report["in_sync"]:
                self.stdout.write(f"{gateway.name}: in sync with version {report['config_version']}")
                continue
            out_of_sync.append(gateway.name)
            if report["error"]:
                self.stdout.write(f"{gateway.name}: error: {report['error']}")
                continue
            self.stdout.write(f"{gateway.name}: out of sync with version {report['config_version']}")
            for model in report["models_missing"]:
                self.stdout.write(f"  missing on the gateway: {model}")
            for model in report["models_unknown"]:
                self.stdout.write(f"  unknown here: {model}")
            for chain in report["chains"]:
                self.stdout.write(
                    f"  {chain['model']} ({chain['fallback_type']}): expected {chain['expected']}, live {chain['live']}"
                )
        if out_of_sync:
            raise CommandError(f"Out of sync: {', '.join(out_of_sync)}", returncode=1)
