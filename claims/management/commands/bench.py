"""python manage.py bench scale --claims 2000,5000: how the service's costs grow with the archive.

For each size, a synthetic archive (`evaluation.scale_corpus`: ANS and STS sentences in
paraphrase groups, near-duplicates, changed figures and names, both languages, hundreds of
publishers over two years) is stored in a scratch database (created and dropped here, never the
service's data), then measured (`evaluation.bench_scale`): the full rebuild's wall time, CPU and
peak RSS in a process of its own, with 1 worker and 2 (the rebuild's process and a Celery worker
the bench starts on Redis, FACTCHECK_BENCH_BROKER);
incremental assignment of one claim; ingest throughput as a share of the raw encoder's; the API's
lists and detail; last, the new claims committed one at a time and then a full rebuild (how far
the clusters between rebuilds are from the rebuild's). It prints progress while it works, each
size's figures, the growth exponents between sizes and a final table; `--json PATH` writes every
figure.

The stance cross-encoder is on as the settings have it (the service's default); pass
`--no-cross-encoder` to measure without it (FACTCHECK_STANCE_CROSS_ENCODER=0).
The `evaluation` package is imported only when this command runs, so the service never loads it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from claims.management.commands._progress import ProgressLine

SCRATCH_DATABASE = "factcheck_bench"  # not evaluate's: a bench and an evaluation may run side by side
DEFAULT_SIZES = "500,1000"


def _sizes(value: str) -> list[int]:
    try:
        sizes = [int(part) for part in value.replace("_", "").split(",") if part.strip()]
    except ValueError as exc:
        raise CommandError(f"--claims: comma-separated whole numbers, got {value!r}") from exc
    if not sizes or min(sizes) < 2:
        raise CommandError("--claims: each size must be at least 2")
    return sorted(dict.fromkeys(sizes))


def _gb(kb: int) -> float:
    return kb / 1024 / 1024


def _fmt(value, spec: str = ".2f") -> str:
    return "-" if value is None else format(value, spec)


class Command(BaseCommand):
    help = (
        "Measure how rebuild time and memory, incremental assignment, ingest throughput and the API "
        "grow with the archive, on synthetic archives of the given sizes in a scratch database."
    )

    def add_arguments(self, parser):
        from evaluation import bench_scale, scale_corpus

        parser.add_argument("what", choices=["scale"])
        parser.add_argument(
            "--claims", default=DEFAULT_SIZES, help=f"Archive sizes, comma-separated ({DEFAULT_SIZES})."
        )
        parser.add_argument("--no-cross-encoder", action="store_true", help="Stance without the cross-encoder.")
        parser.add_argument("--json", type=Path, metavar="PATH", help="Write every figure to this JSON file.")
        parser.add_argument("--seed", type=int, default=0, help="The corpus's seed (same seed, same archive).")
        parser.add_argument("--newcomers", type=int, default=50, help="Claims assigned one at a time (50).")
        parser.add_argument("--articles", type=int, default=20, help="Small articles ingested (20).")
        parser.add_argument("--api-repeat", type=int, default=20, help="Requests per API endpoint (20).")
        parser.add_argument(
            "--article-share", type=float, default=0.4, help="Share of claims in articles, not statements (0.4)."
        )
        parser.add_argument("--bench-dir", type=Path, default=scale_corpus.DEFAULT_BENCH_DIR)
        parser.add_argument(
            "--embedding-cache", type=Path, default=bench_scale.DEFAULT_CACHE, help="Vectors kept between runs."
        )

    def handle(self, *args, what: str, **options):
        from evaluation import bench_scale, scale_corpus
        from evaluation.embedding_cache import EmbeddingCache

        sizes = _sizes(options["claims"])
        bench_dir: Path = options["bench_dir"]
        if not (bench_dir / "ans").is_dir() or not (bench_dir / "sts2017").is_dir():
            raise CommandError(f"no ANS / STS-2017 data under {bench_dir} (pass --bench-dir)")
        if options["no_cross_encoder"]:
            settings.FACTCHECK_STANCE_CROSS_ENCODER = False  # this process; the rebuilds get it by environment
        cross_encoder = bool(settings.FACTCHECK_STANCE_CROSS_ENCODER)
        keyword = bench_scale.parallel_keyword()
        if keyword is not None and not bench_scale.broker_reachable():
            self.stdout.write(
                f"   2 workers: no broker at {bench_scale.BROKER} (FACTCHECK_BENCH_BROKER) for the worker "
                "process; rebuilds run with 1 worker only"
            )
            keyword = None
        families = scale_corpus.read_families(bench_dir)
        model = settings.FACTCHECK_EMBEDDING_MODEL
        self.stdout.write(
            self.style.MIGRATE_HEADING(
                f"== scale: sizes {', '.join(map(str, sizes))}; model {model}; stance cross-encoder "
                f"{'on' if cross_encoder else 'off'}; {os.cpu_count()} CPUs, load {bench_scale.load_average()}"
            )
        )
        if keyword is None:
            self.stdout.write(
                "   2 workers: not available yet (claims.services.recluster has no parallel rebuild); "
                "rebuilds run with 1 worker only"
            )
        cache = EmbeddingCache(options["embedding_cache"], model)
        rows = []
        try:
            with _scratch_database():
                for n in sizes:
                    rows.append(self._size(n, families, cache, cross_encoder, keyword is not None, options))
                    if options["json"]:  # after each size: a long run stopped midway keeps what it measured
                        self._write_json(options["json"], sizes, rows, cross_encoder, keyword)
        finally:
            cache.close()
        self._table(rows, keyword is not None)
        if options["json"]:
            self._write_json(options["json"], sizes, rows, cross_encoder, keyword)
            self.stdout.write(f"figures written to {options['json']}")

    def _progress(self, label: str) -> ProgressLine:
        return ProgressLine(label, stream=self.stderr._out)

    def _size(self, n: int, families, cache, cross_encoder: bool, parallel: bool, options) -> dict:
        from evaluation import bench_scale, scale_corpus

        say = self.stdout.write
        say(self.style.MIGRATE_HEADING(f"-- {n} claims"))
        corpus = scale_corpus.build_corpus(
            families,
            n,
            seed=options["seed"],
            newcomers=options["newcomers"],
            # One before the clock starts, then `articles` one at a time, as many in batches and as many in a burst.
            articles=3 * options["articles"] + 1,
            article_share=options["article_share"],
        )
        say(f"  corpus: {corpus.summary()}")
        bench_scale.empty_database()
        stored, new_fields, new_texts, new_vectors = bench_scale.store_archive(corpus, cache, say, self._progress)
        row: dict = {"claims": n, "corpus": corpus.summary(), "store": stored}

        say("  first build (no claim clustered yet), 1 worker")
        row["first_build"] = first = bench_scale.run_rebuild(1, cross_encoder)
        say(f"    {self._rebuild_line(first)}")
        say(f"    {bench_scale.stance_line(first.get('stance'))}")
        row["rebuild"] = {}
        for workers in (1, 2):
            if workers > 1 and not parallel:
                row["rebuild"][str(workers)] = None
                say(f"  rebuild, {workers} workers: not available yet")
                continue
            say(f"  rebuild of the built clusters, {workers} worker{'s' if workers > 1 else ''}")
            row["rebuild"][str(workers)] = result = bench_scale.run_rebuild(workers, cross_encoder)
            say(f"    {self._rebuild_line(result)}")
            say(f"    {bench_scale.stance_line(result.get('stance'))}")
        if parallel:
            # Like with like: the 1-worker first build's state again (nothing clustered, the stance
            # cache empty), where the statuses to refresh are all of them.
            say("  first build again (no claim clustered, stance cache empty), 2 workers")
            bench_scale.forget_clustering()
            row["first_build_2_workers"] = first = bench_scale.run_rebuild(2, cross_encoder)
            say(f"    {self._rebuild_line(first)}")
            say(f"    {bench_scale.stance_line(first.get('stance'))}")

        say(f"  incremental assignment: {len(corpus.newcomers)} new claims, one at a time")
        row["assign"] = assign = bench_scale.time_assignment(
            corpus, new_fields, new_texts, new_vectors, self._progress("  assigning")
        )
        if assign:
            say(
                f"    p50 {assign['p50_ms']:.0f} ms, p95 {assign['p95_ms']:.0f} ms; "
                f"{assign['joined_existing_cluster']}/{assign['claims']} joined an existing cluster; then the "
                f"status refresh job p50 {assign['refresh_p50_ms']:.0f} ms, p95 {assign['refresh_p95_ms']:.0f} ms "
                f"(both: p50 {assign['with_refresh_p50_ms']:.0f} ms)"
            )
            say(f"    {bench_scale.stance_line(assign.get('stance'))}")

        say(f"  API: {options['api_repeat']} requests per endpoint")
        row["api"] = api = bench_scale.time_api(options["api_repeat"], self._progress("  requests"))
        for name, figures in api.items():
            if not name.startswith("_"):
                constant = "" if figures["queries_constant"] else " (varies)"
                say(
                    f"    {name}: p50 {figures['p50_ms']:.1f} ms, p95 {figures['p95_ms']:.1f} ms, "
                    f"{figures['queries']} queries{constant}"
                )

        n = options["articles"]
        say(
            f"  ingest: {n} small articles one at a time, {n} others in batches, {n} more in a burst, "
            "against the raw encoder"
        )
        row["ingest"] = ingest = bench_scale.time_ingest(
            corpus.articles[: n + 1],
            self._progress("  ingesting"),
            batched=corpus.articles[n + 1 : 2 * n + 1],
            burst=corpus.articles[2 * n + 1 :],
        )
        if ingest:
            say(
                f"    one at a time (API, feeds): {ingest['ingest_sentences_per_second']:.2f} sentences/s "
                f"({ingest['claims']} claims; article p50 {ingest['article_p50_ms']:.0f} ms, p95 "
                f"{ingest['article_p95_ms']:.0f} ms), encoder {ingest['encoder_sentences_per_second']:.1f} "
                f"sentences/s: {ingest['ratio_to_encoder']:.3f}x the encoder; stored claims moved "
                f"{ingest['stored_moved_per_article']:.1f} an article"
            )
            say(f"    {bench_scale.stance_line(ingest.get('stance'))}")
            batched = ingest.get("batched")
            if batched:
                say(
                    f"    batched ({batched['articles_per_task']} a task, manage.py ingest): "
                    f"{batched['ingest_sentences_per_second']:.2f} sentences/s ({batched['claims']} claims), encoder "
                    f"{batched['encoder_sentences_per_second']:.1f} sentences/s: "
                    f"{batched['ratio_to_encoder']:.3f}x the encoder"
                )
                say(f"    {bench_scale.stance_line(batched.get('stance'))}")
            burst = ingest.get("burst")
            if burst:
                say(
                    f"    burst (one task each, queued before the first runs): "
                    f"{burst['ingest_sentences_per_second']:.2f} sentences/s ({burst['claims']} claims), encoder "
                    f"{burst['encoder_sentences_per_second']:.1f} sentences/s: "
                    f"{burst['ratio_to_encoder']:.3f}x the encoder"
                )
                say(f"    {bench_scale.stance_line(burst.get('stance'))}")

        if corpus.newcomers:
            say(
                f"  between rebuilds: the {len(corpus.newcomers)} new claims assigned one at a time and committed, "
                "then a full rebuild"
            )
            row["incremental_quality"] = quality = bench_scale.incremental_against_rebuild(
                corpus, new_fields, new_texts, new_vectors, self._progress("  committing")
            )
            figures = " / ".join(f"{quality['agreement_with_rebuild'][k]:.3f}" for k in ("precision", "recall", "f1"))
            before, after = quality["gold_incremental"], quality["gold_rebuilt"]
            say(
                f"    stored claims moved {quality['stored_moved']}; agreement with the rebuild (pairwise P / R / F1) "
                f"{figures}; claims the rebuild moved {quality['rebuild_moved']}; gold F1 over pairs with a new claim "
                f"{before['f1']:.3f} before the rebuild, {after['f1']:.3f} after"
            )
        return row

    @staticmethod
    def _rebuild_line(r: dict) -> str:
        return (
            f"wall {r['wall_seconds']:.1f}s (clustering {_fmt(r.get('clustering_seconds'), '.1f')}s, then writes "
            f"and statuses), CPU {r['cpu_seconds']:.1f}s, peak RSS {_gb(r['peak_rss_kb']):.2f} GB "
            f"({_gb(r['rss_before_kb']):.2f} GB with the models loaded, in {r['models_seconds']:.1f}s before the "
            f"clock); process {r['process_seconds']:.1f}s; "
            f"{r['clusters']} clusters ({', '.join(f'{k} {v}' for k, v in r['by_status'].items())})"
            + (f"; parts scored by process: {r['parts']}" if len(r.get("parts") or {}) > 1 else "")
            + (f"; status batches refreshed: {r['status_batches']}" if r.get("status_batches") else "")
            + (
                f"; Celery workers' CPU {', '.join(f'{c:.1f}s' for c in r['workers_cpu_seconds'])}"
                if r.get("workers_cpu_seconds")
                else ""
            )
        )

    def _table(self, rows: list[dict], parallel: bool) -> None:
        from evaluation.bench_scale import growth

        out = self.stdout.write
        out(self.style.MIGRATE_HEADING("== summary"))
        out(
            f"{'claims':>8} | {'first build s / GB':>18} | {'2 workers s':>11} | "
            f"{'rebuild 1 worker s / CPU s / GB':>31} | {'2 workers s / GB':>16} | "
            f"{'assign p50/p95 ms':>17} | {'ingest/encoder 1 / batch / burst':>34}"
        )
        for row in rows:
            first, one, two = row["first_build"], row["rebuild"]["1"], row["rebuild"].get("2")
            first_two = row.get("first_build_2_workers")
            assign, ingest = row.get("assign") or {}, row.get("ingest") or {}
            two_text = f"{two['wall_seconds']:.1f} / {_gb(two['peak_rss_kb']):.2f}" if two else "n/a"
            first_two_text = f"{first_two['wall_seconds']:.1f}" if first_two else "n/a"
            out(
                f"{row['claims']:>8} | {first['wall_seconds']:>9.1f} / {_gb(first['peak_rss_kb']):>5.2f} | "
                f"{first_two_text:>11} | "
                f"{one['wall_seconds']:>13.1f} / {one['cpu_seconds']:>5.1f} / {_gb(one['peak_rss_kb']):>5.2f} | "
                f"{two_text:>16} | {_fmt(assign.get('p50_ms'), '.0f'):>7} / {_fmt(assign.get('p95_ms'), '.0f'):>7} | "
                f"{_fmt(ingest.get('ratio_to_encoder'), '.3f'):>11}x / "
                f"{_fmt((ingest.get('batched') or {}).get('ratio_to_encoder'), '.3f'):>9}x / "
                f"{_fmt((ingest.get('burst') or {}).get('ratio_to_encoder'), '.3f'):>7}x"
            )
        out("")
        names = [name for name in rows[0]["api"] if not name.startswith("_")] if rows else []
        out(f"{'claims':>8} | " + " | ".join(f"{name.split(' (')[0]:>22}" for name in names))
        out(f"{'':>8} | " + " | ".join(f"{'p50 / p95 ms, queries':>22}" for _ in names))
        for row in rows:
            cells = []
            for name in names:
                figures = next((v for k, v in row["api"].items() if k.split(" (")[0] == name.split(" (")[0]), None)
                cells.append(
                    f"{figures['p50_ms']:.1f} / {figures['p95_ms']:.1f}, {figures['queries']}q" if figures else "-"
                )
            out(f"{row['claims']:>8} | " + " | ".join(f"{c:>22}" for c in cells))
        if len(rows) < 2:
            return
        out("")
        out("growth exponents, log(t2/t1) / log(n2/n1) (1 = linear):")
        for g in growth(rows):
            parts = [
                f"first build time {_fmt(g['first_build_time'])}, peak RSS {_fmt(g['first_build_rss'])}",
                f"rebuild time {_fmt(g['rebuild_time'])}, peak RSS {_fmt(g['rebuild_rss'])}",
            ]
            if parallel:
                parts.append(f"2 workers time {_fmt(g['rebuild_2_workers_time'])}")
            parts.append(f"assign p50 {_fmt(g['assign_p50'])}")
            out(f"  {g['from']} -> {g['to']}: " + "; ".join(parts))

    @staticmethod
    def _write_json(path: Path, sizes: list[int], rows: list[dict], cross_encoder: bool, keyword) -> None:
        from evaluation.bench_scale import growth, load_average

        data = {
            "sizes": sizes,
            "model": settings.FACTCHECK_EMBEDDING_MODEL,
            "stance_cross_encoder": cross_encoder,
            "parallel_rebuild": keyword,
            "cpus": os.cpu_count(),
            "load_at_end": load_average(),
            "results": rows,
            "growth": growth(rows),
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str))


class _scratch_database:
    """Point the connection at a scratch database for the duration (created here, dropped after)."""

    def __enter__(self):
        self.old_name = connection.settings_dict["NAME"]
        connection.settings_dict.setdefault("TEST", {})["NAME"] = SCRATCH_DATABASE
        connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False, serialize=False)
        return self

    def __exit__(self, *exc):
        connection.creation.destroy_test_db(self.old_name, verbosity=0)
        return False
