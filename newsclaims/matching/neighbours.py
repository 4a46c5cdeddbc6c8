"""Each vector's k nearest others by cosine: exact up to EXACT_LIMIT vectors, an HNSW index above.

Both callers of the whole corpus use it: `pairscore.top_cosines` (each claim's nearest claims of
other sources, per encoder part: the densities of the hubness correction) and
`clustering.candidate_pairs` (each claim's nearest claims, the pairs a rebuild scores). Exact
search compares every vector with every other, a (n, n) product in blocks: O(n^2) time, fine for
the archives the evaluations, stories and tests use, some 13 CPU minutes at 100,000 claims (72 s
at 30,000, growing as n^2; the pair margins' exact path, which switches at the same limit, would
also hold 40 GB of corpus rows there). Past `EXACT_LIMIT` an HNSW graph (faiss's
IndexHNSWFlat) finds them in about O(n log n): of the exact 40 nearest it found 99.8% / 99.0% at
30,000 / 100,000 claims of bench_rebuild's synthetic corpus, and 99.4% / 99.6% on 6,000 real
use+e5 sentence vectors / 30,000 made from them; of the 5 nearest other-source claims per encoder
part, 99% and more (the unit tests pin 95%).

`exclude_groups`: each vector's group (a claim's source); a vector never has a neighbour of its
own group (nor itself). The index knows no groups, so it is asked for more neighbours than k
(k plus the largest group, up to `GROUP_SLACK`) and the row's own group is dropped; a row left with
fewer than k while more exist is searched again exactly, alone.

Deterministic: the graph is built on one thread with a fixed seed (one insertion order, one
random level per vector), searches only read it, and every cosine returned is recomputed from
the vectors in float32, so the same vectors give the same neighbours and cosines on one machine
(another CPU's SIMD may round a distance differently and so build another graph). Vectors are
expected L2-normalised float32 (a cosine is a dot product). Pure numpy and faiss (faiss-cpu): no Django.

Steady as the archive grows (`insertion`): vectors go into the graph oldest first (by a key the
caller gives, a claim's id) and `INSERT_CHUNK` at a time. faiss shuffles the vectors of one
`add` call before inserting them, so one call of every vector built another graph whenever one
claim joined, and the rows the graph happened to miss moved with it: on bench_scale's 30,000
claims, a rebuild after 600 new claims changed the co-members of 6,180 older claims, where the
exact search changed 3,000 (what the new claims themselves bring). In chunks, the older claims'
part of the graph is built as before and the new claims are added to it: 3,486, at the same cost.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Up to this many vectors the search is exact, and returns what the dense blocked code of
# `top_cosines` and `candidate_pairs` always returned, to the bit; past it, the index. Chosen by
# measurement (CPU seconds of candidate_pairs + top_cosines on bench_rebuild's synthetic claims, 2
# busy cores): exact 9.1 / 33 / 72 at 10,000 / 20,000 / 30,000 claims, the index 9.7 / 25 / 39.
# Every evaluation, story and test is smaller. (A rebuild's pair margins read one source's claims
# at any size: `pairscore.ClaimScorer(source_margins=True)`.)
EXACT_LIMIT = 10_000

# The HNSW graph: links per node (M), candidates kept while inserting (ef_construction) and while
# searching (ef, at least the neighbours asked for). At 100,000 synthetic claims (bench_rebuild:
# topics of 40-80 claims at cosine ~0.35, facts of 2-6 at ~0.8) these built the full-vector graph
# in 63 CPU s and searched it in 25, finding 99.0% of the exact 40 nearest; ef_construction 100 and
# ef 80 found 99.6% for 105 + 39 s.
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 64
HNSW_EF_SEARCH = 64

# Vectors inserted per `add` call (faiss shuffles each call's vectors; see the module's docstring).
INSERT_CHUNK = 1024

# With `exclude_groups`, how many more neighbours than k the index is asked for at most (rows of
# a larger group that come back short are searched again exactly).
GROUP_SLACK = 32

# Bytes of argpartition indices (int64) held at once by the exact search: a block's rows are
# partitioned in sub-blocks of this size, so the indices never outgrow the block's own cosines.
SELECT_BYTES = 1 << 25


@dataclass(frozen=True)
class Neighbours:
    """Row i's neighbours: `indices[i]` (int64, -1 past the last) and `cosines[i]` (float32, -inf
    past the last), `k` columns."""

    indices: np.ndarray
    cosines: np.ndarray

    def __len__(self) -> int:
        return len(self.indices)


def nearest(
    vectors: np.ndarray,
    k: int,
    *,
    exclude_groups: np.ndarray | None = None,
    exact_limit: int = EXACT_LIMIT,
    chunk: int = 1024,
    select_bytes: int = SELECT_BYTES,
    ordered: bool = True,
    insertion: np.ndarray | None = None,
) -> Neighbours:
    """Each row's `k` nearest other rows of `vectors` (L2-normalised), never itself nor a row of
    its own group (`exclude_groups`), by dot product. Rows with fewer eligible others are padded.

    Exact when there are at most `exact_limit` rows (`exact_nearest`, `chunk` rows at a time;
    `ordered=False` keeps the exact search's partition order), else from the HNSW index
    (`approximate_nearest`, rows inserted in ascending `insertion` key), highest cosine first
    (ties to the lower index).
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    if len(vectors) <= exact_limit:
        return exact_nearest(
            vectors, k, exclude_groups=exclude_groups, chunk=chunk, select_bytes=select_bytes, ordered=ordered
        )
    return approximate_nearest(vectors, k, exclude_groups=exclude_groups, chunk=chunk, insertion=insertion)


def _empty(n: int, k: int) -> Neighbours:
    return Neighbours(np.full((n, k), -1, dtype=np.int64), np.full((n, k), -np.inf, dtype=np.float32))


def exact_nearest(
    vectors: np.ndarray,
    k: int,
    *,
    exclude_groups: np.ndarray | None = None,
    chunk: int = 1024,
    select_bytes: int = SELECT_BYTES,
    ordered: bool = True,
    rows: np.ndarray | None = None,
) -> Neighbours:
    """The exact `nearest`, for every row or only `rows` (one result row each, in that order).

    Cosines come `chunk` rows at a time (memory: one (chunk, n) float32 block, plus indices of at
    most `select_bytes`); a row's neighbours are what `argpartition(-row, k - 1)[:k]` picks (a 2-D
    argpartition runs the same selection on each row), excluded cells at -inf. `ordered` sorts
    each row's k highest first (stable: ties keep the partition's order); without it they stay in
    the partition's order. BLAS gives the same bits only for the same block shapes, so callers
    that must reproduce earlier results keep their chunk.
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    n = len(vectors)
    groups = None if exclude_groups is None else np.asarray(exclude_groups)
    m = n if rows is None else len(rows)
    k = min(k, n - 1)
    if k <= 0:
        return _empty(m, max(k, 0))
    indices = np.empty((m, k), dtype=np.int64)
    cosines = np.empty((m, k), dtype=np.float32)
    block = max(1, select_bytes // (8 * n))
    for start in range(0, m, chunk):
        if rows is None:
            own = np.arange(start, min(m, start + chunk))
            sims = vectors[start : start + chunk] @ vectors.T
        else:
            own = np.asarray(rows[start : start + chunk], dtype=np.int64)
            sims = vectors[own] @ vectors.T
        sims[np.arange(len(own)), own] = -np.inf  # never one's own neighbour
        if groups is not None:
            sims[groups[own, None] == groups[None, :]] = -np.inf
        np.negative(sims, out=sims)  # in place: the nearest are the k smallest of -sims
        for first in range(0, len(sims), block):
            part = sims[first : first + block]
            picked = np.argpartition(part, k - 1, axis=1)[:, :k]
            values = -np.take_along_axis(part, picked, axis=1)
            if ordered:
                order = np.argsort(-values, axis=1, kind="stable")
                picked = np.take_along_axis(picked, order, axis=1)
                values = np.take_along_axis(values, order, axis=1)
            indices[start + first : start + first + len(part)] = picked
            cosines[start + first : start + first + len(part)] = values
        del sims
    indices[~np.isfinite(cosines)] = -1
    return Neighbours(indices, cosines)


def build_index(vectors: np.ndarray):
    """An HNSW index (inner product) over these normalised vectors, inserted in this order
    `INSERT_CHUNK` at a time, on one thread, so the same vectors give the same graph (faiss draws
    each node's level from a fixed seed; threads would insert in a racing order), and vectors
    appended leave the graph of those before them as it was, but for links to the new ones."""
    import faiss  # only past EXACT_LIMIT

    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        index = faiss.IndexHNSWFlat(vectors.shape[1], HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        for start in range(0, len(vectors), INSERT_CHUNK):
            index.add(np.ascontiguousarray(vectors[start : start + INSERT_CHUNK]))
    finally:
        faiss.omp_set_num_threads(threads)
    return index


def _search(index, queries: np.ndarray, k: int, ef: int) -> np.ndarray:
    """The index's k nearest of each query (ids, -1 where it found fewer). A search only reads the
    graph, so each query's answer is the same on any number of threads."""
    import faiss

    params = faiss.SearchParametersHNSW()
    params.efSearch = ef
    return index.search(queries, k, params=params)[1]


def approximate_nearest(
    vectors: np.ndarray,
    k: int,
    *,
    exclude_groups: np.ndarray | None = None,
    chunk: int = 1024,
    insertion: np.ndarray | None = None,
) -> Neighbours:
    """`nearest` through an HNSW index: each row's k highest cosines, highest first (ties to the
    lower index), cosines recomputed from the vectors. Rows the index leaves short (own group
    larger than the slack, or a miss) are searched again exactly. `insertion`: a key per row
    (a claim's id); rows go into the graph in ascending key, oldest first (row order without)."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n = len(vectors)
    k = min(k, n - 1)
    if k <= 0:
        return _empty(n, max(k, 0))
    groups = None if exclude_groups is None else np.asarray(exclude_groups)
    if groups is None:
        fetch = k + 1  # itself
    else:
        _, sizes = np.unique(groups, return_counts=True)
        fetch = k + min(int(sizes.max()), GROUP_SLACK + 1)
    fetch = min(fetch, n)
    if insertion is not None and len(insertion) != n:
        raise ValueError(f"{len(insertion)} insertion keys for {n} vectors")
    # Graph position -> row: the index numbers vectors in the order they were inserted.
    graph_rows = np.arange(n) if insertion is None else np.argsort(np.asarray(insertion), kind="stable")
    index = build_index(vectors[graph_rows])
    ef = max(HNSW_EF_SEARCH, fetch)
    out = _empty(n, k)
    short: list[np.ndarray] = []
    chunk = min(chunk, 512)  # the gathered neighbours' vectors: chunk * fetch * dimension floats
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        own = np.arange(start, stop)
        found = _search(index, vectors[start:stop], fetch, ef).astype(np.int64)
        missing = found < 0  # fewer found than asked
        found = graph_rows[np.where(missing, 0, found)]
        found[missing] = np.broadcast_to(own[:, None], found.shape)[missing]
        # Cosines from the vectors themselves, as the exact search would compute them in float32.
        values = np.einsum("id,ijd->ij", vectors[start:stop], vectors[found])
        drop = found == own[:, None]
        if groups is not None:
            drop |= groups[found] == groups[own, None]
        values[drop] = -np.inf
        # Highest first, ties to the lower index: sort by index, then stably by cosine.
        by_index = np.argsort(found, axis=1, kind="stable")
        found = np.take_along_axis(found, by_index, axis=1)
        values = np.take_along_axis(values, by_index, axis=1)
        order = np.argsort(-values, axis=1, kind="stable")[:, :k]
        found = np.take_along_axis(found, order, axis=1)
        values = np.take_along_axis(values, order, axis=1)
        kept = np.isfinite(values)
        out.indices[start:stop] = np.where(kept, found, -1)
        out.cosines[start:stop] = values
        left = kept.sum(axis=1) < k
        if left.any():
            short.append(own[left])
    del index
    if short:
        rows = np.concatenate(short)
        if groups is not None:
            # Rows whose short list is all there is need no second search.
            _, inverse, sizes = np.unique(groups, return_inverse=True, return_counts=True)
            eligible = n - sizes[inverse[rows]]
            found_count = np.isfinite(out.cosines[rows]).sum(axis=1)
            rows = rows[found_count < np.minimum(k, eligible)]
        if len(rows):
            again = exact_nearest(vectors, k, exclude_groups=groups, chunk=chunk, rows=rows)
            out.indices[rows] = again.indices
            out.cosines[rows] = again.cosines
    return out
