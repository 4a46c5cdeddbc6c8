"""Rebuilding every cluster from scratch, deterministically, obeying editors' decisions
(`recluster`), and the re-clustering of a set of claims that assigning also uses (`_rebuild`).

A full rebuild runs in five phases, so that ingestion never waits for its long parts:

1. plan, holding no cluster lock: the claims are read as rows, and their nearest cosines over the
   corpus (the pair scores' densities), candidate pairs and what the pair model reads of each
   text are computed once (`plan_rebuild`); with `workers` above 1 and a broker, the job is
   written first and the workers read its claims meanwhile (`announce_job`);
2. score, holding no cluster lock: the candidate pairs' scores, which are nearly all of a
   rebuild's time. With `workers` above 1 and a broker, the claims' densities and read texts are
   written once to PostgreSQL (`RebuildJob`) and the pairs cut into parts (`RebuildPart`); a
   Celery group sends one task per part, and the workers and this process each lock one part at
   a time and write its scores back (`score_rebuild_part`); otherwise this process scores them
   all. A pair's score is the same bits in every process (the same claims in the same order, and
   margins computed within a source: `ClaimScorer(source_margins=True)`), so every way gives the
   one-process clusters;
3. cluster, holding no cluster lock: average link over the scores with editors' decisions as
   they are then (`cluster_ahead`);
4. commit, under the cluster lock (a short hold): the clustering of phase 3, done again only if an
   editor's decision changed or a claim was deleted meanwhile (`_clustering_now`), ids kept by
   overlap with the clusters as they are now, changed rows written, the claims ingestion assigned
   meanwhile placed (`_place_arrivals`), and the clusters whose status can have changed marked
   `status_stale` (with their claim counts);
5. statuses, holding no cluster lock: the stale clusters are refreshed in batches
   (`statuses.refresh_stale_statuses`), in this process, shared with Celery workers like the
   scores (`statuses.refresh_shared_statuses`, with `workers` above 1 and a broker), or
   (`statuses=QUEUE`) by status refresh tasks; each batch is written under the lock only where its
   clusters are still as assessed, so ingestion goes on meanwhile. With the stance cross-encoder,
   this is most of a first build's time (131 s of 145 s at 1,000 claims, `manage.py bench scale`).

(The candidate graph is not cut into connected components: every claim's 40 nearest claims at
cosine 0.2 join a real archive into one component; `manage.py bench scale` at 2,000 claims found
one component of 2,000, while scoring took 99% of the clustering's time. Parts are slices of the
pairs instead, and average link, ~0.5% of it, runs once.)

May import Django, Celery, claims.models, newsclaims, claims.services.scoring, .statuses, .audit
and .enqueue.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import socket
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np
from celery import group
from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import F, QuerySet, Sum
from django.db.models.functions import Length
from django.utils import timezone

from claims.choices import LinkKind
from claims.models import CandidateCosines, Claim, ClaimLink, Cluster, RebuildJob, RebuildPart
from claims.services import locks
from claims.services.audit import flag_changed_verdicts, verdict_memberships
from claims.services.enqueue import registered_task
from claims.services.locks import CLUSTER_LOCK, REBUILD_LOCK
from claims.services.scoring import (
    SLOT_FIELDS,
    _matcher,
    binary_vector,
    nearest_clustered,
    neighbour_cosines_for,
    scorer_from,
    slots_from,
    slots_of,
    vector_from_binary,
)
from claims.services.statuses import (
    STALE_BATCH,
    cluster_counts,
    mark_stale,
    refresh_lock,
    refresh_shared_statuses,
    refresh_stale_statuses,
)
from newsclaims.matching import pairscore
from newsclaims.matching.clustering import (
    CANDIDATE_FLOOR,
    CANDIDATE_NEIGHBOURS,
    BatchScorer,
    Clustering,
    Constraints,
    PairScorer,
    candidate_search,
    cluster_scored,
    local_candidate_pairs,
    pairs_in_order,
    raised_tops,
    score_list,
    score_pairs,
    stable_ids,
    unit_rows,
)
from newsclaims.matching.pairfeatures import clause_texts_of
from newsclaims.matching.rules import ClaimSlots, match_score, same_figure

logger = logging.getLogger("claims.services")

Progress = Callable[[int, int], None]
Waiting = Callable[[float], None]  # called with the seconds waited so far, every WAIT_STEP

# What a rebuild did (ReclusterReport.outcome).
RAN = "ran"  # rebuilt every cluster (after waiting `waited` seconds for ingestion, if any)
COVERED = "covered"  # another rebuild was already running or waiting to run; it covers this one
TIMED_OUT = "timed_out"  # ingestion held the clusters longer than the wait allowed; nothing done

WAIT_STEP = 2.0  # seconds between progress reports while waiting for the cluster lock

# Where a rebuild's stale statuses are refreshed (`recluster(statuses=...)`).
HERE = "here"  # in this process, after the commit, before `recluster` returns
QUEUE = "queue"  # by status refresh tasks queued on commit (Celery workers, or in-process without a broker)


@dataclass
class ReclusterReport:
    claims: int = 0
    clusters: int = 0
    kept_ids: int = 0
    outcome: str = RAN
    waited: float = 0.0
    refreshed: int = 0  # clusters whose status was recomputed (or, statuses=QUEUE, queued to be)
    by_status: dict[str, int] = field(default_factory=dict)
    arrived: int = 0  # claims stored while the rebuild scored, which ingestion had assigned
    replaced: int = 0  # of those, the ones whose cluster did not live on, placed again
    parts: dict[str, int] = field(default_factory=dict)  # who scored the parts (process label -> parts)
    locked_seconds: float = 0.0  # the commit's hold of the cluster lock (waiting for it not counted)
    # Whether the commit took the clustering computed before the lock (no editor's decision
    # changed and no claim was deleted meanwhile), or clustered again under it.
    clustered_ahead: bool = False
    status_seconds: float = 0.0  # refreshing the stale statuses after the commit (statuses=HERE)
    # With workers, who refreshed the status batches: this process, workers, this process after waiting.
    status_batches: dict[str, int] = field(default_factory=dict)

    @property
    def skipped(self) -> bool:
        return self.outcome != RAN


def editor_constraints(claim_ids: Iterable[int] | None = None) -> Constraints:
    """Editors' links and locked clusters, as constraints for `cluster_all`."""
    links = ClaimLink.objects.values_list("claim_a_id", "claim_b_id", "kind")
    locked = Claim.objects.filter(cluster__locked=True).values_list("id", "cluster_id")
    if claim_ids is not None:
        ids = list(claim_ids)
        links = links.filter(claim_a_id__in=ids, claim_b_id__in=ids)
        locked = locked.filter(id__in=ids)
    must, cannot = [], []
    for a, b, kind in links:
        (must if kind == LinkKind.SAME else cannot).append((a, b))
    return Constraints(must_link=must, cannot_link=cannot, locked=dict(locked))


