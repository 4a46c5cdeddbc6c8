"""Train the stance head (agree / disagree / other) on ANS and save it for newsclaims.verdicts.stance.

Run from the repository root::

    .venv/bin/python -m training.train_stance [--model builtin:use+e5] [--bench-dir DIR]

Steps: embed every ANS train/dev headline with the service's embedding model (the same
vectors the service stores), pick the number of MLP epochs by 5-fold cross-validation on
*train* (folds grouped by s1, so one headline's pairs never straddle train and test),
print the CV figures; then, on the same folds and the MLPs' out-of-fold logits, fit the
text-aware agree stacker (monotone boosted trees on [MLP logit, text features, cosines])
and choose the class weight and regularisation of the text-aware "other" regression
(cosines, their squares, overlap features) by grouped CV repeated over several fold
splits; fit everything on all of train (the stacker on the out-of-fold logits), print the
dev figures once (dev is never used for any choice), and write
``newsclaims/verdicts/data/stance_head.npz``. See newsclaims/verdicts/stance.py for the model. Takes about 5
minutes on 2 CPU cores, half of it embedding with use+e5 (``--cache`` skips that).

Imports torch and scikit-learn (training only); the saved head needs numpy alone.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import os
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from newsclaims.matching import embedding
from newsclaims.verdicts.stance import (
    CLASSES,
    COS_SCALE,
    DEFAULT_PATH,
    TEXT_FEATURES,
    StanceHead,
    _tree_sum,
    agree_monotone,
    agree_text_features,
    other_text_features,
    pair_features,
    save_head,
    text_features,
)

if TYPE_CHECKING:
    from newsclaims.verdicts.crossencoder import CrossEncoder

DEFAULT_BENCH_DIR = embedding.REPO_ROOT.parent / "shared" / "bench"
"""The shared benchmark data beside the repository (``<repo>/../shared/bench``)."""

AGREE, DISAGREE, OTHER = range(3)

# Hyper-parameters, chosen by grouped 5-fold CV on ANS train (never on dev).
OTHER_C = 10.0
"""Inverse L2 strength of the "other" logistic regression on the cosines."""
OTHER_POS_WEIGHT = 3.0
"""Weight of "other" rows in that regression: enough to predict the rare class at p>0.5
without the over-prediction that fully balanced weights (x40) cause."""
HIDDEN = 256
DROPOUT_IN = 0.1
DROPOUT = 0.3
LR = 1e-3
WEIGHT_DECAY = 1e-2
BATCH = 64
EPOCH_GRID = (5, 10, 15)
"""Candidate MLP epoch counts; the CV picks one (a cheap form of early stopping). 20 and 30
never won in CV (10 did) and cost most of the training time."""
TREES = {"max_iter": 300, "learning_rate": 0.05, "max_leaf_nodes": 4, "min_samples_leaf": 30, "l2_regularization": 1.0}
"""Agree stacker (sklearn HistGradientBoostingClassifier). Chosen by grouped CV on train over
(iterations, leaves, learning rate) in {(150, 4, .1), (300, 4, .05), (600, 4, .025),
(300, 3, .05), (200, 6, .05), (100, 16, .05)}: all within 0.005 macro-F1, and each beat
the logistic-regression stacker by about 0.01 (mostly agree-class F1)."""
OTHER_TEXT_GRID = tuple((w, c) for w in (2.0, 3.0) for c in (0.1, 0.3, 1.0))
"""(other-class weight, inverse L2 strength) tried for the text-aware "other" regression."""
OTHER_CV_REPEATS = (0, 1, 2, 3)
"""Fold-split seeds over which that choice is averaged: 63 "other" pairs make one split's
macro-F1 too noisy to pick from."""


@dataclass
class Pairs:
    """ANS rows as indexes into the embedded text table."""

    a: np.ndarray
    b: np.ndarray
    y: np.ndarray
    groups: np.ndarray  # s1 text, for grouped folds


def read_ans(path: Path, index: dict[str, int]) -> Pairs:
    """Read one ANS stance split, registering its texts in ``index`` (text -> row)."""
    a, b, y, groups = [], [], [], []
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            for text in (row["s1"], row["s2"]):
                index.setdefault(text, len(index))
            a.append(index[row["s1"]])
            b.append(index[row["s2"]])
            y.append(CLASSES.index(row["stance"]))
            groups.append(row["s1"])
    return Pairs(np.array(a), np.array(b), np.array(y), np.array(groups))


def part_bounds(model: str) -> tuple[int, ...]:
    """Cumulative ends of the encoder parts in the model's stored vectors."""
    if model == embedding.BUILTIN_USE_E5:
        return (embedding._USE_DIM, embedding._USE_DIM + embedding._E5_DIM)
    return (embedding.dimension(model),)


