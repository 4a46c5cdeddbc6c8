"""Rebuilding every cluster from scratch, deterministically, obeying editors' decisions
(`recluster`), and the re-clustering of a set of claims that assigning also uses (`_rebuild`).

May import Django, claims.models, newsclaims, claims.services.scoring and .statuses.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import F

from claims.choices import LinkKind
from claims.models import Claim, ClaimLink, Cluster
from claims.services.audit import flag_changed_verdicts, verdict_memberships
from claims.services.scoring import CLUSTER_LOCK, REBUILD_LOCK, _claim_scorer, _matcher, slots_of
from claims.services.statuses import cluster_counts, refresh_clusters
from newsclaims.matching.clustering import Constraints, cluster_all, stable_ids
from newsclaims.matching.rules import same_figure

Progress = Callable[[int, int], None]
Waiting = Callable[[float], None]  # called with the seconds waited so far, every WAIT_STEP

# What a rebuild did (ReclusterReport.outcome).
RAN = "ran"  # rebuilt every cluster (after waiting `waited` seconds for ingestion, if any)
COVERED = "covered"  # another rebuild was already running or waiting to run; it covers this one
TIMED_OUT = "timed_out"  # ingestion held the clusters longer than the wait allowed; nothing done

WAIT_STEP = 2.0  # seconds between progress reports while waiting for the cluster lock


@dataclass
class ReclusterReport:
    claims: int = 0
    clusters: int = 0
    kept_ids: int = 0
    outcome: str = RAN
    waited: float = 0.0
    by_status: dict[str, int] = field(default_factory=dict)

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


def recluster(
    progress: Progress | None = None, *, waiting: Waiting | None = None, wait: float | None = None
) -> ReclusterReport:
    """Rebuild all clusters from scratch, deterministically, obeying editors' decisions.

    Claims are visited oldest source first. Locked clusters keep their claims and ids; editors'
    same/different links are must-link/cannot-link constraints. Any other rebuilt cluster keeps
    the id of the old cluster it overlaps most, so clients and editors keep their place (and
    verdicts stay on their cluster).

    While ingestion assigns claims (or an editor changes clusters) the rebuild waits for it, up to
    `wait` seconds (FACTCHECK_REBUILD_WAIT_SECONDS by default), calling `waiting` as it does;
    still held after that, nothing is done and outcome is TIMED_OUT. If another rebuild is already
    running or waiting, this returns at once with outcome COVERED: that rebuild reads the claims
    once it holds the clusters, so it includes everything this one would have.
    """
    report = ReclusterReport()
    limit = settings.FACTCHECK_REBUILD_WAIT_SECONDS if wait is None else wait
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [REBUILD_LOCK])
            if not cursor.fetchone()[0]:
                report.outcome = COVERED
                return report
        waited = _wait_for_cluster_lock(limit, waiting)
        if waited is None:
            report.outcome = TIMED_OUT
            report.waited = limit
            return report
        report.waited = waited
        model_name = settings.FACTCHECK_EMBEDDING_MODEL
        claims = list(
            Claim.objects.filter(embedding__isnull=False, embedding_model=model_name)
            .select_related("source")
            .order_by(*REBUILD_ORDER)
        )
        report.claims = len(claims)
        if not claims:
            Cluster.objects.filter(claims__isnull=True).delete()
            return report
        with_verdict = verdict_memberships()
        final_ids, report.kept_ids, _ = _rebuild(claims, progress)
        # Clusters left without claims go, except clusters whose claims use another model.
        Cluster.objects.exclude(pk__in=final_ids).filter(claims__isnull=True).delete()
        refresh_clusters(final_ids)
        flag_changed_verdicts(with_verdict)  # an editor looks again at a verdict whose claims changed
        report.clusters = len(final_ids)
        report.by_status = cluster_counts()
    return report


def _rebuild(
    claims: list[Claim], progress: Progress | None = None, *, local: bool = False
) -> tuple[list[int], int, set[int]]:
    """Re-cluster these claims from scratch (`cluster_all`, editors' constraints) and save the
    result, keeping old cluster ids by overlap; returns the cluster ids used, how many were kept,
    and the ids of clusters whose membership changed (old and new).

    `local`: the claims are a neighbourhood of the corpus, so their stored nearest cosines (which
    see the whole corpus) are used as they are rather than recomputed among these claims alone.
    """
    vectors = np.stack([np.asarray(c.embedding, dtype=np.float32) for c in claims])
    slots = [slots_of(c) for c in claims]
    before = [(c.cluster_id, c.nearest_cosines) for c in claims]
    matcher = _matcher()
    scorer = None
    if matcher.pair_model is not None:
        claim_scorer = _claim_scorer(claims, vectors, matcher.pair_model, stored_neighbours=local)
        for claim, top in zip(claims, claim_scorer.neighbour_cosines, strict=True):
            claim.nearest_cosines = top

        def scorer(i: int, j: int, cosine: float) -> float:
            return claim_scorer.score(i, j, same_figure(slots[i], slots[j]))

    result = cluster_all(
        slots,
        vectors,
        matcher.threshold,
        progress,
        editor_constraints([c.pk for c in claims]),
        scorer,
    )
    groups = [[claims[i] for i in group] for group in result.groups()]
    old_cluster_of = {c.pk: c.cluster_id for c in claims if c.cluster_id not in result.locked_labels.values()}
    free = [label for label in range(len(groups)) if label not in result.locked_labels]
    kept = dict(zip(free, stable_ids([[c.pk for c in groups[label]] for label in free], old_cluster_of), strict=True))
    kept.update(result.locked_labels)
    existing = set(Cluster.objects.filter(pk__in=[k for k in kept.values() if k]).values_list("pk", flat=True))
    final_ids = []
    kept_count = 0
    for label, group in enumerate(groups):
        cluster_id = kept.get(label)
        if cluster_id is None or cluster_id not in existing:
            cluster_id = Cluster.objects.create(label=group[0].text[:300]).pk
        else:
            kept_count += 1
        final_ids.append(cluster_id)
        for claim in group:
            claim.cluster_id = cluster_id
    changed: set[int] = set()
    dirty = []
    for claim, (old_cluster, old_top) in zip(claims, before, strict=True):
        if claim.cluster_id != old_cluster:
            changed.update(x for x in (claim.cluster_id, old_cluster) if x)
        if (claim.cluster_id, claim.nearest_cosines) != (old_cluster, old_top):
            dirty.append(claim)
    Claim.objects.bulk_update(dirty, ["cluster_id", "nearest_cosines"], batch_size=1000)
    return final_ids, kept_count, changed


REBUILD_ORDER = (F("source__published_at").asc(nulls_last=True), "source_id", "start", "id")
