"""Wall time and peak memory of a full rebuild (`recluster`) on synthetic corpora (issue 14, "Scale").

    python -m evaluation.bench_rebuild --claims 2000,5000,10000

For each size a scratch database (``factcheck_bench_rebuild``, created and dropped here, never the
service's data) is filled with synthetic claims, then a fresh subprocess runs `recluster` twice on
it and reports, from its own ``ru_maxrss``, the peak RSS of the rebuild alone (the filling happens
in this process, so it does not count): the first rebuild starts from unclustered claims (every row
written), the second from its own result (the steady state of the hourly rebuild). Besides wall
time it prints the CPU time of the process and of its database backend (read from /proc when the
server is the embedded one on this machine): on a shared machine wall time follows the load, CPU
time much less. Between sizes it prints the growth exponents (slope of log cost over log n). The
stance cross-encoder is switched off (FACTCHECK_STANCE_CROSS_ENCODER=0) so the figures are the
rebuild's own, not torch's.

The corpus: topics (an event in a place, ~60 claims) whose claims sit at cosine ~0.35 from each
other, so each claim has its full quota of candidate neighbours above the floor as in real news;
inside a topic, facts (a figure of a metric) restated by 2-6 claims in English and Arabic
(paraphrases at cosine ~0.8, some near-duplicate copies), and sibling facts with other figures.
Articles hold 1-4 clauses; a fifth of the claims are standalone statements (imported claims). The
claims sit behind the HNSW index ingestion keeps, so a rebuild's row updates pay what they pay in
service. Vectors are random, so the clusters say nothing of quality: this measures cost only.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import math
import os
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import numpy as np

SCRATCH_DATABASE = "factcheck_bench_rebuild"
DIMENSION = 896  # builtin:use+e5: USE (512) then e5 (384), as the pair model's bounds say

PLACES = [
    ("Derna", "درنة"), ("Benghazi", "بنغازي"), ("Marrakesh", "مراكش"), ("Gaziantep", "غازي عنتاب"),
    ("Aleppo", "حلب"), ("Khartoum", "الخرطوم"), ("Mosul", "الموصل"), ("Sanaa", "صنعاء"),
]  # fmt: skip
METRICS = [
    ("people were killed", "شخصا لقوا حتفهم", "killed"),
    ("people are missing", "شخصا في عداد المفقودين", "missing"),
    ("people were injured", "شخصا أصيبوا", "injured"),
    ("people were displaced", "شخصا نزحوا", "displaced"),
    ("buildings collapsed", "مبنى انهار", "buildings"),
]
EN_TEMPLATES = [
    "Officials said {n} {metric} in {place}.",
    "In {place}, {n} {metric}, according to the health ministry.",
    "The Red Crescent reported that {n} {metric} in {place}.",
    "At least {n} {metric} in {place}, rescuers said.",
]
AR_TEMPLATES = [
    "قالت السلطات إن {n} {metric} في {place}.",
    "أعلنت وزارة الصحة أن {n} {metric} في {place}.",
    "أفاد الهلال الأحمر بأن {n} {metric} في {place}.",
]


def synthetic_corpus(n: int, seed: int = 0) -> list[dict]:
    """`n` claims as dicts (text, language, vector, standalone, group), in topic order."""
    from newsclaims.text.quantities import find_quantities

    rng = np.random.default_rng(seed)
    claims: list[dict] = []
    topic = 0
    while len(claims) < n:
        place_en, place_ar = PLACES[topic % len(PLACES)]
        centre = rng.standard_normal(DIMENSION).astype(np.float32)
        topic_size = int(rng.integers(40, 80))
        facts = 0
        while topic_size > 0 and len(claims) < n:
            metric_en, metric_ar, _ = METRICS[int(rng.integers(len(METRICS)))]
            figure = int(rng.integers(12, 20000))
            fact = rng.standard_normal(DIMENSION).astype(np.float32)
            size = min(int(rng.integers(2, 7)), topic_size, n - len(claims))
            for member in range(size):
                noise = rng.standard_normal(DIMENSION).astype(np.float32)
                # Weights of topic, fact and own noise (independent unit directions in 896-d):
                # cosine ~0.35 within a topic, ~0.8 within a fact.
                vector = math.sqrt(0.35) * centre + math.sqrt(0.45) * fact + math.sqrt(0.2) * noise
                arabic = rng.random() < 0.4
                templates = AR_TEMPLATES if arabic else EN_TEMPLATES
                text = templates[int(rng.integers(len(templates)))].format(
                    n=f"{figure:,}" if not arabic else str(figure),
                    metric=metric_ar if arabic else metric_en,
                    place=place_ar if arabic else place_en,
                )
                if member and rng.random() < 0.15:
                    text = claims[-1]["text"]  # a near-duplicate copy of the previous restatement
                    vector = claims[-1]["vector"] + 0.05 * noise
                figures = find_quantities(text)
                claims.append(
                    {
                        "text": text,
                        "language": "ar" if any("\u0600" <= ch <= "\u06ff" for ch in text) else "en",
                        "vector": vector / np.linalg.norm(vector),
                        "quantity": figures[0].to_dict() if figures else None,
                        "standalone": rng.random() < 0.2,
                        "group": (topic, facts),
                    }
                )
            facts += 1
            topic_size -= size
        topic += 1
    return claims


def fill(n: int, seed: int = 0, *, index: bool = True) -> None:
    """Store `n` synthetic claims with their sources (articles of 1-4 clauses, standalone claims),
    then (`index`) build the HNSW index over them."""
    from django.conf import settings

    from claims.models import Claim
    from claims.services.scoring import ensure_vector_index
    from sources.models import Source

    rng = np.random.default_rng(seed + 1)
    corpus = synthetic_corpus(n, seed)
    order = rng.permutation(n)  # an article's clauses come from anywhere in the corpus, as in real news
    base = datetime(2023, 9, 10, tzinfo=UTC)
    model_name = settings.FACTCHECK_EMBEDDING_MODEL
    sources: list[Source] = []
    spans_of: list[list[tuple[dict, int, int]]] = []
    position = 0
    while position < n:
        first = corpus[order[position]]
        size = 1 if first["standalone"] else min(int(rng.integers(1, 5)), n - position)
        members = [corpus[order[k]] for k in range(position, position + size)]
        position += size
        text, spans = "", []
        for claim in members:
            spans.append((claim, len(text), len(text) + len(claim["text"])))
            text += claim["text"] + " "
        sources.append(
            Source(
                kind="claim" if first["standalone"] else "article",
                title=members[0]["text"][:80],
                publisher=f"publisher {len(sources) % 40}",
                published_at=base + timedelta(minutes=int(rng.integers(0, 60 * 24 * 30))),
                language=members[0]["language"],
                text=text,
                content_hash=hashlib.sha256(f"{len(sources)}:{text}".encode()).hexdigest(),
                status="processed",
            )
        )
        spans_of.append(spans)
    Source.objects.bulk_create(sources, batch_size=1000)
    Claim.objects.bulk_create(
        (
            Claim(
                source=source,
                text=claim["text"],
                start=start,
                end=end,
                language=claim["language"],
                quantity=claim["quantity"],
                checkworthiness=0.8,
                match_text=claim["text"],
                embedding=claim["vector"],
                embedding_model=model_name,
            )
            for source, spans in zip(sources, spans_of, strict=True)
            for claim, start, end in spans
        ),
        batch_size=500,
    )
    if index:  # the HNSW index ingestion keeps (claims.services.scoring): a rebuild's writes pay for it
        ensure_vector_index(DIMENSION)


def rss_now_mb() -> float:
    """This process's resident set now, in MB (Linux)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds() -> float:
    """This process's CPU time so far (user + system)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def backend_cpu_seconds(pid: int | None) -> float:
    """CPU time so far of the database backend serving us, when it runs on this machine (the
    embedded server); NaN otherwise. A rebuild's writes cost most there, not in Python."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, TypeError):
        return float("nan")


