"""Benchmark the committed stance head on ANS dev.

Run from the repository root::

    .venv/bin/python -m evaluation.bench_stance [--bench-dir DIR] [--head PATH] [--limit N]

Embeds the dev headlines with the model the head was trained for, predicts with
newsclaims.verdicts.stance (numpy + pure-Python text features, the texts passed along with the
vectors) and prints macro-F1, per-class F1 and the confusion matrix, then the macro-F1
of the vector-only fallback (what callers that pass no texts get).
The head and the cross-encoder run at the service's thread count (FACTCHECK_STANCE_THREADS,
`--threads`), so their pairs per second are the service's.
Like newsclaims.matching.embedding, it imports no Django.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from factcheck.env import env_choice, env_int
from newsclaims.matching import embedding
from newsclaims.verdicts import crossencoder
from newsclaims.verdicts.stance import CLASSES, StanceHead, get_head, load_head

DEFAULT_BENCH_DIR = embedding.REPO_ROOT.parent / "shared" / "bench"
"""The shared benchmark data beside the repository (``<repo>/../shared/bench``)."""


def stance_threads() -> int:
    """The threads the service gives the stance head and cross-encoder: FACTCHECK_STANCE_THREADS,
    read as factcheck.settings reads it (that module starts the database, so it is not imported)."""
    return env_int("FACTCHECK_STANCE_THREADS", 1, minimum=0)


def stance_precision() -> str:
    """The number format the service's cross-encoder reads pairs in: FACTCHECK_STANCE_PRECISION,
    read as factcheck.settings reads it."""
    return env_choice("FACTCHECK_STANCE_PRECISION", "auto", crossencoder.PRECISIONS)


def read_rows(path: Path, limit: int | None = None) -> list[tuple[str, str, str]]:
    """``(s1, s2, stance)`` rows of an ANS stance split, the first ``limit`` if given."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = [(r["s1"], r["s2"], r["stance"]) for r in csv.DictReader(f)]
    return rows[:limit] if limit is not None else rows


def scores(gold: Sequence[str], pred: Sequence[str]) -> dict:
    """Macro-F1, per-class F1 and confusion matrix (rows gold, columns predicted)."""
    conf = np.zeros((len(CLASSES), len(CLASSES)), dtype=int)
    for g, p in zip(gold, pred, strict=True):
        conf[CLASSES.index(g), CLASSES.index(p)] += 1
    f1 = {}
    for k, name in enumerate(CLASSES):
        tp = conf[k, k]
        denom = conf[:, k].sum() + conf[k, :].sum()
        f1[name] = float(2 * tp / denom) if denom else 0.0
    return {"macro_f1": float(np.mean(list(f1.values()))), "f1": f1, "confusion": conf.tolist(), "n": len(gold)}


def embed_rows(head: StanceHead, rows: Sequence[tuple[str, str, str]]) -> tuple[np.ndarray, np.ndarray]:
    """Stored-style vectors ``(u, v)`` of the rows' s1 and s2, each distinct text embedded once."""
    texts = sorted({t for s1, s2, _ in rows for t in (s1, s2)})
    pos = {t: i for i, t in enumerate(texts)}
    vectors = embedding.embed(texts, head.model_name)
    return vectors[[pos[r[0]] for r in rows]], vectors[[pos[r[1]] for r in rows]]


