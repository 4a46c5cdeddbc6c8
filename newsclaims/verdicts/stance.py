"""Stance between two claims (agree / disagree / other) from their stored embeddings.

The head is trained by ``python -m training.train_stance`` on the ANS corpus (Arabic news
headline pairs) and saved to ``newsclaims/verdicts/data/stance_head.npz``. It runs on the very vectors
the service stores for each claim (``newsclaims.matching.embedding.embed``), so comparing two stored
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

When the two texts are given as well, cheap pure-Python pair features of the texts
(:func:`text_features`: token/stem overlap, negation mismatch, number mismatch, antonym
substitution, length ratio) refine both stages, because ANS contradictions are mostly a
headline with one word negated, swapped for its antonym or a number changed, which a
sentence vector blurs:

1'. ``p_other``: logistic regression on the cosines, their squares and the overlap
    features (:func:`other_text_features`).
2'. ``q_agree``: a small gradient-boosted tree ensemble (the stacker, evaluated here in
    numpy) on the MLP ensemble's logit, all text features and the cosines
    (:func:`agree_text_features`), fitted on out-of-fold MLP logits. It is monotone:
    increasing in the MLP logit, decreasing in the negation, number and antonym mismatch
    features.

3'. With the cross-encoder's logits as well (:mod:`newsclaims.verdicts.crossencoder`, which reads the two
    texts together; the caller computes them, since they need torch): the final agree logit
    is ``w_stacker * stacker logit + w_cross * cross-encoder logit + bias``, a logistic
    regression fitted on train rows held out from both (``cross_coef``).

Without texts the vector-only stages 1 and 2 are used, so older callers keep working.

Stored vectors of ``builtin:use+e5`` are the concatenation ``[sqrt(w) * use, sqrt(1 - w)
* e5]``; the head splits them at the recorded boundaries and re-normalises each part, so
it does not depend on the mixing weight ``w`` the service happens to use.

This module must not import Django (it is used by the benchmark and by tasks alike).
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from newsclaims.text.quantities import is_number_token, quantities_in
from newsclaims.text.textnorm import ARABIC_CLITICS, normalize

__all__ = [
    "CLASSES",
    "CROSS_LOGIT_RANGE",
    "DEFAULT_PATH",
    "TEXT_FEATURES",
    "StanceHead",
    "agree_text_features",
    "blas_threads",
    "get_head",
    "load_head",
    "other_text_features",
    "pair_features",
    "stance",
    "text_features",
]

CLASSES: tuple[str, str, str] = ("agree", "disagree", "other")
"""Class order of every probability row."""

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "stance_head.npz"
CROSS_LOGIT_RANGE = (-3.8, 3.4)
"""The cross-encoder's logits the head takes, wider ones clipped. The cross-encoder's logits saturate
inside it: on all 3,407 ANS train and dev pairs they ran from -3.788 to 3.375 in float32 (-3.781 to
3.375 in bfloat16), the 1st and 99th percentiles within 0.01 of the ends. Bounded, the head's verdict
on a pair can be known before the cross-encoder reads it (:meth:`StanceHead.disagree_bounds`)."""
"""Where ``training.train_stance`` writes the head and :func:`load_head` looks for it."""


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


TEXT_FEATURES: tuple[str, ...] = (
    "jaccard_tokens",
    "jaccard_stems",
    "diff_frac_min",
    "diff_frac_max",
    "length_ratio",
    "negation_count_diff",
    "negation_mismatch",
    "negation_any",
    "numbers_mismatch",
    "numbers_one_side",
    "numbers_shared",
    "antonym_swap",
    "diff_count_min",
    "diff_count_max",
)
"""Names of the :func:`text_features` columns, in order."""

OVERLAP_FEATURES: tuple[int, ...] = (0, 1, 2, 3, 12, 13)
"""Columns of :data:`TEXT_FEATURES` the text-aware "other" regression uses: unrelated pairs
share few words, and 63 training examples cannot support more features (grouped CV)."""

COS_SCALE = 10.0
"""Cosines differ in the 2nd decimal; the regressions see them times this (so one L2
strength suits cosines and text features alike)."""

AGREE_MONOTONE: dict[str, int] = {
    "negation_count_diff": -1,
    "negation_mismatch": -1,
    "numbers_mismatch": -1,
    "antonym_swap": -1,
}
"""Monotonicity of the agree stacker in these :data:`TEXT_FEATURES` (-1: a mismatch can only
lower ``q_agree``); it is always increasing in the MLP logit."""


def other_text_features(cos: np.ndarray, tf: np.ndarray) -> np.ndarray:
    """Inputs of the text-aware "other" regression: ``[s * cos, overlap features, (s * cos)**2]``.

    Args:
        cos: (n, k) per-part cosines (:func:`pair_features`).
        tf: (n, len(TEXT_FEATURES)) :func:`text_features` rows.
    """
    c = np.asarray(cos, dtype=np.float64) * COS_SCALE
    return np.concatenate([c, tf[:, OVERLAP_FEATURES], c**2], axis=1)


def agree_text_features(logit: np.ndarray, tf: np.ndarray, cos: np.ndarray) -> np.ndarray:
    """Inputs of the agree stacker: ``[MLP logit, text features, cosines]``."""
    return np.concatenate([np.asarray(logit, dtype=np.float64)[:, None], tf, np.asarray(cos, np.float64)], axis=1)


def agree_monotone(k: int) -> np.ndarray:
    """Monotonic constraints (+1/-1/0) of the :func:`agree_text_features` columns for k parts."""
    cst = np.zeros(1 + len(TEXT_FEATURES) + k, dtype=np.int64)
    cst[0] = 1
    for name, sign in AGREE_MONOTONE.items():
        cst[1 + TEXT_FEATURES.index(name)] = sign
    return cst


_TOKEN_RE = re.compile(r"\w+")
# Arabic clitics (textnorm.ARABIC_CLITICS): stripping them lets
# "والعقوبات" match "العقوبات". Longest first; a stem keeps at least 3 letters.
_PREFIXES = ARABIC_CLITICS

# Negation and refusal words (Arabic and English), compared after textnorm.normalize. A
# negation present in one headline only is the commonest ANS contradiction.
_NEGATION_WORDS = """
    لم لن ليس ليست ليسوا لا غير نفى ينفي تنفي نفت نفي عدم رفض يرفض ترفض رفضت يرفضون دون بدون
    فشل يفشل تفشل فشلت تجاهل يتجاهل تتجاهل ينكر تنكر انكر يكذب تكذب تكذيب ممنوع يمنع تمنع منع الغاء
    not no never none nobody neither nor cannot without denied denies deny refuse refused refuses
    reject rejects rejected fail fails failed
