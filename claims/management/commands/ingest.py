"""python manage.py ingest PATH_OR_URL [...]: store articles and process their claims."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from claims import services
from sources.readers import ReadError


def _state(result: services.IngestResult) -> str:
    if result.created:
        return _("new")
    if result.queued:
        # Stored before but never processed to the end (failed, waiting, or its run died).
        return _("already stored, not processed: processing it again")
    return _("already stored")


class Command(BaseCommand):
    help = (
        "Ingest .txt, .json and .html files, directories (recursively) and http(s) URLs. "
        "Articles already stored (same text) are skipped, unless their processing failed or died, in "
        "which case they are processed again. Bad inputs are reported by name; "
        "the rest still go in. Exits non-zero if any input failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("items", nargs="+", metavar="PATH_OR_URL")

    def handle(self, *args, items: list[str], verbosity: int = 1, **options):
        started = time.monotonic()
        count = 0

        def on_item(item, result):
            nonlocal count
            count += 1
            if isinstance(item, ReadError):
                self.stderr.write(self.style.ERROR(f"[{count}] error {item}"))
            elif verbosity >= 1:
                result.source.refresh_from_db(fields=["status"])
                self.stdout.write(
                    _("[%(n)d] %(state)s source %(pk)d: %(origin)s (%(claims)d claims, %(status)s)")
                    % {
                        "n": count,
                        "state": _state(result),
                        "pk": result.source.pk,
                        "origin": item.origin,
                        "claims": result.source.claims.count(),
                        "status": result.source.get_status_display(),
                    }
                )

        report = services.ingest_inputs(items, on_item=on_item)
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"ingested {len(report.created)} new, {len(report.existing)} already stored, "
            f"{len(report.errors)} failed in {elapsed:.1f}s"
        )
        if report.errors:
            raise CommandError(f"{len(report.errors)} input(s) failed; see the errors above")
