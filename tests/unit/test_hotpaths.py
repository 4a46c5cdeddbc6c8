"""The faster hot paths (issue 14, "Scale") give what the code they replaced gave.

- ``pairscore.top_cosines`` takes each row's top k by partition, then sorts only those; it
  must return exactly the lists of the old full-row sort (kept here as the reference).

No Django, no model files: random data only.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from newsclaims.matching import pairscore


def old_top_cosines(parts, groups, k: int = pairscore.DENSITY_K, chunk: int = 2048):
    """`pairscore.top_cosines` before the partition (full-row sort), verbatim."""
    groups = np.asarray(groups)
    n = len(groups)
    out = [[[] for _ in parts] for _ in range(n)]
    if n < 2:
        return out
    kk = min(k, n - 1)
    for p, part in enumerate(parts):
        for start in range(0, n, chunk):
            sims = part[start : start + chunk] @ part.T
            sims[groups[start : start + chunk, None] == groups[None, :]] = -np.inf
            top = -np.sort(-sims, axis=1)[:, :kk]
            for row, values in enumerate(top):
                out[start + row][p] = [round(float(x), 5) for x in values if np.isfinite(x)]
    return out


def tied_parts(rng: np.random.Generator, n: int, dims: tuple[int, ...]) -> list[np.ndarray]:
    """Unit vectors with few distinct directions (coarse entries, repeated rows), so many
    cosines tie exactly, plus an all-zero row (cosine 0 with everything)."""
    parts = []
    for d in dims:
        base = rng.integers(-2, 3, size=(max(2, n // 4), d)).astype(np.float32)
        x = base[rng.integers(0, len(base), size=n)]
        x[0] = 0.0
        parts.append(pairscore.split_parts(x, [d])[0])
    return parts


@pytest.mark.parametrize("n", [2, 3, 7, 60, 301])
@pytest.mark.parametrize("k", [1, 5, 12, 1000])
def test_top_cosines_equals_the_full_sort_with_ties_and_same_source_cells(n: int, k: int) -> None:
    rng = np.random.default_rng(1000 * n + k)
    parts = tied_parts(rng, n, (8, 5))
    # Few groups, one of them large: many same-source cells, some rows with fewer than k others.
    groups = rng.choice([0, 0, 0, 1, 2, 3], size=n)
    for chunk in (2048, 16):
        new = pairscore.top_cosines(parts, groups, k, chunk=chunk)
        old = old_top_cosines(parts, groups, k, chunk=chunk)
        assert new == old
        assert json.dumps(new) == json.dumps(old)  # also the sign of any zero, as stored


@pytest.mark.parametrize("k", [pairscore.DENSITY_K, 400])
def test_top_cosines_equals_the_full_sort_on_random_unit_vectors(k: int) -> None:
    # A large k too: numpy's partition leaves a small prefix sorted anyway, a large one not, so
    # this is the case that shows the top k are still sorted after the partition.
    rng = np.random.default_rng(7)
    x = rng.standard_normal((1200, 64)).astype(np.float32)
    parts = pairscore.split_parts(x, [32, 64])
    groups = rng.integers(0, 400, size=1200)
    assert pairscore.top_cosines(parts, groups, k) == old_top_cosines(parts, groups, k)


def test_top_cosines_when_every_claim_is_of_one_source() -> None:
    parts = tied_parts(np.random.default_rng(3), 10, (4,))
    groups = [5] * 10
    assert pairscore.top_cosines(parts, groups) == old_top_cosines(parts, groups) == [[[]]] * 10
