"""python manage.py screenshots [--out docs/screenshots]: the editors' pages as PNGs.

Creates a scratch database (<name>_screenshots, dropped afterwards), ingests seeds/ into it, serves it on
a live server thread and drives headless Chromium (factcheck.browser) through the review queue, the
cluster list, a contradiction (else agreement) cluster page, a claim page and the Arabic admin. The
seeds state no publication dates; the scratch copy gets example ones
(factcheck.browser.give_seeds_example_dates) so that the timeline plot has points, and two short
made-up reports of one toll (DEMO_CONTRADICTION) so that there is a contradiction to show.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from factcheck import browser
from sources.readers import SourceInput

PASSWORD = "screenshots-only"  # noqa: S105 - a throwaway user in a throwaway database
DEMO_CONTRADICTION = [
    ("The health ministry said on Monday that 40 people died in the factory fire in Alexandria.", "en", "Demo Wire"),
    ("قالت وزارة الصحة يوم الاثنين إن 75 شخصا لقوا حتفهم في حريق المصنع في الإسكندرية.", "ar", "وكالة تجريبية"),
]


class Command(BaseCommand):
    help = "Save PNGs of the editors' pages (cluster list, a cluster page, the Arabic admin) to docs/screenshots/."

    def add_arguments(self, parser):
        parser.add_argument("--out", default=str(Path(settings.BASE_DIR) / "docs" / "screenshots"))

    def handle(self, *args, out: str, **options):
        if reason := browser.missing():
            raise CommandError(reason)
        from django.contrib.staticfiles.handlers import StaticFilesHandler
        from django.test.testcases import LiveServerThread
        from django.test.utils import setup_test_environment, teardown_test_environment

        setup_test_environment()
        old_name = connection.settings_dict["NAME"]
        # A name of its own, so that it never drops the test suite's database under a running test.
        connection.settings_dict["TEST"] = {
            **connection.settings_dict.get("TEST", {}),
            "NAME": f"{old_name}_screenshots",
        }
        connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
        try:
            self._seed()
            server = LiveServerThread("localhost", StaticFilesHandler, connections_override={}, port=0)
            server.daemon = True
            server.start()
            server.is_ready.wait()
            if server.error:
                raise server.error
            try:
                self._shoot(f"http://localhost:{server.port}", Path(out))
            finally:
                server.terminate()
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
            teardown_test_environment()

    def _seed(self) -> None:
        from django.contrib.auth import get_user_model

        from claims import services

        report = services.ingest_inputs([str(Path(settings.BASE_DIR) / "seeds")])
        if report.errors:
            raise CommandError(f"seeds did not ingest: {report.errors}")
        browser.give_seeds_example_dates()
        # The seeds hold no contradiction; two short reports of our own (one toll, one day, two
        # figures) give the screenshots one, in both languages.
        for text, language, publisher in DEMO_CONTRADICTION:
            services.ingest_source(
                SourceInput(
                    text=text, origin=f"screenshots:{publisher}", publisher=publisher, language=language,
                    published_at=datetime(2026, 3, 2, 12, tzinfo=UTC), title=text[:60],
                )
            )  # fmt: skip
        services.recluster()  # as quickstart does
        get_user_model().objects.create_superuser("editor", "editor@example.org", PASSWORD)

    def _shoot(self, base: str, out: Path) -> None:
        from claims.choices import ClusterStatus
        from claims.models import Claim, Cluster

        cluster = (
            Cluster.objects.filter(status=ClusterStatus.CONTRADICTION).order_by("-claim_count", "id").first()
            or Cluster.objects.filter(status=ClusterStatus.AGREEMENT).order_by("-claim_count", "id").first()
        )
        claim = Claim.objects.filter(cluster=cluster).order_by("id").first()
        driver = browser.chrome()
        try:
            browser.log_in(driver, base, "editor", PASSWORD)
            shots = [("review-queue.png", "/admin/claims/cluster/review/")]
            shots.append(("cluster-list.png", "/admin/claims/cluster/"))
            if cluster:
                shots.append((f"cluster-{cluster.status}.png", f"/admin/claims/cluster/{cluster.pk}/change/"))
            if claim:
                shots.append(("claim.png", f"/admin/claims/claim/{claim.pk}/change/"))
            for name, path in shots:
                driver.get(base + path)
                browser.full_page_png(driver, out / name)
                self.stdout.write(f"{out / name}  ({path}; page {browser.scroll_width(driver)[0]} px wide)")
            driver.get(base + "/admin/claims/cluster/")
            browser.switch_language(driver, "ar")
            arabic = [("arabic-review-queue.png", "/admin/claims/cluster/review/")]
            arabic += [("arabic-cluster-list.png", "/admin/claims/cluster/")]
            for name, path in arabic + (
                [("arabic-cluster.png", f"/admin/claims/cluster/{cluster.pk}/change/")] if cluster else []
            ):
                driver.get(base + path)
                browser.full_page_png(driver, out / name)
                self.stdout.write(f"{out / name}  ({path})")
        finally:
            driver.quit()