def cached_vectors(path: Path, texts: Sequence[str]) -> np.ndarray:
    """Rows of a precomputed ``texts``/``vectors`` npz for ``texts`` (matched after strip())."""
    with np.load(path, allow_pickle=True) as z:
        row = {str(t).strip(): i for i, t in enumerate(z["texts"])}
        missing = [t for t in texts if t.strip() not in row]
        if missing:
            raise SystemExit(f"{path}: {len(missing)} headlines not cached, e.g. {missing[0]!r}")
        return np.asarray(z["vectors"][[row[t.strip()] for t in texts]], dtype=np.float32)


def derived_disagree(idx: np.ndarray, pairs: Pairs) -> tuple[np.ndarray, np.ndarray]:
    """Label-preserving extra pairs: a paraphrase of s1 versus a contradiction of s1.

    If s2a agrees with s1 and s2d contradicts s1, then s2a and s2d contradict each other.
    Built only from the rows in ``idx`` (one fold's training rows) to avoid leakage.
    """
    by_s1: dict[str, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for i in idx:
        if pairs.y[i] in (AGREE, DISAGREE):
            by_s1[pairs.groups[i]][pairs.y[i]].append(int(pairs.b[i]))
    da = [x for agree, disagree in by_s1.values() for x in agree for _ in disagree]
    db = [z for agree, disagree in by_s1.values() for _ in agree for z in disagree]
    return np.array(da, dtype=int), np.array(db, dtype=int)


def fit_other(cos: np.ndarray, is_other: np.ndarray) -> tuple[np.ndarray, float]:
    """Logistic regression of "other" on the cosines; returns (coef, intercept) on raw cosines."""
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=OTHER_C, class_weight={False: 1.0, True: OTHER_POS_WEIGHT}, max_iter=1000)
    lr.fit(cos * COS_SCALE, is_other)
    return lr.coef_[0] * COS_SCALE, float(lr.intercept_[0])


def fit_other_text(
    cos: np.ndarray, tf: np.ndarray, is_other: np.ndarray, weight: float, c: float
) -> tuple[np.ndarray, float]:
    """Text-aware "other" regression on :func:`newsclaims.verdicts.stance.other_text_features`."""
    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(C=c, class_weight={False: 1.0, True: weight}, max_iter=5000)
    lr.fit(other_text_features(cos, tf), is_other)
    return lr.coef_[0].astype(np.float64), float(lr.intercept_[0])


Trees = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]
"""(feature, threshold, children, value, baseline) arrays of the agree stacker (see StanceHead)."""


def tree_logit(trees: Trees, x: np.ndarray) -> np.ndarray:
    """Logit of the agree stacker (as StanceHead.agree_logit) for agree_text_features rows."""
    return trees[4] + _tree_sum(x, *trees[:4])


