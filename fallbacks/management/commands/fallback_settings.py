"""`manage.py fallback_settings`: show the settings, or set them (`--litellm-version 1.109`, `--max-fallbacks 3`)."""

from django.core.management.base import BaseCommand, CommandError

from fallbacks import selectors, services
from fallbacks.domain import LITELLM_SERIES
from fallbacks.errors import DomainError

ACTOR = "manage.py fallback_settings"


class Command(BaseCommand):
    help = (
        "Show the settings (max_fallbacks, litellm_version); with options, set them as one config version. "
        "litellm_version is the LiteLLM series the gateways run, which plans, lint and the model list follow."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--litellm-version",
            metavar="SERIES",
            help=f"The LiteLLM series the gateways run, one of {', '.join(LITELLM_SERIES.values())}.",
        )
        parser.add_argument("--max-fallbacks", type=int, metavar="N", help="How deep the gateway follows chains.")

    def handle(self, *args, litellm_version: str | None, max_fallbacks: int | None, **options):
        if litellm_version is not None or max_fallbacks is not None:
            try:
                services.settings_update(actor=ACTOR, max_fallbacks=max_fallbacks, litellm_version=litellm_version)
            except DomainError as error:
                raise CommandError(error.message) from None
        for name, value in selectors.fallback_settings().items():
            self.stdout.write(f"{name}: {value}")
