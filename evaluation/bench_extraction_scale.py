"""How claim extraction's time grows with the length of the text.

Run from the repository root::

    .venv/bin/python -m evaluation.bench_extraction_scale [--sizes 10000,20000,40000,80000] [--big 5000000]

Two kinds of text per size: one unpunctuated single line (a page whose markup was stripped
of every break, the case that used to take minutes) and normal punctuated prose (the seed
articles repeated). It prints seconds per size and the growth exponent fitted on log(time)
against log(size): about 1 is linear, about 2 is quadratic. ``--big`` also times one text of
that many characters of each kind (5 MB is the largest source a reader accepts).
Pure Python, no Django; a measurement to read, not a timed test.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from newsclaims.text.extraction import extract_claims

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"

_WORDS = [
    "the",
    "ministry",
    "said",
    "government",
    "officials",
    "reported",
    "that",
    "more",
    "than",
    "30",
    "people",
    "were",
    "killed",
    "in",
    "northern",
    "areas",
    "while",
    "1.5",
    "million",
    "residents",
    "lost",
    "power",
    "and",
    "prices",
    "rose",
    "12",
    "percent",
    "last",
    "year",
    "وقالت",
    "الوزارة",
    "إن",
    "أكثر",
    "من",
    "200",
    "شخص",
    "قتلوا",
    "في",
    "المنطقة",
    "بينما",
    "ارتفعت",
    "الأسعار",
    "بنسبة",
    "15",
    "بالمئة",
]


def unpunctuated_line(size: int, seed: int = 13) -> str:
    """``size`` characters of words and figures separated by single spaces: no stop, no break."""
    parts: list[str] = []
    length = 0
    while length < size:
        # a stride coprime with the vocabulary's size mixes the words without a random generator
        word = _WORDS[(len(parts) * 7 + seed) % len(_WORDS)]
        parts.append(word)
        length += len(word) + 1
    return " ".join(parts)[:size]


def punctuated_text(size: int) -> str:
    """``size`` characters of the seed articles, repeated: ordinary sentences and paragraphs."""
    seeds = "\n\n".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS_DIR.glob("*.txt")))
    return (seeds * (size // len(seeds) + 1))[:size]


def time_once(text: str) -> float:
    """Wall seconds of one :func:`extract_claims` call on ``text``."""
    began = time.perf_counter()
    extract_claims(text)
    return time.perf_counter() - began


def growth_exponent(sizes: Sequence[int], seconds: Sequence[float]) -> float:
    """Least-squares slope of log(seconds) on log(size): the k of time ~ size**k."""
    xs = [math.log(s) for s in sizes]
    ys = [math.log(max(t, 1e-9)) for t in seconds]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)


def measure(name: str, make: Callable[[int], str], sizes: Sequence[int], big: int | None) -> None:
    """Print one row per size, the exponent, and the big text's time when asked."""
    seconds = []
    for size in sizes:
        took = time_once(make(size))
        seconds.append(took)
        print(f"  {name:<13} {size:>9,} chars  {took:8.2f} s  ({size / took / 1000:,.0f} k chars/s)", flush=True)
    print(f"  {name:<13} growth exponent {growth_exponent(sizes, seconds):.2f}  (1 = linear, 2 = quadratic)")
    if big:
        took = time_once(make(big))
        print(f"  {name:<13} {big:>9,} chars  {took:8.2f} s", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,20000,40000,80000", help="comma-separated character counts")
    parser.add_argument("--big", type=int, default=0, help="also time one text of this many characters")
    parser.add_argument("--kind", choices=("both", "unpunctuated", "punctuated"), default="both")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    print("extract_claims time by text length")
    if args.kind in ("both", "unpunctuated"):
        measure("unpunctuated", unpunctuated_line, sizes, args.big)
    if args.kind in ("both", "punctuated"):
        measure("punctuated", punctuated_text, sizes, args.big)
    return 0


if __name__ == "__main__":
    sys.exit(main())
