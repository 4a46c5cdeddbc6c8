"""Deterministic clustering of claims by average link over pair scores, obeying slots and editors.

Groups merge while the mean pair score between them reaches the threshold (average link on
scores: one close member is not enough when the rest are unrelated, so a topic does not chain
into one cluster) and every cross pair's slots are compatible (complete link on slots, so no
chain can carry WhatsApp's figure into Telegram's cluster). A new claim joins the cluster it
matches best on average (`qualifying_clusters`). Ties break by input order, so the same data
always gives the same clusters. Pure numpy; no Django.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from newsclaims.matching import neighbours as nearest_lib
from newsclaims.matching.rules import ClaimSlots, match_score, slots_compatible

# Each claim's pair scores are computed with its nearest claims only: this many, at or above this
# cosine (below it the pair model's probability is negligible). A rebuild, the neighbourhood
# rebuild after ingestion and the threshold searches of training.train_matching and
# training.train_story_pairs all use these. A story's main figure is restated by ten to sixteen
# articles, in two languages, with a figure that moves day by day, so its members are not all
# among each other's 20 nearest at cosine 0.3: 40 at 0.2 raised held-out pairwise F1 on the news
# stories from 0.42 to 0.45 (60 at 0.0: no further gain).
CANDIDATE_NEIGHBOURS = 40
CANDIDATE_FLOOR = 0.2
# Bytes of one block of cosines `local_candidate_pairs` holds at once (float64 rows of a neighbourhood).
_LOCAL_BLOCK_BYTES = 1 << 25
# How far below a claim's stored candidate floor a cosine computed again still counts as reaching
# it (float32 sums in another order differ by about 1e-7).
FLOOR_TOLERANCE = 1e-5


def qualifying_clusters(
    claim: ClaimSlots,
    scores_by_cluster: Mapping[int, Sequence[float]],
    members_of: Callable[[int], Sequence[ClaimSlots]],
    threshold: float,
    allowed: Callable[[int], bool] | None = None,
) -> list[int]:
    """Every cluster the claim may join, best first (ties to the lower key).

    `scores_by_cluster[key]` holds the claim's pair score with each member of that cluster; a
    cluster qualifies when the mean reaches the threshold (average link: one close member is not
    enough when the rest are unrelated), every member's slots are compatible with the claim's,
    and `allowed(key)` (editors' decisions) lets it in.
    """
    best = {
        key: sum(values) / len(values)
        for key, values in scores_by_cluster.items()
        if values and sum(values) / len(values) >= threshold
    }
    return [
        key
        for key, _ in sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))
        if (allowed is None or allowed(key)) and all(slots_compatible(claim, m) for m in members_of(key))
    ]


def can_merge(a: Sequence[ClaimSlots], b: Sequence[ClaimSlots], cannot: Callable[[int, int], bool]) -> bool:
    """Two clusters may become one if every cross pair is slot-compatible and no editor said any
    cross pair is not the same claim."""
    return all(slots_compatible(x, y) and not cannot(x.id, y.id) for x in a for y in b)


def average_link(
    groups: Sequence[Sequence[int]],
    scores: Mapping[tuple[int, int], float],
    threshold: float,
    allowed: Callable[[list[int], list[int]], bool] | None = None,
    closed: Iterable[int] = (),
) -> list[list[int]]:
    """Agglomerate groups while the best mean pair score between two groups reaches the threshold.

    `scores` holds pair scores of items (a sparse graph: an absent pair counts as 0), `groups`
    the starting groups (single items, or editors' must-linked components), `closed` the indices
    of groups that never merge (editors' locked clusters), and `allowed(a, b)` vetoes a merge
    (slots, cannot-links). Average link keeps a chain of pairwise-similar claims from
    collapsing a whole topic into one cluster, which single link does. Deterministic: ties go to
    the lower group indices. Returns the groups left, in order of their lowest starting index.
    """
    closed = set(closed)
    members = {g: list(m) for g, m in enumerate(groups)}
    group_of = {i: g for g, m in members.items() for i in m}
    # Two groups merge only when their mean reaches the threshold, so when one of their pairs
    # does: groups end up together only within a connected component of the pairs at the
    # threshold. A pair between two such components never counts, and is left out: at 100,000
    # claims most of a rebuild's few million candidate pairs score below it, between claims that
    # share no component, and summing them cost most of the clustering's time and memory. The
    # merges, and their order, are those of the whole graph.
    component = _strong_components(len(groups), scores, group_of, threshold)
    sums: dict[int, dict[int, float]] = {g: {} for g in members}
    for (i, j), score in scores.items():
        a, b = group_of.get(i), group_of.get(j)
        if a is not None and b is not None and a != b and component[a] == component[b]:
            sums[a][b] = sums[a].get(b, 0.0) + score
            sums[b][a] = sums[b].get(a, 0.0) + score
    heap: list[tuple[float, int, int, int, int]] = []

    def push(a: int, b: int) -> None:
        if a in closed or b in closed:
            return
        mean = sums[a][b] / (len(members[a]) * len(members[b]))
        if mean >= threshold:
            lo, hi = min(a, b), max(a, b)
            heapq.heappush(heap, (-mean, lo, hi, len(members[lo]), len(members[hi])))

    for a in sums:
        for b in sums[a]:
            if a < b:
                push(a, b)
    while heap:
        _, a, b, size_a, size_b = heapq.heappop(heap)
        # Entries go stale when either side has since grown or merged away.
        if a not in members or b not in members or (len(members[a]), len(members[b])) != (size_a, size_b):
            continue
        if allowed is not None and not allowed(members[a], members[b]):
            continue
        members[a].extend(members.pop(b))
        for c, total in sums.pop(b).items():
            del sums[c][b]
            if c != a:
                sums[a][c] = sums[a].get(c, 0.0) + total
                sums[c][a] = sums[a][c]
        for c in list(sums[a]):
            push(a, c)
    return sorted(members.values(), key=min)


def _strong_components(
    n: int, scores: Mapping[tuple[int, int], float], group_of: Mapping[int, int], threshold: float
) -> list[int]:
    """Per group, the root of its connected component over the pairs scoring `threshold` or more."""
    strong = ((group_of.get(i), group_of.get(j)) for (i, j), score in scores.items() if score >= threshold)
    return _components(n, ((a, b) for a, b in strong if a is not None and b is not None and a != b))


@dataclass(frozen=True)
class Constraints:
    """Editors' decisions, by claim id, that a rebuild must obey.

    must_link: pairs that are the same claim (merges); transitive.
    cannot_link: pairs that are not the same claim (splits, "not the same claim").
    locked: claim id -> id of the locked cluster it belongs to; a locked cluster keeps exactly
    its members (and whatever editors must-link to them); nothing joins it automatically.
    """

    must_link: Sequence[tuple[int, int]] = ()
    cannot_link: Sequence[tuple[int, int]] = ()
    locked: Mapping[int, int] = field(default_factory=dict)


@dataclass
class Clustering:
    """Labels 0..k-1 per claim (input order), and which labels are editors' locked clusters."""

    labels: list[int]
    locked_labels: dict[int, int]  # label -> locked cluster id

    def groups(self) -> list[list[int]]:
        """Input indices per label, labels in order."""
        out: list[list[int]] = [[] for _ in range(max(self.labels, default=-1) + 1)]
        for index, label in enumerate(self.labels):
            out[label].append(index)
        return out


def _components(n: int, pairs: Iterable[tuple[int, int]]) -> list[int]:
    """Union-find roots: the must-link component of each index."""
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return [find(i) for i in range(n)]


PairScorer = Callable[[int, int, float], float]
"""Score of the pair (i, j) of input indices, given their cosine; higher is more alike."""


@dataclass(frozen=True)
class BatchScorer:
    """A `PairScorer` that scores many pairs in one call (`many`: (i, j, cosine) triples -> their
    scores, float64 in order), which `score_pairs` and a rebuild's parts use: a Python call per
    pair cost most of a rebuild. Called with one pair it scores that pair through `many`."""

    many: Callable[[Sequence[tuple[int, int, float]]], np.ndarray]

    def __call__(self, i: int, j: int, cosine: float) -> float:
        return float(self.many([(i, j, cosine)])[0])


# Pairs a `BatchScorer` is handed at once by `score_list`, in whole claims (progress is per claim).
SCORE_BATCH = 4096


def score_list(
    pairs: Sequence[tuple[int, int, float]],
    score: PairScorer,
    n: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """The score of each pair (i, j, cosine) of `pairs` (grouped by their first claim), float64 in
    order; `progress(claims done, n)` after each claim's pairs, or each batch of claims' pairs
    when `score` is a `BatchScorer`."""
    values = np.empty(len(pairs), dtype=np.float64)
    batched = isinstance(score, BatchScorer)
    limit = SCORE_BATCH if batched else 1
    start = 0
    while start < len(pairs):
        stop = start + 1  # on to a claim's last pair once the batch holds `limit`
        while stop < len(pairs) and (pairs[stop][0] == pairs[stop - 1][0] or stop - start < limit):
            stop += 1
        chunk = pairs[start:stop]
        values[start:stop] = score.many(chunk) if batched else [score(i, j, cosine) for i, j, cosine in chunk]
        if progress:
            progress(pairs[stop - 1][0] + 1, n)
        start = stop
    return values


# Bytes of argpartition indices (int64) held at once while choosing a chunk's nearest claims: the
# chunk's rows are partitioned in blocks of this size, so the indices never outgrow the chunk's
# own cosines (a whole (1024, n) int64 index is twice the cosine block).
_SELECT_BYTES = 1 << 25


def candidate_pairs(
    vectors: np.ndarray,
    neighbours: int,
    floor: float,
    chunk: int = 1024,
    exact_limit: int = nearest_lib.EXACT_LIMIT,
) -> dict[tuple[int, int], float]:
    """(i, j) -> cosine for each claim's `neighbours` nearest others at or above `floor`, i < j
    (`candidate_search` without the floors)."""
    return candidate_search(vectors, neighbours, floor, chunk, exact_limit).pairs


def candidate_search(
    vectors: np.ndarray,
    neighbours: int,
    floor: float,
    chunk: int = 1024,
    exact_limit: int = nearest_lib.EXACT_LIMIT,
    insertion: np.ndarray | None = None,
) -> CandidateSearch:
    """(i, j) -> cosine for each claim's `neighbours` nearest others at or above `floor`, i < j,
    each claim's candidate floor (`floor_of` its nearest cosines), and those nearest cosines
    (`top_lists`: what assignment raises floors from, `claims.models.CandidateCosines`).

    Up to `exact_limit` claims the search is exact (`neighbours.exact_nearest`): cosines come
    `chunk` rows at a time (memory: one (chunk, n) float32 block, plus indices of at most
    `_SELECT_BYTES`), the nearest of every row of a block by one argpartition and the floor by a
    mask, with no Python loop per row or neighbour. Each row's neighbours are exactly those a
    per-row `argpartition(-row, k - 1)[:k]` picks (ties included): a 2-D argpartition runs the
    same selection on each row. A pair found from both ends keeps the cosine seen from its later
    row, and pairs come in the order a row-by-row walk first meets them, so the dict is the one
    the row-by-row loop this replaced built (the chunk stays 1024 rows by default: BLAS gives the
    same bits only for the same block shapes). Past `exact_limit`, each row's nearest come from an
    HNSW index (`neighbours.approximate_nearest`, highest first; `insertion`, a key per claim such
    as its id, puts older claims into the graph first, so a grown archive keeps their neighbours),
    and the same walk builds the dict.
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = vectors / np.where(norms == 0, 1.0, norms)
    n = len(vectors)
    k = min(neighbours, n - 1)
    if k <= 0:
        return CandidateSearch({}, [floor] * n, [[] for _ in range(n)])
    found = nearest_lib.nearest(
        vectors, k, exact_limit=exact_limit, chunk=chunk, select_bytes=_SELECT_BYTES, ordered=False, insertion=insertion
    )
    valid = found.indices >= 0
    tops = top_lists(found.cosines, valid)
    if k < neighbours:
        floors = [floor] * n  # every other claim is among each claim's nearest
    else:
        lowest = np.where(valid, found.cosines, np.inf).min(axis=1).astype(np.float64)
        floors = np.where(valid.all(axis=1), np.maximum(lowest, floor), floor).tolist()
    # The floor is compared in float64, as the loop compared Python floats.
    keep = (found.cosines.astype(np.float64) >= floor) & (found.indices >= 0)
    rows_all = np.broadcast_to(np.arange(n, dtype=np.int64)[:, None], found.indices.shape)[keep]
    cols_all = found.indices[keep]
    cosines_all = found.cosines[keep]
    del found, keep
    # Entries in the row-by-row walk's order (row, then argpartition position).
    if not len(rows_all):
        return CandidateSearch({}, floors, tops)
    low, high = np.minimum(rows_all, cols_all), np.maximum(rows_all, cols_all)
    keys = low * n + high
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    ends = np.r_[starts[1:], len(sorted_keys)] - 1
    first_seen = order[starts]  # where the walk first met each pair: its place in the dict
    last_seen = order[ends]  # the walk's last write: the cosine it kept
    by_first = np.argsort(first_seen, kind="stable")
    pair_keys = zip(low[first_seen[by_first]].tolist(), high[first_seen[by_first]].tolist(), strict=True)
    values = cosines_all[last_seen[by_first]].astype(np.float64).tolist()
    return CandidateSearch(dict(zip(pair_keys, values, strict=True)), floors, tops)


class CandidateSearch(NamedTuple):
    """What `candidate_search` finds: the candidate pairs, each claim's floor and nearest cosines."""

    pairs: dict[tuple[int, int], float]
    floors: list[float]
    tops: list[list[float]]  # per claim, its nearest cosines, highest first (`top_lists`)


def top_lists(cosines: np.ndarray, valid: np.ndarray) -> list[list[float]]:
    """Per row of `cosines` (its nearest claims' cosines, any order), those `valid` highest
    first: what `floor_of` reads, and what `raise_tops` raises. Not rounded: a floor is compared
    with `>=`, and a floor rounded up would drop its own claim's pair."""
    ordered = -np.sort(-np.where(valid, cosines, -np.inf).astype(np.float64), axis=1)
    counts = np.isfinite(ordered).sum(axis=1).tolist()
    return [row[:count] for row, count in zip(ordered.tolist(), counts, strict=True)]


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """The rows of `vectors` scaled to unit length, in float64 (a zero row stays zero)."""
    unit = np.asarray(vectors, dtype=np.float64)
    return unit / np.maximum(np.linalg.norm(unit, axis=1, keepdims=True), 1e-12)


def raised_tops(
    tops: Sequence[Sequence[float] | None], cosines: np.ndarray, neighbours: int = CANDIDATE_NEIGHBOURS
) -> dict[int, list[float]]:
    """The rows whose nearest cosines (`tops`, highest first; None: not known) new claims enter,
    each with its list raised (`raise_tops`): `cosines` is (rows, new claims), NaN where a row is
    a new claim itself. A list shorter than `neighbours` takes every new claim (the archive had
    fewer claims than that); a full one, those above its last."""
    lowest = np.array(
        [np.inf if top is None else (top[neighbours - 1] if len(top) >= neighbours else -np.inf) for top in tops],
        dtype=np.float64,
    )
    if not len(lowest) or not cosines.size:
        return {}
    with np.errstate(invalid="ignore"):  # NaN enters nothing
        entering = cosines > lowest[:, None]
    out = {}
    for k in np.flatnonzero(entering.any(axis=1)).tolist():
        out[k] = raise_tops(tops[k], cosines[k][entering[k]].tolist(), neighbours)
    return out


def raise_tops(top: Sequence[float], cosines: Sequence[float], neighbours: int = CANDIDATE_NEIGHBOURS) -> list[float]:
    """A claim's nearest cosines (`top`, highest first) with new claims' `cosines` to it entered:
    the `neighbours` highest of both."""
    merged = sorted([*top, *(float(c) for c in cosines)], reverse=True)
    return merged[:neighbours]


def floor_of(cosines: Sequence[float], neighbours: int = CANDIDATE_NEIGHBOURS, floor: float = CANDIDATE_FLOOR) -> float:
    """A claim's candidate floor from its nearest cosines: the `neighbours`-th highest (at least
    `floor`), or `floor` when fewer claims are known (all of them are then among its nearest).
    A pair is a candidate when its cosine reaches either claim's floor (and `floor`)."""
    if len(cosines) < neighbours:
        return floor
    return max(float(sorted(cosines, reverse=True)[neighbours - 1]), floor)


def newcomer_cosines(vectors: np.ndarray, newcomers: Sequence[int]) -> np.ndarray:
    """(rows, newcomers) cosines of every row of `vectors` with each newcomer (a row index), in
    float64; a newcomer's entry with itself is NaN (a claim is not its own neighbour)."""
    unit = unit_rows(vectors)
    newcomers = list(newcomers)
    cosines = unit @ unit[newcomers].T
    cosines[newcomers, np.arange(len(newcomers))] = np.nan
    return cosines


def rows_above_floors(cosines: np.ndarray, floors: Sequence[float | None], slack: float = 0.0) -> list[int]:
    """The rows whose candidate floor some newcomer stands above, from the newcomers' cosines
    (`newcomer_cosines`: (rows, newcomers), NaN for a newcomer with itself): the claims whose
    `CANDIDATE_NEIGHBOURS` nearest the newcomers entered, so whose floor (`floor_of`) can have
    risen. Rows without a floor (None) are left out (`local_candidate_pairs` computes theirs).
    With `slack`, a newcomer must stand more than that above a floor (which it can raise by no
    more than its own cosine's excess).

    A floor is a claim's `neighbours`-th nearest cosine over the archive when it was computed; a
    claim stored early in a story (fewer than 40 claims, floor `CANDIDATE_FLOOR`) and kept at
    that floor while the story grows makes a neighbourhood score pairs the archive's rebuild does
    not, and average link counts a pair not scored as 0: each extra pair raises a mean between
    two groups, and merges them where the rebuild keeps them apart."""
    limits = np.array([np.inf if f is None else f for f in floors], dtype=np.float64)
    with np.errstate(invalid="ignore"):  # NaN (a newcomer with itself) is above nothing
        return np.flatnonzero((cosines > limits[:, None] + slack).any(axis=1)).tolist()


def local_candidate_pairs(
    vectors: np.ndarray,
    floors: Sequence[float | None],
    neighbours: int = CANDIDATE_NEIGHBOURS,
    floor: float = CANDIDATE_FLOOR,
) -> dict[tuple[int, int], float]:
    """(i, j) -> cosine for the pairs of a neighbourhood of the archive (a few hundred claims)
    that the archive's rebuild would score: the cosine reaches `floor` and either claim's
    candidate floor (its `neighbours`-th nearest in the whole archive, `floor_of`). A claim
    whose floor is not known (None) takes its `neighbours`-th nearest among these claims.

    Why not the neighbourhood's own nearest: among a few hundred claims a claim's 40 nearest reach
    far past its 40 nearest in the archive, so the neighbourhood scored pairs the rebuild never
    scores and re-clustered into other clusters than the rebuild's, moving stored claims no new
    claim touched (`manage.py bench scale`'s 5,000-claim archive: re-clustering 21 articles'
    neighbourhoods without their new claims moved 9-67 claims each; with the archive's pairs
    and sources whole, none in 19 of 21)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    n = len(vectors)
    if n < 2:
        return {}
    # In float64: a block's cosines are then the same to far below FLOOR_TOLERANCE whatever the
    # block's shape (float32 products differ in their last bits between BLAS kernels).
    unit = vectors.astype(np.float64)
    norms = np.linalg.norm(unit, axis=1, keepdims=True)
    unit /= np.where(norms == 0, 1.0, norms)

    def blocks():
        """Each block of up to `chunk` rows' cosines with every claim (itself -inf): memory stays
        one block whatever the neighbourhood's size (a batch of articles can read thousands of
        claims)."""
        for start in range(0, n, chunk):
            block = unit[start : start + chunk] @ unit.T
            block[np.arange(len(block)), np.arange(start, start + len(block))] = -np.inf
            yield start, block

    chunk = max(1, _LOCAL_BLOCK_BYTES // (8 * n))
    own = np.full(n, floor, dtype=np.float64)
    if n - 1 >= neighbours and any(f is None for f in floors):
        for start, block in blocks():
            kth = -np.partition(-block, neighbours - 1, axis=1)[:, neighbours - 1]
            own[start : start + len(block)] = np.maximum(kth, floor)
    # A floor is a cosine computed elsewhere (a stored one by the rebuild's search or PostgreSQL's
    # kNN; an own one in another block of rows than the pair's): the same pair's cosine here can
    # differ in its last bits, and the pair at the floor must stay in whatever the blocks' shapes.
    limits = np.array([own[i] if f is None else f for i, f in enumerate(floors)], dtype=np.float64) - FLOOR_TOLERANCE
    pairs: dict[tuple[int, int], float] = {}
    for start, block in blocks():
        rows = np.arange(start, start + len(block))
        keep = (block >= floor) & ((block >= limits[rows, None]) | (block >= limits[None, :]))
        keep &= np.arange(n)[None, :] > rows[:, None]  # each pair once, i < j
        found_rows, found_cols = np.nonzero(keep)
        found_rows += start
        values = _row_dots(unit, found_rows, found_cols)
        pairs.update(zip(zip(found_rows.tolist(), found_cols.tolist(), strict=True), values, strict=True))
    return pairs


# Pairs whose two rows `_row_dots` gathers at once: two (pairs, dimension) float64 copies of a few MB.
_DOT_PAIRS = 1024


def _row_dots(unit: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> list[float]:
    """The dot product of unit[rows[k]] and unit[cols[k]] for every k, each computed alone (the
    same bits whatever block found the pair: a block's product rounds its last bit by the BLAS
    kernel its shape picks), as Python floats.

    Gathered _DOT_PAIRS pairs at a time: each row's value is its own whatever the batch, so the
    bits are those of one gather of every pair, without its two (pairs, dimension) copies; a
    batch of articles keeps ~20,000 pairs, whose two gathers (126 MB each at 896 dimensions) were
    fresh memory the kernel mapped page by page on every call, most of the call's time (0.6 of
    0.8 s on `bench scale`'s 2,000-claim archive, where the gathers fit in cache take 0.15 s)."""
    values: list[float] = []
    for start in range(0, len(rows), _DOT_PAIRS):
        stop = start + _DOT_PAIRS
        values += np.einsum("ij,ij->i", unit[rows[start:stop]], unit[cols[start:stop]]).tolist()
    return values


def cluster_all(
    slots: Sequence[ClaimSlots],
    vectors: np.ndarray,
    threshold: float,
    progress: Callable[[int, int], None] | None = None,
    constraints: Constraints | None = None,
    scorer: PairScorer | None = None,
    neighbours: int = CANDIDATE_NEIGHBOURS,
    floor: float = CANDIDATE_FLOOR,
) -> Clustering:
    """Cluster every claim from scratch, obeying editors' constraints.

    Each claim's `neighbours` nearest claims (cosine >= `floor`) are scored with `scorer`
    (default: cosine raised when the slots name one figure, `matching.match_score`), then groups
    are agglomerated by average link (`average_link`) while the mean score reaches `threshold`
    and every cross pair is slot-compatible and not cannot-linked. Must-linked claims start in
    one group; locked clusters start closed, keeping exactly their members. Labels follow the
    input order of each cluster's first claim, so the same data always gives the same labels.

    The two steps are `score_pairs` and `cluster_scored`; a rebuild that scores its pairs
    elsewhere (in parts, on workers) calls the second with the scores.
    """
    n = len(slots)
    if n == 0:
        return Clustering([], {})
    score = scorer or (lambda i, j, cosine: match_score(slots[i], slots[j], cosine))
    scores = score_pairs(n, candidate_pairs(vectors, neighbours, floor), score, progress)
    return cluster_scored(slots, scores, threshold, constraints)


def _by_row(candidates: Mapping[tuple[int, int], float]) -> dict[int, list[tuple[int, int, float]]]:
    by_row: dict[int, list[tuple[int, int, float]]] = {}
    for (i, j), cosine in candidates.items():
        by_row.setdefault(i, []).append((i, j, cosine))
    return by_row


def pairs_in_order(candidates: Mapping[tuple[int, int], float]) -> list[tuple[int, int, float]]:
    """Candidate pairs (i, j, cosine) in the order `score_pairs` scores them: by their first claim,
    then as `candidate_pairs` found them."""
    by_row = _by_row(candidates)
    return [pair for i in sorted(by_row) for pair in by_row[i]]


def score_pairs(
    n: int,
    candidates: Mapping[tuple[int, int], float],
    score: PairScorer,
    progress: Callable[[int, int], None] | None = None,
) -> dict[tuple[int, int], float]:
    """(i, j) -> score of each candidate pair scoring above 0, in `pairs_in_order`'s order;
    `progress(claims done, n)` as `score_list` reports it, and (n, n) at the end."""
    pairs = pairs_in_order(candidates)
    values = score_list(pairs, score, n, progress).tolist()
    if progress:
        progress(n, n)
    return {(a, b): value for (a, b, _), value in zip(pairs, values, strict=True) if value > 0}


def cluster_scored(
    slots: Sequence[ClaimSlots],
    scores: Mapping[tuple[int, int], float],
    threshold: float,
    constraints: Constraints | None = None,
) -> Clustering:
    """`cluster_all`'s second step: average link over these pair scores (indices into `slots`),
    obeying slots and editors' constraints."""
    constraints = constraints or Constraints()
    n = len(slots)
    if n == 0:
        return Clustering([], {})
    index_of = {s.id: i for i, s in enumerate(slots)}
    pairs = [(index_of[a], index_of[b]) for a, b in constraints.must_link if a in index_of and b in index_of]
    component = _components(n, pairs)
    cannot: dict[int, set[int]] = {}
    for a, b in constraints.cannot_link:
        if a in index_of and b in index_of:
            cannot.setdefault(index_of[a], set()).add(index_of[b])
            cannot.setdefault(index_of[b], set()).add(index_of[a])

    # Starting groups: each locked cluster (closed, with whatever is must-linked to it), then
    # each must-link component.
    groups: list[list[int]] = []
    group_of_root: dict[int, int] = {}
    locked_of_group: dict[int, int] = {}
    for cluster_id in sorted(set(constraints.locked.values())):
        roots = {
            component[index_of[claim_id]]
            for claim_id, locked_id in constraints.locked.items()
            if locked_id == cluster_id and claim_id in index_of
        }
        roots -= set(group_of_root)
        if roots:
            locked_of_group[len(groups)] = cluster_id
            for root in roots:
                group_of_root[root] = len(groups)
            groups.append([])
    for i in range(n):
        root = component[i]
        if root not in group_of_root:
            group_of_root[root] = len(groups)
            groups.append([])
        groups[group_of_root[root]].append(i)

    # Agglomerate starting groups as single nodes: editors said a must-linked group is one
    # claim, so its score with another node is its closest member's (averaging over its members
    # would let one dissimilar, editor-added claim pull the group away from its own cluster).
    start_group = {i: g for g, members in enumerate(groups) for i in members if members}
    node_scores: Mapping[tuple[int, int], float]
    if len(groups) == n and all(start_group[i] == i for i in range(n)) and all(i < j for i, j in scores):
        # Every claim its own starting group (no editor's link or lock here), each pair once: the
        # nodes' scores are the claims' own, and a copy would double the largest structure of a
        # rebuild (a few million pairs at 100,000 claims).
        node_scores = scores
    else:
        node_scores = {}
        for (i, j), value in scores.items():
            a, b = start_group[i], start_group[j]
            if a != b:
                key = (min(a, b), max(a, b))
                node_scores[key] = max(value, node_scores.get(key, 0.0))

    def allowed(a: list[int], b: list[int]) -> bool:
        xs = [i for g in a for i in groups[g]]
        ys = [j for g in b for j in groups[g]]
        return all(y not in cannot.get(x, ()) for x in xs for y in ys) and can_merge(
            [slots[x] for x in xs], [slots[y] for y in ys], lambda x, y: False
        )

    merged = average_link([[g] for g in range(len(groups))], node_scores, threshold, allowed, closed=locked_of_group)
    labels = [-1] * n
    locked_labels: dict[int, int] = {}
    label = 0
    for nodes in sorted(merged, key=lambda ns: min((i for g in ns for i in groups[g]), default=n)):
        items = [i for g in nodes for i in groups[g]]
        if not items:
            continue  # a locked cluster none of whose claims are here
        for i in items:
            labels[i] = label
        if nodes[0] in locked_of_group:
            locked_labels[label] = locked_of_group[nodes[0]]
        label += 1
    return Clustering(labels, locked_labels)


def stable_ids(new_groups: Sequence[Sequence[int]], old_cluster_of: dict[int, int | None]) -> list[int | None]:
    """For each rebuilt group of claim ids, the old cluster id to keep, or None for a new one.

    A rebuilt cluster keeps the id of the old cluster it overlaps most; each old id goes to one
    group at most (the largest overlap wins, ties to the larger group, then the lower id).
    """
    overlaps: list[tuple[int, int, int, int]] = []  # (-overlap, -group size, old id, group index)
    for index, group in enumerate(new_groups):
        counts: dict[int, int] = {}
        for claim_id in group:
            old = old_cluster_of.get(claim_id)
            if old is not None:
                counts[old] = counts.get(old, 0) + 1
        for old, count in counts.items():
            overlaps.append((-count, -len(group), old, index))
    assigned: list[int | None] = [None] * len(new_groups)
    used: set[int] = set()
    for _, _, old, index in sorted(overlaps):
        if assigned[index] is None and old not in used:
            assigned[index] = old
            used.add(old)
    return assigned
