"""The vectorised `candidate_pairs` gives exactly what the row-by-row loop it replaced gave: the same
pairs, cosines (to the bit), and dict order, ties and chunk edges included."""

import numpy as np
import pytest

from newsclaims.matching import clustering
from newsclaims.matching.clustering import candidate_pairs


def reference_pairs(vectors, neighbours, floor, chunk=1024):
    """The straightforward loop (the implementation before vectorising): per row, argpartition
    the row, then keep each neighbour at or above the floor; a later row overwrites a pair."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = vectors / np.where(norms == 0, 1.0, norms)
    n = len(vectors)
    pairs = {}
    for start in range(0, n, chunk):
        sims = vectors[start : start + chunk] @ vectors.T
        for row, i in enumerate(range(start, min(n, start + chunk))):
            sims[row, i] = -np.inf
            k = min(neighbours, n - 1)
            if k <= 0:
                continue
            nearest = np.argpartition(-sims[row], k - 1)[:k]
            for j in nearest:
                cosine = float(sims[row, j])
                if cosine >= floor:
                    pairs[(min(i, int(j)), max(i, int(j)))] = cosine
    return pairs


def assert_same(got, want):
    assert list(got.items()) == list(want.items())  # same pairs, same cosines, same order


def clumped(rng, n, dim, groups):
    """Unit vectors around `groups` centres (many neighbours above the floor, as in a topic)."""
    centres = rng.standard_normal((groups, dim)).astype(np.float32)
    return centres[rng.integers(0, groups, n)] + 0.6 * rng.standard_normal((n, dim)).astype(np.float32)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 17, 200])
@pytest.mark.parametrize("neighbours", [1, 5, 40, 500])
@pytest.mark.parametrize("floor", [-1.0, 0.2, 0.9])
def test_random_vectors_give_the_loops_pairs(n, neighbours, floor):
    rng = np.random.default_rng(n * 1000 + neighbours)
    vectors = clumped(rng, n, 24, 4) if n else np.zeros((0, 24), dtype=np.float32)
    assert_same(candidate_pairs(vectors, neighbours, floor), reference_pairs(vectors, neighbours, floor))


@pytest.mark.parametrize("chunk", [1, 7, 64])
def test_several_chunks_and_a_one_row_last_chunk_give_the_loops_pairs(chunk):
    rng = np.random.default_rng(chunk)
    vectors = clumped(rng, 129, 32, 6)  # 129 = 2 * 64 + 1: a last chunk of one row
    assert_same(candidate_pairs(vectors, 10, 0.2, chunk=chunk), reference_pairs(vectors, 10, 0.2, chunk=chunk))


def test_ties_go_to_the_same_neighbours_as_the_loop():
    rng = np.random.default_rng(7)
    # Few distinct directions, each repeated, and zero vectors: rows full of exactly equal cosines,
    # so which of the tied claims become neighbours is argpartition's choice.
    distinct = rng.integers(-1, 2, size=(6, 8)).astype(np.float32)
    vectors = np.concatenate([distinct[rng.integers(0, 6, 150)], np.zeros((5, 8), dtype=np.float32)])
    for neighbours in (1, 3, 10, 40):
        for floor in (-1.0, 0.0, 0.5):
            assert_same(candidate_pairs(vectors, neighbours, floor), reference_pairs(vectors, neighbours, floor))


def test_rows_partitioned_in_small_blocks_give_the_same_pairs(monkeypatch):
    rng = np.random.default_rng(3)
    vectors = clumped(rng, 300, 16, 5)
    want = reference_pairs(vectors, 12, 0.2)
    monkeypatch.setattr(clustering, "_SELECT_BYTES", 8 * 300 * 7)  # blocks of 7 rows
    assert_same(candidate_pairs(vectors, 12, 0.2), want)


def test_a_corpus_past_one_chunk_of_1024_rows_gives_the_loops_pairs():
    rng = np.random.default_rng(11)
    vectors = clumped(rng, 2049, 64, 40)  # the default chunk, with a one-row last chunk (BLAS's gemv path)
    assert_same(candidate_pairs(vectors, 40, 0.2), reference_pairs(vectors, 40, 0.2))


# --- A neighbourhood of the archive scores the archive's pairs ---------------------------------
def archive_pairs_within(pairs, subset):
    """The archive's candidate pairs between claims of `subset`, in the subset's indices."""
    at = {i: k for k, i in enumerate(subset)}
    return {(at[i], at[j]) for i, j in pairs if i in at and j in at}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_neighbourhood_given_the_archives_floors_scores_exactly_the_archives_pairs_among_its_claims(seed):
    rng = np.random.default_rng(seed)
    vectors = clumped(rng, 900, 32, 12)
    pairs, floors, _ = clustering.candidate_search(vectors, 40, 0.2)
    subset = sorted(rng.choice(900, size=150, replace=False).tolist())
    local = clustering.local_candidate_pairs(vectors[subset], [floors[i] for i in subset], 40, 0.2)
    want = archive_pairs_within(pairs, subset)
    assert want <= set(local)
    # Beyond them only near-ties: a pair within the tolerance below the floor of one of its claims.
    for i, j in set(local) - want:
        assert min(floors[subset[i]], floors[subset[j]]) - local[(i, j)] <= clustering.FLOOR_TOLERANCE
    # ... where the neighbourhood's own 40 nearest reach well past them.
    assert len(clustering.candidate_pairs(vectors[subset], 40, 0.2)) > 2 * len(local)


def test_a_claim_whose_floor_is_unknown_takes_its_nearest_among_the_neighbourhood():
    rng = np.random.default_rng(4)
    vectors = clumped(rng, 120, 16, 4)
    assert set(clustering.local_candidate_pairs(vectors, [None] * 120, 40, 0.2)) == set(
        clustering.candidate_pairs(vectors, 40, 0.2)
    )


def test_a_floor_is_the_40th_nearest_cosine_and_never_below_the_candidate_floor():
    cosines = [0.9 - 0.01 * k for k in range(45)]
    assert clustering.floor_of(cosines, 40, 0.2) == pytest.approx(0.51)
    assert clustering.floor_of(cosines[:39], 40, 0.2) == 0.2  # fewer known: every one is a candidate
    assert clustering.floor_of([0.1] * 50, 40, 0.2) == 0.2
    _, floors, _ = clustering.candidate_search(clumped(np.random.default_rng(5), 30, 8, 2), 40, 0.2)
    assert floors == [0.2] * 30  # an archive smaller than 41 claims: every pair at the floor is a candidate


def test_a_large_neighbourhood_is_read_in_blocks_with_the_same_pairs(monkeypatch):
    rng = np.random.default_rng(6)
    vectors = clumped(rng, 400, 16, 6)
    pairs, floors, _ = clustering.candidate_search(vectors, 40, 0.2)
    mixed = [None if k % 3 == 0 else f for k, f in enumerate(floors)]  # some claims' floors unknown
    whole = clustering.local_candidate_pairs(vectors, mixed, 40, 0.2)
    monkeypatch.setattr(clustering, "_LOCAL_BLOCK_BYTES", 8 * 400 * 7)  # blocks of 7 rows
    assert clustering.local_candidate_pairs(vectors, mixed, 40, 0.2) == whole
    assert set(pairs) <= set(whole) and len(whole) < 2 * len(pairs)


def test_local_pairs_cosines_gathered_in_batches_are_one_gathers_bits(monkeypatch):
    """`local_candidate_pairs` computes its kept pairs' cosines _DOT_PAIRS at a time: the same
    bits as one gather of every pair (each row's dot product is its own), batch edges included."""
    rng = np.random.default_rng(7)
    base = rng.normal(size=(1, 64))
    vectors = (base + 0.6 * rng.normal(size=(90, 64))).astype(np.float32)
    floors = [None] * 90
    monkeypatch.setattr(clustering, "_DOT_PAIRS", 37)
    pairs = clustering.local_candidate_pairs(vectors, floors, neighbours=10, floor=0.2)
    assert len(pairs) > 3 * 37
    unit = vectors.astype(np.float64)
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    rows = np.array([i for i, _ in pairs])
    cols = np.array([j for _, j in pairs])
    whole = np.einsum("ij,ij->i", unit[rows], unit[cols]).tolist()
    assert list(pairs.values()) == whole


def reached(vectors: np.ndarray, floors: list, newcomers: list[int], slack: float = 0.0) -> list[int]:
    """The rows whose floor a newcomer stands above, as assignment finds them."""
    return clustering.rows_above_floors(clustering.newcomer_cosines(vectors, newcomers), floors, slack)


def test_the_floors_a_newcomer_stands_above_are_the_ones_it_can_have_raised():
    # Rows 0-3 stored, row 4 a newcomer: cosines with it 0.8, 0.6, 0.3 and -1 (a floor of 0.2).
    angle = [np.arccos(c) for c in (0.8, 0.6, 0.3)]
    vectors = np.array(
        [[np.cos(a), np.sin(a)] for a in angle] + [[-1.0, 0.0], [1.0, 0.0]],
        dtype=np.float32,
    )
    floors = [0.7, 0.7, None, 0.2, 0.95]
    # Row 0: 0.8 above its floor. Row 1: 0.6 below. Row 2: no floor known (computed where needed).
    # Row 3: far off. The newcomer is not its own neighbour, whatever its floor.
    assert reached(vectors, floors, [4]) == [0]
    assert reached(vectors, [0.5, 0.5, 0.2, 0.2, 0.5], [4]) == [0, 1, 2]
    assert reached(vectors, floors, []) == []
    # With slack, a newcomer just above a floor (0.6 over 0.5, 0.3 over 0.2) leaves it; one well
    # above it (0.8 over 0.5) does not.
    assert reached(vectors, [0.5, 0.5, 0.2, 0.2, 0.5], [4], slack=0.15) == [0]


def test_a_newcomer_counts_in_another_newcomers_floor():
    vectors = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]], dtype=np.float32)
    assert reached(vectors, [0.5, 0.5, 0.5], [0, 1]) == [0, 1]


