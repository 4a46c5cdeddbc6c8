"""python manage.py recluster: rebuild all clusters and refresh their statuses."""

from django.core.management.base import BaseCommand

from claims import services
from claims.management.commands._progress import ProgressLine


class Command(BaseCommand):
    help = "Re-cluster every claim from scratch (deterministic; cluster ids kept where clusters persist)."

    def handle(self, *args, **options):
        progress = ProgressLine("clustering claims", stream=self.stderr._out)
        report = services.recluster(progress=progress)
        if report.skipped:
            self.stdout.write("another re-clustering is running; skipped")
            return
        statuses = ", ".join(f"{k} {v}" for k, v in report.by_status.items())
        self.stdout.write(
            f"{report.claims} claims in {report.clusters} clusters ({report.kept_ids} ids kept): {statuses}"
        )
