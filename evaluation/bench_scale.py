"""The scale benchmark's measurements (issue 14, "Scale to a newsroom's archive"), run by
`manage.py bench scale` on its scratch database, one archive size at a time:

- `store_archive`: the synthetic archive (`evaluation.scale_corpus`) stored as the service
  stores claims (extraction's fields for each statement, the configured model's vectors, read
  back from the disk cache when a run before embedded them), with `bulk_create`; the HNSW index
  built once after the rows, as a restore from backup would;
- `run_rebuild`: `claims.services.recluster` in a child process (`evaluation.scale_rebuild`), so
  its peak RSS is its own: the first build (no claim clustered yet) and a rebuild of the built
  clusters (the hourly job's case), with 1 worker and, when the service can, 2: the rebuild's own
  process and a real Celery worker it starts on Redis (`celery_workers`; FACTCHECK_BENCH_BROKER,
  default redis://127.0.0.1:6379/12), scoring the parts of the pair scores between them;
- `time_assignment`: `assign_claims` of one new claim at a time (its vector precomputed), each in
  a transaction rolled back after, so every newcomer meets the same archive (and the stance
  cross-encoder's cache of judged pairs emptied first, so an earlier size's pairs do not help),
  then, apart, the status refresh job it queues (statuses waiting for the cross-encoder);
- `incremental_against_rebuild` (last): the newcomers assigned one at a time and committed, then a
  full rebuild: the stored claims they moved, gold figures before and after, and the agreement of
  the clusters between rebuilds with the rebuild's;
- `time_api`: the claims and clusters lists (first page and last page) and a cluster's detail,
  through the Django test client with a read token, wall time and queries per request;
- `time_ingest`: small articles through `ingest_source` one at a time (extract, embed, assign,
  statuses: the whole path, in-process as without a broker; the API's and the feed follower's
  path), as many others through `ingest_articles` in tasks of ARTICLE_BATCH (`manage.py
  ingest`'s path), and as many again through `ingest_source` all queued before the first task runs
  (a burst: articles coming faster than a worker processes them, whose first task takes the
  waiting ones along), each against the raw encoder on the same sentences.

Each of the rebuilds, the assignment and the ingest also reports what its status refreshes cost
(`claims.services.stance_cost`: statuses, of which stance, of which the cross-encoder), printed
by `stance_line`.

Needs Django (imported only by the bench command). Figures are returned as plain dicts, so the
command prints them and writes them as JSON.
"""

from __future__ import annotations

import contextlib
import inspect
import itertools
import json
import math
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from urllib.parse import quote

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from claims import services
from claims.choices import SourceKind, SourceStatus
from claims.models import Claim, Cluster, StanceJudgement
from claims.services.ingest import _claim_fields, source_digest
from clients import services as client_services
from evaluation import scale_corpus
from evaluation.embedding_cache import EmbeddingCache
from newsclaims.matching import embedding as embedding_lib
from sources.models import Source
from sources.readers import SourceInput

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CACHE = REPO / "var" / "bench" / "embeddings.sqlite3"
Progress = Callable[[int, int], None]
Say = Callable[[str], None]
INSERT_BATCH = 1000
API_ROOT = "/api/v1"
MAX_CURSOR_HOPS = 500  # a cursor-paginated list is walked this far at most to reach a deep page


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=float), q)) if len(values) else math.nan


def exponent(n1: float, t1: float, n2: float, t2: float) -> float | None:
    """The growth exponent between two sizes: log(t2 / t1) / log(n2 / n1) (1 is linear)."""
    if min(n1, n2, t1, t2) <= 0 or n1 == n2:
        return None
    return math.log(t2 / t1) / math.log(n2 / n1)