"""
_NEGATIONS = frozenset(normalize(w) for w in _NEGATION_WORDS.split())

# Antonym pairs: a word of one headline replaced by its opposite in the other.
_ANTONYM_PAIRS = """
    ارتفاع/انخفاض ارتفاع/تراجع ارتفاع/هبوط صعود/هبوط صعود/تراجع صعود/انخفاض يرتفع/ينخفض ترتفع/تنخفض
    يرتفع/يتراجع ترتفع/تتراجع ارتفع/انخفض ارتفعت/انخفضت ارتفع/تراجع ارتفعت/تراجعت زيادة/انخفاض زيادة/نقص
    زيادة/تراجع أعلى/أدنى أكثر/أقل فوز/خسارة فوز/هزيمة يفوز/يخسر تفوز/تخسر قبول/رفض يقبل/يرفض تقبل/ترفض
    فتح/إغلاق يفتح/يغلق تفتح/تغلق نجاح/فشل ينجح/يفشل تنجح/تفشل رفع/خفض يرفع/يخفض ترفع/تخفض مكاسب/خسائر
    أرباح/خسائر تدعم/تعارض يدعم/يعارض دعم/معارضة سلام/حرب هدوء/توتر هدوء/اشتباكات بدء/انتهاء إعدام/براءة
    إدانة/براءة أول/آخر كبير/صغير قوي/ضعيف حليف/عدو يؤيد/يعارض تؤيد/تعارض اتفاق/خلاف يتفق/يختلف
    استمرار/توقف يستمر/يتوقف تستمر/تتوقف اعتقال/الإفراج اعتقال/إطلاق يزيد/ينقص تزيد/تنقص غني/فقير
    شمال/جنوب شرق/غرب يسمح/يمنع تسمح/تمنع السماح/منع انتصار/هزيمة تقدم/تراجع مرتفع/منخفض مرتفعة/منخفضة
    قياسي/أدنى أزمة/انفراج حرب/هدنة
    rise/fall up/down increase/decrease win/lose accept/reject open/close higher/lower more/less
    gain/loss support/oppose