def _wait_for_cluster_lock(limit: float, waiting: Waiting | None) -> float | None:
    """Take the cluster lock for this transaction, waiting up to `limit` seconds for the ingestion
    (or editorial change) holding it; returns the seconds waited, or None if it is still held.

    Waits in PostgreSQL's lock queue (so ingestion that keeps taking the lock cannot starve the
    rebuild), in steps of WAIT_STEP bounded by lock_timeout, reporting progress between steps.
    """
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [CLUSTER_LOCK])
        if cursor.fetchone()[0]:
            return 0.0
        cursor.execute("SELECT current_setting('lock_timeout')")
        previous = cursor.fetchone()[0]
        while True:
            waited = time.monotonic() - started
            if waiting:
                waiting(waited)
            remaining = limit - waited
            if remaining <= 0:
                return None
            step = max(1, int(min(WAIT_STEP, remaining) * 1000))
            try:
                # A savepoint: a lock timeout aborts only it, and the lock taken in it is kept.
                with transaction.atomic():
                    cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{step}ms"])
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CLUSTER_LOCK])
            except OperationalError as exc:
                if getattr(exc.__cause__, "sqlstate", None) != "55P03":  # lock_not_available
                    raise
                continue
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [previous])
            return time.monotonic() - started


def _take_rebuild_lock() -> bool:
    """The lock one rebuild holds from start to end (its session's; released by
    `_release_rebuild_lock`, or when the session ends with its process)."""
    return locks.try_lock(REBUILD_LOCK)


def _release_rebuild_lock() -> None:
    locks.unlock(REBUILD_LOCK)


def recluster(
    progress: Progress | None = None,
    *,
    waiting: Waiting | None = None,
    wait: float | None = None,
    all_statuses: bool = False,
    workers: int = 1,
    statuses: str = HERE,
    status_progress: Progress | None = None,
) -> ReclusterReport:
    """Rebuild all clusters from scratch, deterministically, obeying editors' decisions.

    Claims are visited oldest source first. Locked clusters keep their claims and ids; editors'
    same/different links are must-link/cannot-link constraints. Any other rebuilt cluster keeps
    the id of the old cluster it overlaps most, so clients and editors keep their place (and
    verdicts stay on their cluster).

    The pair scores, nearly all of the work, are computed holding no cluster lock (see the
    module's phases), by this process and, with `workers` above 1 and a broker, Celery workers
    (the pairs are cut into about PARTS_PER_WORKER parts per worker); the clusters are the same
    whichever way. Ingestion goes on meanwhile: the claims it stores are assigned against the
    clusters as they were, and placed when the rebuild commits (`_place_arrivals`).

    The commit takes the cluster lock, waiting for ingestion (or an editorial change) holding it
    up to `wait` seconds (FACTCHECK_REBUILD_WAIT_SECONDS by default), calling `waiting` as it
    does; still held after that, nothing is written and outcome is TIMED_OUT. If another rebuild
    is already running, this returns at once with outcome COVERED: that one commits after this
    call started, placing every claim stored by then.

    Statuses are recomputed where they can have changed (a cluster whose claims or whose claims'
    nearest cosines changed), or everywhere with `all_statuses` (after a change of rules or models):
    the commit marks them stale, and they are refreshed after it, holding no lock but for each
    batch's write (`refresh_stale_statuses`): with `statuses` HERE before this returns
    (`status_progress` called with clusters done and total; none is left stale), in this process or,
    with `workers` above 1 and a broker, shared with Celery workers as the pair scores are
    (`refresh_shared_statuses`); with QUEUE by status refresh tasks queued on commit, STALE_BATCH
    clusters each.
    """
    report = ReclusterReport()
    limit = settings.FACTCHECK_REBUILD_WAIT_SECONDS if wait is None else wait
    if not _take_rebuild_lock():
        report.outcome = COVERED
        return report
    try:
        model_name = settings.FACTCHECK_EMBEDDING_MODEL
        rows = read_claims(Claim.objects.filter(embedding__isnull=False, embedding_model=model_name), model_name)
        job = announce_job(rows, workers)
        plan = plan_rebuild(rows, job=job)
        scores = score_plan(plan, workers, progress, report, job=job)
        plan.clause_texts = None  # the scorer's alone: gone before the clustering builds its structures
        ahead = cluster_ahead(plan, scores)
        del scores
        with transaction.atomic():
            waited = _wait_for_cluster_lock(limit, waiting)
            if waited is None:
                report.outcome = TIMED_OUT
                report.waited = limit
                return report
            report.waited = waited
            locked = time.monotonic()
            stale = _commit(plan, ahead, report, all_statuses=all_statuses)
            if statuses == QUEUE:
                _queue_statuses(stale)
        report.locked_seconds = time.monotonic() - locked
        del ahead  # its scores (a few million pairs at 100,000 claims) go before the statuses' work
    finally:
        # Released before the statuses: a rebuild asked for now must run, as this one has committed.
        _release_rebuild_lock()
    if statuses == HERE:
        started = time.monotonic()
        with refresh_lock():  # the beat sweep leaves these clusters to this process
            if _share_statuses(workers):
                shared = refresh_shared_statuses(stale, workers, progress=status_progress)
                if shared.batches:
                    report.status_batches = {
                        "here": shared.here, "workers": shared.elsewhere, "after_waiting": shared.after_waiting,
                    }  # fmt: skip
            else:
                refresh_stale_statuses(stale, progress=status_progress, batch_claims=REFRESH_BATCH)
        report.status_seconds = time.monotonic() - started
    report.by_status = cluster_counts()
    return report


def _share_statuses(workers: int) -> bool:
    """Whether a rebuild's status refresh after its commit is shared with Celery workers: with
    `workers` above 1, a broker (tasks not run eagerly) and the commit visible to them (no
    transaction open around the call)."""
    if workers <= 1 or connection.in_atomic_block:
        return False
    return not registered_task("refresh_statuses_task").app.conf.task_always_eager


def _queue_statuses(stale: Sequence[int]) -> None:
    """Status refresh tasks for these clusters, STALE_BATCH each, sent when the commit is done
    (without a broker they run then, in this process)."""
    task = registered_task("refresh_statuses_task")
    for start in range(0, len(stale), STALE_BATCH):
        batch = list(stale[start : start + STALE_BATCH])
        transaction.on_commit(lambda batch=batch: task.delay(batch))


# --- Phase 1: the plan ------------------------------------------------------------------------
@dataclass
class RebuildPlan:
    """What every pair score of a rebuild needs, computed once for the corpus."""

    rows: ClaimRows
    nearest: list  # per row, its nearest cosines over the corpus (the stored ones without a pair model)
    pairs: list[tuple[int, int, float]]  # candidate pairs (i, j, cosine), in scoring order
    floors: list  # per row, its candidate floor over the corpus (`clustering.floor_of`)
    clause_texts: list | None = None  # per row, what the clause pair model reads of its text
    tops: list | None = None  # per row, its CANDIDATE_NEIGHBOURS nearest cosines (the floor is the last)


