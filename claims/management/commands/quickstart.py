"""python manage.py quickstart [PATH ...]: ingest, cluster, summarise, and set up an editor login.

What `make run` does before serving. Safe to repeat: stored articles are not ingested twice.
"""

from __future__ import annotations

import secrets
import time

from django.core.management.base import BaseCommand
from django.db.models import Count
from django.utils.translation import gettext as _

from claims import services
from claims.choices import ClusterStatus
from claims.management.commands._progress import ProgressLine
from claims.models import Cluster
from sources.models import Source
from sources.readers import ReadError

EDITOR_USERNAME = "editor"


class Command(BaseCommand):
    help = "Ingest the given paths (default seeds/), re-cluster, print a summary and an editor login."

    def add_arguments(self, parser):
        parser.add_argument("items", nargs="*", default=["seeds/"], metavar="PATH_OR_URL")
        parser.add_argument("--no-editor", action="store_true", help="Do not create or reset the editor account.")

    def handle(self, *args, items: list[str], no_editor: bool = False, **options):
        started = time.monotonic()

        def on_item(item, result):
            if isinstance(item, ReadError):
                self.stderr.write(self.style.ERROR(f"error {item}"))
            else:
                state = "new" if result.created else "already stored"
                self.stdout.write(f"  {state:14} {item.origin}")

        self.stdout.write(f"Ingesting {', '.join(items)} ...")
        report = services.ingest_inputs(items, on_item=on_item)
        ingest_seconds = time.monotonic() - started
        recluster = services.recluster(progress=ProgressLine("clustering claims", stream=self.stderr._out))
        if recluster.outcome == services.RAN:
            clustered = _("%(claims)d claims in %(clusters)d clusters.") % {
                "claims": recluster.claims,
                "clusters": recluster.clusters,
            }
        elif recluster.outcome == services.COVERED:
            clustered = _("clusters not rebuilt here: another rebuild is running and covers these claims.")
        else:
            clustered = _("clusters not rebuilt: ingestion elsewhere held them too long; run recluster.")
        self.stdout.write(
            f"Ingested {len(report.created)} new and {len(report.existing)} stored article(s) "
            f"({len(report.errors)} failed) in {ingest_seconds:.1f}s; {clustered}"
        )
        self._print_summary()
        if not no_editor:
            self._print_login()

    def _print_summary(self) -> None:
        out = self.stdout
        out.write("")
        out.write(f"{'status':15} {'clusters':>8}")
        for status, count in services.cluster_counts().items():
            out.write(f"{status:15} {count:>8}")
        out.write("")
        multi = Cluster.objects.exclude(status=ClusterStatus.SINGLE_SOURCE).order_by("-source_count", "id")[:15]
        if multi:
            out.write(f"{'cluster':>7} {'status':13} {'sources':>7} {'claims':>6} {'langs':7} label")
            for cluster in multi:
                out.write(
                    f"{cluster.pk:>7} {cluster.status:13} {cluster.source_count:>7} {cluster.claim_count:>6} "
                    f"{','.join(cluster.languages):7} {cluster.label[:70]}"
                )
            out.write("")
        out.write(f"{'source':>6} {'lang':5} {'status':10} {'claims':>6} title")
        for source in Source.objects.annotate(claim_total=Count("claims")).defer("text").order_by("id"):
            out.write(
                f"{source.pk:>6} {source.language:5} {source.status:10} {source.claim_total:>6} {str(source)[:70]}"
            )

    def _print_login(self) -> None:
        from django.contrib.auth import get_user_model

        from claims.management.commands.setup_roles import setup_roles

        password = secrets.token_urlsafe(12)
        user, _ = get_user_model().objects.get_or_create(username=EDITOR_USERNAME)
        user.is_staff = True
        user.set_password(password)
        user.save()
        user.user_permissions.clear()  # the editor's permissions are the editors group's
        user.groups.add(setup_roles()["editors"])
        self.stdout.write("")
        self.stdout.write("Admin:  http://127.0.0.1:8000/admin/")
        self.stdout.write("API:    http://127.0.0.1:8000/api/v1/clusters/   (schema: /api/v1/schema/)")
        self.stdout.write(f"Login:  user {EDITOR_USERNAME!r}, password {password}")
        self.stdout.write("        (a new password is generated every time this runs; it is not stored in clear)")