def growth(rows: Sequence[dict]) -> list[dict]:
    """Growth exponents between consecutive sizes of the command's per-size figures: wall time and
    peak RSS of the first build and of the 1-worker rebuild, the 2-worker rebuild's time (when
    measured) and incremental assignment's p50."""

    def pick(row: dict, *path: str) -> float:
        value = row
        for key in path:
            value = (value or {}).get(key)
        return value or 0.0

    out = []
    for a, b in itertools.pairwise(rows):
        n1, n2 = a["claims"], b["claims"]
        out.append(
            {
                "from": n1,
                "to": n2,
                **{
                    name: exponent(n1, pick(a, *path), n2, pick(b, *path))
                    for name, path in (
                        ("first_build_time", ("first_build", "wall_seconds")),
                        ("first_build_rss", ("first_build", "peak_rss_kb")),
                        ("rebuild_time", ("rebuild", "1", "wall_seconds")),
                        ("rebuild_rss", ("rebuild", "1", "peak_rss_kb")),
                        ("rebuild_2_workers_time", ("rebuild", "2", "wall_seconds")),
                        ("assign_p50", ("assign", "p50_ms")),
                    )
                },
            }
        )
    return out


def parallel_keyword() -> str | None:
    """The argument of `services.recluster` that asks for N workers, when the service has one."""
    return "workers" if "workers" in inspect.signature(services.recluster).parameters else None


def stance_line(cost: dict | None) -> str:
    """What status refreshes cost (a `claims.services.StanceCost` as a dict), as one line."""
    if not cost:
        return "statuses: not measured"
    return (
        f"statuses {cost['refresh_seconds']:.1f}s ({cost['clusters']} clusters), of which stance "
        f"{cost['stance_seconds']:.1f}s for {cost['pairs_asked']} pairs asked: cross-encoder "
        f"{cost['cross_seconds']:.1f}s ({cost['cross_read']} text pairs read, {cost['cross_cached']} from the "
        f"stance cache, {cost.get('cross_skipped', 0)} not needed), head {cost['head_seconds']:.2f}s; "
        f"{cost['deferred_clusters']} clusters left to the job"
    )


def load_average() -> list[float]:
    """The machine's 1, 5 and 15 minute load: on a shared machine, what the figures were measured beside."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


# --- Storing the archive -----------------------------------------------------------------------
def claim_fields(corpus_claims: Sequence[scale_corpus.CorpusClaim], sources: Sequence[scale_corpus.CorpusSource]):
    """Extraction's fields of each claim (the import path's `statement_claim`, so its quantity,
    subject, claimant, polarity and as-of date are the service's reading) and its text to embed."""
    fields, texts = [], []
    for claim in corpus_claims:
        source = sources[claim.source]
        extracted = services.statement_claim(claim.text, source.published_at)
        if source.kind == scale_corpus.ARTICLE:
            extracted.reasons[:] = [r for r in extracted.reasons if r != "imported"]
        fields.append(extracted)
        texts.append(services.match_text(extracted))
    return fields, texts


def embed_texts(texts: Sequence[str], cache: EmbeddingCache, progress: Progress | None) -> tuple[np.ndarray, int]:
    """The configured model's vectors of `texts`, through the disk cache."""
    model = settings.FACTCHECK_EMBEDDING_MODEL
    return cache.embed(texts, lambda batch: embedding_lib.embed(batch, name=model), progress)


def _source_row(source: scale_corpus.CorpusSource, origin: str) -> Source:
    kind = SourceKind.ARTICLE if source.kind == scale_corpus.ARTICLE else SourceKind.CLAIM
    item = SourceInput(source.text, origin, url=source.url, publisher=source.publisher)
    now = timezone.now()
    return Source(
        kind=kind, text=source.text, url=source.url, publisher=source.publisher, published_at=source.published_at,
        language=source.language, content_hash=source_digest(item, kind), origin=origin,
        status=SourceStatus.PROCESSED, processed_at=now,
    )  # fmt: skip


