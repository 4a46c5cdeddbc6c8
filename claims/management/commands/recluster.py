"""python manage.py recluster: rebuild all clusters and refresh their statuses."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from claims import services
from claims.management.commands._progress import ProgressLine


class Command(BaseCommand):
    help = (
        "Re-cluster every claim from scratch (deterministic; cluster ids kept where clusters persist). "
        "Waits for ingestion that is assigning claims; skipped, saying so, if another rebuild is already "
        "running (it covers this one). Exits non-zero if ingestion held the clusters past --wait."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--wait",
            type=float,
            default=None,
            metavar="SECONDS",
            help="How long to wait for ingestion to finish (default: FACTCHECK_REBUILD_WAIT_SECONDS).",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            metavar="N",
            help=(
                "Split the pair scores and the status refresh after the commit across N processes: this one "
                "and Celery workers on the broker (default: FACTCHECK_REBUILD_WORKERS; without a broker this "
                "process does them all)."
            ),
        )
        parser.add_argument(
            "--all-statuses",
            action="store_true",
            help="Recompute every cluster's status, not only where claims moved (after upgrading rules or models).",
        )

    def handle(
        self, *args, wait: float | None = None, all_statuses: bool = False, workers: int | None = None, **options
    ):
        if workers is not None and workers < 1:
            raise CommandError(_("--workers must be at least 1"))
        workers = workers or settings.FACTCHECK_REBUILD_WORKERS
        progress = ProgressLine(_("clustering claims"), stream=self.stderr._out)

        def waiting(seconds: float) -> None:
            self.stderr.write(_("waiting for ingestion to finish… %(seconds).0fs") % {"seconds": seconds})

        status_line: list[ProgressLine] = []

        def statuses(done: int, total: int) -> None:
            if not status_line:  # its clock starts with the statuses, after the commit
                status_line.append(ProgressLine(_("refreshing statuses"), stream=self.stderr._out))
            status_line[0](done, total)

        report = services.recluster(
            progress=progress,
            waiting=waiting,
            wait=wait,
            all_statuses=all_statuses,
            workers=workers,
            status_progress=statuses,
        )
        if report.outcome == services.COVERED:
            self.stdout.write(
                _(
                    "skipped: another rebuild is already running (or waiting for ingestion); it places every "
                    "claim stored before it commits, so it covers this one"
                )
            )
            return
        if report.outcome == services.TIMED_OUT:
            raise CommandError(
                _(
                    "not rebuilt: ingestion still held the clusters after %(seconds).0fs; run recluster again "
                    "(or with a longer --wait)"
                )
                % {"seconds": report.waited}
            )
        counts = ", ".join(f"{k} {v}" for k, v in report.by_status.items())
        summary = _(
            "%(claims)d claims in %(clusters)d clusters (%(kept)d ids kept, %(refreshed)d statuses recomputed): "
            "%(statuses)s"
        ) % {
            "claims": report.claims,
            "clusters": report.clusters,
            "kept": report.kept_ids,
            "refreshed": report.refreshed,
            "statuses": counts,
        }
        if report.arrived:
            summary += "; " + _("%(arrived)d claims arrived during the rebuild, %(replaced)d of them placed again") % {
                "arrived": report.arrived,
                "replaced": report.replaced,
            }
        if len(report.parts) > 1:
            summary += "; " + _("pair scores shared by %(processes)d processes") % {"processes": len(report.parts)}
        if report.status_batches:
            summary += "; " + _(
                "status refresh shared: %(here)d batches here, %(workers)d by workers, %(late)d here after waiting"
            ) % {
                "here": report.status_batches["here"],
                "workers": report.status_batches["workers"],
                "late": report.status_batches["after_waiting"],
            }
        if report.waited > 0:
            summary = _("rebuilt after waiting %(seconds).1fs for ingestion to finish: %(summary)s") % {
                "seconds": report.waited,
                "summary": summary,
            }
        self.stdout.write(summary)