def plan_rebuild(rows: ClaimRows, job: RebuildJob | None = None) -> RebuildPlan:
    """The rows' nearest cosines over the corpus and candidate pairs (`pairs_in_order`), and what
    the pair model reads of each row's text (`clause_texts_of`).

    The texts are read on a thread of their own while the neighbours are searched: the search is
    numpy and faiss, which let go of the GIL, and the reading is Python, about half of what
    scoring the pairs cost when the scorer did it pair by pair (5-7 s at 10,000 claims). With a
    `job` the workers share (`announce_job`), the nearest cosines are a worker's, computed while
    this process searches the candidates (`_job_densities`). All are pure functions of the rows,
    so the plan is the same bits either way."""
    if not len(rows):
        return RebuildPlan(rows, list(rows.nearest_cosines), [], [])
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="rebuild-texts") as pool:
        reading = None
        if _matcher().pair_model is not None:
            languages, own = [s.language for s in rows.slots], [s.text for s in rows.slots]
            reading = pool.submit(clause_texts_of, rows.texts, languages, own)
        # Claims go into the neighbour index oldest first (by id), so the graph of the archive
        # the last rebuild saw is built again as it was and only new claims are added to it: a
        # rebuild moves claims for what changed, not for where the index happened to look.
        found = candidate_search(rows.vectors, CANDIDATE_NEIGHBOURS, CANDIDATE_FLOOR, insertion=np.asarray(rows.ids))
        pairs = pairs_in_order(found.pairs)
        nearest = _job_densities(job, rows) if job is not None else corpus_nearest(rows)
        clause_texts = reading.result() if reading is not None else None
    return RebuildPlan(rows, nearest, pairs, found.floors, clause_texts, found.tops)


# What the rebuild writes in its job's nearest cosines while it computes them itself, so that a
# worker warming up after it looked does not compute them too.
COMPUTED_HERE = {"computed": "by the rebuild"}


def _job_densities(job: RebuildJob, rows: ClaimRows) -> list:
    """The rows' nearest cosines over the corpus (`corpus_nearest`), for a rebuild shared with
    workers: computed by the first worker that read the job's claims (`warm_rebuild_job`) while
    this process searched the candidate pairs, else here. Each of the two searches builds an
    HNSW graph on one thread (for the same graph every time), so a rebuild on one process leaves
    the second core idle through both; at 100,000 claims they were about 120 s of its 280.

    A worker computing them holds the job's row: this waits for it (and reads what it wrote);
    one that died let go of it, with nothing written, and they are computed here."""
    with transaction.atomic():
        stored = RebuildJob.objects.select_for_update().filter(pk=job.pk).values_list("nearest_cosines", flat=True)
        found = stored.first()
        if isinstance(found, list) and len(found) == len(rows):
            job.nearest_cosines = found
            return found
        RebuildJob.objects.filter(pk=job.pk).update(nearest_cosines=COMPUTED_HERE)
    return corpus_nearest(rows)


def corpus_nearest(rows: ClaimRows) -> list:
    """Each row's nearest cosines among these rows (`pairscore.top_cosines`: what ClaimScorer
    computes when given none), or the stored ones when the model has no pair model."""
    pair_model = _matcher().pair_model
    if pair_model is None or not len(rows):
        return list(rows.nearest_cosines)
    return pairscore.top_cosines(
        pairscore.split_parts(rows.vectors, pair_model.bounds),
        [s.source_id for s in rows.slots],
        pair_model.density_k,
        insertion=np.asarray(rows.ids),  # oldest first, as `plan_rebuild`'s search
    )


def _pair_scorer(rows: ClaimRows, nearest: Sequence[list | None], clause_texts: Sequence | None = None) -> BatchScorer:
    """The score of a pair of these rows, as `cluster_all` takes it: the pair model's probability
    (densities from `nearest`; margins within each source, so any rows holding both claims'
    sources whole give the same bits), else the cosine raised by matching slots."""
    slots = rows.slots
    pair_model = _matcher().pair_model
    if pair_model is None:
        return BatchScorer(
            lambda pairs: np.array([match_score(slots[i], slots[j], c) for i, j, c in pairs], dtype=float)
        )
    claim_scorer = scorer_from(
        pair_model,
        rows.vectors,
        rows.texts,
        [s.language for s in slots],
        [s.source_id for s in slots],
        [s.standalone for s in slots],
        nearest,
        source_margins=True,
        claim_texts=[s.text for s in slots],
        clause_texts=clause_texts,
    )

    def many(pairs: Sequence[tuple[int, int, float]]) -> np.ndarray:
        flags = [same_figure(slots[i], slots[j]) for i, j, _ in pairs]
        return claim_scorer.score_many([(i, j) for i, j, _ in pairs], flags)

    return BatchScorer(many)


# --- Phase 2: the pair scores -----------------------------------------------------------------
# Parts cut per worker: several, so a process that finishes early takes another and none waits long
# for the last (a part costs a lock and its pair indices to hand over, nothing per claim).
PARTS_PER_WORKER = 8
MIN_PART_PAIRS = 200  # fewer pairs a part cost more to hand over than to score
POLL_SECONDS = 0.2  # how often the rebuild looks whether the parts workers hold are done


