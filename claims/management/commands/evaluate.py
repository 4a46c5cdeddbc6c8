"""python manage.py evaluate {extraction,matching,all}: the quality benchmarks, printed.

`matching` works on a scratch database (created and dropped here), never the service's data.
The benchmarks live in the `evaluation` package, imported only when this command runs, so the
service never loads them.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from claims.models import Claim, Cluster
from sources.models import Source

SCRATCH_DATABASE = "factcheck_evaluate"


class Command(BaseCommand):
    help = (
        "Print the quality benchmarks: extraction (numbers, seed gold, speed) and matching "
        "(STS, stance, ANS as clustering, seed gold)."
    )

    def add_arguments(self, parser):
        from evaluation import bench_matching

        parser.add_argument("what", choices=["extraction", "matching", "all"])
        parser.add_argument("--bench-dir", type=Path, default=bench_matching.DEFAULT_BENCH_DIR)
        parser.add_argument("--seeds-dir", type=Path, default=bench_matching.REPO / "seeds")
        parser.add_argument("--skip-ans", action="store_true", help="Skip ANS-as-clustering (the slow part).")

    def handle(self, *args, what: str, bench_dir: Path, seeds_dir: Path, skip_ans: bool = False, **options):
        from evaluation import bench_extraction

        if not bench_dir.is_dir():
            raise CommandError(f"no benchmark data at {bench_dir} (pass --bench-dir)")
        failed = False
        if what in ("extraction", "all"):
            self.stdout.write(self.style.MIGRATE_HEADING("== extraction"))
            failed |= bool(bench_extraction.main(["--bench-dir", str(bench_dir), "--seeds-dir", str(seeds_dir)]))
        if what in ("matching", "all"):
            self._matching(bench_dir, seeds_dir, skip_ans)
        if failed:
            raise CommandError("some extraction targets are not met")

    def _matching(self, bench_dir: Path, seeds_dir: Path, skip_ans: bool) -> None:
        from django.conf import settings

        from evaluation import bench_embedding, bench_matching, bench_stance

        self.stdout.write(self.style.MIGRATE_HEADING("== matching: " + bench_matching.model_line()))
        self.stdout.write("-- STS-2017 Spearman (targets: ar-ar >= 0.74, ar-en >= 0.74, en-en >= 0.85)")
        bench_embedding.main(["--model", settings.FACTCHECK_EMBEDDING_MODEL, "--bench-dir", str(bench_dir)])
        self.stdout.write("-- ANS dev stance (target: macro-F1 >= 0.77)")
        bench_stance.main(["--bench-dir", str(bench_dir)])
        old_name = connection.settings_dict["NAME"]
        connection.settings_dict.setdefault("TEST", {})["NAME"] = SCRATCH_DATABASE
        connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
        try:
            self.stdout.write("-- seeds matching gold")
            for key, value in bench_matching.run_seeds(seeds_dir).items():
                if key == "failures":
                    for failure in value:
                        self.stdout.write(f"   miss: {failure}")
                else:
                    self.stdout.write(f"   {key}: {value}")
            if not skip_ans:
                Claim.objects.all().delete()
                Cluster.objects.all().delete()
                Source.objects.all().delete()
                self.stdout.write("-- ANS dev as clustering (targets: B-cubed F1 >= 0.90, status accuracy >= 0.80)")
                result = bench_matching.run_ans(bench_dir, progress=self.stdout.write)
                for key, value in result.items():
                    shown = f"{value:.3f}" if isinstance(value, float) else value
                    self.stdout.write(f"   {key}: {shown}")
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