def rebuild_child(database: str) -> dict:
    """In a fresh process: two rebuilds on `database`; wall and CPU times, and peak RSS (MB)."""
    import django

    django.setup()
    from django.db import connection

    connection.settings_dict["NAME"] = database
    from claims import services
    from newsclaims.matching import pairscore
    from newsclaims.verdicts import stance

    # Loaded once per process either way; done before the clock starts so both sizes pay the same.
    pairscore.get_model()
    stance.get_head()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    baseline = rss_now_mb()
    out: dict = {"baseline_mb": baseline}
    for which in ("first", "second"):
        wall, cpu, db_cpu = time.perf_counter(), cpu_seconds(), backend_cpu_seconds(backend)
        report = services.recluster()
        out[f"{which}_wall"] = time.perf_counter() - wall
        out[f"{which}_cpu"] = cpu_seconds() - cpu
        out[f"{which}_db_cpu"] = backend_cpu_seconds(backend) - db_cpu
        out[f"{which}_locked"] = report.locked_seconds  # ingestion waits this long
        out[f"{which}_peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        if which == "first":
            out["claims"], out["clusters"] = report.claims, report.clusters
        else:
            out["kept_ids"], out["by_status"] = report.kept_ids, report.by_status
    out["peak_mb"] = out["second_peak_mb"]
    out.update(worker_costs())
    return out


def worker_costs(parts: int = 16) -> dict:
    """What a Celery worker pays for a rebuild split in `parts` (2 workers' worth): reading the
    job's claims and building its scorer (`_job_scorer`, once per rebuild and worker), against
    scoring one part and all the pairs in one process."""
    from django.conf import settings

    from claims.models import Claim, RebuildJob
    from claims.services import rebuild

    model = settings.FACTCHECK_EMBEDDING_MODEL
    plan = rebuild.plan_rebuild(
        rebuild.read_claims(Claim.objects.filter(embedding__isnull=False, embedding_model=model), model)
    )
    job = rebuild.write_job(plan, rebuild._cut(plan.pairs, parts))
    try:
        rebuild._job_cache.clear()
        started, cpu = time.perf_counter(), cpu_seconds()
        rebuild._job_scorer(job.id)
        setup, setup_cpu = time.perf_counter() - started, cpu_seconds() - cpu
        started = time.perf_counter()
        rebuild.score_rebuild_part(str(job.id), 0)
        part = time.perf_counter() - started
        started = time.perf_counter()
        rebuild._score_here(plan, None)
        whole = time.perf_counter() - started
    finally:
        RebuildJob.objects.filter(pk=job.pk).delete()
        rebuild._job_cache.clear()
    return {"worker_setup_s": setup, "worker_setup_cpu": setup_cpu, "part_s": part, "all_pairs_s": whole}


def exponent(n0: int, n1: int, a: float, b: float) -> float:
    return math.log(b / a) / math.log(n1 / n0) if a > 0 and b > 0 else float("nan")


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--claims", default="2000,5000,10000", help="comma-separated corpus sizes")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--child", help=argparse.SUPPRESS)  # internal: run the rebuilds on this database
    args = parser.parse_args(argv)
    os.environ["FACTCHECK_STANCE_CROSS_ENCODER"] = "0"  # isolate the rebuild from torch
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")
    if args.child:
        print(json.dumps(rebuild_child(args.child)), flush=True)
        return []

    import django

    django.setup()
    from django.db import connection

    sizes = [int(s) for s in args.claims.split(",") if s.strip()]
    print(
        "rebuild benchmark: FACTCHECK_STANCE_CROSS_ENCODER=0 (stance head only), synthetic claims, "
        f"scratch database {SCRATCH_DATABASE}; each size's rebuilds run in a fresh subprocess",
        flush=True,
    )
    print(
        f"{'claims':>7} {'clusters':>8} {'1st wall s':>10} {'cpu s':>6} {'db cpu s':>8} "
        f"{'2nd wall s':>10} {'cpu s':>6} {'db cpu s':>8} {'base MB':>8} {'peak MB':>8}",
        flush=True,
    )
    rows: list[dict] = []
    old_name = connection.settings_dict["NAME"]
    for n in sizes:
        connection.settings_dict.setdefault("TEST", {})["NAME"] = SCRATCH_DATABASE
        connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
        try:
            fill(n, args.seed)
            connection.close()  # the child reads the scratch database through its own connection
            done = subprocess.run(  # noqa: S603 (this module, by the running interpreter)
                [sys.executable, "-m", "evaluation.bench_rebuild", "--child", SCRATCH_DATABASE],
                capture_output=True,
                text=True,
                env=os.environ.copy(),
                check=False,
            )
            if done.returncode != 0:
                raise SystemExit(f"rebuild of {n} claims failed:\n{done.stderr[-4000:]}")
            row = json.loads(done.stdout.strip().splitlines()[-1])
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        rows.append(row)
        print(
            f"{row['claims']:>7} {row['clusters']:>8} {row['first_wall']:>10.1f} {row['first_cpu']:>6.1f} "
            f"{row['first_db_cpu']:>8.1f} {row['second_wall']:>10.1f} {row['second_cpu']:>6.1f} "
            f"{row['second_db_cpu']:>8.1f} {row['baseline_mb']:>8.0f} {row['peak_mb']:>8.0f}",
            flush=True,
        )
        print(
            f"        a worker's set-up (read the job's claims, build the scorer) {row['worker_setup_s']:.1f} s "
            f"({row['worker_setup_cpu']:.1f} s CPU); one part of 16 {row['part_s']:.1f} s; "
            f"every pair in one process {row['all_pairs_s']:.1f} s",
            flush=True,
        )
        print(
            f"        the cluster lock held (ingestion waits): 1st {row['first_locked']:.1f} s, "
            f"2nd {row['second_locked']:.1f} s",
            flush=True,
        )
    for a, b in itertools.pairwise(rows):
        n0, n1 = a["claims"], b["claims"]
        above = (a["peak_mb"] - a["baseline_mb"], b["peak_mb"] - b["baseline_mb"])
        print(
            f"growth {n0}->{n1}: 1st wall n^{exponent(n0, n1, a['first_wall'], b['first_wall']):.2f}, "
            f"1st cpu n^{exponent(n0, n1, a['first_cpu'], b['first_cpu']):.2f}, "
            f"2nd wall n^{exponent(n0, n1, a['second_wall'], b['second_wall']):.2f}, "
            f"2nd cpu n^{exponent(n0, n1, a['second_cpu'], b['second_cpu']):.2f}, "
            f"peak RSS n^{exponent(n0, n1, a['peak_mb'], b['peak_mb']):.2f} "
            f"(above baseline n^{exponent(n0, n1, above[0], above[1]):.2f})"
        )
    return rows


if __name__ == "__main__":
    main()
