"""`manage.py lint_fallbacks`: the fallback lint, for people and for deployment pipelines."""

import json

from django.core.management.base import BaseCommand, CommandError

from fallbacks import queries, validation
from fallbacks.domain import LITELLM_SERIES
from fallbacks.errors import DomainError
from fallbacks.lint import ERROR


class Command(BaseCommand):
    help = "List chains that are legal but will not do what you expect. Exits 1 when a finding is an error."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument("--model", help="Only the findings that concern this model group.")
        parser.add_argument(
            "--litellm-version",
            metavar="SERIES",
            help=f"Lint for this LiteLLM series ({', '.join(LITELLM_SERIES.values())}) instead of the configured one.",
        )

    def handle(self, *args, format: str, model: str | None, litellm_version: str | None, **options):
        try:
            series = None if litellm_version is None else validation.clean_litellm_version(litellm_version)
        except DomainError as error:
            raise CommandError(error.message) from None
        report = queries.fallback_lint(model=model, litellm_version=series).report
        counts = report.counts
        if format == "json":
            self.stdout.write(json.dumps(report.as_dict()))
        else:
            for finding in report.findings:
                chain = f"{finding.source} ({finding.fallback_type})"
                self.stdout.write(f"{finding.severity.upper():7} {chain}: {finding.message}")
            summary = ", ".join(f"{count} {severity}{'s' if count != 1 else ''}" for severity, count in counts.items())
            self.stdout.write(summary)
        if counts[ERROR]:
            # CommandError exits with status 1 and says why on stderr, which is what a pipeline wants.
            raise CommandError(f"{counts[ERROR]} fallback lint error{'s' if counts[ERROR] != 1 else ''}")