"""
_ANTONYMS = tuple(tuple(normalize(x) for x in pair.split("/")) for pair in _ANTONYM_PAIRS.split())


def _stem(token: str) -> str:
    """Strip one leading clitic (see ``_PREFIXES``) if a 3-letter stem remains."""
    for prefix in _PREFIXES:
        if token.startswith(prefix) and len(token) - len(prefix) >= 3:
            return token[len(prefix) :]
    return token


_ANTONYM_STEMS = frozenset(frozenset((_stem(a), _stem(b))) for a, b in _ANTONYMS)


@dataclass(frozen=True)
class _TextInfo:
    """Per-text pieces of :func:`text_features`, computed once per distinct text."""

    tokens: frozenset[str]
    stems: frozenset[str]
    n_tokens: int
    n_negations: int
    numbers: frozenset[float]


@lru_cache(maxsize=65536)
def _text_info(text: str) -> _TextInfo:
    """Tokenise ``text`` (after Arabic normalisation) and extract negations and numbers; once per
    text in a process (the value is frozen): a status refresh asks about a cluster's claims each
    time an article joins it, so most texts were read on an earlier refresh."""
    tokens = _TOKEN_RE.findall(normalize(text).lower())
    stems = [_stem(t) for t in tokens]
    numbers: set[float] = set()
    # Reading quantities is most of the cost; skip it when no token can start a number.
    if any(is_number_token(t) or t[0].isdigit() for t in tokens):
        for q in quantities_in(text):
            value = next((x for x in (q.value, q.low, q.high) if x is not None), None)
            if value is not None:
                numbers.add(round(float(value), 6))
    return _TextInfo(
        tokens=frozenset(tokens),
        stems=frozenset(stems),
        n_tokens=len(tokens),
        n_negations=sum(t in _NEGATIONS or s in _NEGATIONS for t, s in zip(tokens, stems, strict=True)),
        numbers=frozenset(numbers),
    )


def _pair_text_features(a: _TextInfo, b: _TextInfo) -> list[float]:
    """The :data:`TEXT_FEATURES` row of one pair; every entry is symmetric in (a, b)."""
    only_a, only_b = a.stems - b.stems, b.stems - a.stems
    frac_a, frac_b = len(only_a) / max(1, len(a.stems)), len(only_b) / max(1, len(b.stems))
    antonym = any(frozenset((x, y)) in _ANTONYM_STEMS for x in only_a for y in only_b)
    return [
        len(a.tokens & b.tokens) / max(1, len(a.tokens | b.tokens)),
        len(a.stems & b.stems) / max(1, len(a.stems | b.stems)),
        min(frac_a, frac_b),
        max(frac_a, frac_b),
        min(a.n_tokens, b.n_tokens) / max(1, a.n_tokens, b.n_tokens),
        float(abs(a.n_negations - b.n_negations)),
        float((a.n_negations > 0) != (b.n_negations > 0)),
        float(a.n_negations + b.n_negations > 0),
        float(bool(a.numbers) and bool(b.numbers) and a.numbers != b.numbers),
        float(bool(a.numbers) != bool(b.numbers)),
        float(bool(a.numbers & b.numbers)),
        float(antonym),
        # Scaled to O(1) so one regularisation strength suits every column.
        min(len(only_a), len(only_b)) / 5.0,
        max(len(only_a), len(only_b)) / 5.0,
    ]


def text_features(texts_u: Sequence[str], texts_v: Sequence[str]) -> np.ndarray:
    """Symmetric pure-Python pair features of two lists of texts (see :data:`TEXT_FEATURES`).

    Args:
        texts_u, texts_v: equally long lists; pair i is ``(texts_u[i], texts_v[i])``.

    Returns:
        (n, len(TEXT_FEATURES)) float64 array.
    """
    if len(texts_u) != len(texts_v):
        raise ValueError(f"{len(texts_u)} texts on one side, {len(texts_v)} on the other")
    rows = [_pair_text_features(_text_info(a), _text_info(b)) for a, b in zip(texts_u, texts_v, strict=True)]
    return np.array(rows, dtype=np.float64).reshape(len(rows), len(TEXT_FEATURES))


def _as_texts(texts: str | Sequence[str], n: int) -> list[str]:
    """A single text or a list of texts as a list of ``n`` texts."""
    out = [texts] if isinstance(texts, str) else list(texts)
    if len(out) != n:
        raise ValueError(f"got {len(out)} texts for {n} vector pairs")
    return out


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function, float64."""
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


