import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fallbacks import services
from fallbacks.config_format import MAX_DOCUMENT_BYTES, ImportMode
from fallbacks.errors import DomainError

# Below this many items a stage is quick enough not to need progress lines.
PROGRESS_FROM = 1000


class Command(BaseCommand):
    help = (
        "Import a LiteLLM proxy config file (YAML or JSON), all or nothing. Merge (the default) sets what the "
        "file names and keeps the rest; replace makes the configuration equal to the file."
    )

    stealth_options = ("stdin",)  # call_command(..., stdin=stream) stands in for standard input

    def add_arguments(self, parser):
        parser.add_argument("file", help="The config file; '-' reads standard input.")
        parser.add_argument(
            "--mode",
            choices=[mode.value for mode in ImportMode],
            default=ImportMode.MERGE.value,
            help="merge: set what the file names, keep the rest (default). replace: make the database equal the file.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Report what would change, and change nothing.")

    def handle(self, *args, file, mode, dry_run, verbosity, **options):
        document = self._read(file, options.get("stdin"))
        show_progress = verbosity >= 1

        def progress(stage: str, done: int, total: int) -> None:
            if show_progress and total >= PROGRESS_FROM:
                self.stderr.write(f"{stage}: {done:,}/{total:,}")

        try:
            report = services.config_import(
                actor=f"manage.py import_config {file}"[:255],
                document=document,
                mode=mode,
                dry_run=dry_run,
                progress=progress,
            )
        except services.ConfigRefused as refused:
            lines = "\n".join(f"  {problem}" for problem in refused.problems)
            raise CommandError(f"{refused.message}; nothing was changed:\n{lines}") from None
        except DomainError as error:
            raise CommandError(error.message) from None

        if verbosity >= 1:
            for change in report.diff.changes:
                self.stdout.write(str(change))
            for notice in report.notices:
                self.stdout.write(f"note: {notice}")
        if report.dry_run:
            self.stdout.write(f"Dry run ({report.mode}): {report.summary}. Nothing was written.")
        elif report.applied:
            self.stdout.write(f"Imported ({report.mode}): {report.summary}; config version {report.version}.")
        else:
            self.stdout.write(f"Nothing to change ({report.mode}): config version {report.version} stays.")

    def _read(self, file: str, stdin) -> bytes | str:
        """The file, or its first MAX_DOCUMENT_BYTES + 1 bytes: enough for the import to refuse one too large."""
        limit = MAX_DOCUMENT_BYTES + 1
        if file == "-":
            stream = stdin or sys.stdin
            return stream.buffer.read(limit) if hasattr(stream, "buffer") else stream.read(limit)
        try:
            with Path(file).open("rb") as handle:
                return handle.read(limit)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror or error}") from None