def fit_agree_trees(logit: np.ndarray, tf: np.ndarray, cos: np.ndarray, agree: np.ndarray) -> Trees:
    """Monotone boosted trees of agree on :func:`newsclaims.verdicts.stance.agree_text_features`.

    Must be fitted on *out-of-fold* MLP logits: in-sample ones are over-confident and would
    drown the text features. Returns the trees as padded numpy arrays for newsclaims.verdicts.stance.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier

    x = agree_text_features(logit, tf, cos)
    gbm = HistGradientBoostingClassifier(**TREES, monotonic_cst=agree_monotone(cos.shape[1]), random_state=0)
    gbm.fit(x, agree)
    nodes = [pred[0].nodes for pred in gbm._predictors]
    width = max(len(n) for n in nodes)
    feature = np.full((len(nodes), width), -1, dtype=np.int64)
    threshold = np.zeros((len(nodes), width))
    children = np.zeros((len(nodes), width, 2), dtype=np.int64)
    value = np.zeros((len(nodes), width))
    for t, n in enumerate(nodes):
        inner = n["is_leaf"] == 0
        m = len(n)
        feature[t, :m] = np.where(inner, n["feature_idx"], -1)
        threshold[t, :m] = n["num_threshold"]
        children[t, :m, 0] = n["left"]
        children[t, :m, 1] = n["right"]
        value[t, :m] = np.where(inner, 0.0, n["value"])
    trees = (feature, threshold, children, value, float(np.ravel(gbm._baseline_prediction)[0]))
    # The export must reproduce sklearn's own raw scores.
    assert np.allclose(tree_logit(trees, x[:50]), gbm.decision_function(x[:50]), atol=1e-6), "bad tree export"
    return trees


def held_out_cross_logits(train_csv: Path) -> tuple[np.ndarray, np.ndarray, CrossEncoder] | None:
    """The cross-encoder's held-out train rows and logits, and the cross-encoder itself.

    ``None`` if no cross-encoder is trained. Refuses one trained on another train file,
    whose held-out row numbers would point at other pairs.
    """
    from newsclaims.verdicts import crossencoder

    ce = crossencoder.load_cross_encoder()
    if ce is None:
        print(f"no cross-encoder at {crossencoder.DEFAULT_PATH}; training without it")
        return None
    digest = hashlib.sha256(train_csv.read_bytes()).hexdigest()
    if ce.metadata.get("train_sha256") != digest:
        raise SystemExit(f"{crossencoder.DEFAULT_PATH} was trained on another {train_csv.name}; retrain it")
    return np.array(ce.metadata["heldout_rows"]), np.array(ce.metadata["heldout_logits"]), ce


def fit_cross_coef(stacker_logit: np.ndarray, cross_logit: np.ndarray, agree: np.ndarray) -> np.ndarray:
    """``(w_stacker, w_cross, bias)``: logistic regression of agree on the two logits."""
    from sklearn.linear_model import LogisticRegression

    x = np.stack([stacker_logit, cross_logit], axis=1)
    lr = LogisticRegression(C=1.0).fit(x, agree)
    return np.array([lr.coef_[0][0], lr.coef_[0][1], lr.intercept_[0]])


def combine(p_other: np.ndarray, q_agree: np.ndarray) -> np.ndarray:
    """(n, 3) probabilities from the two stages (as in StanceHead.predict_proba)."""
    return np.stack([(1.0 - p_other) * q_agree, (1.0 - p_other) * (1.0 - q_agree), p_other], axis=1)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function."""
    return 1.0 / (1.0 + np.exp(-x))


def fit_mlps(
    x: np.ndarray, agree: np.ndarray, seeds: Sequence[int], epochs: Sequence[int], hidden: int = HIDDEN
) -> dict[int, list[tuple[np.ndarray, ...]]]:
    """Train one MLP per seed on agree-vs-disagree; snapshot weights after each of ``epochs``.

    Returns:
        epoch -> per-seed ``(w1, b1, w2, b2)`` with the feature standardisation folded
        into ``w1``/``b1`` (so inference takes raw features).
    """
    import torch

    mu = x.mean(0)
    sd = x.std(0) + 1e-6
    xt = torch.from_numpy(((x - mu) / sd).astype(np.float32))
    yt = torch.from_numpy(agree.astype(np.float32))
    # Balanced class weights: disagree outnumbers agree about 2:1 in ANS.
    n_pos = max(1.0, float(agree.sum()))
    n_neg = max(1.0, float(len(agree) - agree.sum()))
    wt = torch.from_numpy(np.where(agree, len(agree) / (2 * n_pos), len(agree) / (2 * n_neg)).astype(np.float32))
    snaps: dict[int, list[tuple[np.ndarray, ...]]] = {e: [] for e in epochs}
    for seed in seeds:
        torch.manual_seed(seed)
        net = torch.nn.Sequential(
            torch.nn.Dropout(DROPOUT_IN),
            torch.nn.Linear(x.shape[1], hidden),
            torch.nn.GELU(approximate="tanh"),  # the form newsclaims.verdicts.stance computes in numpy
            torch.nn.Dropout(DROPOUT),
            torch.nn.Linear(hidden, 1),
        )
        opt = torch.optim.AdamW(net.parameters(), lr=LR, weight_decay=WEIGHT_DECAY)
        gen = torch.Generator().manual_seed(seed)
        for epoch in range(1, max(epochs) + 1):
            net.train()
            perm = torch.randperm(len(yt), generator=gen)
            for start in range(0, len(perm), BATCH):
                j = perm[start : start + BATCH]
                opt.zero_grad()
                logit = net(xt[j])[:, 0]
                loss = torch.nn.functional.binary_cross_entropy_with_logits(logit, yt[j], weight=wt[j])
                loss.backward()
                opt.step()
            if epoch in snaps:
                w1 = net[1].weight.detach().numpy().T.astype(np.float64)  # (F, H)
                b1 = net[1].bias.detach().numpy().astype(np.float64)
                w1f = w1 / sd[:, None]
                b1f = b1 - (mu / sd) @ w1
                w2 = net[4].weight.detach().numpy()[0].astype(np.float64)
                b2 = float(net[4].bias.detach().numpy()[0])
                snaps[epoch].append((w1f, b1f, w2, np.array(b2)))
    return snaps


