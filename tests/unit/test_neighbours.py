"""Nearest neighbours past the exact limit (issue 14, "Scale"): `newsclaims.matching.neighbours`.

Below `EXACT_LIMIT` every caller runs the exact search it always ran (the tests of
`test_candidate_pairs.py` and `test_hotpaths.py` pin its results to the bit); past it an HNSW index
answers, which must find nearly all the exact neighbours, never a claim of the row's own source,
and the same ones on every run. The limit is lowered through the callers' `exact_limit`
parameter, so the index is exercised on small data. No Django.
"""

from __future__ import annotations

import numpy as np
import pytest

from newsclaims.matching import neighbours, pairscore
from newsclaims.matching.clustering import candidate_pairs
from newsclaims.matching.pairscore import ClaimScorer, split_parts, top_cosines


def corpus(n: int = 3000, dim: int = 64, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors like a news archive's (`evaluation/bench_rebuild.py`, smaller): topics of 40-80
    claims at cosine ~0.35, facts of 2-6 restatements at ~0.8 inside them; and sources of 1-4
    claims drawn from anywhere."""
    rng = np.random.default_rng(seed)
    rows = []
    while len(rows) < n:
        centre = rng.standard_normal(dim)
        for _ in range(int(rng.integers(10, 20))):
            fact = rng.standard_normal(dim)
            for _ in range(int(rng.integers(2, 7))):
                rows.append(np.sqrt(0.35) * centre + np.sqrt(0.45) * fact + np.sqrt(0.2) * rng.standard_normal(dim))
    x = np.asarray(rows[:n], dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    groups = np.repeat(np.arange(n), rng.integers(1, 5, size=n))[:n]
    return x, groups[rng.permutation(n)]


def recall(got: neighbours.Neighbours, want: neighbours.Neighbours) -> float:
    hits = total = 0
    for g, w in zip(got.indices, want.indices, strict=True):
        w = set(w[w >= 0].tolist())
        hits += len(w & set(g[g >= 0].tolist()))
        total += len(w)
    return hits / total


def test_below_the_limit_the_exact_search_runs_and_no_index_is_built(monkeypatch):
    def no_index(*args, **kwargs):
        raise AssertionError("the index was used below the exact limit")

    monkeypatch.setattr(neighbours, "approximate_nearest", no_index)
    monkeypatch.setattr(neighbours, "build_index", no_index)
    x, groups = corpus(500)
    got = neighbours.nearest(x, 10, exclude_groups=groups, exact_limit=500)
    want = neighbours.exact_nearest(x, 10, exclude_groups=groups)
    assert np.array_equal(got.indices, want.indices) and np.array_equal(got.cosines, want.cosines)
    # Every caller of the whole corpus, at their default limit, on an archive below it.
    assert len(x) <= neighbours.EXACT_LIMIT
    top_cosines(split_parts(np.hstack([x, x]), [64, 128]), groups)
    candidate_pairs(x, 40, 0.2)
    ClaimScorer(pairscore_model(), np.hstack([x, x])[:50], ["a"] * 50, ["en"] * 50, groups[:50].tolist())


def pairscore_model() -> pairscore.PairModel:
    features = pairscore.SAME_LANGUAGE_FEATURES
    coef = (1.0,) * (2 * 2 + 3)
    return pairscore.PairModel(
        model_name="toy",
        bounds=(64, 128),
        same_language=pairscore.Logistic(features, coef, 0.0),
        cross_language=pairscore.Logistic(pairscore.CROSS_LANGUAGE_FEATURES, (1.0,) * 4, 0.0),
        threshold=0.5,
    )


@pytest.mark.parametrize("k", [5, 40])
def test_the_index_finds_nearly_all_exact_neighbours(k):
    x, _ = corpus()
    got = neighbours.nearest(x, k, exact_limit=100)
    want = neighbours.exact_nearest(x, k)
    assert recall(got, want) >= 0.95
    # Highest first, and each cosine is the vectors' own.
    rows = np.arange(len(x))[:, None]
    assert np.all(np.diff(got.cosines, axis=1) <= 0)
    assert np.allclose(got.cosines, np.einsum("id,ijd->ij", x, x[got.indices]), atol=1e-6)
    assert not np.any(got.indices == rows)


def test_the_index_never_gives_a_neighbour_of_the_rows_own_group():
    x, groups = corpus()
    # One source far larger than the index's slack: its rows come back short and are searched again.
    groups = groups.copy()
    groups[:100] = -1
    got = neighbours.nearest(x, 5, exclude_groups=groups, exact_limit=100)
    want = neighbours.exact_nearest(x, 5, exclude_groups=groups)
    assert np.all(got.indices >= 0)
    assert not np.any(groups[got.indices] == groups[:, None])
    assert recall(got, want) >= 0.95


def test_a_row_with_fewer_eligible_neighbours_than_k_gets_all_of_them():
    x, _ = corpus(300)
    groups = np.zeros(300, dtype=np.int64)
    groups[:3] = [1, 2, 3]  # every other row has only these three outside its group
    got = neighbours.nearest(x, 5, exclude_groups=groups, exact_limit=10)
    for row in range(3, 300):
        assert sorted(got.indices[row][got.indices[row] >= 0].tolist()) == [0, 1, 2]
        assert np.isneginf(got.cosines[row][3:]).all()


def test_the_index_gives_the_same_neighbours_on_every_run():
    x, groups = corpus()
    first = neighbours.nearest(x, 40, exclude_groups=groups, exact_limit=100)
    second = neighbours.nearest(x.copy(), 40, exclude_groups=groups, exact_limit=100)
    assert np.array_equal(first.indices, second.indices)
    assert np.array_equal(first.cosines, second.cosines)


def test_top_cosines_and_candidate_pairs_past_the_limit_agree_with_the_exact_ones():
    x, groups = corpus()
    parts = split_parts(np.hstack([x, x[:, ::-1]]), [64, 128])
    exact = top_cosines(parts, groups)
    approximate = top_cosines(parts, groups, exact_limit=100)
    assert approximate == top_cosines(parts, groups, exact_limit=100)  # deterministic
    rows = zip(approximate, exact, strict=True)
    same = sum(a == e for row_a, row_e in rows for a, e in zip(row_a, row_e, strict=True))
    assert same / (2 * len(x)) >= 0.95  # whole lists of 5 equal, both parts
    pairs = candidate_pairs(x, 40, 0.2)
    found = candidate_pairs(x, 40, 0.2, exact_limit=100)
    assert found == candidate_pairs(x, 40, 0.2, exact_limit=100)
    assert len(pairs.keys() & found.keys()) / len(pairs) >= 0.95
    assert all(found[key] == pytest.approx(pairs[key], abs=1e-6) for key in pairs.keys() & found.keys())
    assert all(i < j and value >= 0.2 for (i, j), value in found.items())


def test_a_margin_is_the_lead_over_the_next_closest_claim_of_the_source_from_the_full_rows():
    x, groups = corpus(400)
    vectors = np.hstack([x, x[:, ::-1]])
    args = (pairscore_model(), vectors, ["a"] * 400, ["en"] * 400, groups.tolist())
    by_source = ClaimScorer(*args, source_margins=True)
    mean = sum(p.astype(np.float64) @ p.T.astype(np.float64) for p in by_source.parts) / len(by_source.parts)

    def full_row_margin(i: int, j: int) -> float:
        others = sorted((mean[i, k] for k in np.flatnonzero(groups == groups[j]) if k != i), reverse=True)
        best, second = [*others, -1.0, -1.0][:2]
        return mean[i, j] - (second if mean[i, j] >= best else best)

    for i, j in [(0, 1), (5, 300), (17, 42), (399, 0), *((i, (i * 7) % 400) for i in range(0, 400, 9))]:
        assert by_source.margin(i, j) == pytest.approx(full_row_margin(i, j), abs=1e-5)
        assert by_source.margin(i, j) == ClaimScorer(*args).margin(i, j)  # one definition, either flag


def _older_rows_given_new_neighbours(x: np.ndarray, ids: np.ndarray, newest: int, insertion: bool) -> int:
    """How many older rows find an older neighbour, after the `newest` claims (highest ids) joined,
    that they did not find before: with an exact search none (a new claim can only push one out)."""
    old = ids < len(ids) - newest
    before = neighbours.nearest(x[old], 20, exact_limit=100, insertion=ids[old] if insertion else None)
    after = neighbours.nearest(x, 20, exact_limit=100, insertion=ids if insertion else None)
    old_ids = ids[old]
    changed = 0
    for r, row in enumerate(np.flatnonzero(old)):
        had = set(old_ids[before.indices[r]].tolist())
        changed += not {i for i in ids[after.indices[row]].tolist() if i < len(ids) - newest} <= had
    return changed


def test_claims_inserted_oldest_first_keep_their_neighbours_when_new_claims_join():
    """The rebuild after an archive grew finds the older claims' neighbours it found before: the
    older part of the graph is built again as it was (rows in id order, not the rebuild's order of
    publication), where one build of all rows in one call gives a graph of its own each time."""
    kept = shuffled = 0
    for seed in range(3):
        x, _ = corpus(3000, seed=seed)
        ids = np.random.default_rng(seed).permutation(3000)  # row order is not arrival order
        kept += _older_rows_given_new_neighbours(x, ids, 100, insertion=True)
        shuffled += _older_rows_given_new_neighbours(x, ids, 100, insertion=False)
    assert kept <= 90  # 1% of 3 x 2,900 older rows (measured 60; the exact search: 1)
    assert 2 * kept < shuffled  # measured 170
    with pytest.raises(ValueError, match="3 insertion keys for 3000 vectors"):
        neighbours.nearest(x, 20, exact_limit=100, insertion=ids[:3])
