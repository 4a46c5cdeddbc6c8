"""python manage.py evaluate {extraction,matching,stories,all}: the quality benchmarks, printed.

`matching` and `stories` work on a scratch database (created and dropped here), never the
service's data.
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
        "(STS, stance, ANS as clustering, seed gold) and stories (real news stories, leave one story out)."
    )

    def add_arguments(self, parser):
        from evaluation import bench_matching, stories

        parser.add_argument("what", choices=["extraction", "matching", "stories", "all"])
        parser.add_argument("--bench-dir", type=Path, default=bench_matching.DEFAULT_BENCH_DIR)
        parser.add_argument("--seeds-dir", type=Path, default=bench_matching.REPO / "seeds")
        parser.add_argument("--skip-ans", action="store_true", help="Skip ANS-as-clustering (the slow part).")
        parser.add_argument("--stories-dir", type=Path, default=stories.DEFAULT_STORIES_DIR)
        parser.add_argument("--story", action="append", default=[], help="Only this story (repeatable).")
        parser.add_argument("--misses", action="store_true", help="List each story's missing members and splits.")
        parser.add_argument(
            "--arrivals",
            choices=stories.ARRIVALS,
            default=stories.BATCH,
            help="Stories: 'batch' ingests as manage.py ingest does, then re-clusters (default); 'one' ingests "
            "each article alone by publication time and scores the clusters before any rebuild.",
        )

    def handle(self, *args, what: str, bench_dir: Path, seeds_dir: Path, skip_ans: bool = False, **options):
        if what == "stories":
            self._stories(options["stories_dir"], options["story"], options["misses"], options["arrivals"])
            return
        from evaluation import bench_extraction

        if not bench_dir.is_dir():
            raise CommandError(f"no benchmark data at {bench_dir} (pass --bench-dir)")
        failed = False
        if what in ("extraction", "all"):
            self.stdout.write(self.style.MIGRATE_HEADING("== extraction"))
            failed |= bool(bench_extraction.main(["--bench-dir", str(bench_dir), "--seeds-dir", str(seeds_dir)]))
        if what in ("matching", "all"):
            self._matching(bench_dir, seeds_dir, skip_ans)
        if what == "all":
            self._stories(options["stories_dir"], options["story"], options["misses"], options["arrivals"])
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
        with _scratch_database():
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

    def _stories(self, root: Path, only: list[str], misses: bool, arrivals: str) -> None:
        from evaluation import stories

        if not root.is_dir():
            raise CommandError(f"no story folders at {root} (pass --stories-dir)")
        self.stdout.write(self.style.MIGRATE_HEADING(f"== stories: {root}"))
        self.stdout.write(
            "protocol: leave one story out. Each story is ingested alone into an empty scratch database, "
            + (
                "re-clustered and scored; "
                if arrivals == stories.BATCH
                else "one article at a time in order of publication, and scored before any rebuild; "
            )
            + "every weight and threshold of the clause pair model it is clustered "
            "with was fitted on the other stories (training.train_story_pairs). Targets per story: members "
            "found >= 0.95, pairwise F1 >= 0.80, cross-language recall >= 0.75, statuses >= 80%, 0 violations."
        )
        with _scratch_database():
            scores, protocol = stories.run_stories(root, progress=self.stdout.write, only=only, arrivals=arrivals)
        for line in protocol:
            self.stdout.write(f"   model for {line}")
        pooled = stories.StoryScore("pooled")
        for score in scores:
            pooled.add(score)
        self.stdout.write(pooled.line())
        if misses:
            for score in scores:
                for miss in score.misses:
                    self.stdout.write(f"   {score.story}: {miss}")


class _scratch_database:
    """Point the connection at a scratch database for the duration (created here, dropped after)."""

    def __enter__(self):
        self.old_name = connection.settings_dict["NAME"]
        connection.settings_dict.setdefault("TEST", {})["NAME"] = SCRATCH_DATABASE
        connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
        return self

    def __exit__(self, *exc):
        connection.creation.destroy_test_db(self.old_name, verbosity=0)
        return False
