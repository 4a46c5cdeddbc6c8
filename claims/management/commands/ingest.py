"""python manage.py ingest PATH_OR_URL [...]: store articles and process their claims."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from claims import services
from sources.readers import ReadError


class Command(BaseCommand):
    help = (
        "Ingest .txt, .json and .html files, directories (recursively) and http(s) URLs. "
        "Articles already stored (same text) are skipped. Bad inputs are reported by name; "
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
                state = "new" if result.created else "already stored"
                claims = result.source.claims.count()
                self.stdout.write(f"[{count}] {state:14} source {result.source.pk}: {item.origin} ({claims} claims)")

        report = services.ingest_inputs(items, on_item=on_item)
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"ingested {len(report.created)} new, {len(report.existing)} already stored, "
            f"{len(report.errors)} failed in {elapsed:.1f}s"
        )
        if report.errors:
            raise CommandError(f"{len(report.errors)} input(s) failed; see the errors above")
