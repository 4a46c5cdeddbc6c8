"""What a stance judgement costs (issue 14, "Scale"); prints figures, asserts nothing.

    python -m evaluation.bench_stance_cost [--pairs 96] [--busy]

- the cross-encoder per pair (uncached, each pair read once as the service does) at
  1 and at 2 torch intra-op threads, in float32 and in bfloat16 (native on this CPU or not, as
  printed), on ANS dev headline pairs, and how far bfloat16's logits are from float32's;
- the stance head (``StanceHead.predict_proba`` with texts) per call for a batch of 1 and 64, at
  numpy's default BLAS threads and at 1.

``--busy`` starts one CPU-bound process beside the measurement (the situation of a worker
sharing 2 cores with another) and stops it at the end.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import time
from pathlib import Path

import numpy as np

from evaluation.bench_hotpaths import best_time
from newsclaims.verdicts import crossencoder, stance

DEFAULT_BENCH = Path(__file__).resolve().parent.parent.parent / "shared" / "bench"


def _spin() -> None:
    while True:
        pass


def ans_pairs(bench_dir: Path, n: int) -> list[tuple[str, str]]:
    with (bench_dir / "ans" / "stance_dev.csv").open(encoding="utf-8") as f:
        rows = [(r["s1"], r["s2"]) for r in csv.DictReader(f)]
    return rows[:n]


def bench_cross_encoder(pairs: list[tuple[str, str]], threads=(1, 2), repeat: int = 3) -> dict[tuple[str, int], float]:
    """Seconds per pair (read once, batches of 32, no cache) in each number format at each thread count."""
    import torch

    a, b = [p[0] for p in pairs], [p[1] for p in pairs]
    before = torch.get_num_threads()
    out: dict[tuple[str, int], float] = {}
    logits = {}
    native = "native" if crossencoder.native_bfloat16() else "emulated: this CPU has no AVX512-BF16 or AMX"
    try:
        for precision in ("float32", "bfloat16"):
            ce = crossencoder.get_cross_encoder(precision)
            if ce is None:
                print("cross-encoder: none committed, skipped")
                return {}
            for n in threads:
                torch.set_num_threads(n)
                ce.logits(a[:8], b[:8], cache=False)  # warm-up
                seconds = best_time(lambda ce=ce: ce.logits(a, b, cache=False), repeat=repeat)
                out[precision, n] = seconds / len(pairs)
                label = precision if precision == "float32" else f"{precision} ({native})"
                print(f"cross-encoder  {label}  threads={n}  {out[precision, n] * 1e3:7.2f} ms/pair  "
                      f"({len(pairs)} pairs)", flush=True)  # fmt: skip
            logits[precision] = ce.logits(a, b, cache=False)
    finally:
        torch.set_num_threads(before)
    full, half = logits["float32"], logits["bfloat16"]
    print(f"cross-encoder  bfloat16 against float32: logits differ by {np.abs(full - half).mean():.3f} on average, "
          f"{np.abs(full - half).max():.3f} at most; {int(((full > 0) != (half > 0)).sum())} of {len(full)} "
          "agree/disagree calls change", flush=True)  # fmt: skip
    return out


def bench_head(pairs: list[tuple[str, str]], batches=(1, 64), calls: int = 100, seed: int = 0) -> None:
    """Mean milliseconds per ``predict_proba`` call (with texts) at numpy's default BLAS threads and
    at 1 (the mean, not the best: a BLAS thread waiting for a busy core shows in the mean only)."""
    head = stance.get_head()
    if head is None:
        print("stance head: none committed, skipped")
        return
    rng = np.random.default_rng(seed)
    for n in batches:
        u = rng.standard_normal((n, head.dimension)).astype(np.float32)
        v = rng.standard_normal((n, head.dimension)).astype(np.float32)
        ta = [pairs[k % len(pairs)][0] for k in range(n)]
        tb = [pairs[k % len(pairs)][1] for k in range(n)]
        for threads in (None, 1):
            head.predict_proba(u, v, ta, tb, threads=threads)
            reps = max(5, calls // n)
            started = time.perf_counter()
            for _ in range(reps):
                head.predict_proba(u, v, ta, tb, threads=threads)
            per_call = (time.perf_counter() - started) / reps
            label = "default" if threads is None else str(threads)
            print(f"stance head  batch={n:3d}  BLAS threads={label:7s}  {per_call * 1e3:7.2f} ms/call", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench-dir", type=Path, default=DEFAULT_BENCH)
    parser.add_argument("--pairs", type=int, default=96)
    parser.add_argument("--busy", action="store_true", help="one CPU-bound process runs beside the measurement")
    args = parser.parse_args(argv)
    pairs = ans_pairs(args.bench_dir, args.pairs)
    spinner = None
    if args.busy:
        spinner = multiprocessing.get_context("spawn").Process(target=_spin, daemon=True)
        spinner.start()
        time.sleep(0.5)
    try:
        bench_head(pairs)
        bench_cross_encoder(pairs)
    finally:
        if spinner is not None:
            spinner.terminate()
            spinner.join()


if __name__ == "__main__":
    main()