def run(
    bench_dir: Path = DEFAULT_BENCH_DIR,
    head: StanceHead | None = None,
    limit: int | None = None,
    threads: int | None = None,
) -> dict:
    """Score ``head`` (default: the committed one) on ANS dev, the head and the cross-encoder at
    ``threads`` threads (default: the service's, :func:`stance_threads`; 0: the libraries' own).

    Returns:
        :func:`scores` of the text-aware head (texts passed to ``predict_proba``) plus
        ``seconds`` (incl. embedding and the cross-encoder), ``pairs_per_second`` of
        ``predict_proba`` alone, ``cross_encoder_pairs_per_second`` (``None`` without one),
        ``without_cross_encoder``: :func:`scores` of the head's stacker alone, and
        ``vectors_only``: :func:`scores` of the fallback used when no texts are given.
    """
    head = head if head is not None else get_head()
    if head is None:
        raise RuntimeError("no stance head; run `python -m training.train_stance`")
    rows = read_rows(Path(bench_dir) / "ans" / "stance_dev.csv", limit)
    gold = [r[2] for r in rows]
    threads = stance_threads() if threads is None else threads
    start = time.perf_counter()
    u, v = embed_rows(head, rows)
    texts_a, texts_b = [r[0] for r in rows], [r[1] for r in rows]
    t_pred = time.perf_counter()
    without = head.predict_proba(u, v, texts_a, texts_b, threads=threads)
    t_end = time.perf_counter()
    ce = crossencoder.get_cross_encoder(stance_precision()) if head.cross_coef is not None else None
    if ce is not None:
        ce.build()  # built on first use otherwise: its loading is not its reading
        t_cross = time.perf_counter()
        cross = ce.logits(texts_a, texts_b, threads=threads)
        result_cross_seconds = time.perf_counter() - t_cross
        probs = head.predict_proba(u, v, texts_a, texts_b, cross_logits=cross, threads=threads)
    else:
        probs, result_cross_seconds = without, None
    result = scores(gold, [CLASSES[k] for k in probs.argmax(1)])
    result["seconds"] = time.perf_counter() - start
    result["pairs_per_second"] = len(rows) / max(t_end - t_pred, 1e-9)
    result["cross_encoder_pairs_per_second"] = (
        None if result_cross_seconds is None else len(rows) / max(result_cross_seconds, 1e-9)
    )
    result["model"] = head.model_name
    result["threads"] = threads
    result["without_cross_encoder"] = scores(gold, [CLASSES[k] for k in without.argmax(1)])
    result["vectors_only"] = scores(gold, [CLASSES[k] for k in head.predict_proba(u, v, threads=threads).argmax(1)])
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Print the dev figures; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bench-dir", type=Path, default=DEFAULT_BENCH_DIR, help="folder holding ans/")
    parser.add_argument("--head", type=Path, default=None, help="head npz (default: the committed one)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N dev rows")
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="threads of the head and the cross-encoder (default: FACTCHECK_STANCE_THREADS, as the service)",
    )
    args = parser.parse_args(argv)
    if not (args.bench_dir / "ans" / "stance_dev.csv").is_file():
        print(f"no ANS data under {args.bench_dir} (use --bench-dir)", file=sys.stderr)
        return 2
    head = load_head(args.head) if args.head else get_head()
    if head is None:
        print("no stance head; run `python -m training.train_stance`", file=sys.stderr)
        return 2
    res = run(args.bench_dir, head, args.limit, args.threads)
    per = "  ".join(f"{k} {v:.3f}" for k, v in res["f1"].items())
    cross_speed = res["cross_encoder_pairs_per_second"]
    print(
        f"stance head for {res['model']} on ANS dev, with texts"
        + (" and the cross-encoder" if cross_speed else "")
        + f" ({res['n']} pairs, {res['threads']} thread(s), {res['seconds']:.1f} s incl. embedding; predict_proba "
        f"{res['pairs_per_second']:.0f} pairs/s"
        + (f", cross-encoder {cross_speed:.0f} pairs/s)" if cross_speed else ")")
    )
    print(f"macro-F1 {res['macro_f1']:.4f}  ({per})")
    print("confusion (rows gold, cols predicted; " + "/".join(CLASSES) + "):")
    for name, row in zip(CLASSES, res["confusion"], strict=True):
        print(f"  {name:9}" + "".join(f"{c:6d}" for c in row))
    if cross_speed:
        alone = res["without_cross_encoder"]
        per = "  ".join(f"{k} {v:.3f}" for k, v in alone["f1"].items())
        print(f"without the cross-encoder: macro-F1 {alone['macro_f1']:.4f}  ({per})")
    vec = res["vectors_only"]
    per = "  ".join(f"{k} {v:.3f}" for k, v in vec["f1"].items())
    print(f"vector-only fallback (no texts): macro-F1 {vec['macro_f1']:.4f}  ({per})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