def _drop_vector_index(dimension: int) -> None:
    """Drop the HNSW index `services.ensure_vector_index` makes (its name is the service's), so the
    archive's rows go in before it and it is built once; `store_archive` has the service make it again."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {services.vector_index_name(dimension)}")


def empty_database() -> None:
    """Remove every source, claim, cluster and what hangs on them (a size's archive, before the next),
    and the stance cache (a smaller archive is mostly a prefix of a larger one)."""
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in (Source, Cluster, StanceJudgement))
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE TABLE {tables} RESTART IDENTITY CASCADE")


def forget_clustering() -> None:
    """Back to the archive as `store_archive` left it, before its first build: no claim clustered,
    no nearest cosines or candidate floors, no cluster, and the stance cache empty (so a second first build judges the
    same text pairs as the first, rather than reading them back)."""
    Claim.objects.update(cluster=None, nearest_cosines=None, candidate_floor=None)
    Cluster.objects.all().delete()  # not TRUNCATE ... CASCADE: the claims refer to their cluster
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE TABLE {connection.ops.quote_name(StanceJudgement._meta.db_table)}")
    forget_judged_pairs()


def store_archive(corpus: scale_corpus.Corpus, cache: EmbeddingCache, say: Say, progress: Callable[[str], Progress]):
    """Store the archive; returns the timings and the newcomers' prepared fields and vectors."""
    model = settings.FACTCHECK_EMBEDDING_MODEL
    started = time.perf_counter()
    fields, texts = claim_fields(corpus.claims, corpus.sources)
    new_fields, new_texts = claim_fields(corpus.newcomers, corpus.newcomer_sources)
    extracted = time.perf_counter() - started
    started = time.perf_counter()
    vectors, encoded = embed_texts(texts + new_texts, cache, progress("  embedding new texts"))
    embedded = time.perf_counter() - started
    say(f"  extraction {extracted:.1f}s; vectors {embedded:.1f}s ({encoded} encoded, the rest from {cache.path})")
    dimension = int(vectors.shape[1])
    _drop_vector_index(dimension)  # rows first, index after: one build instead of n insertions
    started = time.perf_counter()
    sources = Source.objects.bulk_create(
        [_source_row(s, f"bench:{i}") for i, s in enumerate(corpus.sources)], batch_size=INSERT_BATCH
    )
    rows = []
    show = progress("  inserting claims")
    for k, (claim, extracted_claim, text) in enumerate(zip(corpus.claims, fields, texts, strict=True)):
        row = _claim_fields(extracted_claim, text, vectors[k], model)
        rows.append(Claim(source_id=sources[claim.source].pk, start=claim.start, end=claim.end, **row))
        if len(rows) == INSERT_BATCH or k == len(corpus.claims) - 1:
            Claim.objects.bulk_create(rows)
            rows = []
            show(k + 1, len(corpus.claims))
    inserted = time.perf_counter() - started
    started = time.perf_counter()
    services.ensure_vector_index(dimension)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics, as autovacuum would give a long-lived archive
    indexed = time.perf_counter() - started
    say(f"  inserted {len(sources)} sources and {len(corpus.claims)} claims in {inserted:.1f}s; index {indexed:.1f}s")
    timings = {
        "extraction_seconds": extracted,
        "embedding_seconds": embedded,
        "texts_encoded": encoded,
        "insert_seconds": inserted,
        "index_seconds": indexed,
    }
    return timings, new_fields, new_texts, vectors[len(texts) :]


# --- Rebuild ----------------------------------------------------------------------------------
BROKER = os.environ.get("FACTCHECK_BENCH_BROKER", "redis://127.0.0.1:6379/12")
WORKER_START_SECONDS = 180


def broker_reachable(broker: str = BROKER) -> bool:
    """Whether the benchmark's broker answers (the 2-worker rebuild needs it)."""
    from kombu import Connection

    try:
        with Connection(broker, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1)
        return True
    except Exception:  # any failure means no broker
        return False


def _database_url() -> str:
    """This connection's database as a DATABASE_URL, for worker processes."""
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    return f"postgresql://{db['USER']}{password}@{quote(db['HOST'] or 'localhost', safe='')}:{db['PORT']}/{db['NAME']}"


@contextlib.contextmanager
def celery_workers(
    count: int, queue: str, env: dict[str, str], broker: str = BROKER
) -> Iterator[list[subprocess.Popen]]:
    """`count` real Celery worker processes (solo pool) on `broker`, taking `queue`, on this
    connection's database; yields them once each answers a ping, and stops them after."""
    from celery import Celery

    names = [f"bench-{k}-{secrets.token_hex(3)}@localhost" for k in range(count)]
    worker_env = {
        **env,
        "CELERY_BROKER_URL": broker,
        "DATABASE_URL": _database_url(),
        "DATABASE_CONN_MAX_AGE": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(32),  # required beside a DATABASE_URL
    }
    with contextlib.ExitStack() as stack:
        logs = [stack.enter_context(tempfile.TemporaryFile(mode="w+")) for _ in names]
        processes = []
        for name, log in zip(names, logs, strict=True):
            command = [
                sys.executable, "-m", "celery", "-A", "factcheck", "worker", "--pool", "solo", "--loglevel", "WARNING",
                "--queues", queue, "--hostname", name, "--without-gossip", "--without-mingle", "--without-heartbeat",
            ]  # fmt: skip
            # A session of its own, as a worker service runs: with the kernel's autogroup scheduling
            # (Linux's default) the processes of one session share one session's CPU share, so a
            # worker started in the bench's session would add no CPU to a busy machine.
            process = subprocess.Popen(  # noqa: S603 - our own Celery app, fixed arguments
                command, cwd=REPO, env=worker_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
            processes.append(process)
        control = Celery(broker=broker, set_as_current=False).control
        try:
            deadline = time.monotonic() + WORKER_START_SECONDS
            while True:
                answered = {name for reply in control.ping(destination=names, timeout=1.0) for name in reply}
                if answered >= set(names):
                    break
                dead = [k for k, process in enumerate(processes) if process.poll() is not None]
                if dead or time.monotonic() > deadline:
                    logs[dead[0] if dead else 0].seek(0)
                    raise RuntimeError(f"a bench worker did not start:\n{logs[dead[0] if dead else 0].read()[-4000:]}")
            yield processes
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()


def run_rebuild(workers: int, cross_encoder: bool) -> dict:
    """`recluster` in a child process on this connection's database; its figures (see
    evaluation.scale_rebuild), with the whole process's wall time (start-up included).

    With `workers` above 1, `workers - 1` Celery worker processes are started first (and stopped
    after) on BROKER and a queue of this run's own, so `workers` processes score the pair scores:
    the rebuild's own and the Celery workers."""
    env = {**os.environ, "FACTCHECK_STANCE_CROSS_ENCODER": "1" if cross_encoder else "0"}
    with tempfile.TemporaryDirectory(prefix="factcheck-bench-") as tmp, contextlib.ExitStack() as stack:
        out = Path(tmp) / "rebuild.json"
        command = [
            sys.executable, "-m", "evaluation.scale_rebuild",
            "--database", connection.settings_dict["NAME"], "--workers", str(workers), "--out", str(out),
        ]  # fmt: skip
        workers_cpu = None
        if workers > 1:
            queue = f"factcheck-bench-{secrets.token_hex(6)}"
            processes = stack.enter_context(celery_workers(workers - 1, queue, env))
            env["CELERY_BROKER_URL"] = BROKER
            command += ["--queue", queue]
            workers_cpu = [_cpu_seconds(p.pid) for p in processes]
        started = time.perf_counter()
        done = subprocess.run(command, cwd=REPO, env=env, check=False)  # noqa: S603 - our own module, fixed arguments
        process = time.perf_counter() - started
        if workers_cpu is not None:
            # What each Celery worker spent on the rebuild's parts (its CPU during the rebuild).
            workers_cpu = [_cpu_seconds(p.pid) - before for p, before in zip(processes, workers_cpu, strict=True)]
        if done.returncode != 0 or not out.exists():
            raise RuntimeError(f"the rebuild process failed (exit {done.returncode})")
        result = json.loads(out.read_text())
    result["process_seconds"] = process
    result["workers_cpu_seconds"] = workers_cpu
    result["load"] = load_average()
    return result


def _cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of a process so far (its own; /proc/PID/stat, clock ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- Incremental assignment -------------------------------------------------------------------
def forget_judged_pairs() -> None:
    """Empty the stance cross-encoder's in-process cache of judged pairs, if it is loaded: a
    smaller archive measured before is mostly a prefix of this one, and pairs it left judged would
    make this size's assignment and ingest look cheaper than a worker new to the archive finds them.
    (The cache has no public way to empty it; this reads the service's private attribute.)"""
    crossencoder = sys.modules.get("newsclaims.verdicts.crossencoder")
    model = getattr(crossencoder, "_ce", None) if crossencoder else None
    cache = getattr(model, "_cache", None)
    if cache is not None:
        with model._cache_lock:
            cache.clear()


def time_assignment(
    corpus: scale_corpus.Corpus, fields: list, texts: list[str], vectors: np.ndarray, progress: Progress
) -> dict:
    """Milliseconds `assign_claims` takes for one new claim (vector precomputed), per newcomer, and
    then the status refresh job it queued (`refresh_ms`: statuses waiting for the cross-encoder),
    timed apart; each newcomer's transaction is rolled back, so the archive stays as it was."""
    model = settings.FACTCHECK_EMBEDDING_MODEL
    newest_cluster = Cluster.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def assign(k: int) -> tuple[float, float, bool]:
        claim = corpus.newcomers[k]
        with transaction.atomic():
            source = _source_row(corpus.newcomer_sources[claim.source], f"bench-newcomer:{k}")
            source.save()
            row = Claim.objects.create(
                source=source, start=claim.start, end=claim.end, **_claim_fields(fields[k], texts[k], vectors[k], model)
            )
            started = time.perf_counter()
            touched = services.assign_claims([row])
            seconds = time.perf_counter() - started
            # The job queued on commit (never reached: rolled back), run here, on the same clusters.
            started = time.perf_counter()
            services.refresh_stale_statuses(touched)
            refresh = time.perf_counter() - started
            joined = row.cluster_id is not None and row.cluster_id <= newest_cluster
            transaction.set_rollback(True)
        return seconds, refresh, joined

    if not corpus.newcomers:
        return {}
    forget_judged_pairs()
    assign(0)  # warm-up: the pair model, stance head and cross-encoder load on first use
    forget_judged_pairs()
    services.reset_stance_cost()
    times, refreshes, joined = [], [], 0
    for k in range(len(corpus.newcomers)):
        seconds, refresh, into_existing = assign(k)
        times.append(seconds * 1000)
        refreshes.append(refresh * 1000)
        joined += into_existing
        progress(k + 1, len(corpus.newcomers))
    return {
        "claims": len(times),
        "p50_ms": percentile(times, 50),
        "p95_ms": percentile(times, 95),
        "mean_ms": float(np.mean(times)),
        "refresh_p50_ms": percentile(refreshes, 50),
        "refresh_p95_ms": percentile(refreshes, 95),
        "with_refresh_p50_ms": percentile([a + b for a, b in zip(times, refreshes, strict=True)], 50),
        "joined_existing_cluster": joined,
        "stance": services.stance_cost().as_dict(),
        "load": load_average(),
    }


def same_cluster_pairs(cluster_of: dict[int, int | None], among: set[int] | None = None) -> set[tuple[int, int]]:
    """The pairs (a < b) of claims in one cluster; with `among`, only pairs with a claim of it."""
    members: dict[int, list[int]] = {}
    for claim_id, cluster_id in cluster_of.items():
        if cluster_id is not None:
            members.setdefault(cluster_id, []).append(claim_id)
    return {
        (a, b)
        for group in members.values()
        for a, b in itertools.combinations(sorted(group), 2)
        if among is None or a in among or b in among
    }


def pairwise(got: set[tuple[int, int]], want: set[tuple[int, int]]) -> dict:
    """Pairwise precision, recall and F1 of `got` against `want`."""
    hit = len(got & want)
    precision = hit / len(got) if got else 0.0
    recall = hit / len(want) if want else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def moved_since(stored: dict[int, int | None]) -> int:
    """How many of these claims (id -> cluster then) are in another cluster now."""
    now = Claim.objects.filter(pk__in=list(stored)).values_list("id", "cluster_id")
    return sum(cluster_id != stored[pk] for pk, cluster_id in now)


def incremental_against_rebuild(
    corpus: scale_corpus.Corpus, fields: list, texts: list[str], vectors: np.ndarray, progress: Progress
) -> dict:
    """What the clusters look like between two rebuilds: the newcomers assigned one at a time and
    committed (as ingestion leaves them), then a full rebuild. Returns the stored claims the
    newcomers moved, pairwise precision / recall / F1 against the corpus's gold facts over the
    pairs with a newcomer (before and after the rebuild), the pairwise agreement of the two
    clusterings over all pairs, and the claims the rebuild moved. Run last: it keeps the
    newcomers and rebuilds the archive."""
    model = settings.FACTCHECK_EMBEDDING_MODEL
    origin_fact = {(f"bench:{c.source}", c.start): c.fact for c in corpus.claims}
    fact_of = {
        pk: origin_fact.get((origin, start))
        for pk, origin, start in Claim.objects.values_list("id", "source__origin", "start")
    }
    newcomers: set[int] = set()
    moved = 0
    for k, claim in enumerate(corpus.newcomers):
        before = dict(Claim.objects.values_list("id", "cluster_id"))
        with transaction.atomic():
            source = _source_row(corpus.newcomer_sources[claim.source], f"bench-committed:{k}")
            source.save()
            row = Claim.objects.create(
                source=source, start=claim.start, end=claim.end, **_claim_fields(fields[k], texts[k], vectors[k], model)
            )
            services.assign_claims([row])
        newcomers.add(row.pk)
        fact_of[row.pk] = claim.fact
        moved += moved_since(before)
        progress(k + 1, len(corpus.newcomers))
    services.refresh_stale_statuses()  # the status jobs' work, as after each commit
    labelled = {pk for pk, fact in fact_of.items() if fact is not None}
    gold = same_cluster_pairs({pk: fact_of[pk] for pk in labelled}, newcomers)
    incremental = dict(Claim.objects.filter(pk__in=labelled).values_list("id", "cluster_id"))
    services.recluster()
    rebuilt = dict(Claim.objects.filter(pk__in=labelled).values_list("id", "cluster_id"))
    return {
        "claims": len(newcomers),
        "stored_moved": moved,
        "gold_incremental": pairwise(same_cluster_pairs(incremental, newcomers), gold),
        "gold_rebuilt": pairwise(same_cluster_pairs(rebuilt, newcomers), gold),
        "agreement_with_rebuild": pairwise(same_cluster_pairs(incremental), same_cluster_pairs(rebuilt)),
        "rebuild_moved": sum(rebuilt[pk] != incremental[pk] for pk in rebuilt),
    }


# --- API --------------------------------------------------------------------------------------
def _deep_page(client: Client, first: str) -> tuple[str, int]:
    """The URL of the last page of a list (page numbers: computed from the count; a cursor: its
    `next` links followed, at most MAX_CURSOR_HOPS), and that page's number (1 = the first)."""
    body = client.get(first).json()
    nxt = body.get("next")
    if not nxt:
        return first, 1
    if "count" in body and "page=" in nxt and body.get("results"):
        last = max(1, math.ceil(body["count"] / len(body["results"])))
        return f"{first}?page={last}", last
    hops = 0
    url = first
    while nxt and hops < MAX_CURSOR_HOPS:
        url = nxt
        body = client.get(url).json()
        nxt = body.get("next")
        hops += 1
    return url, hops + 1


def time_api(repeat: int, progress: Progress) -> dict:
    """p50 / p95 milliseconds and queries per request of the lists (first and last page) and of
    the largest cluster's detail, read with a read-scope token as a client would.

    The database connection is kept between requests, as a deployment keeps it
    (DATABASE_CONN_MAX_AGE); the embedded default (CONN_MAX_AGE 0) would reconnect for every
    request, a cost that has nothing to do with the archive."""
    kept = connection.settings_dict["CONN_MAX_AGE"]
    connection.close()
    connection.settings_dict["CONN_MAX_AGE"] = None
    try:
        return _time_api(repeat, progress)
    finally:
        connection.close()
        connection.settings_dict["CONN_MAX_AGE"] = kept


def _time_api(repeat: int, progress: Progress) -> dict:
    token = client_services.create_token("bench scale", "read")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token.plaintext}")
    largest = Cluster.objects.order_by("-claim_count", "pk").values_list("pk", "claim_count").first()
    endpoints: dict[str, str] = {}
    pages: dict[str, int] = {}
    for name in ("claims", "clusters"):
        first = f"{API_ROOT}/{name}/"
        endpoints[f"{name} first page"] = first
        endpoints[f"{name} last page"], pages[name] = _deep_page(client, first)
    if largest:
        endpoints[f"cluster detail ({largest[1]} claims)"] = f"{API_ROOT}/clusters/{largest[0]}/"
    results = {}
    total = len(endpoints) * repeat
    done = 0
    for name, url in endpoints.items():
        response = client.get(url)  # warm-up (and the token's last-used stamp, written once a minute)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url}: HTTP {response.status_code}")
        times, queries = [], []
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            queries.append(len(captured))
            done += 1
            progress(done, total)
        results[name] = {
            "url": url,
            "p50_ms": percentile(times, 50),
            "p95_ms": percentile(times, 95),
            "queries": max(queries),
            "queries_constant": len(set(queries)) == 1,
        }
    results["_pages"] = pages
    return results


# --- Ingest against the raw encoder -----------------------------------------------------------
def _ingest_item(origin: str, article: scale_corpus.IngestArticle) -> SourceInput:
    return SourceInput(
        article.text, origin, publisher=article.publisher, published_at=article.published_at, language=article.language
    )


def _encoder_seconds(sentences: Sequence[str]) -> float:
    """The raw encoder's time for one batched call on `sentences`, its in-process vector cache
    emptied before and after (so it, and the ingest timed next, encode every sentence)."""
    embedding_lib.clear_cache()
    started = time.perf_counter()
    embedding_lib.embed(list(sentences), name=settings.FACTCHECK_EMBEDDING_MODEL)
    seconds = time.perf_counter() - started
    embedding_lib.clear_cache()
    return seconds


def time_ingest(
    articles: Sequence[scale_corpus.IngestArticle],
    progress: Progress,
    batched: Sequence[scale_corpus.IngestArticle] = (),
    burst: Sequence[scale_corpus.IngestArticle] = (),
) -> dict:
    """Sentences per second through `ingest_source`, one article at a time (the API's and the feed
    follower's path: processing runs in-process after each commit, as without a broker), and
    through the raw encoder alone on the same sentences, with each article's latency and how many
    stored claims it moved to another cluster; then, on
    the `batched` articles (others, as many), through `ingest_articles` (`manage.py ingest`'s path:
    ARTICLE_BATCH articles a task, embedded and assigned together) against the encoder on theirs.
    The in-process vector cache is emptied before each, so both encode every sentence. The first
    article is ingested before the clock starts (what a running worker has already loaded), and
    not counted."""
    if len(articles) < 2:
        return {}
    services.ingest_source(_ingest_item("bench-ingest:0", articles[0]))
    timed = articles[1:]
    sentences = [s for a in timed for s in a.sentences]
    encoder = _encoder_seconds(sentences)
    before = Claim.objects.count()
    services.reset_stance_cost()
    latencies, moved = [], []
    for k, article in enumerate(timed, start=1):
        stored = dict(Claim.objects.values_list("id", "cluster_id"))  # outside the clock
        began = time.perf_counter()
        services.ingest_source(_ingest_item(f"bench-ingest:{k}", article))  # processing runs on commit, here
        latencies.append((time.perf_counter() - began) * 1000)
        moved.append(moved_since(stored))
        progress(k, len(timed) + len(batched))
    seconds = sum(latencies) / 1000
    result = {
        **_against_encoder(len(timed), len(sentences), Claim.objects.count() - before, seconds, encoder),
        "article_p50_ms": percentile(latencies, 50),
        "article_p95_ms": percentile(latencies, 95),
        # Stored claims each article moved to another cluster (re-clustering its neighbourhood):
        # each re-opens a status and flags a verdict on either cluster for review.
        "stored_moved_per_article": sum(moved) / len(moved),
    }
    total = len(timed) + len(batched) + len(burst)
    if batched:
        result["batched"] = _time_batched_ingest(batched, lambda k: progress(len(timed) + k, total))
    if burst:
        result["burst"] = _time_burst_ingest(burst, lambda k: progress(len(timed) + len(batched) + k, total))
    return result


def _time_burst_ingest(articles: Sequence[scale_corpus.IngestArticle], progress: Callable[[int], None]) -> dict:
    """`ingest_source` of each of these articles (the API's and the feeds' path: one processing task
    each), all stored and queued before the first task runs, as when articles come faster than a
    worker processes them (here: one transaction, its tasks run in-process on commit, in order):
    the first task takes the waiting articles along (`process_source_and_backlog`), the others find
    theirs done. Against the raw encoder on the same sentences."""
    sentences = [s for a in articles for s in a.sentences]
    encoder = _encoder_seconds(sentences)
    before = Claim.objects.count()
    services.reset_stance_cost()
    started = time.perf_counter()
    with transaction.atomic():
        for k, article in enumerate(articles):
            services.ingest_source(_ingest_item(f"bench-ingest-burst:{k}", article))
            progress(k + 1)
    seconds = time.perf_counter() - started
    return _against_encoder(len(articles), len(sentences), Claim.objects.count() - before, seconds, encoder)


def _against_encoder(articles: int, sentences: int, claims: int, seconds: float, encoder: float) -> dict:
    """An ingest's figures beside the raw encoder's on the same sentences, and what its statuses cost."""
    return {
        "articles": articles,
        "sentences": sentences,
        "claims": claims,
        "ingest_seconds": seconds,
        "encoder_seconds": encoder,
        "ingest_sentences_per_second": sentences / seconds,
        "encoder_sentences_per_second": sentences / encoder,
        "ratio_to_encoder": encoder / seconds,
        "stance": services.stance_cost().as_dict(),
        "load": load_average(),
    }


def _time_batched_ingest(articles: Sequence[scale_corpus.IngestArticle], progress: Callable[[int], None]) -> dict:
    """`ingest_articles` of these articles (tasks of ARTICLE_BATCH, processed in-process on commit)
    against the raw encoder on the same sentences."""
    sentences = [s for a in articles for s in a.sentences]
    encoder = _encoder_seconds(sentences)
    before = Claim.objects.count()
    services.reset_stance_cost()
    done = 0

    def heard(item, result) -> None:
        nonlocal done
        done += 1
        progress(done)

    items = [_ingest_item(f"bench-ingest-batched:{k}", a) for k, a in enumerate(articles)]
    started = time.perf_counter()
    report = services.ingest_articles(items, heard)
    seconds = time.perf_counter() - started
    figures = _against_encoder(len(articles), len(sentences), Claim.objects.count() - before, seconds, encoder)
    return {**figures, "articles_per_task": services.ARTICLE_BATCH, "errors": len(report.errors)}
