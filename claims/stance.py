"""Stance between two claims (agree / disagree / other) from their stored embeddings.

The head is trained by ``python -m claims.train_stance`` on the ANS corpus (Arabic news
headline pairs) and saved to ``claims/data/stance_head.npz``. It runs on the very vectors
the service stores for each claim (``claims.embedding.embed``), so comparing two stored
claims needs no re-embedding, and it is pure numpy: no torch or sentence-transformers
import at run time.

Model, in two stages (because ANS has 25x more agree/disagree pairs than "other" ones,
and "other" is almost perfectly predicted by the cosines alone, while a 3-way MLP spends
its capacity on, and gets unstable from, the 2% "other" class):

1. ``p_other``: logistic regression on the per-encoder cosines of the pair.
2. ``q_agree``: an ensemble (mean over seeds) of one-hidden-layer MLPs on the symmetric
   pair features ``[u + v, |u - v|, u * v]`` of each encoder part plus the cosines,
   trained on agree/disagree pairs only.

``P = ((1 - p_other) * q_agree, (1 - p_other) * (1 - q_agree), p_other)``. Every feature
is symmetric in (u, v), so ``predict_proba(u, v) == predict_proba(v, u)`` exactly.

Stored vectors of ``builtin:use+e5`` are the concatenation ``[sqrt(w) * use, sqrt(1 - w)
* e5]``; the head splits them at the recorded boundaries and re-normalises each part, so
it does not depend on the mixing weight ``w`` the service happens to use.

This module must not import Django (it is used by the benchmark and by tasks alike).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["CLASSES", "DEFAULT_PATH", "StanceHead", "get_head", "load_head", "pair_features", "stance"]

CLASSES: tuple[str, str, str] = ("agree", "disagree", "other")
"""Class order of every probability row."""

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "stance_head.npz"
"""Where ``claims.train_stance`` writes the head and :func:`load_head` looks for it."""


def _split_parts(x: np.ndarray, bounds: tuple[int, ...]) -> list[np.ndarray]:
    """Split rows at ``bounds`` (cumulative ends) and L2-normalise each part."""
    parts = []
    start = 0
    for end in bounds:
        part = x[:, start:end].astype(np.float32, copy=False)
        norm = np.linalg.norm(part, axis=1, keepdims=True)
        # A zero part (e.g. an empty text) stays zero instead of becoming NaN.
        parts.append(part / np.maximum(norm, 1e-12))
        start = end
    return parts


def pair_features(u: np.ndarray, v: np.ndarray, bounds: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric pair features of two batches of stored vectors.

    Args:
        u, v: (n, d) arrays of stored claim vectors; ``d == bounds[-1]``.
        bounds: cumulative end index of each encoder part, e.g. ``(512, 896)``.

    Returns:
        ``(mlp_features, cosines)``: (n, 3 * d + k) features ``[u+v, |u-v|, u*v]`` per
        part followed by the k per-part cosines, and the (n, k) cosines alone.
    """
    feats: list[np.ndarray] = []
    cosines: list[np.ndarray] = []
    for pu, pv in zip(_split_parts(u, bounds), _split_parts(v, bounds), strict=True):
        feats += [pu + pv, np.abs(pu - pv), pu * pv]
        cosines.append(np.einsum("ij,ij->i", pu, pv)[:, None])
    cos = np.concatenate(cosines, axis=1)
    return np.concatenate([*feats, cos], axis=1), cos


def _gelu(x: np.ndarray) -> np.ndarray:
    """GELU, tanh approximation (the head is trained with exactly this form)."""
    return 0.5 * x * (1.0 + np.tanh(0.7978845608028654 * (x + 0.044715 * x**3)))