def score_plan(
    plan: RebuildPlan,
    workers: int = 1,
    progress: Progress | None = None,
    report: ReclusterReport | None = None,
    *,
    job: RebuildJob | None = None,
) -> np.ndarray:
    """Each of the plan's pairs' score (float64, in `plan.pairs`' order).

    With `workers` above 1, a broker (tasks not run eagerly) and no transaction open around the
    call (workers must see the job), the pairs are cut into parts that Celery workers and this
    process score together (`_score_in_parts`); otherwise this process scores them all. `job`:
    the one `announce_job` wrote for this rebuild (its parts are added to it; it goes either way).
    """
    report = report if report is not None else ReclusterReport()
    parts = min(workers * PARTS_PER_WORKER, len(plan.pairs) // MIN_PART_PAIRS) if workers > 1 else 1
    task = registered_task("rebuild_part_task")
    if parts > 1 and connection.in_atomic_block:
        logger.info("rebuild scored in this process: inside a transaction, workers could not read its parts")
        parts = 1
    if parts > 1 and task.app.conf.task_always_eager:
        parts = 1  # no broker: every task would run here anyway
    if parts <= 1:
        if job is not None:
            RebuildJob.objects.filter(pk=job.pk).delete()
        values = _score_here(plan, progress)
        report.parts = {_process_label(None): 1}
        return values
    return _score_in_parts(plan, parts, task, progress, report, job)


def _score_here(plan: RebuildPlan, progress: Progress | None) -> np.ndarray:
    n = len(plan.rows)
    values = score_list(plan.pairs, _pair_scorer(plan.rows, plan.nearest, plan.clause_texts), n, progress)
    if progress and n:
        progress(n, n)
    return values


def _cut(pairs: Sequence[tuple[int, int, float]], parts: int) -> list[tuple[int, int]]:
    """(start, stop) slices of about equal numbers of pairs, each claim's pairs in one slice."""
    target = -(-len(pairs) // parts)
    slices: list[tuple[int, int]] = []
    start = 0
    for k in range(1, len(pairs) + 1):
        if k == len(pairs) or (k - start >= target and pairs[k][0] != pairs[k - 1][0]):
            slices.append((start, k))
            start = k
    return slices


def _score_in_parts(
    plan: RebuildPlan, parts: int, task, progress: Progress | None, report: ReclusterReport, job: RebuildJob | None
):
    """The plan's pair scores, shared out: a `RebuildJob` (the claims, their densities) and its
    parts are written, a Celery group sends one `rebuild_part_task` per part, and each process
    (the workers, and this one from the last part back) locks a part no one holds, scores it and
    writes its scores, until every part has them. A worker reads the job's claims once per
    rebuild (`_job_scorer`); this process scores with the rows it holds."""
    n = len(plan.rows)
    slices = _cut(plan.pairs, parts)
    job = write_job(plan, slices, job)
    mine = _process_label(None)
    score = _pair_scorer(plan.rows, plan.nearest, plan.clause_texts)
    try:
        try:
            group(task.s(str(job.id), number) for number in range(len(slices))).apply_async()
        except Exception:  # the broker is down: this process scores every part
            logger.exception("rebuild parts not sent to workers; scoring them in this process")
        while True:
            # From the last part back: the workers take them from the first, as the group sent them.
            if _score_one_part(job.id, mine, lambda: score, last_first=True):
                _progress_of_parts(job.id, n, progress)
                continue
            if not RebuildPart.objects.filter(job=job, scores__isnull=True).exists():
                break
            _progress_of_parts(job.id, n, progress)
            time.sleep(POLL_SECONDS)  # the parts left are locked by workers scoring them
        values = []
        for scores, worker in RebuildPart.objects.filter(job=job).order_by("number").values_list("scores", "worker"):
            values.append(np.frombuffer(bytes(scores), dtype="<f8"))
            report.parts[worker] = report.parts.get(worker, 0) + 1
    finally:
        RebuildJob.objects.filter(pk=job.pk).delete()  # and its parts
    if progress:
        progress(n, n)
    return np.concatenate(values).astype(np.float64)


def write_job(plan: RebuildPlan, slices: Sequence[tuple[int, int]], job: RebuildJob | None = None) -> RebuildJob:
    """The job workers score the plan's pairs from: its claims and densities once, and one part
    per slice of the pairs (their indices and cosines); `job`: the one `announce_job` wrote for
    these rows, completed. Jobs a rebuild that died left behind go (the caller holds the rebuild
    lock: no other rebuild is running)."""
    (RebuildJob.objects.all() if job is None else RebuildJob.objects.exclude(pk=job.pk)).delete()
    new = job is None
    job = RebuildJob(id=uuid.uuid4()) if job is None else job
    job.claim_ids = np.asarray(plan.rows.ids, dtype="<i8").tobytes()
    fields = ["claim_ids", "clause_texts"]
    if job.nearest_cosines is not plan.nearest:  # else a worker wrote them (`_job_densities`)
        job.nearest_cosines = list(plan.nearest)
        fields.append("nearest_cosines")
    # Pickled, as Django's database cache stores its values: written by this process for the
    # workers of the same deployment, and read back in under a second where computing them again
    # took a worker 5-7 s at 10,000 claims, most of its share of a rebuild on 2 cores.
    job.clause_texts = pickle.dumps(plan.clause_texts, protocol=pickle.HIGHEST_PROTOCOL) if plan.clause_texts else None
    if new:
        job.save(force_insert=True)
    else:
        job.save(update_fields=fields)
    RebuildPart.objects.bulk_create(
        RebuildPart(
            job=job,
            number=number,
            rows=len({i for i, _, _ in plan.pairs[start:stop]}),
            pairs=np.array([(i, j) for i, j, _ in plan.pairs[start:stop]], dtype="<i4").tobytes(),
            cosines=np.array([cosine for _, _, cosine in plan.pairs[start:stop]], dtype="<f8").tobytes(),
        )
        for number, (start, stop) in enumerate(slices)
    )
    return job


def announce_job(rows: ClaimRows, workers: int) -> RebuildJob | None:
    """Before planning a rebuild whose pairs workers will share: its job (the claims, in rebuild
    order) is written and the workers are asked to read those claims now (`warm_rebuild_job`), while
    this process plans, rather than when their first part comes (about 2 s at 10,000 claims, in
    which this process scored parts alone). None when the pairs will not be shared."""
    task = registered_task("rebuild_warm_task")
    if workers <= 1 or not len(rows) or connection.in_atomic_block or task.app.conf.task_always_eager:
        return None
    RebuildJob.objects.all().delete()  # left behind by a rebuild that died (the caller holds the lock)
    job = RebuildJob.objects.create(id=uuid.uuid4(), claim_ids=np.asarray(rows.ids, dtype="<i8").tobytes())
    try:
        group(task.s(str(job.id)) for _ in range(workers - 1)).apply_async()
    except Exception:  # the broker is down: the workers read the claims when (if) parts reach them
        logger.exception("rebuild workers not asked to read the claims ahead")
    return job


def _progress_of_parts(job: uuid.UUID, n: int, progress: Progress | None) -> None:
    if progress:
        done = RebuildPart.objects.filter(job_id=job, scores__isnull=False).aggregate(rows=Sum("rows"))["rows"]
        progress(min(done or 0, n), n)


def _process_label(worker: str | None) -> str:
    """Who scored a part: the Celery worker's name (or this host's), and the process."""
    return f"{worker or socket.gethostname()}:{os.getpid()}"


# A worker's scorer for the job it last scored a part of: the job's claims are read once per
# rebuild, not once per part (each part's pairs reach across most of the corpus), and ahead of the
# parts (`warm_rebuild_job`), while the rebuild plans. That read cost about 2 s at 10,000 claims,
# as long as four parts of 16 took; the job carries what the pair model reads of each text (5-7 s
# to compute again), not the claims' arrays (vectors: 36 MB at 10,000 claims).
_job_cache: dict[uuid.UUID, BatchScorer] = {}
# The job's claims as this worker read them (`_job_rows`), kept from `warm_rebuild_job` to the
# scorer its first part builds.
_rows_cache: dict[uuid.UUID, tuple[ClaimRows, list[int]]] = {}


def warm_rebuild_job(job: str) -> bool:
    """Read a rebuild's claims ahead of its parts (a Celery task's work, sent by `announce_job`):
    kept for this process's first part of it. Returns whether it read them (not when the job is
    gone or already scored, or this process holds them)."""
    job_id = uuid.UUID(str(job))
    if job_id in _rows_cache or job_id in _job_cache:
        return False
    done = (
        RebuildPart.objects.filter(job_id=job_id).exists()
        and not RebuildPart.objects.filter(job_id=job_id, scores__isnull=True).exists()
    )
    size = RebuildJob.objects.filter(pk=job_id).values_list(Length("claim_ids"), flat=True).first()  # bytes
    if done or size is None:
        return False
    rows, keep = _job_rows(job_id)
    if _matcher().pair_model is not None and len(keep) * 8 == size:
        # Every claim of the job is here, as the rebuild read them: their nearest cosines are the
        # rebuild's, computed here while it searches the candidate pairs (`_job_densities`).
        with transaction.atomic():
            free = RebuildJob.objects.select_for_update(skip_locked=True).filter(
                pk=job_id, nearest_cosines__isnull=True
            )
            if free.values_list("pk", flat=True).first() is not None:
                RebuildJob.objects.filter(pk=job_id).update(nearest_cosines=corpus_nearest(rows))
    return True


def _job_rows(job_id: uuid.UUID) -> tuple[ClaimRows, list[int]]:
    """The job's claims read back from the database, in rebuild order, and the positions (in the
    job's claims) of those still there; kept for the job, one job at a time."""
    if job_id not in _rows_cache:
        _rows_cache.clear()  # one job at a time: an earlier rebuild's claims go
        ids = np.frombuffer(bytes(RebuildJob.objects.values_list("claim_ids", flat=True).get(pk=job_id)), dtype="<i8")
        ids = ids.tolist()
        read = read_claims(Claim.objects.filter(pk__in=ids), settings.FACTCHECK_EMBEDDING_MODEL)
        at = {pk: k for k, pk in enumerate(read.ids)}
        # A claim deleted since the plan: its pairs score 0 (the commit leaves it out anyway).
        keep = [position for position, pk in enumerate(ids) if pk in at]
        _rows_cache[job_id] = (read.take([at[ids[position]] for position in keep]), keep)
    return _rows_cache[job_id]


def score_rebuild_part(job: str, number: int, worker: str | None = None) -> bool:
    """Score part `number` of a running rebuild's job (a Celery task's work), unless another
    process holds it, it is done, or the rebuild is over; returns whether it scored it. Safe to
    run twice. The job's claims stay read while the job has parts no one holds."""
    job_id = uuid.UUID(str(job))
    try:
        return _score_one_part(job_id, _process_label(worker), lambda: _job_scorer(job_id), number=number)
    finally:
        with transaction.atomic():
            free = RebuildPart.objects.select_for_update(skip_locked=True).filter(job_id=job_id, scores__isnull=True)
            if not free.exists():
                _job_cache.pop(job_id, None)
                _rows_cache.pop(job_id, None)


def _job_scorer(job_id: uuid.UUID) -> BatchScorer:
    """The pair scorer over a job's claims, read back from the database (in rebuild order)."""
    if job_id not in _job_cache:
        _job_cache.clear()  # one job at a time: an earlier rebuild's claims go
        job = RebuildJob.objects.get(pk=job_id)
        rows, keep = _job_rows(job_id)
        nearest = job.nearest_cosines or [None] * (len(job.claim_ids) // 8)
        known = _job_clause_texts(job)
        score = _pair_scorer(
            rows,
            [nearest[position] for position in keep],
            [known[position] for position in keep] if known is not None else None,
        )
        row_of = {position: k for k, position in enumerate(keep)}

        def many(pairs: Sequence[tuple[int, int, float]]) -> np.ndarray:
            values = np.zeros(len(pairs), dtype=np.float64)
            kept = [k for k, (i, j, _) in enumerate(pairs) if i in row_of and j in row_of]
            if kept:
                values[kept] = score.many([(row_of[pairs[k][0]], row_of[pairs[k][1]], pairs[k][2]) for k in kept])
            return values

        _job_cache[job_id] = BatchScorer(many)
    return _job_cache[job_id]


def _job_clause_texts(job: RebuildJob) -> list | None:
    """What the rebuild read of its claims' texts, or None (then the scorer reads them itself):
    none stored, or stored by another version of the code (a worker not yet restarted)."""
    if not job.clause_texts:
        return None
    try:
        known = pickle.loads(bytes(job.clause_texts))  # noqa: S301 - written by the rebuild, see write_job
    except Exception:  # any unreadable pickle: read the texts again
        logger.warning("rebuild %s: its clause texts could not be read back; reading the texts again", job.id)
        return None
    claim_ids = np.frombuffer(bytes(job.claim_ids), dtype="<i8")
    return known if isinstance(known, list) and len(known) == len(claim_ids) else None


def _score_one_part(
    job: uuid.UUID,
    worker: str,
    scorer: Callable[[], PairScorer],
    *,
    number: int | None = None,
    last_first: bool = False,
) -> bool:
    """Lock a part no one holds (this one, or any), score it with `scorer()` and write its scores,
    in one transaction: the lock says it is taken, and goes with the process if it dies (the part
    is then free again)."""
    with transaction.atomic():
        parts = RebuildPart.objects.select_for_update(skip_locked=True).filter(job_id=job, scores__isnull=True)
        if number is not None:
            parts = parts.filter(number=number)
        part = parts.order_by("-number" if last_first else "number").first()
        if part is None:
            return False
        started = timezone.now()
        score = scorer()
        pairs = np.frombuffer(bytes(part.pairs), dtype="<i4").reshape(-1, 2).tolist()
        cosines = np.frombuffer(bytes(part.cosines), dtype="<f8").tolist()
        triples = [(i, j, c) for (i, j), c in zip(pairs, cosines, strict=True)]
        values = score_list(triples, score).astype("<f8")
        RebuildPart.objects.filter(pk=part.pk).update(
            scores=values.tobytes(), worker=worker[:300], started_at=started, finished_at=timezone.now()
        )
    return True


# --- Phase 3: the clustering, before the lock ---------------------------------------------------
def _constraints_key(constraints: Constraints) -> tuple:
    """Editors' decisions in a form two reads compare by (their order is the database's)."""
    return (
        frozenset(constraints.must_link),
        frozenset(constraints.cannot_link),
        frozenset(constraints.locked.items()),
    )


@dataclass
class ClusteredAhead:
    """The plan's clustering, computed holding no cluster lock, and what it was computed from.

    Average link over a large archive takes a minute (50-70 s at 100,000 claims), which ingestion
    would wait for under the lock. It depends only on the scores, the claims' slots (read with the
    plan, as under the lock) and editors' decisions; the commit takes it as it is when those
    decisions are unchanged and every planned claim is still stored."""

    scores: dict[tuple[int, int], float]  # (i, j) plan indices -> score, the pairs scoring above 0
    constraints: tuple  # `_constraints_key` of the decisions it obeyed
    result: Clustering


def cluster_ahead(plan: RebuildPlan, values: np.ndarray) -> ClusteredAhead:
    """Average link over the plan's scored pairs (`values`, in `plan.pairs` order) with editors'
    decisions as they are now, holding no cluster lock. Drops `plan.pairs` (a few million tuples
    at 100,000 claims) once the scores hold what clustering needs of them."""
    scores = {(i, j): value for (i, j, _), value in zip(plan.pairs, values.tolist(), strict=True) if value > 0}
    plan.pairs = []
    constraints = editor_constraints()
    result = cluster_scored(plan.rows.slots, scores, _matcher().threshold, constraints)
    return ClusteredAhead(scores, _constraints_key(constraints), result)


def _clustering_now(plan: RebuildPlan, ahead: ClusteredAhead, keep: Sequence[int], rows: ClaimRows) -> Clustering:
    """The clustering of the kept rows with editors' decisions as they are now: the one computed
    ahead when nothing it depends on changed, else average link again (under the lock)."""
    constraints = editor_constraints()
    if len(keep) == len(plan.rows) and _constraints_key(constraints) == ahead.constraints:
        return ahead.result
    new_index = {k: position for position, k in enumerate(keep)}
    scores = {
        (new_index[i], new_index[j]): value
        for (i, j), value in ahead.scores.items()
        if i in new_index and j in new_index
    }
    return cluster_scored(rows.slots, scores, _matcher().threshold, constraints)


# --- Phase 4: the commit, under the lock ------------------------------------------------------
def _commit(plan: RebuildPlan, ahead: ClusteredAhead, report: ReclusterReport, *, all_statuses: bool) -> list[int]:
    """Store the plan's clustering; under the cluster lock, in its transaction. Returns the
    clusters whose status can have changed, marked stale (`mark_stale`).

    Claims and clusters are read again as they are now: claims deleted since the plan leave (and
    the rest are clustered again without them), the ids kept are those of the clusters the claims
    are in now (ingestion and editors may have moved some), editors' decisions are the current
    ones (the clustering is done again if they changed since `cluster_ahead`), and the nearest
    cosines ingestion added to a claim's lists meanwhile (`_with_arrivals`) stay in them.
    """
    rows, nearest = plan.rows, plan.nearest
    current = {
        pk: (cluster_id, top)
        for pk, cluster_id, top in Claim.objects.filter(
            embedding__isnull=False, embedding_model=rows.model_name
        ).values_list("id", "cluster_id", "nearest_cosines")
    }
    if not current:
        Cluster.objects.filter(claims__isnull=True).delete()
        return []
    planned = set(rows.ids)
    arrived = sorted(pk for pk in current if pk not in planned)
    keep = [k for k, pk in enumerate(rows.ids) if pk in current]
    rows = rows.take(keep)
    then = rows.nearest_cosines
    rows.cluster_ids = [current[pk][0] for pk in rows.ids]
    rows.nearest_cosines = [current[pk][1] for pk in rows.ids]
    pair_model = _matcher().pair_model
    most = pair_model.density_k if pair_model is not None else None
    nearest = [
        _with_arrivals(nearest[k], was, now, most) for k, was, now in zip(keep, then, rows.nearest_cosines, strict=True)
    ]
    report.claims = len(rows)
    with_verdict = verdict_memberships()
    result = _clustering_now(plan, ahead, keep, rows)
    report.clustered_ahead = result is ahead.result
    done = _save_clustering(rows, result, nearest, [plan.floors[k] for k in keep])
    if plan.tops is not None:
        write_tops(rows.ids, with_arrivals_tops(rows, [plan.tops[k] for k in keep], arrived))
    final_ids, report.kept_ids = done.final_ids, done.kept
    placed, report.replaced = _place_arrivals(arrived, rows, done)
    report.arrived = len(arrived)
    # Clusters left without claims go, except clusters whose claims use another model.
    Cluster.objects.exclude(pk__in=final_ids).filter(claims__isnull=True).delete()
    # Only where a status can have changed: refreshing every cluster was ~99% of a rebuild with
    # the stance cross-encoder on (`manage.py bench scale`). `all_statuses` after a change of
    # rules or models, which moves statuses without moving a claim.
    # They are refreshed after the commit, outside the lock (see `recluster`).
    stale = done.stale | placed
    refresh = [c for c in final_ids if all_statuses or c in stale] + sorted(placed - set(final_ids))
    mark_stale(refresh)
    report.refreshed = len(refresh)
    flag_changed_verdicts(with_verdict)  # an editor looks again at a verdict whose claims changed
    report.clusters = (
        Claim.objects.filter(embedding__isnull=False, embedding_model=rows.model_name, cluster__isnull=False)
        .values("cluster_id")
        .distinct()
        .count()
    )
    return refresh


def _with_arrivals(rebuilt: list | None, then: list | None, now: list | None, most: int | None) -> list | None:
    """A claim's nearest cosines as the rebuild computed them (`rebuilt`, from the claims it read),
    with the cosines ingestion added to its stored lists since (`then` -> `now`: the claims that
    arrived meanwhile), the `most` highest of each list kept."""
    if now == then or now is None:
        return rebuilt
    if rebuilt is None or rebuilt == then:
        return now
    merged = []
    for p, values in enumerate(rebuilt):
        added = Counter(now[p]) - Counter(then[p] if then and p < len(then) else [])
        merged.append(sorted([*values, *added.elements()], reverse=True)[:most])
    return merged


def with_arrivals_tops(rows: ClaimRows, tops: list[list[float]], arrived: Sequence[int]) -> list[list[float]]:
    """The rows' nearest cosines as the rebuild's plan found them (`tops`, over the claims it
    read), with the claims stored since (`arrived`, which ingestion assigned meanwhile) entered
    where they come among a row's nearest (`clustering.raise_tops`): the lists a rebuild writes
    are those of the archive as it commits."""
    if not arrived or not len(rows):
        return tops
    table = connection.ops.quote_name(Claim._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT vector_send(embedding) FROM {table} WHERE id = ANY(%s::bigint[]) AND embedding IS NOT NULL "
            "AND embedding_model = %s",
            [list(arrived), rows.model_name],
        )
        vectors = [vector_from_binary(row[0]) for row in cursor.fetchall()]
    if not vectors:
        return tops
    out = list(tops)
    # In float32, scaled after the product: a float64 unit copy of the archive's vectors would take
    # 0.7 GB at 100,000 claims, inside the commit's lock.
    norms = np.linalg.norm(rows.vectors, axis=1)
    cosines = (rows.vectors @ unit_rows(np.stack(vectors)).astype(np.float32).T) / np.maximum(norms, 1e-12)[:, None]
    for k, top in raised_tops(tops, cosines).items():
        out[k] = top
    return out


def _place_arrivals(arrived: Sequence[int], rows: ClaimRows, done: _Rebuilt) -> tuple[set[int], int]:
    """Place the claims stored while the rebuild scored, which ingestion assigned against the
    clusters as they were; returns the clusters whose claims this changed, and how many of
    those claims changed cluster.

    As ingestion re-clusters a newcomer's neighbourhood, the neighbourhood of these claims is
    re-clustered by the same rule (`_rebuild`, local) among the rebuilt clusters: the clusters
    they are in, the rebuilt clusters their clusters' other claims went to, and the clusters of
    their nearest claims. So a claim stays where ingestion put it while that still holds, and
    follows its cluster's claims (or leaves them) where the rebuild moved them. Claims not
    assigned yet (their processing assigns them) and claims in locked clusters stay.
    """
    if not arrived:
        return set(), 0
    went: dict[int, set[int]] = defaultdict(set)  # cluster before -> the rebuilt clusters its claims went to
    for before, after in zip(rows.cluster_ids, done.cluster_ids, strict=True):
        if before is not None:
            went[before].add(after)
    locked = set(Cluster.objects.filter(locked=True).values_list("pk", flat=True))
    newcomers = Claim.objects.filter(pk__in=arrived, cluster__isnull=False).exclude(cluster_id__in=locked)
    around: set[int] = set()
    where: dict[int, int] = {}
    for claim_id, cluster_id, embedding in newcomers.values_list("id", "cluster_id", "embedding"):
        where[claim_id] = cluster_id
        around |= {cluster_id, *went.get(cluster_id, ())}
        vector = np.asarray(embedding, dtype=np.float32)
        around.update(cluster for _, cluster, _ in nearest_clustered(vector, rows.model_name))
    around -= locked
    if not around:
        return set(), 0
    neighbourhood = list(
        Claim.objects.filter(cluster_id__in=sorted(around), embedding__isnull=False, embedding_model=rows.model_name)
        .select_related("source")
        .order_by(*REBUILD_ORDER)
    )
    final_ids, _, changed = _rebuild(neighbourhood, local=True, context=source_context(neighbourhood, rows.model_name))
    after = {c.pk: c.cluster_id for c in neighbourhood if c.pk in where}
    moved = sum(after[pk] != cluster_id for pk, cluster_id in where.items())
    return changed | set(after.values()) | (around - set(final_ids)), moved


def source_context(claims: Sequence[Claim], model_name: str) -> list[Claim]:
    """The other claims of these claims' sources, which a neighbourhood's pair scores read for
    their margins (`_rebuild_rows`' `context`); those without nearest cosines are left out."""
    return list(
        Claim.objects.filter(
            source_id__in={c.source_id for c in claims},
            embedding__isnull=False,
            embedding_model=model_name,
            nearest_cosines__isnull=False,
        )
        .exclude(pk__in=[c.pk for c in claims])
        .select_related("source")
        .order_by(*REBUILD_ORDER)
    )


# Claims read per round trip while streaming a rebuild's rows, and rows written per UPDATE.
READ_BATCH = 2000
WRITE_BATCH = 5000
# Claims whose clusters' statuses are refreshed at once after a rebuild: a refresh holds its
# clusters' claims as model objects, so a whole corpus at once is what made a rebuild's memory grow
# with the archive.
REFRESH_BATCH = 2000


@dataclass
class ClaimRows:
    """The claims a rebuild clusters, as plain values in rebuild order (row k is one claim).

    A rebuild needs ids, vectors, slots, what was embedded, and the stored cluster and nearest
    cosines: reading these as values (`read_claims`) rather than model objects keeps a corpus to
    one float32 array plus a few small values per claim.
    """

    ids: list[int]
    vectors: np.ndarray  # (n, dimension) float32
    slots: list[ClaimSlots]
    texts: list[str]  # what was embedded: match_text, else the text
    cluster_ids: list[int | None]
    nearest_cosines: list[list[list[float]] | None]
    floors: list[float | None]  # candidate floors (`Claim.candidate_floor`)
    model_name: str

    def __len__(self) -> int:
        return len(self.ids)

    def take(self, positions: Sequence[int]) -> ClaimRows:
        """These rows at `positions`, in that order."""
        positions = list(positions)
        if positions == list(range(len(self))):
            return replace(self, cluster_ids=list(self.cluster_ids))
        return ClaimRows(
            ids=[self.ids[k] for k in positions],
            vectors=self.vectors[positions] if len(self) else self.vectors,
            slots=[self.slots[k] for k in positions],
            texts=[self.texts[k] for k in positions],
            cluster_ids=[self.cluster_ids[k] for k in positions],
            nearest_cosines=[self.nearest_cosines[k] for k in positions],
            floors=[self.floors[k] for k in positions],
            model_name=self.model_name,
        )

    def joined(self, other: ClaimRows) -> ClaimRows:
        """These rows, then `other`'s."""
        if not len(other):
            return self
        return ClaimRows(
            ids=self.ids + other.ids,
            vectors=np.concatenate([self.vectors, other.vectors]),
            slots=self.slots + other.slots,
            texts=self.texts + other.texts,
            cluster_ids=self.cluster_ids + other.cluster_ids,
            nearest_cosines=self.nearest_cosines + other.nearest_cosines,
            floors=self.floors + other.floors,
            model_name=self.model_name,
        )

    @classmethod
    def from_claims(cls, claims: Sequence[Claim]) -> ClaimRows:
        """The rows of claims already read as model objects (with their sources)."""
        return cls(
            ids=[c.pk for c in claims],
            vectors=(
                np.stack([np.asarray(c.embedding, dtype=np.float32) for c in claims])
                if claims
                else np.zeros((0, 0), dtype=np.float32)
            ),
            slots=[slots_of(c) for c in claims],
            texts=[c.match_text or c.text for c in claims],
            cluster_ids=[c.cluster_id for c in claims],
            nearest_cosines=[c.nearest_cosines for c in claims],
            floors=[c.candidate_floor for c in claims],
            model_name=claims[0].embedding_model if claims else "",
        )


def read_claims(claims: QuerySet[Claim], model_name: str) -> ClaimRows:
    """Stream these claims' rows (rebuild order) in batches of READ_BATCH into `ClaimRows`.

    Vectors come in pgvector's binary form (`vector_send`: a 4-byte header, then big-endian
    float4), written into one preallocated array: no per-claim list of Python floats, and the
    same float32 values the text form round-trips to.
    """
    total = claims.count()
    rows = (
        claims.annotate(vector_bytes=binary_vector())
        .order_by(*REBUILD_ORDER)
        .values_list(*SLOT_FIELDS, "match_text", "cluster_id", "nearest_cosines", "candidate_floor", "vector_bytes")
        .iterator(chunk_size=READ_BATCH)
    )
    out = ClaimRows([], np.zeros((0, 0), dtype=np.float32), [], [], [], [], [], model_name)
    width = len(SLOT_FIELDS)
    for k, row in enumerate(rows):
        vector = vector_from_binary(row[-1])
        if k == 0:
            out.vectors = np.empty((max(total, 1), len(vector)), dtype=np.float32)
        elif k == len(out.vectors):  # claims added since the count (not yet clustered): make room
            out.vectors = np.concatenate([out.vectors, np.empty_like(out.vectors[: max(1, k // 4)])])
        out.vectors[k] = vector  # ValueError, as np.stack gave, if the model's dimension varies
        out.ids.append(row[0])
        out.slots.append(slots_from(*row[:width]))
        out.texts.append(row[width] or row[3])
        out.cluster_ids.append(row[width + 1])
        out.nearest_cosines.append(row[width + 2])
        out.floors.append(row[width + 3])
    out.vectors = out.vectors[: len(out.ids)]
    return out


def _rebuild(
    claims: Sequence[Claim] | ClaimRows,
    progress: Progress | None = None,
    *,
    local: bool = False,
    context: Sequence[Claim] = (),
) -> tuple[list[int], int, set[int]]:
    """Re-cluster these claims from scratch (`cluster_all`, editors' constraints) and save the
    result, keeping old cluster ids by overlap; returns the cluster ids used, how many were kept,
    and the ids of clusters whose membership changed (old and new).

    `local`: the claims are a neighbourhood of the corpus, so their stored nearest cosines and
    candidate floors (which see the whole corpus) are used as they are rather than recomputed
    among these claims alone; `context`, the other claims of their sources, for the margins
    (`_rebuild_rows`). Model objects passed in are updated to what was saved (cluster, nearest
    cosines, candidate floor).
    """
    rows = claims if isinstance(claims, ClaimRows) else ClaimRows.from_claims(claims)
    done = _rebuild_rows(rows, progress, local=local, context=ClaimRows.from_claims(context) if context else None)
    if not isinstance(claims, ClaimRows):
        for claim, cluster_id, top, floor in zip(
            claims, done.cluster_ids, done.nearest_cosines, done.floors, strict=True
        ):
            claim.cluster_id, claim.nearest_cosines, claim.candidate_floor = cluster_id, top, floor
    return done.final_ids, done.kept, done.changed


@dataclass
class _Rebuilt:
    final_ids: list[int]  # cluster id per new label
    sizes: list[int]  # claims per new label
    kept: int
    changed: set[int]  # clusters whose membership changed (old and new)
    cluster_ids: list[int]  # per row, the cluster saved
    nearest_cosines: list  # per row, the nearest cosines saved
    floors: list  # per row, the candidate floor saved
    written: int  # rows whose stored values changed (and were written)
    stale: set[int]  # clusters whose status may have changed: new or changed membership, or members' densities


def _rebuild_rows(
    rows: ClaimRows,
    progress: Progress | None = None,
    *,
    local: bool = False,
    remember: Callable[[ClaimRows, Sequence[list | None], PairScorer], PairScorer] | None = None,
    context: ClaimRows | None = None,
) -> _Rebuilt:
    """`_rebuild` on rows; see there. `remember` wraps the pair scorer (assignment's memo of scores).

    `local` (a neighbourhood): the pairs scored are those the archive's rebuild scores
    (`local_candidate_pairs`, from the claims' stored candidate floors), and `context` holds the
    other claims of the neighbourhood's sources, which the pair scores' margins read (a claim's
    margin is over every claim of the other's source) and which are not re-clustered."""
    nearest = list(rows.nearest_cosines)
    matcher = _matcher()
    if matcher.pair_model is not None:
        if local:
            # A neighbourhood's claims keep their stored densities; a claim without any (assigned
            # before densities were stored) gets them from its nearest claims through the index.
            for k in range(len(rows)):
                if nearest[k] is None:
                    nearest[k] = neighbour_cosines_for(
                        rows.vectors[k], rows.model_name, rows.slots[k].source_id, matcher.pair_model
                    )
        else:
            nearest = corpus_nearest(rows)
    if local:
        candidates, floors = local_candidate_pairs(rows.vectors, rows.floors), list(rows.floors)
    else:
        candidates, floors, _ = candidate_search(
            rows.vectors, CANDIDATE_NEIGHBOURS, CANDIDATE_FLOOR, insertion=np.asarray(rows.ids)
        )
    scored, scored_nearest = rows, nearest
    if context is not None and len(context):
        scored, scored_nearest = rows.joined(context), nearest + list(context.nearest_cosines)
    scorer = _pair_scorer(scored, scored_nearest)
    if remember is not None and matcher.pair_model is not None:
        scorer = remember(scored, scored_nearest, scorer)
    scores = score_pairs(len(rows), candidates, scorer, progress)
    result = cluster_scored(rows.slots, scores, matcher.threshold, editor_constraints(rows.ids))
    return _save_clustering(rows, result, nearest, floors)


def _save_clustering(
    rows: ClaimRows, result: Clustering, nearest: Sequence[list | None], floors: Sequence[float | None]
) -> _Rebuilt:
    """Store a clustering of these rows: each cluster keeps the id of the old cluster it overlaps
    most (`rows.cluster_ids`: where the claims are), else gets a new one; only rows whose cluster,
    nearest cosines or candidate floor changed are written."""
    n = len(rows)
    slots = rows.slots
    groups = result.groups()
    locked_ids = set(result.locked_labels.values())
    old_cluster_of = {
        claim_id: old for claim_id, old in zip(rows.ids, rows.cluster_ids, strict=True) if old not in locked_ids
    }
    free = [label for label in range(len(groups)) if label not in result.locked_labels]
    kept = dict(
        zip(free, stable_ids([[rows.ids[i] for i in groups[label]] for label in free], old_cluster_of), strict=True)
    )
    kept.update(result.locked_labels)
    existing = set(Cluster.objects.filter(pk__in=[k for k in kept.values() if k]).values_list("pk", flat=True))
    final_ids: list[int] = [
        cluster_id if (cluster_id := kept.get(label)) in existing else 0 for label in range(len(groups))
    ]
    kept_count = sum(1 for cluster_id in final_ids if cluster_id)
    # The new clusters in one INSERT per WRITE_BATCH (a first build at 100,000 claims made 15,000
    # of them, one statement each, under the lock), numbered in the order of their labels.
    new_labels = [label for label, cluster_id in enumerate(final_ids) if not cluster_id]
    created = Cluster.objects.bulk_create(
        [Cluster(label=slots[groups[label][0]].text[:300]) for label in new_labels], batch_size=WRITE_BATCH
    )
    for label, cluster in zip(new_labels, created, strict=True):
        final_ids[label] = cluster.pk
    new_cluster: list[int] = [0] * n
    for label, group_members in enumerate(groups):
        for i in group_members:
            new_cluster[i] = final_ids[label]
    changed: set[int] = set()
    dirty: list[int] = []
    for k in range(n):
        old_cluster = rows.cluster_ids[k]
        if new_cluster[k] != old_cluster:
            changed.update(x for x in (new_cluster[k], old_cluster) if x)
        if (new_cluster[k], nearest[k], floors[k]) != (old_cluster, rows.nearest_cosines[k], rows.floors[k]):
            dirty.append(k)
    write_rows(
        [rows.ids[k] for k in dirty],
        [new_cluster[k] for k in dirty],
        [nearest[k] for k in dirty],
        [floors[k] for k in dirty],
    )
    # A status reads its members and their nearest cosines (the pair scores' hubness correction),
    # nothing else of the corpus: a cluster none of whose rows changed keeps a status that holds.
    stale = changed | {new_cluster[k] for k in dirty}
    return _Rebuilt(
        final_ids,
        [len(g) for g in groups],
        kept_count,
        changed,
        new_cluster,
        list(nearest),
        list(floors),
        len(dirty),
        stale,
    )


def write_rows(
    ids: Sequence[int], cluster_ids: Sequence[int], nearest: Sequence[list | None], floors: Sequence[float | None]
) -> None:
    """Store each claim's cluster, nearest cosines and candidate floor, one set-based UPDATE per
    WRITE_BATCH rows.

    One statement joins the table to the new values (four arrays, unnested) instead of a round
    trip, or a CASE over every row (bulk_update), per batch. A row whose cluster changes is a new
    tuple in each of the table's indexes (cluster_id is indexed, so no HOT update), which is why
    only rows whose values changed are passed in; the HNSW index is not among them (it lies on
    `ClaimVector`, which this leaves alone).
    """
    table = connection.ops.quote_name(Claim._meta.db_table)
    pk = connection.ops.quote_name(Claim._meta.pk.column)
    cluster = connection.ops.quote_name(Claim._meta.get_field("cluster").column)
    near = connection.ops.quote_name(Claim._meta.get_field("nearest_cosines").column)
    floor = connection.ops.quote_name(Claim._meta.get_field("candidate_floor").column)
    sql = (
        f"UPDATE {table} AS c SET {cluster} = v.cluster_id, {near} = v.nearest::jsonb, {floor} = v.floor "
        "FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::double precision[]) "
        f"AS v(id, cluster_id, nearest, floor) WHERE c.{pk} = v.id"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(ids), WRITE_BATCH):
            stop = start + WRITE_BATCH
            # As the JSON field stores them: None is SQL NULL, anything else its json.dumps.
            documents = [None if value is None else json.dumps(value) for value in nearest[start:stop]]
            cursor.execute(
                sql, [list(ids[start:stop]), list(cluster_ids[start:stop]), documents, list(floors[start:stop])]
            )


def write_tops(ids: Sequence[int], tops: Sequence[Sequence[float]]) -> None:
    """Store each claim's nearest cosines (`CandidateCosines`), one set-based upsert per
    WRITE_BATCH claims."""
    table = connection.ops.quote_name(CandidateCosines._meta.db_table)
    sql = (
        f"INSERT INTO {table} (claim_id, cosines) "
        "SELECT v.id, v.cosines::double precision[] FROM unnest(%s::bigint[], %s::text[]) AS v(id, cosines) "
        "ON CONFLICT (claim_id) DO UPDATE SET cosines = EXCLUDED.cosines"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(ids), WRITE_BATCH):
            stop = start + WRITE_BATCH
            literals = ["{" + ",".join(map(repr, top)) + "}" for top in tops[start:stop]]
            cursor.execute(sql, [list(ids[start:stop]), literals])


def read_tops(ids: Sequence[int]) -> dict[int, list[float]]:
    """The stored nearest cosines (`CandidateCosines`) of those of these claims that have them."""
    if not ids:
        return {}
    table = connection.ops.quote_name(CandidateCosines._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT claim_id, cosines FROM {table} WHERE claim_id = ANY(%s::bigint[])", [list(ids)])
        return dict(cursor.fetchall())


REBUILD_ORDER = (F("source__published_at").asc(nulls_last=True), "source_id", "start", "id")
