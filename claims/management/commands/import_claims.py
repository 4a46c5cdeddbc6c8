"""python manage.py import_claims FILE.jsonl: add claims fact-checkers already hold."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from claims import services
from sources.readers import ReadError


class Command(BaseCommand):
    help = (
        "Import claims from a JSON Lines file, one object a line: text, and source_url, publisher, "
        "published_at (ISO 8601), language where known. Each claim is matched and clustered like "
        "extracted ones. Lines already imported are skipped (those whose processing failed or died are "
        "processed again); bad lines (malformed, NUL, not UTF-8, over FACTCHECK_MAX_CLAIM_LINE_CHARS "
        "characters) are reported by number, the rest are imported, and "
        "the command exits non-zero."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE.jsonl")

    def handle(self, *args, file: str, verbosity: int = 1, **options):
        done = 0
        requeued = 0

        def on_item(item, result):
            nonlocal done, requeued
            done += 1
            if isinstance(item, ReadError):
                self.stderr.write(self.style.ERROR(f"error {item}"))
                return
            if result.queued and not result.created:
                requeued += 1
            if verbosity >= 2:
                if result.created:
                    state = _("new")
                elif result.queued:
                    state = _("already stored, not processed: processing it again")
                else:
                    state = _("already stored")
                self.stdout.write(f"{state:14} {item.origin}")
            if verbosity >= 1 and done % 100 == 0:
                self.stderr.write(f"{done} lines read")

        report = services.import_claims(file, on_item=on_item)
        self.stdout.write(
            _(
                "imported %(new)d new claim(s), %(existing)d already stored (%(requeued)d of them not processed "
                "before, processed again), %(failed)d failed"
            )
            % {
                "new": len(report.created),
                "existing": len(report.existing),
                "requeued": requeued,
                "failed": len(report.errors),
            }
        )
        if report.errors:
            raise CommandError(f"{len(report.errors)} line(s) failed; see the errors above")
