"""Measure quantity and claim extraction: Recognizers-Text specs, the seed gold, speed.

Run: ``.venv/bin/python -m evaluation.bench_extraction [--bench-dir DIR] [--seeds-dir DIR] [--gold FILE] [-v]``
(``python manage.py evaluate extraction`` calls :func:`main`).  Pure Python, no Django.
It runs past 600 lines because it lists the specs' excluded cases one by one, with why; its
three numbered sections below are independent.

1. Recognizers-Text specs (``<bench>/numbers/{Arabic,English}/*.json``)
--------------------------------------------------------------------------
Targets apply to NumberModel, PercentModel and NumberRangeModel (span F1 >= 0.90,
value accuracy >= 0.95, per language); ordinal, currency and dimension files are
printed for information.

Span convention.  Gold ``Start``/``End`` are inclusive; a gold whose offsets do
not slice its ``Text`` is located by its text; surrounding spaces are dropped.
A gold span is found when a prediction offers exactly that span, where the
offered spans are, per model:

* number: every number expression on its own (the two ends of a range, the
  "100 مليون" of "أكثر من 100 مليون مستخدم");
* percent: the figure with its percent marker, with or without its hedge;
* range: the hedged or bounded expression ("أكثر من 30", "between 10 and 15",
  "equal to 20"), with or without the counted noun;
* ordinal / currency / dimension: the mention with or without hedge/noun.

Clitics: the specs include an Arabic proclitic glued to the number ("بألفين")
while :mod:`newsclaims.text.quantities` leaves it out of a mention.  Spans are compared
with one leading proclitic (و ف ب ل ك, optionally followed by the article ال, or
لل) removed from BOTH sides, so "بألفين" == "ألفين"; nothing else is relaxed.

Value accuracy is measured on the exactly matched gold items: the number's
value (percent: the figure), or, for ranges, both interval ends (open/closed
ends are not compared: ``Quantity`` has no such flag).

Exclusions are explicit (:data:`EXCLUDED_CATEGORIES`, :data:`EXCLUDED_CASES`);
predictions overlapping an excluded gold item are not counted either.

2. Seed gold (``tests/data/seeds_gold.json``)
---------------------------------------------
A gold claim is matched by a predicted claim when their spans have IoU >= 0.5
or the prediction contains the gold quantity's span; matching is one-to-one,
greedy by IoU.  Recall = matched gold / gold; precision = matched predictions /
predictions with ``checkworthiness >= MIN_CHECKWORTHINESS`` (recall uses the
same predictions).  Per-field accuracy on matched pairs: quantity value
(value/low/high), qualifier and unit where the gold has a quantity; claimant
(both absent counts as right); subject where the gold names one; as_of;
polarity.  Claimant/subject strings match when one contains the other after
normalisation or :func:`newsclaims.text.entities.entity_key` gives the same key.

3. Speed
--------
Sentences per second of :func:`newsclaims.text.extraction.extract_claims` over the seeds
(sentences counted with :func:`newsclaims.text.extraction.split_sentences`), printed
beside the embedding model's figure from ``python -m evaluation.bench_embedding``.

Over 600 lines because the three benchmarks share their readers and report; read it by its
sections: exclusions, spec scoring, seed gold scoring, speed, entry points.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from newsclaims.text.entities import entity_key
from newsclaims.text.extraction import ExtractedClaim, extract_claims, split_sentences
from newsclaims.text.quantities import NUMERIC_DATE_RE, QuantityMention, find_quantity_mentions, is_number_token
from newsclaims.text.textnorm import normalize

__all__ = [
    "CATEGORY_REASONS",
    "EXCLUDED_CASES",
    "EXCLUDED_CATEGORIES",
    "MIN_CHECKWORTHINESS",
    "TARGETS",
    "main",
    "run",
    "score_seeds",
    "score_spec_file",
    "speed",
]

REPO = Path(__file__).resolve().parents[1]
DEFAULT_BENCH_DIR = REPO.parent / "shared" / "bench"
DEFAULT_SEEDS_DIR = REPO / "seeds"
DEFAULT_GOLD = REPO / "tests" / "data" / "seeds_gold.json"
# Embedding speed on this machine, from `python -m evaluation.bench_embedding` (2 cores): the default
# builtin:use+e5 and USE alone.
EMBEDDING_SENTENCES_PER_S = {"builtin:use+e5": 120, "builtin:usem3": 2000}

TARGETS = {"span_f1": 0.90, "value_acc": 0.95, "recall": 0.95, "precision": 0.85}
TARGET_MODELS = ("number", "percent", "range")
MIN_CHECKWORTHINESS = 0.3

# ---------------------------------------------------------------------------
# exclusions


@dataclass(frozen=True)
class _Category:
    name: str
    reason: str
    pattern: re.Pattern[str]  # searched in the gold item's text


EXCLUDED_CATEGORIES: tuple[_Category, ...] = (
    _Category(
        "math-notation",
        "exponent and scientific notation ('1e10', '2.5^-1', '١,١^٢٣'): calculator notation that news prose "
        "does not use",
        re.compile(r"\^|[\d٠-٩][eE][-+]?[\d٠-٩]"),
    ),
    _Category(
        "spoken-division",
        "a quotient read out ('one over three', '1 in twenty-one', 'two out of five hundred', 'واحد على "
        "ثلاثة', 'واحد من ثلاثة', 'جزء من مئة', '2 من 5'): in news these words are a hedge ('over 3 million'), "
        "a partitive ('واحد من ثلاثة طلاب' = one of three students) or a score ('فاز 3 على 1'); reading them "
        "as a quotient would invent figures",
        re.compile(r"(?:^|\s)(?:جزء|اجزاء|أجزاء)(?:\s|$)"),
    ),
)
_AMBIGUOUS_AR_FRACTION_RE = re.compile(r"(?:^|\s|و)(?:خمس|أخماس|اخماس|خمسين|خُمسَين|ثمن)(?=\s|$)")


def _is_ambiguous_ar_fraction(text: str, value: str) -> bool:
    """'خمس' read as a fifth, 'ثمن' as an eighth (see EXCLUDED_CATEGORIES)."""
    if not _AMBIGUOUS_AR_FRACTION_RE.search(text):
        return False
    try:
        v = float(value)
    except ValueError:
        return False
    return v != int(v) or "خمس ال" in text


_ORDINAL_DEN_RE = re.compile(
    r"\b(?:third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|first|hundredth|thousandth)s?\b", re.IGNORECASE
)


def _is_compound_fraction(text: str) -> bool:
    """A spoken fraction whose numerator/denominator takes three or more number words."""
    m = _ORDINAL_DEN_RE.search(text)
    if not m:
        return False
    words = [w.lower() for w in re.split(r"[\s\-]+", text[: m.start()]) if w and w.lower() not in ("a", "an")]
    if len(words) < 3 or not all(is_number_token(w) or w == "and" for w in words):
        return False
    # the ambiguity: where does the numerator stop ("one hundred | thirty fifths" or "one hundred thirty | fifths")?
    return any(w in ("hundred", "thousand", "million") for w in words) and not m.group().lower().startswith(
        ("hundredth", "thousandth")
    )


# "<number> over|out of|in|على|من|في <number>" (a hedge such as "أكثر من 30" has no number before "من")
_DIVISION_RE = re.compile(r"(\S+)\s+(?:over|out\s+of|in|على|من|في)\s+(\S+)", re.IGNORECASE)


def _is_division(text: str) -> bool:
    """True when a division word stands between two numbers ("واحد على ثلاثة", "1 over 3")."""
    return any(is_number_token(m.group(1)) and is_number_token(m.group(2)) for m in _DIVISION_RE.finditer(text))


def _in_digit_date(inp: str, gold_text: str) -> bool:
    """A number of the spec that is the day, month or year of a date in digits ('5/17/2018')."""
    part = normalize(gold_text).strip()
    return any(part in re.split(r"[-/.]", m.group()) for m in NUMERIC_DATE_RE.finditer(normalize(inp)))


_DIGIT_DATE_REASON = (
    "the day, month and year of a date written in digits ('5/17/2018', '٥/١٧/٢٠١٨'): the spec reads three "
    "numbers; the service reads one date, which dates its claim, rather than three counts a claim could be about"
)
_COMPOUND_FRACTION_REASON = (
    "spoken fractions whose numerator runs through 'hundred'/'thousand' ('one hundred and thirty fifths' = 26 "
    "but 'one hundred thirty fifths' = 100/35 in the same spec): where the numerator stops hangs on a hyphen "
    "or an 'and', and news does not write fractions this way"
)
_AMBIGUOUS_REASON = (
    "unvocalised 'خمس' is both 'five' (خمس سنوات) and 'a fifth' (خُمس), 'خمسين' both 'fifty' and 'two "
    "fifths', 'ثمن' both 'price' and 'an eighth'; the spec reads them as fractions ('مائة و ثلاثون خمس' = "
    "26, 'ثمن الوزن' = 0.125), news text almost always means five/fifty/price"
)

CATEGORY_REASONS: dict[str, str] = {
    **{c.name: c.reason for c in EXCLUDED_CATEGORIES},
    "ambiguous-fraction-word": _AMBIGUOUS_REASON,
    "compound-spoken-fraction": _COMPOUND_FRACTION_REASON,
    "date-in-digits": _DIGIT_DATE_REASON,
}

# Individual spec cases whose gold is questionable; keyed by (language, model, input, gold text),
# gold text "*" for every gold item of the sentence (and the sentence itself when its gold is empty).
EXCLUDED_CASES: dict[tuple[str, str, str, str], str] = {
    ("Arabic", "number", "ثلاثة واحد وعشرونات", "*"): "gold 3/21 for a non-Arabic plural 'وعشرونات' (calque of "
    "English 'three twenty-firsts')",
    ("Arabic", "number", "٤آلاف و٣ مئة  و٠ رقمان  صالحان", "اثنين"): "gold expects 'اثنين', which is not in the text",
    ("Arabic", "number", "٤٠٠٠  ٣ مئة و٢١ رقمان صالحان.", "اثنين"): "gold expects 'اثنين', which is not in the text",
    ("Arabic", "number", "٣ مئة و٢,١٢ مئة  رقمان صالحان.", "اثنين"): "gold expects 'اثنين', which is not in the text",
    ("Arabic", "number", "٣ مئة و سالب واحد رقمان صالحان.", "اثنين"): "gold expects 'اثنين', which is not in the text",
    ("Arabic", "number", "أربعة ألف و ثلاثمائة و صفر رقمان صالحان", "*"): "gold splits 'أربعة ألف و ثلاثمائة و "
    "صفر' after 'ثلاثمائة', an arbitrary cut in one number phrase",
    ("Arabic", "number", "ثلاثمائة و مائتين رقمان صالحان", "*"): "gold splits 'ثلاثمائة و مائتين' into two "
    "numbers although the sentence reads it as one phrase (500 is an equally valid reading)",
    ("Arabic", "number", "البيت قيمته ٣٢٢ ألف ريال", "*"): "gold 32200 for '٣٢٢ ألف' (322 thousand = 322000)",
    ("Arabic", "number", "كان ثمن حجرة الالماس اثني عشر مليار ريال.", "*"): "gold 1.2e9 for 'اثني عشر مليار' "
    "(twelve billion = 1.2e10)",
    ("English", "number", "one million two thousand two hundred three fifths", "*"): "gold 200440.6 "
    "divides only part of the phrase; 1002200.6 (its literal reading) is as defensible",
    ("Arabic", "range", "يساوي ٢٠٠٠٠ في  ١٩٩٨", "*"): "gold [10.01,10.01] divides 20000 by 1998; 'in 1998' is a year",
    ("Arabic", "range", "الرقم هو من ٢٠٠ الى ٣٠٠٠٠٠٠ في ٢٠١٨", "*"): "gold divides by the year 2018",
    ("Arabic", "range", "الرقم هو ٢٠٠ الى ٣٠٠ في ٢٠٠٨", "*"): "gold is empty for the range '200 to 300' (it "
    "treats 'in 2008' as a divisor)",
    ("Arabic", "range", "العدد هو من 200 إلى 3000000 على 2008", "*"): "gold divides by the year 2008",
    ("Arabic", "range", "ومن 200 إلى 300 في عام 2008", "*"): "gold is empty for the range '200 to 300'",
    ("English", "range", "The number is from 200 to 300 in 2008", "*"): "gold is empty for the range '200 to 300' "
    "(it treats 'in 2008' as a divisor)",
    ("English", "range", "The number is equals to 20000 in 1998", "*"): "gold [20000,20000] while its Arabic "
    "twin divides by 1998; kept out for consistency",
    ("Arabic", "range", "هل لا يزال الحال عندما <30", "*"): "gold (30,) for '<30' (less than 30 is (,30))",
    ("English", "percent", "Only a small percent attain the top ranks", "*"): "gold 'percent' has no figure "
    "(value null): nothing to check",
    ("English", "percent", "The table shows the % of increase in the last month", "*"): "gold '%' has no figure",
    ("English", "percent", "How do I calculate a percentage?", "*"): "gold 'percentage' has no figure",
}


def _exclusion(lang: str, model: str, inp: str, gold_text: str, gold_value: str = "") -> str | None:
    """Why a gold item is left out of the figures, or None."""
    if lang == "Arabic" and _is_ambiguous_ar_fraction(gold_text, gold_value):
        return "ambiguous-fraction-word"
    if lang == "English" and _is_compound_fraction(gold_text):
        return "compound-spoken-fraction"
    if _in_digit_date(inp, gold_text):
        return "date-in-digits"
    case = None
    for key_inp in (inp, inp.strip()):
        case = (
            case
            or EXCLUDED_CASES.get((lang, model, key_inp, gold_text))
            or EXCLUDED_CASES.get((lang, model, key_inp, "*"))
        )
    if case:
        return f"case: {case}"
    for cat in EXCLUDED_CATEGORIES:
        if cat.pattern.search(gold_text) or (cat.name == "spoken-division" and _is_division(gold_text)):
            return cat.name
    return None


# ---------------------------------------------------------------------------
# spec scoring

_CLITIC_RE = re.compile(r"(?:[وفبلك]ال|لل|ال|[وفبلك])(?=[\w\u0600-\u06ff])")


def _model_of(path: Path) -> str:
    name = path.stem.lower()
    for key in ("range", "percent", "currency", "dimension", "ordinal"):
        if key in name:
            return key
    return "number"


def _starts(text: str, s: int, e: int) -> set[int]:
    """Start offsets equivalent under the clitic convention (see module docstring)."""
    out = {s}
    if text.startswith("ما ", s):
        out.add(s + 3)  # "ما يصل إلى 700": the spec leaves out the relative "ما"
    m = _CLITIC_RE.match(text, s, e)
    if m and e - m.end() >= 1 and not text[s : s + 2].isascii():
        out.add(m.end())
        # a tatweel after the clitic ("بـ 12")
        p = m.end()
        while p < e and text[p] in "\u0640 ":
            p += 1
        out.add(p)
    return out


def _offers(
    model: str, m: QuantityMention, text: str = ""
) -> list[tuple[int, int, float | None, float | None, float | None]]:
    """(start, end, value, low, high) spans a mention offers for ``model``."""
    q = m.quantity
    out: list[tuple[int, int, float | None, float | None, float | None]] = []
    if model == "number":
        glued_unit = q.kind in ("dimension", "money", "date", "year")
        for s, e, v in m.numbers:
            if v is None:
                continue
            if glued_unit and e < len(text) and text[e].isalpha():
                continue  # "180ml", "١٠٠٠٠دولار", "May 4th": a unit or date, not a number (spec convention)
            out.append((s, e, v, v, v))
        return out
    if model == "percent":
        if q.kind != "percent":
            return out
        v = q.value if q.value is not None else q.low
        for s in {m.bare_start, q.start}:
            out.append((s, m.core_end, v, q.low, q.high))
        return out
    if model == "range":
        if q.qualifier == "exact" and m.bare_start == q.start:
            return out
        if q.kind in ("date",):
            return out
        for e in {m.core_end, q.end}:
            out.append((q.start, e, q.value, q.low, q.high))
        return out
    keep = {
        "ordinal": q.kind == "ordinal",
        "currency": q.kind == "money",
        "dimension": q.kind in ("dimension", "duration") or (q.unit is not None and q.kind == "count"),
    }.get(model, False)
    if keep:
        v = q.value if q.value is not None else q.low
        for s in {m.bare_start, q.start}:
            for e in {m.core_end, q.end}:
                out.append((s, e, v, q.low, q.high))
    return out


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


_INTERVAL_RE = re.compile(r"^([\[(])\s*([^,]*)\s*,\s*([^\])]*)\s*([\])])$")


def _value_ok(model: str, gold: dict, offer: tuple) -> bool | None:
    """True/False when the gold value is comparable, None when it is not numeric."""
    _, _, v, lo, hi = offer
    raw = str((gold.get("Resolution") or {}).get("value", ""))
    if model == "range":
        m = _INTERVAL_RE.match(raw)
        if not m:
            return None
        glo = float(m.group(2)) if m.group(2).strip() else None
        ghi = float(m.group(3)) if m.group(3).strip() else None
        return _close(lo, glo) and _close(hi, ghi)
    try:
        gv = float(raw.rstrip("%"))
    except ValueError:
        return None
    return _close(v, gv)


def _gold_span(inp: str, g: dict) -> tuple[int, int]:
    s, e = int(g.get("Start", -1)), int(g.get("End", -2)) + 1
    text = g.get("Text", "")
    if inp[s:e].lower() != text.lower() and text:
        i = inp.lower().find(text.lower())
        if i >= 0:
            s, e = i, i + len(text)
    s, e = max(0, s), min(len(inp), e)
    while s < e and inp[s].isspace():
        s += 1
    while e > s and inp[e - 1].isspace():
        e -= 1
    return s, e


def score_spec_file(path: Path, verbose: bool = False) -> dict:
    """Score one Recognizers-Text spec file; returns counts, figures and the excluded items."""
    model = _model_of(path)
    lang = path.parent.name
    data = json.loads(path.read_text(encoding="utf-8-sig"))
    n_gold = n_pred = tp_gold = tp_pred = val_ok = val_n = 0
    excluded: list[dict] = []
    misses: list[str] = []
    for ex in data:
        inp = ex.get("Input", "")
        golds = []
        dead: list[tuple[int, int]] = []
        for g in ex.get("Results", []):
            if not g.get("TypeName"):
                continue
            gs, ge = _gold_span(inp, g)
            why = _exclusion(lang, model, inp, g.get("Text", ""), str((g.get("Resolution") or {}).get("value", "")))
            if why:
                excluded.append({"input": inp, "text": g.get("Text"), "reason": why})
                dead.append((gs, ge))
            else:
                golds.append((gs, ge, g))
        empty_case = EXCLUDED_CASES.get((lang, model, inp.strip(), "*"))
        if not ex.get("Results") and empty_case:
            excluded.append({"input": inp, "text": None, "reason": f"case: {empty_case}"})
            continue
        offers_per_pred = []
        for m in find_quantity_mentions(inp):
            offers = _offers(model, m, inp)
            if model == "number":
                offers_per_pred.extend([o] for o in offers)
            elif offers:
                offers_per_pred.append(offers)
        offers_per_pred = [
            offs for offs in offers_per_pred if not any(o[0] < de and ds < o[1] for o in offs for ds, de in dead)
        ]
        n_gold += len(golds)
        n_pred += len(offers_per_pred)
        used: set[int] = set()
        for gs, ge, g in golds:
            gst = _starts(inp, gs, ge)
            hit = None
            for i, offs in enumerate(offers_per_pred):
                if i in used:
                    continue
                for o in offs:
                    if o[1] == ge and gst & _starts(inp, o[0], o[1]):
                        hit = (i, o)
                        break
                if hit:
                    break
            if hit is None:
                if verbose:
                    got = [inp[o[0] : o[1]] for offs in offers_per_pred for o in offs[:1]]
                    misses.append(
                        f"MISS {inp!r}: gold {g.get('Text')!r}={g.get('Resolution', {}).get('value')} got {got}"
                    )
                continue
            used.add(hit[0])
            tp_gold += 1
            ok = _value_ok(model, g, hit[1])
            if ok is not None:
                val_n += 1
                val_ok += ok
                if verbose and not ok:
                    misses.append(f"VALUE {inp!r}: gold {g.get('Resolution', {}).get('value')} got {hit[1][2:]}")
        tp_pred += len(used)
        if verbose:
            for i, offs in enumerate(offers_per_pred):
                if i not in used:
                    misses.append(f"FP   {inp!r}: {inp[offs[0][0] : offs[0][1]]!r}")
    p = tp_pred / n_pred if n_pred else 0.0
    r = tp_gold / n_gold if n_gold else 0.0
    return {
        "file": f"{lang}/{path.name}",
        "language": lang,
        "model": model,
        "target": model in TARGET_MODELS,
        "gold": n_gold,
        "pred": n_pred,
        "span_p": p,
        "span_r": r,
        "span_f1": 2 * p * r / (p + r) if p + r else 0.0,
        "value_acc": val_ok / val_n if val_n else 0.0,
        "value_n": val_n,
        "excluded": excluded,
        "misses": misses,
    }


# ---------------------------------------------------------------------------
# seed gold scoring


def _iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union else 0.0


def _same_name(gold: str | None, pred: str | None) -> bool:
    if not gold or not pred:
        return not gold and not pred
    g, p = normalize(gold).lower().strip(' "«»“”'), normalize(pred).lower().strip(' "«»“”')
    if g in p or p in g:
        return True
    kg, kp = entity_key(gold), entity_key(pred)
    return kg is not None and kg == kp


def _quantity_fields(gq: dict | None, pq) -> dict[str, bool] | None:
    if gq is None:
        return None
    if pq is None:
        return {"value": False, "qualifier": False, "unit": False}
    return {
        "value": _close(gq["value"], pq.value) and _close(gq["low"], pq.low) and _close(gq["high"], pq.high),
        "qualifier": gq["qualifier"] == pq.qualifier,
        "unit": gq["unit"] == pq.unit,
    }


def score_seeds(
    seeds_dir: Path,
    gold_path: Path,
    verbose: bool = False,
    min_checkworthiness: float = MIN_CHECKWORTHINESS,
) -> dict:
    """Recall, precision and per-field accuracy of ``extract_claims`` on the seed gold."""
    gold = json.loads(gold_path.read_text(encoding="utf-8"))["claims"]
    by_file: dict[str, list[dict]] = {}
    for g in gold:
        by_file.setdefault(g["file"], []).append(g)
    n_pred = n_pred_all = matched = 0
    fields = ("value", "qualifier", "unit", "claimant", "subject", "as_of", "polarity")
    right = dict.fromkeys(fields, 0)
    total = dict.fromkeys(fields, 0)
    notes: list[str] = []
    for name, golds in sorted(by_file.items()):
        text = (seeds_dir / name).read_text(encoding="utf-8")
        all_preds = extract_claims(text)
        preds = [c for c in all_preds if c.checkworthiness >= min_checkworthiness]
        n_pred_all += len(all_preds)
        n_pred += len(preds)
        pairs: list[tuple[float, int, int]] = []
        for gi, g in enumerate(golds):
            for pi, c in enumerate(preds):
                iou = _iou((g["start"], g["end"]), (c.start, c.end))
                q = g["quantity"]
                holds_q = q is not None and c.start <= q["start"] and q["end"] <= c.end
                if iou >= 0.5 or holds_q:
                    pairs.append((iou + (1.0 if holds_q else 0.0), gi, pi))
        pairs.sort(reverse=True)
        g_used: dict[int, ExtractedClaim] = {}
        p_used: set[int] = set()
        for _, gi, pi in pairs:
            if gi in g_used or pi in p_used:
                continue
            g_used[gi] = preds[pi]
            p_used.add(pi)
        matched += len(g_used)
        for gi, g in enumerate(golds):
            c = g_used.get(gi)
            if c is None:
                if verbose:
                    notes.append(f"MISSED {name}:{g['start']} {g['text'][:90]!r}")
                continue
            got: dict[str, bool] = {}
            qf = _quantity_fields(g["quantity"], c.quantity)
            if qf is not None:
                got.update(qf)
            got["claimant"] = _same_name(g["claimant"], c.claimant)
            if g["subject"]:
                got["subject"] = _same_name(g["subject"], c.subject)
            got["as_of"] = (g["as_of"] or None) == (c.as_of.isoformat() if c.as_of else None)
            got["polarity"] = g["polarity"] == c.polarity
            for k, ok in got.items():
                total[k] += 1
                right[k] += ok
                if verbose and not ok:
                    pv = {
                        "value": c.quantity and (c.quantity.value, c.quantity.low, c.quantity.high),
                        "qualifier": c.quantity and c.quantity.qualifier,
                        "unit": c.quantity and c.quantity.unit,
                        "claimant": c.claimant,
                        "subject": c.subject,
                        "as_of": c.as_of,
                        "polarity": c.polarity,
                    }[k]
                    gv = {
                        "value": g["quantity"]
                        and (g["quantity"]["value"], g["quantity"]["low"], g["quantity"]["high"]),
                        "qualifier": g["quantity"] and g["quantity"]["qualifier"],
                        "unit": g["quantity"] and g["quantity"]["unit"],
                    }.get(k, g.get(k))
                    notes.append(f"WRONG {k} {name}:{g['start']} gold={gv!r} got={pv!r} in {g['text'][:60]!r}")
        if verbose:
            for pi, c in enumerate(preds):
                if pi not in p_used:
                    notes.append(f"EXTRA {name}:{c.start} ({c.checkworthiness}) {c.text[:90]!r}")
    return {
        "gold": len(gold),
        "pred": n_pred,
        "pred_all": n_pred_all,
        "matched": matched,
        "recall": matched / len(gold) if gold else 0.0,
        "precision": matched / n_pred if n_pred else 0.0,
        "fields": {k: (right[k] / total[k] if total[k] else 0.0, total[k]) for k in fields},
        "notes": notes,
    }


# ---------------------------------------------------------------------------
# speed


def speed(texts: list[str], min_seconds: float = 1.0) -> dict:
    """Sentences/second of ``extract_claims`` over ``texts`` (repeated for at least ``min_seconds``)."""
    n_sent = sum(len(split_sentences(t)) for t in texts)
    runs = 0
    t0 = time.perf_counter()
    while True:
        for t in texts:
            extract_claims(t, published_at=date(2025, 1, 1))
        runs += 1
        dt = time.perf_counter() - t0
        if dt >= min_seconds:
            break
    return {"sentences": n_sent * runs, "seconds": dt, "sentences_per_s": n_sent * runs / dt}


# ---------------------------------------------------------------------------
# entry points


def run(
    bench_dir: Path = DEFAULT_BENCH_DIR,
    seeds_dir: Path = DEFAULT_SEEDS_DIR,
    gold_path: Path = DEFAULT_GOLD,
    verbose: bool = False,
    speed_seconds: float = 1.0,
) -> dict:
    """All figures: ``{"specs": [per-file dicts], "seeds": {...}, "speed": {...}}``."""
    numbers = bench_dir / "numbers" if (bench_dir / "numbers").is_dir() else bench_dir
    specs = [score_spec_file(p, verbose) for p in sorted(numbers.glob("*/*.json"))]
    seeds = score_seeds(seeds_dir, gold_path, verbose)
    texts = [p.read_text(encoding="utf-8") for p in sorted(seeds_dir.glob("*.txt"))]
    return {"specs": specs, "seeds": seeds, "speed": speed(texts, speed_seconds) if speed_seconds > 0 else {}}


def _flag(ok: bool) -> str:
    return "ok" if ok else "BELOW"


def main(argv: list[str] | None = None) -> int:
    """Print the figures as tables; returns 0 when every target is met, 1 otherwise."""
    ap = argparse.ArgumentParser(prog="python -m evaluation.bench_extraction", description=__doc__.split("\n")[0])
    ap.add_argument("--bench-dir", type=Path, default=DEFAULT_BENCH_DIR)
    ap.add_argument("--seeds-dir", type=Path, default=DEFAULT_SEEDS_DIR)
    ap.add_argument("--gold", type=Path, default=DEFAULT_GOLD)
    ap.add_argument("-v", "--verbose", action="store_true", help="list misses, wrong fields and exclusions")
    args = ap.parse_args(argv)
    res = run(args.bench_dir, args.seeds_dir, args.gold, args.verbose)
    all_ok = True
    print("Recognizers-Text specs (targets: span F1 >= 0.90, value accuracy >= 0.95 for number/percent/range)")
    print(f"{'file':52} {'gold':>5} {'pred':>5} {'spanP':>6} {'spanR':>6} {'spanF1':>6} {'valAcc':>6} {'excl':>5}")
    for r in res["specs"]:
        mark = ""
        if r["target"]:
            ok = r["span_f1"] >= TARGETS["span_f1"] and r["value_acc"] >= TARGETS["value_acc"]
            all_ok &= ok
            mark = _flag(ok)
        else:
            mark = "(info)"
        print(
            f"{r['file']:52} {r['gold']:5d} {r['pred']:5d} {r['span_p']:6.3f} {r['span_r']:6.3f} "
            f"{r['span_f1']:6.3f} {r['value_acc']:6.3f} {len(r['excluded']):5d} {mark}"
        )
    counts: dict[str, int] = {}
    for r in res["specs"]:
        for x in r["excluded"]:
            key = (
                "questionable gold (listed case by case in EXCLUDED_CASES)"
                if x["reason"].startswith("case:")
                else x["reason"]
            )
            counts[key] = counts.get(key, 0) + 1
    print("\nExcluded spec items (all files):")
    for key, n in sorted(counts.items(), key=lambda kv: -kv[1]):
        print(f"  {n:4d}  {key}" + (f": {CATEGORY_REASONS[key]}" if key in CATEGORY_REASONS else ""))
    s = res["seeds"]
    print()
    print(
        f"Seed gold: {s['gold']} claims, {s['pred']} predicted with checkworthiness >= {MIN_CHECKWORTHINESS} "
        f"({s['pred_all']} in all), {s['matched']} matched"
    )
    ok_r, ok_p = s["recall"] >= TARGETS["recall"], s["precision"] >= TARGETS["precision"]
    all_ok &= ok_r and ok_p
    print(f"  recall    {s['recall']:.3f} (target {TARGETS['recall']}) {_flag(ok_r)}")
    print(f"  precision {s['precision']:.3f} (target {TARGETS['precision']}) {_flag(ok_p)}")
    for k, (acc, n) in s["fields"].items():
        print(f"  {k:10} {acc:.3f} (n={n})")
    sp = res["speed"]
    print()
    print(
        f"Speed: extraction {sp['sentences_per_s']:,.0f} sentences/s "
        "(embedding: "
        + ", ".join(f"{name} ~{rate:,} sentences/s" for name, rate in EMBEDDING_SENTENCES_PER_S.items())
        + "; python -m evaluation.bench_embedding)"
    )
    if args.verbose:
        for r in res["specs"]:
            if r["excluded"] or r["misses"]:
                print(f"\n== {r['file']}")
            for x in r["excluded"]:
                print(f"  EXCLUDED {x['input']!r} gold {x['text']!r}: {x['reason']}")
            for line in r["misses"]:
                print("  " + line)
        print("\n== seeds")
        for line in s["notes"]:
            print("  " + line)
    return 0 if all_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