def _tree_sum(
    x: np.ndarray, feature: np.ndarray, threshold: np.ndarray, children: np.ndarray, value: np.ndarray
) -> np.ndarray:
    """Sum over trees of the leaf value each row of ``x`` reaches.

    Trees are stored as padded (t, m) node arrays: node 0 is the root; an inner node sends a
    row to ``children[..., 0]`` if ``x[feature] <= threshold`` (else ``children[..., 1]``);
    a leaf has ``feature == -1`` and its ``value``.
    """
    n = len(x)
    t = np.arange(len(feature))[:, None]
    node = np.zeros((len(feature), n), dtype=np.int64)
    rows = np.arange(n)[None, :]
    for _ in range(feature.shape[1]):  # depth < number of nodes
        f = feature[t, node]
        inner = f >= 0
        if not inner.any():
            break
        go_right = x[rows, np.maximum(f, 0)] > threshold[t, node]
        node = np.where(inner, children[t, node, go_right.astype(np.int64)], node)
    return value[t, node].sum(axis=0)


_blas_controller: Any = None
_blas_controller_lock = threading.Lock()


def blas_threads(threads: int | None) -> contextlib.AbstractContextManager:
    """A context in which numpy's BLAS uses at most ``threads`` threads (``None`` or 0: as it is).

    One thread is what a small machine shared with other work wants: on 2 busy cores the head's
    first layer took 4.7 ms per single pair and 100 ms per 64 pairs with OpenBLAS's 2 threads
    (each call waits for the thread the other work holds up), 1.3 and 21 ms with 1. Needs
    threadpoolctl (installed with scikit-learn, which sentence-transformers requires); without
    it, BLAS is left as it is.
    """
    global _blas_controller
    if not threads:
        return contextlib.nullcontext()
    if _blas_controller is None:
        with _blas_controller_lock:
            if _blas_controller is None:
                try:
                    from threadpoolctl import ThreadpoolController
                except ImportError:
                    _blas_controller = False
                else:
                    _blas_controller = ThreadpoolController()  # finds the BLAS numpy loaded, once
    if _blas_controller is False:
        return contextlib.nullcontext()
    return _blas_controller.limit(limits=threads, user_api="blas")


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
        other_text_coef, other_text_intercept: text-aware "other" regression on
            :func:`other_text_features`.
        tree_feature, tree_threshold, tree_children, tree_value, tree_baseline: the
            text-aware agree stacker, boosted trees on :func:`agree_text_features` (see
            :func:`_tree_sum`); its logit is ``tree_baseline + sum of leaf values``.
        metadata: training date, data, figures, ... (JSON from the npz).
        cross_coef: ``(w_stacker, w_cross, bias)`` of the final agree logit
            ``w_stacker * stacker logit + w_cross * cross-encoder logit + bias``, fitted on
            rows held out from both (see :mod:`training.train_crossencoder`); ``None`` for a
            head trained without the cross-encoder.
    """

    model_name: str
    bounds: tuple[int, ...]
    other_coef: np.ndarray
    other_intercept: float
    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray
    other_text_coef: np.ndarray
    other_text_intercept: float
    tree_feature: np.ndarray
    tree_threshold: np.ndarray
    tree_children: np.ndarray
    tree_value: np.ndarray
    tree_baseline: float
    metadata: dict
    cross_coef: np.ndarray | None = None

    @property
    def dimension(self) -> int:
        """Size of the stored vectors the head takes."""
        return self.bounds[-1]

    @cached_property
    def _w1_flat(self) -> np.ndarray:
        """``w1`` as one contiguous (F, k * H) matrix, built once per head: the layer is then a
        single matmul, where ``einsum("nf,kfh->knh")`` copied all of ``w1`` on every call."""
        k, f, h = self.w1.shape
        return np.ascontiguousarray(self.w1.transpose(1, 0, 2).reshape(f, k * h))

    def mlp_logit(self, feats: np.ndarray) -> np.ndarray:
        """Logit of the ensemble's mean "agree" probability for :func:`pair_features` rows."""
        # (n, F) x (F, k * H) -> (n, k, H) -> (k, n, H); float32 is plenty and twice as fast.
        k, _, h = self.w1.shape
        first = (feats @ self._w1_flat).reshape(len(feats), k, h).transpose(1, 0, 2)
        hidden = _gelu(first + self.b1[:, None, :])
        logits = np.einsum("knh,kh->kn", hidden, self.w2) + self.b2[:, None]
        q = np.clip(_sigmoid(logits).mean(axis=0), 1e-9, 1.0 - 1e-9)
        return np.log(q / (1.0 - q))

    def agree_logit(self, x: np.ndarray) -> np.ndarray:
        """Logit of the agree stacker for :func:`agree_text_features` rows."""
        raw = _tree_sum(x, self.tree_feature, self.tree_threshold, self.tree_children, self.tree_value)
        return self.tree_baseline + raw

    def predict_proba(
        self,
        u: np.ndarray,
        v: np.ndarray,
        text_u: str | Sequence[str] | None = None,
        text_v: str | Sequence[str] | None = None,
        cross_logits: np.ndarray | None = None,
        threads: int | None = None,
    ) -> np.ndarray:
        """Probabilities of (agree, disagree, other) for each pair (u[i], v[i]).

        Args:
            u, v: stored vectors, shape (n, d) or (d,), ``d == self.dimension``.
            text_u, text_v: the claims' texts (one string for n = 1, or n strings). With
                both, the text-aware stages are used (better: ANS dev macro-F1 in the
                metadata); if either is ``None`` (e.g. a caller that lost one claim's text),
                the vector-only ones.
            cross_logits: the cross-encoder's logits of the pairs
                (:meth:`newsclaims.verdicts.crossencoder.CrossEncoder.logits`); used with the texts when
                the head was trained with them (``cross_coef``), else ignored. The
                caller computes them because they need torch and cost ~10 ms a pair,
                while this head is pure numpy and ~100x faster.
            threads: BLAS threads for the call (:func:`blas_threads`); ``None`` leaves them.

        Returns:
            (n, 3) float64 array in :data:`CLASSES` order, rows summing to 1 (a 1-D
            input gives n = 1). Symmetric: swapping (u, text_u) and (v, text_v) gives
            the same result.
        """
        p_other, agree = self._stages(u, v, text_u, text_v, threads)
        if text_u is not None and text_v is not None and self.cross_coef is not None and cross_logits is not None:
            cross = np.asarray(cross_logits, dtype=np.float64).reshape(-1)
            if cross.shape != agree.shape:
                raise ValueError(f"{len(cross)} cross-encoder logits for {len(agree)} pairs")
            agree = self._with_cross(agree, cross)
        return _probabilities(p_other, agree)

    def _with_cross(self, agree: np.ndarray, cross: np.ndarray) -> np.ndarray:
        """The final agree logit from the stacker's and the cross-encoder's (clipped to its range)."""
        w_stack, w_cross, bias = self.cross_coef
        return w_stack * agree + w_cross * np.clip(cross, *CROSS_LOGIT_RANGE) + bias

    def _stages(
        self,
        u: np.ndarray,
        v: np.ndarray,
        text_u: str | Sequence[str] | None,
        text_v: str | Sequence[str] | None,
        threads: int | None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each pair's probability of "other" and its agree logit before the cross-encoder's:
        stages 1 and 2 (1' and 2' with both texts)."""
        u2 = np.atleast_2d(np.asarray(u, dtype=np.float32))
        v2 = np.atleast_2d(np.asarray(v, dtype=np.float32))
        if u2.shape != v2.shape or u2.shape[1] != self.dimension:
            raise ValueError(
                f"stance head for {self.model_name} takes pairs of {self.dimension}-d vectors, "
                f"got {u2.shape} and {v2.shape}"
            )
        feats, cos = pair_features(u2, v2, self.bounds)
        with blas_threads(threads):
            logit = self.mlp_logit(feats)
        cos64 = cos.astype(np.float64)
        if text_u is None or text_v is None:
            return _sigmoid(cos64 @ self.other_coef + self.other_intercept), logit
        tf = text_features(_as_texts(text_u, len(u2)), _as_texts(text_v, len(u2)))
        p_other = _sigmoid(other_text_features(cos64, tf) @ self.other_text_coef + self.other_text_intercept)
        return p_other, self.agree_logit(agree_text_features(logit, tf, cos64))

    def cross_logit_ends(self) -> tuple[float, float]:
        """The cross-encoder logits within :data:`CROSS_LOGIT_RANGE` that make "disagree" likeliest
        and least likely, in that order (the head's final agree logit rises with the
        cross-encoder's when its weight is positive)."""
        if self.cross_coef is None:
            raise ValueError("this stance head takes no cross-encoder logits")
        low, high = CROSS_LOGIT_RANGE
        return (low, high) if self.cross_coef[1] >= 0 else (high, low)

    def disagree_bounds(
        self,
        u: np.ndarray,
        v: np.ndarray,
        text_u: Sequence[str],
        text_v: Sequence[str],
        threads: int | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each pair's probability of "disagree", the least and the most any cross-encoder reading
        can make it: where a status's question (is it at least some level?) has the same answer at
        both, the pair need not be read. Exact: the probability is monotone in the logit, the
        logits are clipped to :data:`CROSS_LOGIT_RANGE`, and "other" does not depend on them."""
        p_other, agree = self._stages(u, v, text_u, text_v, threads)
        most, least = self.cross_logit_ends()
        disagree = CLASSES.index("disagree")
        n = len(agree)
        low = _probabilities(p_other, self._with_cross(agree, np.full(n, least)))[:, disagree]
        high = _probabilities(p_other, self._with_cross(agree, np.full(n, most)))[:, disagree]
        return low, high


def _probabilities(p_other: np.ndarray, agree_logit: np.ndarray) -> np.ndarray:
    """(agree, disagree, other) from the probability of "other" and the agree logit."""
    q_agree = _sigmoid(agree_logit)
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
        other_text_coef=head.other_text_coef.astype(np.float64),
        other_text_intercept=np.array(head.other_text_intercept, dtype=np.float64),
        tree_feature=head.tree_feature.astype(np.int16),
        tree_threshold=head.tree_threshold.astype(np.float64),
        tree_children=head.tree_children.astype(np.int16),
        tree_value=head.tree_value.astype(np.float64),
        tree_baseline=np.array(head.tree_baseline, dtype=np.float64),
        text_features=np.array(TEXT_FEATURES),
        metadata=np.array(json.dumps(head.metadata, ensure_ascii=False)),
        **({} if head.cross_coef is None else {"cross_coef": np.asarray(head.cross_coef, dtype=np.float64)}),
    )


def load_head(path: Path | None = None) -> StanceHead | None:
    """Load a head written by ``training.train_stance``; ``None`` if the file is missing.

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
        names = tuple(str(c) for c in z["text_features"]) if "text_features" in z else ()
        if names != TEXT_FEATURES:
            raise ValueError(f"{path}: text features {names} differ from {TEXT_FEATURES}; retrain the head")
        if "tree_feature" not in z:
            raise ValueError(f"{path}: head from an older {__name__} (no agree trees); retrain the head")
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
            other_text_coef=z["other_text_coef"].astype(np.float64),
            other_text_intercept=float(z["other_text_intercept"]),
            tree_feature=z["tree_feature"].astype(np.int64),
            tree_threshold=z["tree_threshold"].astype(np.float64),
            tree_children=z["tree_children"].astype(np.int64),
            tree_value=z["tree_value"].astype(np.float64),
            tree_baseline=float(z["tree_baseline"]),
            metadata=json.loads(str(z["metadata"])),
            cross_coef=z["cross_coef"].astype(np.float64) if "cross_coef" in z else None,
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


def stance(u: np.ndarray, v: np.ndarray, text_u: str | None = None, text_v: str | None = None) -> tuple[str, float]:
    """Most likely stance of one pair of stored vectors (and texts, if given) and its probability.

    Raises:
        RuntimeError: if no head has been trained (``python -m training.train_stance``).
    """
    head = get_head()
    if head is None:
        raise RuntimeError(f"no stance head at {DEFAULT_PATH}; run `python -m training.train_stance`")
    probs = head.predict_proba(u, v, text_u, text_v)[0]
    best = int(np.argmax(probs))
    return CLASSES[best], float(probs[best])