def make_head(
    model: str,
    bounds: tuple[int, ...],
    other: tuple[np.ndarray, float],
    mlps: list[tuple[np.ndarray, ...]],
    meta: dict,
    other_text: tuple[np.ndarray, float] | None = None,
    trees: Trees | None = None,
    cross_coef: np.ndarray | None = None,
) -> StanceHead:
    """Assemble a :class:`StanceHead` from fitted parts.

    Without ``other_text``/``trees`` (during CV of the MLPs, where only ``mlp_logit`` is
    used) the text-aware stages are inert placeholders.
    """
    k = len(bounds)
    n_other = other_text_features(np.zeros((1, k)), np.zeros((1, len(TEXT_FEATURES)))).shape[1]
    if other_text is None:
        other_text = (np.zeros(n_other), 0.0)
    if trees is None:
        trees = (np.full((1, 1), -1), np.zeros((1, 1)), np.zeros((1, 1, 2), dtype=int), np.zeros((1, 1)), 0.0)
    assert len(other_text[0]) == n_other
    return StanceHead(
        model_name=model,
        bounds=bounds,
        other_coef=np.asarray(other[0], dtype=np.float64),
        other_intercept=float(other[1]),
        w1=np.stack([m[0] for m in mlps]).astype(np.float32),
        b1=np.stack([m[1] for m in mlps]).astype(np.float32),
        w2=np.stack([m[2] for m in mlps]).astype(np.float32),
        b2=np.array([float(m[3]) for m in mlps], dtype=np.float32),
        other_text_coef=np.asarray(other_text[0], dtype=np.float64),
        other_text_intercept=float(other_text[1]),
        tree_feature=np.asarray(trees[0], dtype=np.int64),
        tree_threshold=np.asarray(trees[1], dtype=np.float64),
        tree_children=np.asarray(trees[2], dtype=np.int64),
        tree_value=np.asarray(trees[3], dtype=np.float64),
        tree_baseline=float(trees[4]),
        metadata=meta,
        cross_coef=None if cross_coef is None else np.asarray(cross_coef, dtype=np.float64),
    )


def report(y: np.ndarray, pred: np.ndarray) -> dict:
    """Macro-F1, per-class F1 and confusion matrix (rows gold, columns predicted)."""
    conf = np.zeros((3, 3), dtype=int)
    np.add.at(conf, (y, pred), 1)
    per = {}
    for k, name in enumerate(CLASSES):
        tp = conf[k, k]
        prec = tp / max(1, conf[:, k].sum())
        rec = tp / max(1, conf[k, :].sum())
        per[name] = 0.0 if tp == 0 else float(2 * prec * rec / (prec + rec))
    return {"macro_f1": float(np.mean(list(per.values()))), "f1": per, "confusion": conf.tolist(), "n": len(y)}


