"""`manage.py config_history`: the configuration's versions, newest first, with what each changed."""

import json

from django.core.management.base import BaseCommand, CommandError

from fallbacks import queries

MAX_LIMIT = 500


class Command(BaseCommand):
    help = "List configuration versions, newest first: who, when, through which door, and each change."

    def add_arguments(self, parser):
        parser.add_argument("--model", help="Only versions that touched this model group or its chains.")
        parser.add_argument("--limit", type=int, default=20, help=f"How many versions (1 to {MAX_LIMIT}; default 20).")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args, model: str | None, limit: int, format: str, **options):
        if not 1 <= limit <= MAX_LIMIT:
            raise CommandError(f"--limit must be from 1 to {MAX_LIMIT}")
        page = queries.versions(limit=limit, model=model)
        if format == "json":
            self.stdout.write(json.dumps({"data": page.data, "next": page.next}))
            return
        for version in page.data:
            self.stdout.write(
                f"{version['version']:>6}  {version['created_at']}  {version['via']:<8} {version['actor']}: "
                f"{version['summary']}"
            )
            for change in version["changes"]:
                self.stdout.write(f"        {describe(change)}")
            if version.get("changes_not_shown"):
                self.stdout.write(f"        ... and {version['changes_not_shown']} more")
        if not page.data:
            self.stdout.write("No versions.")


def describe(change: dict) -> str:
    """One change in a line: `chain gpt-4o (general): [a] -> [a, b]`."""
    if change["kind"] == "chain":
        what = f"chain {change['model']} ({change['fallback_type']})"
    else:
        what = f"{change['kind'].replace('_', ' ')} {change['name']}"
    return f"{what}: {json.dumps(change['before'])} -> {json.dumps(change['after'])}"
