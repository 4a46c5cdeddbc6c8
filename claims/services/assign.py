"""Assigning new claims to clusters as they arrive (`assign_claims`): nearest clustered claims,
pair scores against candidate clusters, then the neighbourhood re-clustered by the rebuild's rule.

The work per new claim is bounded, whatever the archive's size: its nearest claims come from the
HNSW index, and only their clusters are read, as plain rows (`ClaimRows`: the columns matching
needs, vectors in pgvector's binary form), at most CLUSTER_READ_CAP claims of each and
NEIGHBOURHOOD_READ_CAP in all. Nothing is written until the end: then every row whose cluster or
nearest cosines changed is written once, in set-based statements (`write_rows`).

May import Django, claims.models, sources.models, newsclaims, claims.services.scoring, .statuses and
.rebuild.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from django.conf import settings
from django.db import connection

from claims.models import Claim, Cluster
from claims.services.audit import flag_changed_verdicts, verdict_memberships
from claims.services.rebuild import ClaimRows, _rebuild_rows, read_tops, write_rows, write_tops
from claims.services.scoring import (
    KNN_CANDIDATES,
    BoundedMemo,
    _Matcher,
    _matcher,
    lock_clusters,
    nearest_clustered_many,
    neighbour_cosines_for,
    read_index_until_limit,
    scorer_from,
    slots_from,
    slots_of,
    vector_from_binary,
)
from claims.services.statuses import queue_status_refresh
from newsclaims.matching import pairscore
from newsclaims.matching.clustering import (
    BatchScorer,
    floor_of,
    newcomer_cosines,
    qualifying_clusters,
    raise_tops,
    raised_tops,
    rows_above_floors,
    score_list,
)
from newsclaims.matching.rules import ClaimSlots, match_score, same_figure
from sources.models import Source

# Claims read of one cluster (the oldest in rebuild order; its members among the new claim's
# nearest are read whatever the caps), and rows read for one new claim in all (its nearest
# claims' clusters, nearest first, until the budget is spent). A cluster not read whole is "partial": the new claim is
# scored against the members read, and the cluster is left out of the neighbourhood's
# re-clustering (the full rebuild re-examines it). Clusters of the synthetic archive
# (`manage.py bench scale`) hold a few to a few dozen claims; a story restated by every outlet
# can reach hundreds, and reading all of it for every new claim is what made assignment grow
# with the archive.
CLUSTER_READ_CAP = 64
NEIGHBOURHOOD_READ_CAP = 160
# Cluster ids handed to new claims that open a cluster, until the neighbourhood's re-clustering
# creates the clusters that remain: above any real id, so a tie in `stable_ids` (which keeps the
# lower old id) goes to the real cluster, as it went to a cluster created before the rebuild.
PROVISIONAL = 1 << 62


@dataclass
class _Row:
    """One claim of the neighbourhood: what matching reads, its values now and as stored."""

    vector: np.ndarray
    slots: ClaimSlots
    text: str  # what was embedded: match_text, else the text
    order: tuple  # REBUILD_ORDER: published_at (nulls last), source, start, id
    cluster_id: int | None
    nearest: list | None
    floor: float | None  # candidate floor (`Claim.candidate_floor`)
    stored: tuple[int | None, list | None, float | None]  # (cluster_id, nearest cosines, floor) in the database

    @property
    def now(self) -> tuple[int | None, list | None, float | None]:
        return self.cluster_id, self.nearest, self.floor


@dataclass
class _Neighbourhood:
    """The rows read so far for one call of `assign_claims`, by claim id, and their clusters."""

    rows: dict[int, _Row] = field(default_factory=dict)
    members: dict[int, list[int]] = field(default_factory=dict)  # cluster id -> claim ids, in order read
    partial: set[int] = field(default_factory=set)  # clusters not read whole
    newcomers: list[int] = field(default_factory=list)  # assigned so far, in order

    def add(self, claim_id: int, row: _Row) -> None:
        self.rows[claim_id] = row
        if row.cluster_id is not None:
            self.members.setdefault(row.cluster_id, []).append(claim_id)

    def move(self, claim_id: int, cluster_id: int) -> None:
        row = self.rows[claim_id]
        if row.cluster_id is not None:
            self.members[row.cluster_id].remove(claim_id)
        row.cluster_id = cluster_id
        self.members.setdefault(cluster_id, []).append(claim_id)


class _PairMemo:
    """Pair scores of the neighbourhoods this process re-clustered, kept for the next ones.

    A story's neighbourhood is re-clustered each time an article about it arrives, and many of its
    pairs (both claims already stored) score as they did the time before: of the pairs re-clustered
    for 40 small articles ingested one at a time over `bench scale`'s 500-claim archive, 80% had
    been re-clustered for an earlier article and 38% had an unchanged key (the rest: a claim's
    nearest cosines took a newcomer in, or its source's rows differed). At 100,000 claims articles
    about one story meet less often; how much it saves there is not measured. A pair's score
    (`ClaimScorer` with source margins) depends on the two claims (vector, text, slots, nearest
    cosines) and on the rows of their two sources it holds (the margins: those rows' ids and
    vectors, nothing else of them), nothing else; the key digests exactly those, so a remembered
    score is the bits scoring again gives, and a claim whose nearest cosines took a newcomer in,
    or a source whose rows here differ, is scored again. (The sources' part of the key digested
    their rows' nearest cosines too, so a pair was scored again when a third claim of either
    source took a newcomer in: on `bench scale`'s 1,000-claim archive, 60 articles, hits 24,122
    -> 27,250 of 68,806, the scores the same bits.) Bounded (`BoundedMemo`): emptied when full,
    and when the pair model changes."""

    SIZE = 200_000  # pairs; ~40 MB

    def __init__(self) -> None:
        self.memo = BoundedMemo(self.SIZE)
        self.hits = 0
        self.misses = 0

    def scorer(self, rows, nearest: Sequence[list | None], score):
        scores = self.memo.of(_matcher().pair_model)
        # What the margins read of a claim (its id and vector), and what the rest of its pair's
        # score reads (text, slots, nearest cosines).
        held = [
            str(rows.ids[k]).encode() + np.ascontiguousarray(rows.vectors[k], dtype=np.float32).tobytes()
            for k in range(len(rows.ids))
        ]
        digests = [
            hashlib.blake2b(
                held[k] + repr((rows.texts[k], rows.slots[k], nearest[k])).encode("utf-8", "surrogatepass"),
                digest_size=16,
            ).digest()
            for k in range(len(rows.ids))
        ]
        by_source: dict[int, list[bytes]] = {}
        for k, slots in enumerate(rows.slots):
            by_source.setdefault(slots.source_id, []).append(held[k])
        sources = {key: hashlib.blake2b(b"".join(v), digest_size=16).digest() for key, v in by_source.items()}
        keys = [digests[k] + sources[slots.source_id] for k, slots in enumerate(rows.slots)]

        def remembered(pairs: Sequence[tuple[int, int, float]]) -> np.ndarray:
            pair_keys = [keys[i] + keys[j] for i, j, _ in pairs]
            values = np.array([scores.get(key, np.nan) for key in pair_keys], dtype=np.float64).reshape(len(pairs))
            missing = np.flatnonzero(np.isnan(values)).tolist()
            self.hits += len(pairs) - len(missing)
            self.misses += len(missing)
            if missing:
                values[missing] = score_list([pairs[k] for k in missing], score)
                self.memo.add({pair_keys[k]: float(values[k]) for k in missing})
            return values

        return BatchScorer(remembered)


_memo = _PairMemo()


def _order_key(published_at: datetime | None, source_id: int, start: int, claim_id: int) -> tuple:
    return (published_at is None, published_at.timestamp() if published_at else 0.0, source_id, start, claim_id)


def _json(value):
    """A JSON column read through a raw cursor (the backend hands jsonb over as text)."""
    return json.loads(value) if isinstance(value, str) else value


def _columns(size: str) -> str:
    """What `_row_from` reads of a claim (c) and its source (s), in its order; `size`, the
    expression for its cluster's size (column 16)."""
    return (
        "SELECT c.id, c.source_id, c.subject, c.text, c.claimant, c.quantity, c.polarity, c.language, c.as_of, "
        "s.kind, c.match_text, c.cluster_id, c.nearest_cosines, vector_send(c.embedding), s.published_at, c.start, "
        f"{size}, c.candidate_floor "
    )


def _read_sql() -> str:
    claim = connection.ops.quote_name(Claim._meta.db_table)
    source = connection.ops.quote_name(Source._meta.db_table)
    return (
        _columns("r.size") + "FROM ("
        "  SELECT id, size, forced, priority, rank FROM ("
        "    SELECT c.id, count(*) OVER w AS size, c.id = ANY(%(forced)s::bigint[]) AS forced, "
        "      array_position(%(clusters)s::bigint[], c.cluster_id) AS priority, "
        "      row_number() OVER (w ORDER BY s.published_at ASC NULLS LAST, c.source_id, c.start, c.id) AS rank "
        f"    FROM {claim} c JOIN {source} s ON s.id = c.source_id "
        "    WHERE (c.cluster_id = ANY(%(clusters)s::bigint[]) OR c.id = ANY(%(forced)s::bigint[])) "
        "      AND c.embedding IS NOT NULL AND c.embedding_model = %(model)s "
        "    WINDOW w AS (PARTITION BY c.cluster_id)"
        "  ) ranked WHERE forced OR rank <= %(cap)s "
        "  ORDER BY forced DESC, priority, rank LIMIT %(limit)s"
        f") r JOIN {claim} c ON c.id = r.id JOIN {source} s ON s.id = c.source_id "
        "ORDER BY r.forced DESC, r.priority, r.rank"
    )


def _read(
    hood: _Neighbourhood, clusters: Sequence[int], forced: Sequence[int], budget: int, model_name: str
) -> dict[int, int]:
    """Read into `hood` the claims of `clusters` (in priority order, each up to CLUSTER_READ_CAP,
    `budget` rows in all) and the claims `forced` (whatever the budget), in one statement;
    returns each newly read cluster's size."""
    if not clusters and not forced:
        return {}
    params = {
        "forced": list(forced),
        "clusters": list(clusters),
        "model": model_name,
        "cap": CLUSTER_READ_CAP,
        "limit": max(budget, 0) + len(forced),
    }
    with connection.cursor() as cursor:
        cursor.execute(_read_sql(), params)
        fetched = cursor.fetchall()
    wanted = set(clusters)
    known = set(hood.members)
    sizes: dict[int, int] = {}
    for row in fetched:
        claim_id, cluster_id = row[0], row[11]
        if claim_id in hood.rows:
            continue
        hood.add(claim_id, _row_from(row))
        if cluster_id in wanted:
            sizes[cluster_id] = row[16]
        elif cluster_id not in known:
            hood.partial.add(cluster_id)  # only its claims among a new claim's nearest were read
    for cluster_id, size in sizes.items():
        if size > len(hood.members[cluster_id]):
            hood.partial.add(cluster_id)  # cut by the caps
        else:
            hood.partial.discard(cluster_id)
    return sizes


def _row_from(row: Sequence) -> _Row:
    """A claim's `_Row` from a row of `_columns`."""
    claim_id, cluster_id, nearest = row[0], row[11], _json(row[12])
    return _Row(
        vector_from_binary(row[13]), slots_from(*row[:5], _json(row[5]), *row[6:10]), row[10] or row[3],
        _order_key(row[14], row[1], row[15], claim_id), cluster_id, nearest, row[17],
        (cluster_id, nearest, row[17]),
    )  # fmt: skip


def _sources_sql() -> str:
    claim = connection.ops.quote_name(Claim._meta.db_table)
    source = connection.ops.quote_name(Source._meta.db_table)
    return (
        _columns("NULL") + f"FROM {claim} c JOIN {source} s ON s.id = c.source_id "
        "WHERE c.source_id = ANY(%(sources)s::bigint[]) AND NOT c.id = ANY(%(ids)s::bigint[]) "
        "AND c.embedding IS NOT NULL AND c.embedding_model = %(model)s"
    )


def _context(hood: _Neighbourhood, ids: Sequence[int], model_name: str) -> ClaimRows:
    """The other claims of the sources of `ids`, as rows the pair scores' margins read: the margin
    of a pair is over every claim of the other claim's source, so a neighbourhood that held its
    sources in part scored its pairs otherwise than the archive's rebuild. Claims this call holds
    come as it holds them; a claim without nearest cosines (assigned before they were stored) is
    left out (its densities are not needed, and finding them costs a kNN query)."""
    sources = sorted({hood.rows[k].slots.source_id for k in ids})
    with connection.cursor() as cursor:
        cursor.execute(_sources_sql(), {"sources": sources, "ids": list(ids), "model": model_name})
        fetched = cursor.fetchall()
    rows = {row[0]: hood.rows.get(row[0]) or _row_from(row) for row in fetched}
    keys = sorted((k for k, row in rows.items() if row.nearest is not None), key=lambda k: rows[k].order)
    return ClaimRows(
        ids=keys,
        vectors=np.stack([rows[k].vector for k in keys]) if keys else np.zeros((0, 0), dtype=np.float32),
        slots=[rows[k].slots for k in keys],
        texts=[rows[k].text for k in keys],
        cluster_ids=[rows[k].cluster_id for k in keys],
        nearest_cosines=[rows[k].nearest for k in keys],
        floors=[rows[k].floor for k in keys],
        model_name=model_name,
    )


def _note_newcomer(hood: _Neighbourhood, claim_id: int, neighbours: Sequence[int], pair_model) -> list[int]:
    """Record a new claim in its other-source neighbours' nearest-cosine lists (and theirs in its),
    so densities stay current between rebuilds (in memory; written with the rest at the end);
    returns the neighbours whose lists changed (the new claim is among their nearest)."""
    row = hood.rows[claim_id]
    own = pairscore.split_parts(row.vector, pair_model.bounds)
    if neighbours:
        theirs = pairscore.split_parts(np.stack([hood.rows[k].vector for k in neighbours]), pair_model.bounds)
        cosines = [t @ o[0] for t, o in zip(theirs, own, strict=True)]  # per part, one per neighbour
    else:
        cosines = [np.zeros(0, dtype=np.float32) for _ in own]
    row.nearest = pairscore.top_k(cosines, pair_model.density_k)
    changed = []
    for k, neighbour in enumerate(neighbours):
        other = hood.rows[neighbour]
        top = pairscore.insert_cosine(other.nearest, [float(part[k]) for part in cosines], pair_model.density_k)
        if top != other.nearest:
            changed.append(neighbour)
        other.nearest = top
    return changed


def _stored_nearest(claims: Sequence[Claim], model_name: str) -> dict[int, list[tuple[int, int, float]]]:
    """Each new claim's KNN_CANDIDATES nearest stored clustered claims, through the index: one
    statement per embedding model (an index scan per claim). Read before any is assigned, as each
    claim's own query read them: nothing is written until `_settle`."""
    by_model: dict[str, list[Claim]] = {}
    for claim in claims:
        by_model.setdefault(claim.embedding_model or model_name, []).append(claim)
    out: dict[int, list[tuple[int, int, float]]] = {}
    for name, group in by_model.items():
        vectors = [np.asarray(c.embedding, dtype=np.float32) for c in group]
        out.update(zip([c.pk for c in group], nearest_clustered_many(vectors, name), strict=True))
    return out


def _nearest(
    hood: _Neighbourhood, claim_id: int, stored: list[tuple[int, int, float]], locked: set[int]
) -> list[tuple[int, int, float]]:
    """The new claim's KNN_CANDIDATES nearest clustered claims: the `stored` ones (through the
    index), and the claims this call assigned before it (not written yet), by cosine."""
    vector = hood.rows[claim_id].vector
    near = stored
    earlier = [k for k in hood.newcomers if hood.rows[k].cluster_id not in locked]
    if earlier:
        unit = vector / max(float(np.linalg.norm(vector)), 1e-12)
        others = np.stack([hood.rows[k].vector for k in earlier])
        cosines = others @ unit / np.maximum(np.linalg.norm(others, axis=1), 1e-12)
        near = near + [(k, hood.rows[k].cluster_id, float(c)) for k, c in zip(earlier, cosines, strict=True)]
        near = sorted(near, key=lambda row: -row[2])[:KNN_CANDIDATES]
    return near


def _candidates(hood: _Neighbourhood, nearby: Sequence[int]) -> list[int]:
    """The clusters a new claim is scored against: those of its nearest claims, nearest first,
    while fewer than NEIGHBOURHOOD_READ_CAP of their claims are counted (clusters read for
    earlier new claims count too), in id order."""
    out, total = [], 0
    for key in nearby:
        if total >= NEIGHBOURHOOD_READ_CAP:
            break
        if hood.members.get(key):
            out.append(key)
            total += len(hood.members[key])
    return sorted(out)


def assign_claims(claims: Iterable[Claim]) -> set[int]:
    """Cluster new claims: each joins the compatible cluster it matches best on average (or a new
    one), then the neighbourhood is re-clustered by the rebuild's rule, keeping ids by overlap;
    statuses of the clusters touched are refreshed. The claims passed in end with their final
    cluster and nearest cosines.

    Candidate clusters are those of the claim's nearest clustered claims (HNSW kNN), read up to
    the caps above. The neighbourhood is where a newcomer can have moved a pair score: the
    clusters it joined, those with a claim it matches at the threshold (average link merges
    through close pairs first), and those with a claim whose nearest cosines (density, the
    hubness correction) it entered. Re-clustering it lets newcomers bring clusters together, or
    show that a cluster's claims belong apart, as a full rebuild would, so ingesting and
    rebuilding agree except where a neighbourhood's edge cuts a chain (or a cluster is too large
    to read whole). Re-clustering every candidate cluster instead, as before, cost 4x the time
    for about the same clusters (`bench scale`'s archive of 5,000 claims, 50 newcomers, statuses
    left out: p50 260 -> 62 ms; pairwise F1 against the archive's gold facts 0.494 -> 0.500; on
    the 1,000-claim archive with exact kNN, 0.568 -> 0.545, and 0.777 -> 0.751 against a full
    rebuild). The re-clustering scores the pairs the archive's rebuild scores (each claim's stored
    candidate floor, raised where a newcomer entered its nearest, `_refresh_floors`; a newcomer's
    from its nearest claims), with the neighbourhood's sources read whole for the margins
    (`_context`). Scored as the neighbourhood's own 40 nearest claims, with
    its sources in part, it moved stored claims no new claim touched: on `bench scale`'s
    5,000-claim archive, stored claims an article moved 29.3 -> 6.8, and with 50 new claims
    committed one at a time, pairwise agreement with a full rebuild after 0.878 -> 0.994 (claims
    that rebuild moved 198 -> 16). Must run inside a transaction (it takes the transaction-scoped
    cluster lock).
    Locked clusters take no newcomers and are left out of the neighbourhood.
    """
    claims = list(claims)
    if not claims:
        return set()
    lock_clusters()
    with connection.cursor() as cursor:
        read_index_until_limit(cursor)  # for every kNN query below
    model_name = settings.FACTCHECK_EMBEDDING_MODEL
    locked = set(Cluster.objects.filter(locked=True).values_list("pk", flat=True))
    matcher = _matcher()
    hood = _Neighbourhood()
    # The clusters to re-cluster besides those joined: where a pair score may have moved, a
    # cluster with a claim some newcomer matches (at the threshold) or whose density it changed.
    around: set[int] = set()
    joined: dict[int, int] = {}  # newcomer -> cluster joined
    provisional = PROVISIONAL
    for claim in claims:
        hood.add(
            claim.pk,
            _Row(
                np.asarray(claim.embedding, dtype=np.float32), slots_of(claim), claim.match_text or claim.text,
                _order_key(claim.source.published_at, claim.source_id, claim.start, claim.pk), None,
                claim.nearest_cosines, claim.candidate_floor,
                (claim.cluster_id, claim.nearest_cosines, claim.candidate_floor),
            ),
        )  # fmt: skip
    stored = _stored_nearest(claims, model_name)
    for claim in claims:
        row = hood.rows[claim.pk]
        near = _nearest(hood, claim.pk, stored[claim.pk], locked)
        nearby = list(dict.fromkeys(cluster_id for _, cluster_id, _ in near if cluster_id not in locked))
        unread = [key for key in nearby if key not in hood.members]
        held = sum(len(hood.members[key]) for key in nearby if key in hood.members)
        forced = [k for k, cluster_id, _ in near if k not in hood.rows and cluster_id not in locked]
        _read(hood, unread, forced, NEIGHBOURHOOD_READ_CAP - held, model_name)
        cluster_ids = _candidates(hood, nearby)
        if matcher.pair_model is not None:
            # Its nearest claims of other sources (outside locked clusters).
            neighbours = [
                k
                for k, cluster_id, _ in near
                if cluster_id not in locked and hood.rows[k].slots.source_id != row.slots.source_id
            ]
            stirred = _note_newcomer(hood, claim.pk, neighbours, matcher.pair_model)
            around.update(hood.rows[k].cluster_id for k in stirred)
        scores = _scores_by_cluster(hood, claim.pk, cluster_ids, matcher, model_name)
        keys = qualifying_clusters(
            row.slots, scores, lambda key: [hood.rows[k].slots for k in hood.members[key]], matcher.threshold
        )
        around.update(key for key, values in scores.items() if max(values) >= matcher.threshold)
        if keys:
            cluster_id = keys[0]
        else:
            cluster_id = provisional
            provisional += 1
        hood.move(claim.pk, cluster_id)
        hood.newcomers.append(claim.pk)
        joined[claim.pk] = cluster_id
    _refresh_floors(hood, stored, model_name, (set(joined.values()) | around) - hood.partial)
    return _settle(hood, claims, joined, around, model_name)


# How far above a claim's candidate floor a newcomer must stand for a claim with no stored nearest
# cosines (`CandidateCosines`: stored before they were kept, and not rebuilt since) to have its
# floor looked up again in the index (`_refresh_floors`). The new floor lies between the old one
# and the newcomer's cosine, so a newcomer just above it moves it by less than this: the pairs it
# would drop sit at the bottom of the claim's 40 nearest and score near 0. On `bench scale`'s
# 2,000-claim archive, 0.05 took assignment p50 / p95 from 101 / 292 to 93 / 151 ms (agreement
# with a rebuild F1 0.963 -> 0.944; 0.914 with no refresh); the stories one article at a time gave
# the same figures as with 0.
FLOOR_SLACK = 0.05


def _refresh_floors(
    hood: _Neighbourhood, stored: dict[int, list[tuple[int, int, float]]], model_name: str, settling: set[int]
) -> None:
    """Raise the candidate floors the newcomers raise (`clustering.floor_of`: the
    CANDIDATE_NEIGHBOURS-th nearest cosine over the archive), in memory (written with the rest),
    and store the nearest cosines they come from (`CandidateCosines`).

    A newcomer's list is its nearest stored claims' cosines (`stored`, from the index) and the
    other newcomers' of this call (those after it too). A stored claim of the neighbourhood
    keeps its list, as the last rebuild wrote it and assignments since raised it: each newcomer
    standing above its last cosine enters it, exactly and without a query (`raised_tops`), in
    whichever cluster the claim is. The rows of the clusters `_settle` re-clusters (`settling`)
    take their floors from their lists. A row of those clusters with no list yet, which a
    newcomer stands more than FLOOR_SLACK above, has its nearest looked up in the index again
    (the list is then stored too); rows outside the neighbourhood that a newcomer would enter
    wait for the next rebuild.

    The re-clustering scores the pairs the archive's rebuild scores by these floors
    (`local_candidate_pairs`), and the rebuild computes every floor over the archive as it is; a
    floor kept from when its claim arrived stays where a smaller archive put it (`CANDIDATE_FLOOR`
    while a story has fewer than 40 claims). Average link counts a pair not scored as 0, so each
    pair scored here that the rebuild does not score raises the mean between two groups: on the
    quake2023 story ingested an article at a time, the last article's neighbourhood scored 6,433
    pairs where the rebuild scores 3,160, and Turkey's death toll (11 claims) met the combined
    toll (14) at a mean of 0.158, over the 0.15 threshold, where the rebuild's pairs give 0.124."""
    keys = list(hood.rows)
    position = {k: p for p, k in enumerate(keys)}
    newcomers = [position[k] for k in hood.newcomers]
    if not newcomers:
        return
    vectors = np.stack([hood.rows[k].vector for k in keys])
    to_newcomers = newcomer_cosines(vectors, newcomers)  # (rows, newcomers); NaN: a newcomer itself

    def others(p: int) -> list[float]:
        return [c for c in to_newcomers[p].tolist() if c == c]

    changed: dict[int, list[float]] = {}
    for k in hood.newcomers:
        changed[k] = raise_tops([], [c for _, _, c in stored[k]] + others(position[k]))
        hood.rows[k].floor = floor_of(changed[k])
    floors = [hood.rows[k].floor for k in keys]
    # A stored floor is at most the claim's floor now (floors only rise as claims arrive), so the
    # rows above it hold every claim whose nearest a newcomer enters.
    reached = [p for p in rows_above_floors(to_newcomers, floors) if keys[p] not in stored]
    settled = [p for p, k in enumerate(keys) if k not in stored and hood.rows[k].cluster_id in settling]
    known = read_tops([keys[p] for p in sorted(set(reached) | set(settled))])
    for at, top in raised_tops([known.get(keys[p]) for p in reached], to_newcomers[reached]).items():
        known[keys[reached[at]]] = changed[keys[reached[at]]] = top
    for p in settled:
        if keys[p] in known:
            hood.rows[keys[p]].floor = floor_of(known[keys[p]])
    # Rows without a list, from the index: one more than the floor needs (a stored claim is the
    # first of its own nearest). Newcomers are not clustered yet, so the index gives none of them;
    # their cosines come from memory.
    slack = set(rows_above_floors(to_newcomers[reached], [floors[p] for p in reached], FLOOR_SLACK))
    missing = [
        p
        for at, p in enumerate(reached)
        if at in slack and keys[p] not in known and hood.rows[keys[p]].cluster_id in settling
    ]
    if missing:
        found = nearest_clustered_many([vectors[p] for p in missing], model_name, KNN_CANDIDATES + 1)
        for p, near in zip(missing, found, strict=True):
            k = keys[p]
            archive = [c for claim_id, _, c in near if claim_id != k][:KNN_CANDIDATES]
            changed[k] = raise_tops([], archive + others(p))
            hood.rows[k].floor = floor_of(changed[k])
    write_tops(list(changed), list(changed.values()))


def _settle(
    hood: _Neighbourhood, claims: Sequence[Claim], joined: dict[int, int], around: set[int], model_name: str
) -> set[int]:
    """Re-cluster the neighbourhood by the rebuild's rule (newcomers can bring clusters together,
    or show that a cluster's claims belong apart, as a full rebuild would), write every row that
    changed once, refresh the statuses touched; returns the clusters touched."""
    around = (set(joined.values()) | around) - hood.partial
    old_ids = {key for key in around if key < PROVISIONAL}
    with_verdict = verdict_memberships(old_ids | hood.partial & set(joined.values()))
    ids = sorted((k for key in around for k in hood.members.get(key, ())), key=lambda k: hood.rows[k].order)
    written: set[int] = set()
    changed: set[int] = set()
    final_ids: set[int] = set()
    if ids:
        rows = ClaimRows(
            ids=ids,
            vectors=np.stack([hood.rows[k].vector for k in ids]),
            slots=[hood.rows[k].slots for k in ids],
            texts=[hood.rows[k].text for k in ids],
            cluster_ids=[hood.rows[k].cluster_id for k in ids],
            nearest_cosines=[hood.rows[k].nearest for k in ids],
            floors=[hood.rows[k].floor for k in ids],
            model_name=model_name,
        )
        # Writes the rows it moved (or gave densities or floors).
        done = _rebuild_rows(rows, local=True, remember=_memo.scorer, context=_context(hood, ids, model_name))
        for k, cluster_id, nearest, floor in zip(ids, done.cluster_ids, done.nearest_cosines, done.floors, strict=True):
            if (cluster_id, nearest, floor) != hood.rows[k].now:
                written.add(k)  # as `_save_clustering` chose what to write
            hood.rows[k].cluster_id, hood.rows[k].nearest, hood.rows[k].floor = cluster_id, nearest, floor
        changed = {key for key in done.changed if key < PROVISIONAL}
        final_ids = set(done.final_ids)
    # Rows the re-clustering left as this call set them but that differ from what is stored:
    # newcomers, and neighbours whose nearest cosines took a newcomer in.
    dirty = [k for k, row in hood.rows.items() if k not in written and (k in joined or row.now != row.stored)]
    write_rows(
        dirty,
        [hood.rows[k].cluster_id for k in dirty],
        [hood.rows[k].nearest for k in dirty],
        [hood.rows[k].floor for k in dirty],
    )
    for claim in claims:
        claim.cluster_id, claim.nearest_cosines, claim.candidate_floor = hood.rows[claim.pk].now
    # Only clusters whose membership changed need their status recomputed, plus the ones the
    # newcomers are in, and any old cluster left empty (refresh deletes it).
    touched = {hood.rows[k].cluster_id for k in joined} | changed | (old_ids - final_ids)
    queue_status_refresh(touched)  # statuses needing the stance cross-encoder: a job after commit
    flag_changed_verdicts(with_verdict)  # a claim joining or leaving a verdict's cluster asks for review
    return touched


def _scores_by_cluster(
    hood: _Neighbourhood, claim_id: int, clusters: Sequence[int], matcher: _Matcher, model_name: str
) -> dict[int, list[float]]:
    """The pair score of the claim with each member read of each candidate cluster (one scorer for all)."""
    keys = [key for key in clusters if hood.members.get(key)]
    members = [k for key in keys for k in hood.members[key]]
    if not members:
        return {}
    everyone = [claim_id, *members]
    rows = [hood.rows[k] for k in everyone]
    vectors = np.stack([r.vector for r in rows])
    own = rows[0].slots
    if matcher.pair_model is None:
        unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        flat = [match_score(own, r.slots, float(unit[0] @ unit[k + 1])) for k, r in enumerate(rows[1:])]
    else:
        for r in rows:
            if r.nearest is None:  # assigned before densities were stored: from its nearest claims
                r.nearest = neighbour_cosines_for(r.vector, model_name, r.slots.source_id, matcher.pair_model)
        scorer = scorer_from(
            matcher.pair_model,
            vectors,
            [r.text for r in rows],
            [r.slots.language for r in rows],
            [r.slots.source_id for r in rows],
            [r.slots.standalone for r in rows],
            [r.nearest for r in rows],
            claim_texts=[r.slots.text for r in rows],
        )
        flags = [same_figure(own, r.slots) for r in rows[1:]]
        flat = scorer.score_many([(0, k + 1) for k in range(len(rows) - 1)], flags).tolist()
    out: dict[int, list[float]] = {}
    position = 0
    for key in keys:
        out[key] = flat[position : position + len(hood.members[key])]
        position += len(hood.members[key])
    return out
