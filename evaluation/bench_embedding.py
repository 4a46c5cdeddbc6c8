"""Benchmark an embedding model on SemEval-2017 STS and measure its cost.

Run from the repository root::

    .venv/bin/python -m evaluation.bench_embedding [--model NAME] [--bench-dir DIR]

Prints, for tracks ar-ar, ar-en and en-en, the Spearman correlation between the cosine
of each sentence pair and the gold similarity (the SemEval metric, x100 in papers),
then load time, encoding speed in sentences/second and the process RSS after loading
and after encoding. Like newsclaims.matching.embedding, it imports no Django.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from newsclaims.matching import embedding

DEFAULT_BENCH_DIR = embedding.REPO_ROOT.parent / "shared" / "bench"
"""The shared benchmark data that sits beside the repository (``<repo>/../shared/bench``)."""

TRACKS = {
    "ar-ar": "track1.ar-ar",
    "ar-en": "track2.ar-en",
    "en-en": "track5.en-en",
}
"""STS 2017 track label -> file stem (``STS.input.<stem>.txt`` / ``STS.gs.<stem>.txt``)."""


def read_track(sts_dir: Path, stem: str) -> tuple[list[str], list[str], np.ndarray]:
    """Read one STS track: first sentences, second sentences and gold scores (0..5)."""
    firsts: list[str] = []
    seconds: list[str] = []
    with open(sts_dir / f"STS.input.{stem}.txt", encoding="utf-8") as f:
        for line in f:
            first, second = line.rstrip("\n").split("\t")[:2]
            firsts.append(first)
            seconds.append(second)
    with open(sts_dir / f"STS.gs.{stem}.txt", encoding="utf-8") as f:
        gold = np.array([float(line) for line in f if line.strip()], dtype=np.float64)
    if len(gold) != len(firsts):
        raise ValueError(f"{stem}: {len(firsts)} pairs but {len(gold)} gold scores")
    return firsts, seconds, gold


def _ranks(values: np.ndarray) -> np.ndarray:
    """Ranks starting at 1, ties given their average rank (as Spearman requires)."""
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    ranks = np.empty(len(values), dtype=np.float64)
    start = 0
    while start < len(values):
        end = start
        while end + 1 < len(values) and sorted_values[end + 1] == sorted_values[start]:
            end += 1
        ranks[order[start : end + 1]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rank correlation; scipy's if installed, else Pearson of tie-averaged ranks."""
    try:
        from scipy.stats import spearmanr
    except ImportError:
        ra, rb = _ranks(np.asarray(a, dtype=np.float64)), _ranks(np.asarray(b, dtype=np.float64))
        return float(np.corrcoef(ra, rb)[0, 1])
    return float(spearmanr(a, b).statistic)


def rss_mib() -> float:
    """Current resident set size of this process in MiB."""
    try:
        import psutil
    except ImportError:
        try:  # Linux without psutil
            with open("/proc/self/statm") as f:
                return int(f.read().split()[1]) * resource.getpagesize() / 2**20
        except OSError:
            return float("nan")
    return psutil.Process().memory_info().rss / 2**20


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the figures; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=embedding.BUILTIN_USE, help="model name (default: %(default)s)")
    parser.add_argument(
        "--bench-dir",
        type=Path,
        default=DEFAULT_BENCH_DIR,
        help="folder holding sts2017/ (default: %(default)s)",
    )
    parser.add_argument("--batch-size", type=int, default=64, help="texts per forward pass (default: %(default)s)")
    parser.add_argument(
        "--repeat", type=int, default=3, help="timed encoding passes over all STS sentences; best is kept"
    )
    args = parser.parse_args(argv)

    sts_dir = args.bench_dir / "sts2017"
    if not sts_dir.is_dir():
        print(f"no STS 2017 data at {sts_dir} (use --bench-dir)", file=sys.stderr)
        return 2
    tracks = {label: read_track(sts_dir, stem) for label, stem in TRACKS.items()}

    print(f"model: {args.model}")
    rss_before = rss_mib()
    # Timed apart because the import (torch, transformers) is a fixed cost that any
    # sentence-transformers model pays, while the model load is what the choice changes.
    start = time.perf_counter()
    import sentence_transformers  # noqa: F401

    import_s = time.perf_counter() - start
    rss_imported = rss_mib()
    start = time.perf_counter()
    model = embedding.get_model(args.model)
    load_s = time.perf_counter() - start
    rss_loaded = rss_mib()
    dim = embedding.dimension(args.model)
    print(f"import sentence-transformers: {import_s:.2f} s; load model: {load_s:.2f} s; dim {dim}")
    print(
        f"rss: {rss_before:.0f} MiB at start, {rss_imported:.0f} MiB after the import, "
        f"{rss_loaded:.0f} MiB after loading the model"
    )

    print("STS 2017 Spearman (cosine vs gold):")
    for label, (firsts, seconds, gold) in tracks.items():
        a = embedding.embed(firsts, args.model, batch_size=args.batch_size)
        b = embedding.embed(seconds, args.model, batch_size=args.batch_size)
        cosines = np.einsum("ij,ij->i", a, b)
        print(f"  {label}: {spearman(cosines, gold):.4f}  ({len(gold)} pairs)")

    sentences = [s for firsts, seconds, _ in tracks.values() for s in (*firsts, *seconds)]
    best = float("inf")
    for _ in range(max(1, args.repeat)):
        embedding.clear_cache()  # time the model, not the cache of recent vectors
        start = time.perf_counter()
        embedding.embed(sentences, args.model, batch_size=args.batch_size)
        best = min(best, time.perf_counter() - start)
    print(
        f"speed: {len(sentences) / best:.0f} sentences/s "
        f"({len(sentences)} STS sentences, batch {args.batch_size}, best of {max(1, args.repeat)})"
    )
    print(f"rss after encoding: {rss_mib():.0f} MiB")
    del model
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