def print_report(title: str, rep: dict) -> None:
    """Print a :func:`report` dict."""
    per = "  ".join(f"{k} {v:.3f}" for k, v in rep["f1"].items())
    print(f"{title}: macro-F1 {rep['macro_f1']:.4f}  ({per}; n={rep['n']})")
    print("  confusion (rows gold, cols predicted; " + "/".join(CLASSES) + "):")
    for name, row in zip(CLASSES, rep["confusion"], strict=True):
        print(f"    {name:9}" + "".join(f"{c:6d}" for c in row))


def main(argv: Sequence[str] | None = None) -> int:
    """Train, evaluate and save the head; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=embedding.BUILTIN_USE_E5, help="embedding model (default: %(default)s)")
    parser.add_argument("--bench-dir", type=Path, default=DEFAULT_BENCH_DIR, help="folder holding ans/")
    parser.add_argument("--out", type=Path, default=DEFAULT_PATH, help="where to write the head (%(default)s)")
    parser.add_argument("--seeds", type=int, default=5, help="MLPs in the ensemble (default: %(default)s)")
    parser.add_argument("--hidden", type=int, default=HIDDEN, help="MLP hidden units (default: %(default)s)")
    parser.add_argument("--folds", type=int, default=5, help="CV folds on train (default: %(default)s)")
    parser.add_argument(
        "--no-derived", action="store_true", help="do not add derived paraphrase-vs-contradiction pairs"
    )
    parser.add_argument(
        "--cache",
        type=Path,
        default=None,
        help="npz of precomputed vectors (keys texts, vectors) of every ANS headline, for fast experiments; "
        "default: embed with newsclaims.matching.embedding",
    )
    parser.add_argument(
        "--no-cross-encoder",
        action="store_true",
        help="train without the cross-encoder even if newsclaims/verdicts/data/stance_ce.npz exists",
    )
    args = parser.parse_args(argv)

    import torch
    from sklearn.model_selection import StratifiedGroupKFold

    torch.set_num_threads(max(1, min(2, len(os.sched_getaffinity(0)))))
    t0 = time.perf_counter()
    index: dict[str, int] = {}
    train = read_ans(args.bench_dir / "ans" / "stance_train.csv", index)
    dev = read_ans(args.bench_dir / "ans" / "stance_dev.csv", index)
    texts = sorted(index, key=index.__getitem__)
    if args.cache is not None:
        print(f"model {args.model}: vectors of {len(texts)} ANS headlines from {args.cache}", flush=True)
        vectors = cached_vectors(args.cache, texts)
    else:
        print(f"model {args.model}: embedding {len(texts)} ANS headlines ...", flush=True)
        vectors = embedding.embed(texts, args.model)
    t_embed = time.perf_counter() - t0
    print(f"  {t_embed:.0f} s ({len(texts) / t_embed:.0f} sentences/s incl. model load)")
    bounds = part_bounds(args.model)
    seeds = list(range(args.seeds))
    use_derived = not args.no_derived

    def texts_of(rows: np.ndarray) -> list[str]:
        return [texts[i] for i in rows]

    def features(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return pair_features(vectors[a], vectors[b], bounds)

    def fit(idx: np.ndarray, epochs: Sequence[int]) -> tuple[tuple[np.ndarray, float], dict]:
        """Fit the "other" regression and the MLPs on train rows ``idx``."""
        feats, cos = features(train.a[idx], train.b[idx])
        other = fit_other(cos, train.y[idx] == OTHER)
        rel = train.y[idx] != OTHER
        x, agree = feats[rel], train.y[idx][rel] == AGREE
        if use_derived:
            da, db = derived_disagree(idx, train)
            if len(da):
                x = np.concatenate([x, features(da, db)[0]])
                agree = np.concatenate([agree, np.zeros(len(da), dtype=bool)])
        return other, fit_mlps(x, agree, seeds, epochs, args.hidden)

    # Text features of every train pair (pure Python, a second or two).
    tf_train = text_features(texts_of(train.a), texts_of(train.b))

    # --- cross-validation on train: choose the epoch count, report the CV figures ---
    t1 = time.perf_counter()
    folds = list(
        StratifiedGroupKFold(n_splits=args.folds, shuffle=True, random_state=0).split(train.a, train.y, train.groups)
    )
    cv_logit = {e: np.zeros(len(train.y)) for e in EPOCH_GRID}
    cv_cos = np.zeros((len(train.y), len(bounds)))
    cv_other = np.zeros(len(train.y))
    for fold, (tr, te) in enumerate(folds, 1):
        other, snaps = fit(tr, EPOCH_GRID)
        feats, cos = features(train.a[te], train.b[te])
        cv_cos[te] = cos
        cv_other[te] = sigmoid(cos @ other[0] + other[1])
        for epoch, mlps in snaps.items():
            cv_logit[epoch][te] = make_head(args.model, bounds, other, mlps, {}).mlp_logit(feats)
        print(f"  fold {fold}/{args.folds} done", flush=True)
    cv_reports = {e: report(train.y, combine(cv_other, sigmoid(lg)).argmax(1)) for e, lg in cv_logit.items()}
    print(
        "train CV macro-F1 by epochs, vectors only: "
        + "  ".join(f"{e}: {r['macro_f1']:.4f}" for e, r in cv_reports.items())
    )

    # --- text-aware stages: CV on the same folds over the out-of-fold MLP logits ---
    rel_all = train.y != OTHER
    q_cv = {e: np.zeros(len(train.y)) for e in EPOCH_GRID}
    for e in EPOCH_GRID:
        for tr, te in folds:
            tr = tr[rel_all[tr]]
            trees = fit_agree_trees(cv_logit[e][tr], tf_train[tr], cv_cos[tr], train.y[tr] == AGREE)
            q_cv[e][te] = sigmoid(tree_logit(trees, agree_text_features(cv_logit[e][te], tf_train[te], cv_cos[te])))
    # The "other" regression needs no MLP, so it is cross-validated over several fold splits
    # (63 "other" pairs make one split's macro-F1 noisy); the epoch count is chosen with it.
    splits = [folds] + [
        list(
            StratifiedGroupKFold(n_splits=args.folds, shuffle=True, random_state=r).split(
                train.a, train.y, train.groups
            )
        )
        for r in OTHER_CV_REPEATS
        if r != 0
    ]
    text_reports: dict[tuple[int, float, float], list[dict]] = {}
    for weight, c_other in OTHER_TEXT_GRID:
        for split in splits:
            p_other = np.zeros(len(train.y))
            for tr, te in split:
                coef, icpt = fit_other_text(cv_cos[tr], tf_train[tr], train.y[tr] == OTHER, weight, c_other)
                p_other[te] = sigmoid(other_text_features(cv_cos[te], tf_train[te]) @ coef + icpt)
            for e in EPOCH_GRID:
                text_reports.setdefault((e, weight, c_other), []).append(
                    report(train.y, combine(p_other, q_cv[e]).argmax(1))
                )

    def mean_f1(key: tuple[int, float, float]) -> float:
        return float(np.mean([r["macro_f1"] for r in text_reports[key]]))

    best_text = max(text_reports, key=mean_f1)
    best_epochs, weight, c_other = best_text
    print(
        f"train CV macro-F1 with texts, mean of {len(splits)} fold splits (epochs, other weight, C): "
        + "  ".join(f"{k}: {mean_f1(k):.4f}" for k in text_reports)
    )
    print_report(f"train CV with texts at {best_text} (first fold split)", text_reports[best_text][0])
    print_report(f"train CV at {best_epochs} epochs, vectors only", cv_reports[best_epochs])
    oof_logit = cv_logit[best_epochs]

    # --- final fit on all of train; dev is looked at once, here ---
    other, snaps = fit(np.arange(len(train.y)), (best_epochs,))
    _, all_cos = features(train.a, train.b)
    other_text = fit_other_text(all_cos, tf_train, train.y == OTHER, weight, c_other)
    trees = fit_agree_trees(oof_logit[rel_all], tf_train[rel_all], all_cos[rel_all], train.y[rel_all] == AGREE)
    t_train = time.perf_counter() - t1
    head = make_head(args.model, bounds, other, snaps[best_epochs], {}, other_text, trees)
    dev_vec_rep = report(dev.y, head.predict_proba(vectors[dev.a], vectors[dev.b]).argmax(1))
    print_report("ANS dev, vectors only", dev_vec_rep)
    dev_rep = report(
        dev.y, head.predict_proba(vectors[dev.a], vectors[dev.b], texts_of(dev.a), texts_of(dev.b)).argmax(1)
    )
    print_report("ANS dev, with texts", dev_rep)

    # --- the cross-encoder, if trained: how much its logit counts beside the stacker's ---
    cross = None if args.no_cross_encoder else held_out_cross_logits(args.bench_dir / "ans" / "stance_train.csv")
    cross_coef, cross_meta, dev_cross_rep = None, {}, None
    if cross is not None:
        held, held_logits, ce = cross
        # The stacker's out-of-fold logits on the same rows: both are out-of-sample there.
        stacker_cv = np.log(np.clip(q_cv[best_epochs], 1e-9, 1 - 1e-9) / np.clip(1 - q_cv[best_epochs], 1e-9, 1))
        rel = rel_all[held]
        cross_coef = fit_cross_coef(stacker_cv[held][rel], held_logits[rel], train.y[held][rel] == AGREE)
        p_other_cv = sigmoid(other_text_features(cv_cos, tf_train) @ other_text[0] + other_text[1])[held]
        without = report(train.y[held], combine(p_other_cv, q_cv[best_epochs][held]).argmax(1))
        mixed = sigmoid(cross_coef[0] * stacker_cv[held] + cross_coef[1] * held_logits + cross_coef[2])
        with_ce = report(train.y[held], combine(p_other_cv, mixed).argmax(1))
        print(f"cross-encoder weight (stacker, cross-encoder, bias): {np.round(cross_coef, 3).tolist()}")
        print_report(f"held-out train rows ({len(held)}), stacker alone", without)
        print_report(f"held-out train rows ({len(held)}), stacker + cross-encoder", with_ce)
        head = make_head(args.model, bounds, other, snaps[best_epochs], {}, other_text, trees, cross_coef)
        print(f"  cross-encoder on {len(dev.y)} dev pairs ...", flush=True)
        dev_cross = ce.logits(texts_of(dev.a), texts_of(dev.b))
        dev_cross_rep = report(
            dev.y,
            head.predict_proba(
                vectors[dev.a], vectors[dev.b], texts_of(dev.a), texts_of(dev.b), cross_logits=dev_cross
            ).argmax(1),
        )
        print_report("ANS dev, with texts and the cross-encoder", dev_cross_rep)
        cross_meta = {
            "cross_encoder": ce.metadata.get("trained_at"),
            "heldout_without_cross": without,
            "heldout_with_cross": with_ce,
            "dev_without_cross": dev_rep,
        }
        dev_rep = dev_cross_rep

    meta = {
        "embedding_model": args.model,
        "dims": list(bounds),
        "classes": list(CLASSES),
        "trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "data": "ANS stance train (Khouja 2020, github latynt/ans 9c5f313)",
        "model": (
            f"other: logistic regression on per-part cosines (C={OTHER_C}, other weight {OTHER_POS_WEIGHT}); "
            f"agree vs disagree: mean of {len(seeds)} MLPs [u+v,|u-v|,u*v]+cosines -> {args.hidden} GELU -> 1, "
            f"{best_epochs} epochs, derived pairs {use_derived}; with texts: other LR on cosines, squared "
            f"cosines + overlap features (other weight {weight}, C={c_other}), agree stacker: monotone "
            f"boosted trees {TREES} on [MLP logit, {len(TEXT_FEATURES)} text features, cosines] fitted on "
            "out-of-fold logits"
        ),
        "text_features": list(TEXT_FEATURES),
        "train_cv": text_reports[best_text][0],
        "train_cv_mean_macro_f1": mean_f1(best_text),
        "train_cv_vectors_only": cv_reports[best_epochs],
        "dev": dev_rep,
        "dev_vectors_only": dev_vec_rep,
        "seconds": {"embed": round(t_embed, 1), "train": round(t_train, 1)},
        "command": "python -m training.train_stance"
        + (f" --model {args.model}" if args.model != embedding.BUILTIN_USE_E5 else ""),
        **cross_meta,
    }
    head = make_head(args.model, bounds, other, snaps[best_epochs], meta, other_text, trees, cross_coef)
    save_head(head, args.out)
    size = args.out.stat().st_size
    print(
        f"wrote {args.out} ({size / 2**20:.2f} MiB); training {t_train:.0f} s, total {time.perf_counter() - t0:.0f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
