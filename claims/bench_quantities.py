"""Benchmark ``find_quantities`` on Microsoft Recognizers-Text number specs (legacy view).

The reference figures, with the documented span convention and exclusions, come from
:mod:`claims.bench_extraction`; this module keeps the older, looser per-file table.

Run: ``.venv/bin/python -m claims.bench_quantities [BENCH_DIR] [-v]``

For every ``{Arabic,English}/*.json`` spec file it prints:

* span P/R/F1 with exact spans: a gold span counts as found when a predicted
  mention span, the same span without its hedge, or the bare-number span
  inside it equals it (gold ``End`` is inclusive in the specs);
* overlap F1: spans only need to overlap;
* value accuracy: among gold items overlapped by a prediction, the share whose
  value (or interval, for ranges) matches.

Predictions are filtered per model (percent -> kind "percent", currency ->
kind "money", ranges -> non-exact qualifiers, ordinals -> kind "ordinal").
``NotSupported`` markers in the specs are ignored.  Pure Python, no Django.
"""

from __future__ import annotations

import json
import math
import re
import sys
import time
from pathlib import Path

from claims.quantities import Quantity, find_quantities_with_number_spans

DEFAULT_DIR = Path("/work/shared/bench/numbers")


def _model_of(path: Path) -> str:
    name = path.stem.lower()
    for key in ("range", "percent", "currency", "dimension", "ordinal"):
        if key in name:
            return key
    return "number"


def _keep(model: str, q: Quantity) -> bool:
    if model == "percent":
        return q.kind == "percent"
    if model == "currency":
        return q.kind == "money"
    if model == "range":
        return q.qualifier != "exact"
    if model == "ordinal":
        return q.kind == "ordinal"
    if model == "dimension":
        return q.unit is not None and q.kind not in ("year", "date")
    return q.value is not None or q.low is not None


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


_INTERVAL_RE = re.compile(r"^([\[(])\s*([^,]*)\s*,\s*([^\])]*)\s*([\])])$")


def _value_ok(model: str, gold: dict, q: Quantity) -> bool | None:
    """True/False if comparable, None if the gold value is not numeric."""
    res = gold.get("Resolution") or {}
    raw = str(res.get("value", ""))
    if model == "range":
        m = _INTERVAL_RE.match(raw)
        if not m:
            return None
        lo = float(m.group(2)) if m.group(2) else None
        hi = float(m.group(3)) if m.group(3) else None
        return _close(q.low, lo) and _close(q.high, hi)
    raw = raw.rstrip("%")
    try:
        val = float(raw)
    except ValueError:
        return None  # relative ordinals ("end+0") and the like
    cand = q.value if q.value is not None else q.low
    return _close(cand, val)


def _gold_span(inp: str, g: dict) -> tuple[int, int]:
    s, e = int(g.get("Start", -1)), int(g.get("End", -2)) + 1
    text = g.get("Text", "")
    if inp[s:e] != text and text:
        # a few specs count offsets differently: trust the text
        i = inp.find(text)
        if i >= 0:
            s, e = i, i + len(text)
    return s, e


def run_file(path: Path, verbose: bool = False) -> dict:
    """Score one spec file; returns counts and derived metrics."""
    model = _model_of(path)
    data = json.loads(path.read_text(encoding="utf-8-sig"))
    n_gold = n_pred = tp_exact = tp_overlap_g = tp_overlap_p = 0
    val_ok = val_n = 0
    for ex in data:
        inp = ex.get("Input", "")
        golds = [g for g in ex.get("Results", []) if g.get("TypeName")]
        preds = [p for p in find_quantities_with_number_spans(inp) if _keep(model, p[0])]
        n_gold += len(golds)
        n_pred += len(preds)
        used: set[int] = set()
        for g in golds:
            gs, ge = _gold_span(inp, g)
            exact = [
                i for i, (q, ns, ne, hs) in enumerate(preds) if (gs, ge) in ((q.start, q.end), (ns, ne), (hs, q.end))
            ]
            over = [i for i, (q, _, _, _) in enumerate(preds) if q.start < ge and gs < q.end]
            if exact:
                tp_exact += 1
            if over:
                tp_overlap_g += 1
                q = preds[(exact or over)[0]][0]
                ok = _value_ok(model, g, q)
                if ok is not None:
                    val_n += 1
                    val_ok += ok
            used.update(over)
            if verbose and not exact:
                got = [(q.raw, q.value, q.low, q.high) for q, _, _, _ in preds]
                print(f"  MISS {inp!r}: gold {g.get('Text')!r} {g.get('Resolution', {}).get('value')!r} got {got}")
        tp_overlap_p += len(used)
        if verbose and not golds and preds:
            print(f"  FP   {inp!r}: {[p[0].raw for p in preds]}")

    def f1(p: float, r: float) -> float:
        return 2 * p * r / (p + r) if p + r else 0.0

    p_ex = tp_exact / n_pred if n_pred else 0.0
    r_ex = tp_exact / n_gold if n_gold else 0.0
    p_ov = tp_overlap_p / n_pred if n_pred else 0.0
    r_ov = tp_overlap_g / n_gold if n_gold else 0.0
    return {
        "file": f"{path.parent.name}/{path.name}",
        "model": model,
        "examples": len(data),
        "gold": n_gold,
        "pred": n_pred,
        "span_p": p_ex,
        "span_r": r_ex,
        "span_f1": f1(p_ex, r_ex),
        "overlap_f1": f1(p_ov, r_ov),
        "value_acc": val_ok / val_n if val_n else 0.0,
        "value_n": val_n,
    }


def main(argv: list[str] | None = None) -> int:
    """Print the per-file table; returns a process exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    verbose = "-v" in args
    args = [a for a in args if a != "-v"]
    root = Path(args[0]) if args else DEFAULT_DIR
    files = sorted(root.glob("*/*.json"))
    if not files:
        print(f"no spec files under {root}")
        return 1
    print(f"{'file':58} {'gold':>5} {'pred':>5} {'spanP':>6} {'spanR':>6} {'spanF1':>6} {'ovlF1':>6} {'valAcc':>6}")
    t0 = time.perf_counter()
    for f in files:
        if verbose:
            print(f"== {f}")
        r = run_file(f, verbose)
        print(
            f"{r['file']:58} {r['gold']:5d} {r['pred']:5d} {r['span_p']:6.3f} {r['span_r']:6.3f} "
            f"{r['span_f1']:6.3f} {r['overlap_f1']:6.3f} {r['value_acc']:6.3f}"
        )
    print(f"({time.perf_counter() - t0:.2f}s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