@dataclass(frozen=True)
class StanceHead:
    """A trained stance head; see the module docstring for the model.

    Attributes:
        model_name: embedding model whose stored vectors the head expects.
        bounds: cumulative end index of each encoder part in a stored vector.
        other_coef, other_intercept: logistic regression of "other" on the cosines.
        w1, b1, w2, b2: the MLP ensemble, stacked over seeds: ``w1`` (k, F, H) with the
            feature standardisation folded in, ``b1`` (k, H), ``w2`` (k, H), ``b2`` (k,);
            each member outputs the logit of "agree" versus "disagree".
        metadata: training date, data, figures, ... (JSON from the npz).
    """

    model_name: str
    bounds: tuple[int, ...]
    other_coef: np.ndarray
    other_intercept: float
    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray
    metadata: dict

    @property
    def dimension(self) -> int:
        """Size of the stored vectors the head takes."""
        return self.bounds[-1]

    def predict_proba(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Probabilities of (agree, disagree, other) for each pair (u[i], v[i]).

        Args:
            u, v: stored vectors, shape (n, d) or (d,), ``d == self.dimension``.

        Returns:
            (n, 3) float64 array in :data:`CLASSES` order, rows summing to 1 (a 1-D
            input gives n = 1). Symmetric: swapping u and v gives the same result.
        """
        u2 = np.atleast_2d(np.asarray(u, dtype=np.float32))
        v2 = np.atleast_2d(np.asarray(v, dtype=np.float32))
        if u2.shape != v2.shape or u2.shape[1] != self.dimension:
            raise ValueError(
                f"stance head for {self.model_name} takes pairs of {self.dimension}-d vectors, "
                f"got {u2.shape} and {v2.shape}"
            )
        feats, cos = pair_features(u2, v2, self.bounds)
        p_other = 1.0 / (1.0 + np.exp(-(cos.astype(np.float64) @ self.other_coef + self.other_intercept)))
        # (n, F) x (k, F, H) -> (k, n, H); float32 is plenty and twice as fast.
        hidden = _gelu(np.einsum("nf,kfh->knh", feats, self.w1, optimize=True) + self.b1[:, None, :])
        logits = np.einsum("knh,kh->kn", hidden, self.w2) + self.b2[:, None]
        q_agree = (1.0 / (1.0 + np.exp(-logits.astype(np.float64)))).mean(axis=0)
        probs = np.stack([(1.0 - p_other) * q_agree, (1.0 - p_other) * (1.0 - q_agree), p_other], axis=1)
        return probs / probs.sum(axis=1, keepdims=True)


def save_head(head: StanceHead, path: Path) -> None:
    """Write ``head`` as a compressed npz (the big matrix as float16 to stay small)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path,
        model_name=np.array(head.model_name),
        bounds=np.array(head.bounds, dtype=np.int64),
        classes=np.array(CLASSES),
        other_coef=head.other_coef.astype(np.float64),
        other_intercept=np.array(head.other_intercept, dtype=np.float64),
        w1=head.w1.astype(np.float16),
        b1=head.b1.astype(np.float32),
        w2=head.w2.astype(np.float32),
        b2=head.b2.astype(np.float32),
        metadata=np.array(json.dumps(head.metadata, ensure_ascii=False)),
    )


def load_head(path: Path | None = None) -> StanceHead | None:
    """Load a head written by ``claims.train_stance``; ``None`` if the file is missing.

    Args:
        path: the npz; default :data:`DEFAULT_PATH`.
    """
    path = DEFAULT_PATH if path is None else Path(path)
    if not path.is_file():
        return None
    # allow_pickle=False: every array is numeric or a plain string, nothing to unpickle.
    with np.load(path, allow_pickle=False) as z:
        classes = tuple(str(c) for c in z["classes"])
        if classes != CLASSES:
            raise ValueError(f"{path}: head classes {classes} differ from {CLASSES}")
        return StanceHead(
            model_name=str(z["model_name"]),
            bounds=tuple(int(b) for b in z["bounds"]),
            other_coef=z["other_coef"].astype(np.float64),
            other_intercept=float(z["other_intercept"]),
            # float16 on disk; computing in float32 avoids slow float16 BLAS paths.
            w1=z["w1"].astype(np.float32),
            b1=z["b1"].astype(np.float32),
            w2=z["w2"].astype(np.float32),
            b2=z["b2"].astype(np.float32),
            metadata=json.loads(str(z["metadata"])),
        )


_head: StanceHead | None = None
_head_loaded = False
_head_lock = threading.Lock()


def get_head() -> StanceHead | None:
    """The process-wide head from :data:`DEFAULT_PATH` (loaded once; ``None`` if missing)."""
    global _head, _head_loaded
    if not _head_loaded:
        with _head_lock:
            if not _head_loaded:
                _head = load_head()
                _head_loaded = True
    return _head


def stance(u: np.ndarray, v: np.ndarray) -> tuple[str, float]:
    """Most likely stance of one pair of stored vectors and its probability.

    Raises:
        RuntimeError: if no head has been trained (``python -m claims.train_stance``).
    """
    head = get_head()
    if head is None:
        raise RuntimeError(f"no stance head at {DEFAULT_PATH}; run `python -m claims.train_stance`")
    probs = head.predict_proba(u, v)[0]
    best = int(np.argmax(probs))
    return CLASSES[best], float(probs[best])
