"""python manage.py import_claims FILE.jsonl: add claims fact-checkers already hold."""

from django.core.management.base import BaseCommand, CommandError

from claims import services
from sources.readers import ReadError


class Command(BaseCommand):
    help = (
        "Import claims from a JSON Lines file, one object a line: text, and source_url, publisher, "
        "published_at (ISO 8601), language where known. Each claim is matched and clustered like "
        "extracted ones. Lines already imported are skipped; bad lines (malformed, NUL, not UTF-8, over "
        "FACTCHECK_MAX_CLAIM_LINE_CHARS characters) are reported by number, the rest are imported, and "
        "the command exits non-zero."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE.jsonl")

    def handle(self, *args, file: str, verbosity: int = 1, **options):
        done = 0

        def on_item(item, result):
            nonlocal done
            done += 1
            if isinstance(item, ReadError):
                self.stderr.write(self.style.ERROR(f"error {item}"))
            elif verbosity >= 2:
                self.stdout.write(f"{'new' if result.created else 'already stored':14} {item.origin}")
            if verbosity >= 1 and done % 100 == 0:
                self.stderr.write(f"{done} lines read")

        report = services.import_claims(file, on_item=on_item)
        self.stdout.write(
            f"imported {len(report.created)} new claim(s), {len(report.existing)} already stored, "
            f"{len(report.errors)} failed"
        )
        if report.errors:
            raise CommandError(f"{len(report.errors)} line(s) failed; see the errors above")
