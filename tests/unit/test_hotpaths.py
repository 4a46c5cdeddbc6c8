"""The faster hot paths (issue 14, "Scale") give what the code they replaced gave.

- ``pairscore.top_cosines`` takes each row's top k by partition, then sorts only those; it
  must return exactly the lists of the old full-row sort (kept here as the reference).
- ``StanceHead.mlp_logit`` multiplies by ``w1`` reshaped once to (F, k * H); it must equal the
  old ``einsum("nf,kfh->knh")`` to float tolerance.

No Django, no model files: random data only.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from newsclaims.matching import pairscore
from newsclaims.verdicts import stance


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


def random_head(rng: np.random.Generator, k: int, f: int, h: int, dtype) -> stance.StanceHead:
    def arr(*shape):
        return rng.standard_normal(shape).astype(dtype)

    return stance.StanceHead(
        model_name="test",
        bounds=(f,),
        other_coef=arr(1),
        other_intercept=0.0,
        w1=arr(k, f, h) / np.sqrt(f),
        b1=arr(k, h),
        w2=arr(k, h) / np.sqrt(h),
        b2=arr(k),
        other_text_coef=arr(1),
        other_text_intercept=0.0,
        tree_feature=np.zeros((1, 1), dtype=np.int64),
        tree_threshold=np.zeros((1, 1)),
        tree_children=np.zeros((1, 1, 2), dtype=np.int64),
        tree_value=np.zeros((1, 1)),
        tree_baseline=0.0,
        metadata={},
    )


def old_mlp_logit(head: stance.StanceHead, feats: np.ndarray) -> np.ndarray:
    """`StanceHead.mlp_logit` before the reshaped weights (einsum), verbatim."""
    hidden = stance._gelu(np.einsum("nf,kfh->knh", feats, head.w1, optimize=True) + head.b1[:, None, :])
    logits = np.einsum("knh,kh->kn", hidden, head.w2) + head.b2[:, None]
    q = np.clip(stance._sigmoid(logits).mean(axis=0), 1e-9, 1.0 - 1e-9)
    return np.log(q / (1.0 - q))


@pytest.mark.parametrize("n", [1, 2, 64])
def test_the_stance_mlp_equals_the_einsum(n: int) -> None:
    rng = np.random.default_rng(n)
    k, f, h = 5, 97, 16
    # float64: only the summation order differs, so 1e-6 relative holds with room to spare.
    head = random_head(rng, k, f, h, np.float64)
    feats = rng.standard_normal((n, f))
    first = (feats @ head._w1_flat).reshape(n, k, h).transpose(1, 0, 2)
    np.testing.assert_allclose(first, np.einsum("nf,kfh->knh", feats, head.w1), rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(head.mlp_logit(feats), old_mlp_logit(head, feats), rtol=1e-6, atol=1e-12)
    assert head.mlp_logit(feats).shape == (n,)


def test_the_stance_mlp_in_float32_as_loaded_matches_the_einsum() -> None:
    # float32 as load_head gives it: rounding differs with the summation order (~1e-7 relative
    # per product), far below anything that moves a probability.
    rng = np.random.default_rng(32)
    head = random_head(rng, 5, 2690, 256, np.float32)
    feats = rng.standard_normal((64, 2690)).astype(np.float32)
    np.testing.assert_allclose(head.mlp_logit(feats), old_mlp_logit(head, feats), rtol=1e-4, atol=1e-5)
    assert head._w1_flat is head._w1_flat  # built once per head