def test_each_claims_nearest_cosines_come_highest_first_and_end_at_its_floor():
    vectors = clumped(np.random.default_rng(9), 90, 6, 2)
    _, floors, tops = clustering.candidate_search(vectors, 40, 0.2)
    unit = vectors.astype(np.float64) / np.linalg.norm(vectors, axis=1, keepdims=True)
    for i, top in enumerate(tops):
        others = np.delete(unit @ unit[i], i)
        assert len(top) == 40 and top == sorted(top, reverse=True)
        assert np.allclose(top, np.sort(others)[::-1][:40], atol=1e-5)
        assert clustering.floor_of(top) == floors[i]  # the floor is read from the list, bit for bit
    # Fewer claims than neighbours: every other claim is listed, and the floor is the lowest allowed.
    _, floors, tops = clustering.candidate_search(vectors[:10], 40, 0.2)
    assert all(len(top) == 9 for top in tops) and floors == [0.2] * 10


def test_a_new_claim_enters_the_lists_it_stands_high_enough_in():
    full = [0.9 - 0.01 * k for k in range(40)]  # a list of 40, last 0.51
    short = [0.4, 0.1]  # the archive had 3 claims
    cosines = np.array([[0.6, 0.3], [0.05, np.nan], [0.5, 0.52]])
    raised = clustering.raised_tops([full, short, full], cosines, neighbours=40)
    # Row 0: 0.6 enters, the last (0.51) leaves, 0.3 does not; row 1: a short list takes all but
    # a newcomer itself (NaN); row 2: 0.52 enters, 0.5 is below the last.
    assert raised[0] == sorted([*full[:39], 0.6], reverse=True)
    assert raised[1] == [0.4, 0.1, 0.05]
    assert raised[2] == sorted([*full[:39], 0.52], reverse=True)
    assert clustering.floor_of(raised[2]) == pytest.approx(0.52)
    # A list not known (None) and a newcomer below every last: nothing to raise.
    assert clustering.raised_tops([None, full], np.array([[0.99], [0.2]]), neighbours=40) == {}
