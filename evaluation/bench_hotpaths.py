"""Timings of two rebuild/ingest hot paths (issue 14, "Scale"); prints figures, asserts nothing.

    python -m evaluation.bench_hotpaths

- ``pairscore.top_cosines`` on n random unit vectors (512-d) with random source groups, for
  n = 2000, 4000, 8000, and the growth exponent (slope of log time over log n);
- the stance head's MLP (``StanceHead.mlp_logit``) per call for a batch of 1 and of 64 pairs;
- ``rules.cluster_status`` on clusters of 25 to 200 claims with figures from 7 sources (every
  cross-source pair compared), per call and per pair.
"""

from __future__ import annotations

import math
import time
from datetime import date

import numpy as np

from newsclaims.matching import pairscore, rules
from newsclaims.verdicts import stance


def best_time(fn, repeat: int) -> float:
    """The fastest of `repeat` runs of `fn()`, in seconds (the least disturbed by other load)."""
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def bench_top_cosines(sizes=(2000, 4000, 8000), dim: int = 512, seed: int = 0) -> list[tuple[int, float]]:
    rng = np.random.default_rng(seed)
    rows = []
    for n in sizes:
        x = rng.standard_normal((n, dim)).astype(np.float32)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        groups = rng.integers(0, max(1, n // 3), size=n)
        seconds = best_time(lambda x=x, groups=groups: pairscore.top_cosines([x], groups), repeat=2)
        rows.append((n, seconds))
        print(f"top_cosines  n={n:5d}  {seconds * 1e3:9.1f} ms", flush=True)
    (n0, t0), (n1, t1) = rows[0], rows[-1]
    print(f"top_cosines  growth exponent (n={n0}..{n1}): {math.log(t1 / t0) / math.log(n1 / n0):.2f}")
    return rows


def bench_stance_head(batches=(1, 64), seed: int = 0) -> None:
    head = stance.load_head()
    if head is None:
        print("stance head: no committed head, skipped")
        return
    rng = np.random.default_rng(seed)
    for n in batches:
        u = rng.standard_normal((n, head.dimension)).astype(np.float32)
        v = rng.standard_normal((n, head.dimension)).astype(np.float32)
        feats, _ = stance.pair_features(u, v, head.bounds)
        head.mlp_logit(feats)  # warm-up (and any one-off preparation)
        per_call = best_time(lambda feats=feats: head.mlp_logit(feats), repeat=30)
        print(f"stance head  batch={n:3d}  {per_call * 1e3:8.2f} ms/call", flush=True)


def bench_cluster_status(sizes=(25, 50, 100, 200), seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    for m in sizes:
        members = []
        for k in range(m):
            value = int(rng.choice([100, 120, 150, 1000, 1200]))
            quantity = {"kind": "count", "value": value, "low": None, "high": None, "qualifier": "exact",
                        "unit": "people", "raw": f"{value} people"}  # fmt: skip
            members.append(rules.ClaimSlots(
                id=k, source_id=k % 7, subject_key="floods", quantity=quantity, language="en",
                text=f"{value} people died in the floods", as_of=date(2026, 1, 1 + k % 20),
            ))  # fmt: skip
        pairs = m * (m - 1) / 2
        seconds = best_time(lambda members=members: rules.cluster_status(members, lambda a, b: 0.9), repeat=3)
        print(f"cluster_status  m={m:4d}  {seconds * 1e3:8.1f} ms  {seconds / pairs * 1e6:5.2f} us/pair", flush=True)


def main() -> None:
    bench_top_cosines()
    bench_stance_head()
    bench_cluster_status()


if __name__ == "__main__":
    main()
