"""Rebuilding every cluster from scratch, deterministically, obeying editors' decisions
(`recluster`), and the re-clustering of a set of claims that assigning also uses (`_rebuild`).

May import Django, claims.models, newsclaims, claims.services.scoring and .statuses.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import BinaryField, F, Func, QuerySet

from claims.choices import LinkKind
from claims.models import Claim, ClaimLink, Cluster
from claims.services.audit import flag_changed_verdicts, verdict_memberships
from claims.services.scoring import (
    CLUSTER_LOCK,
    REBUILD_LOCK,
    SLOT_FIELDS,
    _matcher,
    neighbour_cosines_for,
    scorer_from,
    slots_from,
    slots_of,
)
from claims.services.statuses import cluster_counts, refresh_clusters
from newsclaims.matching.clustering import Constraints, cluster_all, stable_ids
from newsclaims.matching.rules import ClaimSlots, same_figure

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
    refreshed: int = 0  # clusters whose status was recomputed
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
    progress: Progress | None = None,
    *,
    waiting: Waiting | None = None,
    wait: float | None = None,
    all_statuses: bool = False,
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

    Statuses are recomputed where they can have changed (a cluster whose claims or whose claims'
    nearest cosines changed), or everywhere with `all_statuses` (after a change of rules or models).
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
        rows = read_claims(Claim.objects.filter(embedding__isnull=False, embedding_model=model_name), model_name)
        report.claims = len(rows)
        if not len(rows):
            Cluster.objects.filter(claims__isnull=True).delete()
            return report
        with_verdict = verdict_memberships()
        done = _rebuild_rows(rows, progress)
        final_ids, report.kept_ids = done.final_ids, done.kept
        del rows  # the statuses below read their clusters' claims batch by batch
        # Clusters left without claims go, except clusters whose claims use another model.
        Cluster.objects.exclude(pk__in=final_ids).filter(claims__isnull=True).delete()
        # Only where a status can have changed: refreshing every cluster was ~99% of a rebuild with
        # the stance cross-encoder on (`manage.py bench scale`). `all_statuses` after a change of
        # rules or models, which moves statuses without moving a claim.
        refresh = [(c, size) for c, size in zip(final_ids, done.sizes, strict=True) if all_statuses or c in done.stale]
        refresh_in_batches([c for c, _ in refresh], [size for _, size in refresh])
        report.refreshed = len(refresh)
        flag_changed_verdicts(with_verdict)  # an editor looks again at a verdict whose claims changed
        report.clusters = len(final_ids)
        report.by_status = cluster_counts()
    return report


# Claims read per round trip while streaming a rebuild's rows, and rows written per UPDATE.
READ_BATCH = 2000
WRITE_BATCH = 5000
# Claims whose clusters' statuses are refreshed at once after a rebuild: `refresh_clusters` holds
# its clusters' claims as model objects, so a whole corpus at once is what made a rebuild's memory
# grow with the archive.
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
    model_name: str

    def __len__(self) -> int:
        return len(self.ids)

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
        claims.annotate(vector_bytes=Func(F("embedding"), function="vector_send", output_field=BinaryField()))
        .order_by(*REBUILD_ORDER)
        .values_list(*SLOT_FIELDS, "match_text", "cluster_id", "nearest_cosines", "vector_bytes")
        .iterator(chunk_size=READ_BATCH)
    )
    out = ClaimRows([], np.zeros((0, 0), dtype=np.float32), [], [], [], [], model_name)
    width = len(SLOT_FIELDS)
    for k, row in enumerate(rows):
        vector = np.frombuffer(row[-1], dtype=">f4", offset=4)
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
    out.vectors = out.vectors[: len(out.ids)]
    return out


def _rebuild(
    claims: Sequence[Claim] | ClaimRows, progress: Progress | None = None, *, local: bool = False
) -> tuple[list[int], int, set[int]]:
    """Re-cluster these claims from scratch (`cluster_all`, editors' constraints) and save the
    result, keeping old cluster ids by overlap; returns the cluster ids used, how many were kept,
    and the ids of clusters whose membership changed (old and new).

    `local`: the claims are a neighbourhood of the corpus, so their stored nearest cosines (which
    see the whole corpus) are used as they are rather than recomputed among these claims alone.
    Model objects passed in are updated to what was saved (cluster, nearest cosines).
    """
    rows = claims if isinstance(claims, ClaimRows) else ClaimRows.from_claims(claims)
    done = _rebuild_rows(rows, progress, local=local)
    if not isinstance(claims, ClaimRows):
        for claim, cluster_id, top in zip(claims, done.cluster_ids, done.nearest_cosines, strict=True):
            claim.cluster_id, claim.nearest_cosines = cluster_id, top
    return done.final_ids, done.kept, done.changed


@dataclass
class _Rebuilt:
    final_ids: list[int]  # cluster id per new label
    sizes: list[int]  # claims per new label
    kept: int
    changed: set[int]  # clusters whose membership changed (old and new)
    cluster_ids: list[int]  # per row, the cluster saved
    nearest_cosines: list  # per row, the nearest cosines saved
    written: int  # rows whose stored values changed (and were written)
    stale: set[int]  # clusters whose status may have changed: new or changed membership, or members' densities


def _rebuild_rows(rows: ClaimRows, progress: Progress | None = None, *, local: bool = False) -> _Rebuilt:
    """`_rebuild` on rows; see there."""
    n = len(rows)
    slots = rows.slots
    nearest = list(rows.nearest_cosines)
    matcher = _matcher()
    scorer = None
    if matcher.pair_model is not None:
        pair_model = matcher.pair_model
        if local:
            # A neighbourhood's claims keep their stored densities; a claim without any (assigned
            # before densities were stored) gets them from its nearest claims through the index.
            for k in range(n):
                if nearest[k] is None:
                    nearest[k] = neighbour_cosines_for(rows.vectors[k], rows.model_name, slots[k].source_id, pair_model)
        claim_scorer = scorer_from(
            pair_model,
            rows.vectors,
            rows.texts,
            [s.language for s in slots],
            [s.source_id for s in slots],
            [s.standalone for s in slots],
            nearest if local else None,
        )
        nearest = list(claim_scorer.neighbour_cosines)

        def scorer(i: int, j: int, cosine: float) -> float:
            return claim_scorer.score(i, j, same_figure(slots[i], slots[j]))

    result = cluster_all(slots, rows.vectors, matcher.threshold, progress, editor_constraints(rows.ids), scorer)
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
    final_ids = []
    kept_count = 0
    new_cluster: list[int] = [0] * n
    for label, group in enumerate(groups):
        cluster_id = kept.get(label)
        if cluster_id is None or cluster_id not in existing:
            cluster_id = Cluster.objects.create(label=slots[group[0]].text[:300]).pk
        else:
            kept_count += 1
        final_ids.append(cluster_id)
        for i in group:
            new_cluster[i] = cluster_id
    changed: set[int] = set()
    dirty: list[int] = []
    for k in range(n):
        old_cluster = rows.cluster_ids[k]
        if new_cluster[k] != old_cluster:
            changed.update(x for x in (new_cluster[k], old_cluster) if x)
        if (new_cluster[k], nearest[k]) != (old_cluster, rows.nearest_cosines[k]):
            dirty.append(k)
    write_rows([rows.ids[k] for k in dirty], [new_cluster[k] for k in dirty], [nearest[k] for k in dirty])
    # A status reads its members and their nearest cosines (the pair scores' hubness correction),
    # nothing else of the corpus: a cluster none of whose rows changed keeps a status that holds.
    stale = changed | {new_cluster[k] for k in dirty}
    return _Rebuilt(
        final_ids, [len(g) for g in groups], kept_count, changed, new_cluster, nearest, len(dirty), stale
    )


def write_rows(ids: Sequence[int], cluster_ids: Sequence[int], nearest: Sequence[list | None]) -> None:
    """Store each claim's cluster and nearest cosines, one set-based UPDATE per WRITE_BATCH rows.

    One statement joins the table to the new values (three arrays, unnested) instead of a round
    trip, or a CASE over every row (bulk_update), per batch. Every updated row is a new heap
    tuple under the HNSW index (cluster_id is indexed, so no HOT update), which is why only rows
    whose values changed are passed in.
    """
    table = connection.ops.quote_name(Claim._meta.db_table)
    pk = connection.ops.quote_name(Claim._meta.pk.column)
    cluster = connection.ops.quote_name(Claim._meta.get_field("cluster").column)
    near = connection.ops.quote_name(Claim._meta.get_field("nearest_cosines").column)
    sql = (
        f"UPDATE {table} AS c SET {cluster} = v.cluster_id, {near} = v.nearest::jsonb "
        f"FROM unnest(%s::bigint[], %s::bigint[], %s::text[]) AS v(id, cluster_id, nearest) WHERE c.{pk} = v.id"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(ids), WRITE_BATCH):
            stop = start + WRITE_BATCH
            # As the JSON field stores them: None is SQL NULL, anything else its json.dumps.
            documents = [None if value is None else json.dumps(value) for value in nearest[start:stop]]
            cursor.execute(sql, [list(ids[start:stop]), list(cluster_ids[start:stop]), documents])


def refresh_in_batches(cluster_ids: Sequence[int], sizes: Sequence[int]) -> None:
    """`refresh_clusters` over these clusters (`sizes`: their claims), about REFRESH_BATCH claims at
    a time: a status depends on its own cluster's claims only, so batches give the same statuses
    while only one batch's claims are held as model objects."""
    batch: list[int] = []
    held = 0
    for cluster_id, size in zip(cluster_ids, sizes, strict=True):
        batch.append(cluster_id)
        held += size
        if held >= REFRESH_BATCH:
            refresh_clusters(batch)
            batch, held = [], 0
    refresh_clusters(batch)


REBUILD_ORDER = (F("source__published_at").asc(nulls_last=True), "source_id", "start", "id")
