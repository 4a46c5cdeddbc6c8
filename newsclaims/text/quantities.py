"""Quantity parsing for Arabic and English news text (pure, regex only).

``find_quantities(text)`` returns :class:`Quantity` objects whose ``start``/``end``
index the ORIGINAL text (``text[start:end] == raw``).  Matching runs on the
normalised form from :mod:`newsclaims.text.textnorm` and is mapped back.

Conventions
-----------
* ``value`` is the point value.  For ``qualifier == "range"`` (explicit ranges
  such as "between 2015 and 2021" and vague amounts such as "مئات",
  "millions of") ``value`` is ``None``: a midpoint would be an invented figure
  and would make naive value comparisons report false contradictions.  Use
  ``low``/``high`` for ranges.
* Percentages keep their surface value (18.2% -> 18.2, unit ``"percent"``).
* Hedges give an interval: exact -> [v, v]; more_than/at_least -> [v, None];
  less_than/at_most -> [None, v]; about -> [v*(1-ABOUT_TOLERANCE), v*(1+ABOUT_TOLERANCE)].
* Years ("2015", "عام 2014", "فبراير 2022") are ``kind="year"``, unit ``"year"``;
  full dates with a day ("18 نوفمبر 2015") are ``kind="date"`` with the year as
  value; a day+month without year is ``kind="date"`` with value ``None``.
* Times of day ("4:17am", "11:11 p.m.", "01:17 GMT", "الساعة 4,17") are ``kind="time"`` with
  the minutes after midnight as value (23:11 -> 1391): one time, not two counts.
* Durations ("ثلاث سنوات", "24 ساعة", "عامين") are ``kind="duration"``;
  physical measures ("200 كيلومتر", "5 tons") ``kind="dimension"``; money
  ("$5bn", "10 دولارات") ``kind="money"`` with an ISO-ish currency unit;
  proportions below one ("نصف", "three quarters", "3/4") ``kind="fraction"``.
* Negative numbers keep their sign ("-5"); numbers inside URLs are ignored;
  dotted sequences ("192.168.1.2") are separate integers.
* Numbers: Western, Eastern-Arabic and Persian digits with either script's
  separators ("1,000", "١٬٠٠٠", "١٢،٢٢٠,١٣", "40 000", "18.2", "١٨٫٢"); number
  words in both languages incl. compounds and clitics ("بألفين ومائتين", "واحد
  وعشرون تريليون", "three hundred and two dozens"), digit+scale chains ("٤ آلاف ٣
  مائة و ٢١", "3 million and a half"), spoken decimals ("two hundred point zero
  three"), English ordinal denominators ("a fifth", "three twenty-firsts"),
  unicode fractions ("¾"), negatives ("-5", "سالب ٥", "minus five"), scale
  suffixes ("5k", "$1bn", "2mil", "10 bln", "13 lakh").
* Hedges include explicit equality ("يساوي ٢٠", "equal to 20" -> "exact"),
  closing hedges ("500 or more", "أكثر من ٥٠٠٠ أو يساوي" -> at_least) and
  percentages written before the figure ("نسبة ١٠", "per cent of 210").
* :func:`find_quantity_mentions` also gives each mention's sub-spans (without its
  hedge, without its counted noun, each number on its own) for benchmarks.
* ``raw`` covers the hedge (without a leading clitic such as "ل" in
  "لأكثر"), the number, its scale word, a percent/currency marker and the
  counted noun.

Long on purpose (most of it is the Arabic and English vocabulary the parser shares); read it
by its sections: vocabulary (number words, digits + scale, vague amounts, duals, hedges,
percent / currency, dates, counted nouns), number parsing, candidate building.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from newsclaims.text.textnorm import NormalizedText, normalize, normalize_with_map

__all__ = [
    "ABOUT_TOLERANCE",
    "CALENDAR_KINDS",
    "KINDS",
    "QUALIFIERS",
    "Quantity",
    "QuantityMention",
    "find_quantities",
    "find_quantity_mentions",
    "is_number_token",
    "parse_number",
]

QUALIFIERS = ("exact", "about", "more_than", "at_least", "less_than", "at_most", "range")
KINDS = ("count", "percent", "year", "date", "time", "duration", "money", "dimension", "fraction", "ordinal")
ABOUT_TOLERANCE = 0.1
# Kinds that place a fact in time rather than count anything: never a clause's counted figure,
# compared only for equality.
CALENDAR_KINDS = frozenset({"year", "date", "time"})


@dataclass(frozen=True)
class Quantity:
    """One quantity mention. See the module docstring for the conventions."""

    value: float | None
    low: float | None
    high: float | None
    qualifier: str
    unit: str | None
    raw: str
    start: int
    end: int
    kind: str

    def to_dict(self) -> dict:
        """JSON-serialisable view (offsets are left out on purpose: they are
        only meaningful relative to the text they came from)."""
        return {
            "value": self.value,
            "low": self.low,
            "high": self.high,
            "qualifier": self.qualifier,
            "unit": self.unit,
            "raw": self.raw,
            "kind": self.kind,
        }


# ---------------------------------------------------------------------------
# Vocabulary.  Arabic entries are written naturally and normalised at import
# so that the tables read like the text they match.


def _n(s: str) -> str:
    return normalize(s).lower()


def _alt(phrases: list[str] | set[str] | tuple[str, ...]) -> str:
    """Regex alternation of normalised phrases, longest first, spaces -> \\s+."""
    uniq = sorted({_n(p) for p in phrases}, key=lambda p: (-len(p), p))  # the same pattern in every process
    return "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in uniq)


# Arabic proclitics (و ف ب ل ك, article) that may be glued to a word.
_AR_PFX = r"(?:وبال|وال|بال|فال|كال|لل|ال|وب|ول|فب|فل|وك|[وفبلك])?"
_WB = r"(?<![^\W_])"  # not preceded by a letter/digit
_WE = r"(?![^\W_])"  # not followed by a letter/digit

# --- number words ------------------------------------------------------------
# kinds: "n" plain value (summed), "h" hundred multiplier, "s" scale
# (thousand/million...), "ps" plural scale (only valid after a number).
_WORDS: dict[str, tuple[str, float]] = {}


def _add_words(kind: str, table: dict[str, float]) -> None:
    for k, v in table.items():
        _WORDS[_n(k)] = (kind, v)


_add_words(
    "n",
    {
        "صفر": 0,
        "واحد": 1,
        "واحدة": 1,
        "أحد": 1,
        "إحدى": 1,
        "اثنان": 2,
        "اثنين": 2,
        "اثنتان": 2,
        "اثنتين": 2,
        "اثنا": 2,
        "اثني": 2,
        "اثنتا": 2,
        "اثنتي": 2,
        "ثلاث": 3,
        "ثلاثة": 3,
        "أربع": 4,
        "أربعة": 4,
        "خمس": 5,
        "خمسة": 5,
        "ست": 6,
        "ستة": 6,
        "سبع": 7,
        "سبعة": 7,
        "ثمان": 8,
        "ثماني": 8,
        "ثمانية": 8,
        "تسع": 9,
        "تسعة": 9,
        "عشر": 10,
        "عشرة": 10,
        "عشرون": 20,
        "عشرين": 20,
        "ثلاثون": 30,
        "ثلاثين": 30,
        "أربعون": 40,
        "أربعين": 40,
        "خمسون": 50,
        "خمسين": 50,
        "ستون": 60,
        "ستين": 60,
        "سبعون": 70,
        "سبعين": 70,
        "ثمانون": 80,
        "ثمانين": 80,
        "تسعون": 90,
        "تسعين": 90,
        "مئتان": 200,
        "مئتين": 200,
        "مائتان": 200,
        "مائتين": 200,
        "مئتا": 200,
        "مئتي": 200,
        "مائتا": 200,
        "مائتي": 200,
        "ثلاثمئة": 300,
        "ثلاثمائة": 300,
        "أربعمئة": 400,
        "أربعمائة": 400,
        "خمسمئة": 500,
        "خمسمائة": 500,
        "ستمئة": 600,
        "ستمائة": 600,
        "سبعمئة": 700,
        "سبعمائة": 700,
        "ثمانمئة": 800,
        "ثمانمائة": 800,
        "ثمانيمئة": 800,
        "ثمانيمائة": 800,
        "تسعمئة": 900,
        "تسعمائة": 900,
        "ألفان": 2000,
        "ألفين": 2000,
        "ألفي": 2000,
        "مليونان": 2e6,
        "مليونين": 2e6,
        # the dual in construct ("مليوني شخص", "ملياري دولار": two million people, two billion dollars)
        "مليوني": 2e6,
        "ملياران": 2e9,
        "مليارين": 2e9,
        "ملياري": 2e9,
        # English
        "zero": 0,
        "one": 1,
        "two": 2,
        "three": 3,
        "four": 4,
        "five": 5,
        "six": 6,
        "seven": 7,
        "eight": 8,
        "nine": 9,
        "ten": 10,
        "eleven": 11,
        "twelve": 12,
        "thirteen": 13,
        "fourteen": 14,
        "fifteen": 15,
        "sixteen": 16,
        "seventeen": 17,
        "eighteen": 18,
        "nineteen": 19,
        "twenty": 20,
        "thirty": 30,
        "forty": 40,
        "fifty": 50,
        "sixty": 60,
        "seventy": 70,
        "eighty": 80,
        "ninety": 90,
    },
)
_add_words(
    "h",
    {
        "مئة": 100,
        "مائة": 100,
        "hundred": 100,
        "dozen": 12,
        "دزينة": 12,
        "دزينات": 12,
        "دستة": 12,
        "دستات": 12,
    },
)
# fractions: "f" adds a part ("واحد ونصف", "مليون ونصف"), "fd" is a plural
# denominator that divides what precedes it ("ثلاثة أرباع", "two thirds")
_add_words(
    "f",
    {
        "نصف": 0.5,
        "ثلث": 1 / 3,
        "ربع": 0.25,
        "ثلثا": 2 / 3,
        "ثلثي": 2 / 3,
        "ثلثان": 2 / 3,
        "ثلثين": 2 / 3,
        "half": 0.5,
        "quarter": 0.25,
    },
)
_add_words(
    "fd",
    {
        "أثلاث": 1 / 3,
        "أرباع": 1 / 4,
        "أخماس": 1 / 5,
        "أسداس": 1 / 6,
        "أسباع": 1 / 7,
        "أثمان": 1 / 8,
        "أتساع": 1 / 9,
        "أعشار": 1 / 10,
        "thirds": 1 / 3,
        "quarters": 1 / 4,
        "fifths": 1 / 5,
        "sixths": 1 / 6,
        "sevenths": 1 / 7,
        "eighths": 1 / 8,
        "ninths": 1 / 9,
        "tenths": 1 / 10,
    },
)
# English ordinals as denominators ("a fifth", "three twenty-firsts", "fifty-four
# hundredths"); "first"/"second" only inside a compound ("twenty-first").
_ORDINAL_DEN: dict[str, int] = {}
for _word, _num in {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
    "twentieth": 20,
    "thirtieth": 30,
    "fortieth": 40,
    "fiftieth": 50,
    "sixtieth": 60,
    "seventieth": 70,
    "eightieth": 80,
    "ninetieth": 90,
    "hundredth": 100,
    "thousandth": 1000,
    "millionth": 10**6,
    "billionth": 10**9,
    "trillionth": 10**12,
}.items():
    _ORDINAL_DEN[_word] = _num
    _ORDINAL_DEN[_word + "s"] = _num
_COMPOUND_ONLY_DEN = {"first", "firsts", "second", "seconds"}
_add_words("fd", {w: 1 / n for w, n in _ORDINAL_DEN.items() if w not in _COMPOUND_ONLY_DEN})
_add_words("fdc", {w: 1 / n for w, n in _ORDINAL_DEN.items() if w in _COMPOUND_ONLY_DEN})
_add_words("n", {"nought": 0, "naught": 0, "دزينتين": 24, "دزينتان": 24})
_add_words("pt", {"point": 0, "فاصلة": 0})
_add_words(
    "s",
    {
        "lakh": 1e5,
        "lakhs": 1e5,
        "crore": 1e7,
        "crores": 1e7,
        "ألف": 1e3,
        "ألفا": 1e3,
        "مليون": 1e6,
        "مليونا": 1e6,
        "مليار": 1e9,
        "مليارا": 1e9,
        "بليون": 1e9,
        "تريليون": 1e12,
        "ترليون": 1e12,
        "thousand": 1e3,
        "million": 1e6,
        "billion": 1e9,
        "trillion": 1e12,
    },
)
_add_words(
    "ps",
    {
        "آلاف": 1e3,
        "ملايين": 1e6,
        "مليارات": 1e9,
        "تريليونات": 1e12,
        "thousands": 1e3,
        "millions": 1e6,
        "billions": 1e9,
        "trillions": 1e12,
        "dozens": 12,
    },
)
# words that only count inside a compound ("أحد عشر"), never alone ("أحد مواقع")
_ONLY_IN_COMPOUND = {_n("أحد"), _n("إحدى"), _n("اثنا"), _n("اثني"), _n("اثنتا"), _n("اثنتي")}
# surface forms that look like clitic+number word but are something else
_WORD_BLACKLIST = {_n("لست"), _n("لستم"), _n("وست"), _n("الست"), _n("بست")}

_AR_WORD_ALT = _alt([w for w in _WORDS if not w.isascii()])
_EN_WORD_ALT = _alt([w for w in _WORDS if w.isascii()])
_WORD = (
    rf"(?:{_AR_PFX}(?:{_AR_WORD_ALT})"
    rf"|(?:an?\s+(?=hundred|thousand|million|billion|dozen|half|quarter|{_alt(list(_ORDINAL_DEN))}))?"
    rf"(?:{_EN_WORD_ALT}))"
)
_PCT_AHEAD = r"(?!\s*(?:(?:في|فى)\s*|ب)?الما?ئه)"  # "ثلاثين بالمئة" is a percent, not 30*100
_WORDSEQ = (
    rf"{_WB}(?!(?:(?:في|فى)\s*|ب)?الما?ئه){_WORD}{_WE}"
    rf"(?:{_PCT_AHEAD}(?:\s+and\s+(?:an?\s+)?|\s+و\s*|\s*-\s*|\s+){_WORD}{_WE})*"
)

# --- digits + scale ----------------------------------------------------------
_SCALE_AFTER_DIGITS = {
    **{k: v for k, (kind, v) in _WORDS.items() if kind in ("s", "ps")},
    "bn": 1e9,
    "mn": 1e6,
    "mln": 1e6,
    "tn": 1e12,
    "bln": 1e9,
    "tln": 1e12,
    "k": 1e3,
    **{k: v for k, (kind, v) in _WORDS.items() if kind == "h"},
    "dozens": 12,
}
_DIGITS = (
    r"(?P<neg>(?<![^\s(<>=≤≥])-(?=\d))?"  # a sign only at a word start: "-5", not "2015-2021"
    r"(?<![A-Za-z\d])(?:(?<![A-Za-z]-)|(?<=magnitude-))(?<!\d[.,،])"  # "F-16" is a name, "magnitude-7.8" a figure
    r"(?:\d{1,2}(?:,\d{2})+,\d{3}(?:\.\d+)?(?![,،]\d)"  # 8,28,000: Indian grouping (lakh, crore)
    r"|\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![,،]\d)"  # 1,000,000.5
    r"|\d{1,3}(?:،\d{3})+(?:,\d{1,2}(?!\d))?"  # ١،٢٣٤،٥٦٧ / ١٢،٢٢٠,١٣ (Arabic comma thousands, decimal comma)
    r"|\d{1,3}(?: \d{3})+(?:\.\d+)?(?![ ,.]?\d)"  # 1 234 567.89 / 40 000
    r"|\d{1,3}(?:\.000)+(?![.,]?\d)|\d{1,3}(?:\.\d{3}){2,}(?![.,]?\d)"  # dot thousands: 100.000 / 1.250.000
    r"|\d+,(?:\d{1,2}|\d{4,})(?![\d,])"  # decimal comma: ٤,٨ / ٠,٢٣٤٥٦
    r"|\d+(?:\.\d+)?"
    r"|(?<![\d.])\.\d+)"  # .25
    r"(?![\d])"
)
_FRACTION = r"(?<![\d/.,])(?P<fneg>(?<![^\s(])-\s?)?(?:(?P<fw>\d+)\s+)?(?P<fn>\d{1,2})/(?P<fd>\d{1,3})(?![\d/])"
_DOTTED_RE = re.compile(r"(?<![\d.])\d+(?:\.\d+){2,}(?![\d])")
# Thousands grouped with dots, as Arabic and European pages write them: groups of zeros ("10.000",
# "100.000": nobody writes ten with three zeros after the point) or two groups and more
# ("1.250.000"). One group of other digits stays a decimal ("4.800" is 4.8, as the Recognizers-Text
# specs read it).
_DOT_THOUSANDS = re.compile(r"\d{1,3}(?:\.000)+|\d{1,3}(?:\.\d{3}){2,}")
_ATTACHED_SCALE = {"k": 1e3, "m": 1e6, "bn": 1e9, "b": 1e9, "mn": 1e6, "tn": 1e12, "mm": 1e6, "mil": 1e6}
_SCALE_RE = rf"(?:(?<=\d)(?:bn|mn|tn|mm|mil|m|k|b)(?![A-Za-z])|\s*(?:{_alt(list(_SCALE_AFTER_DIGITS))}){_WE})"

# --- vague amounts -----------------------------------------------------------
# base -> (low multiplier, high multiplier): "مئات" = [100, 999]
_VAGUE_BASE: dict[str, tuple[float, float]] = {}
for _k, _v in {
    "عشرات": (10, 99),
    "مئات": (100, 999),
    "آلاف": (1e3, 9999),
    "ملايين": (1e6, 1e7 - 1),
    "مليارات": (1e9, 1e10 - 1),
    "بضع": (3, 9),
    "بضعة": (3, 9),
    "tens": (10, 99),
    "dozens": (24, 99),
    "scores": (40, 99),
    "hundreds": (100, 999),
    "thousands": (1e3, 9999),
    "millions": (1e6, 1e7 - 1),
    "billions": (1e9, 1e10 - 1),
    "several": (3, 9),
    "a few": (3, 9),
    "few": (3, 9),
}.items():
    _VAGUE_BASE[_n(_k)] = _v
_VAGUE_SCALE = {
    _n(k): v
    for k, v in {
        "آلاف": 1e3,
        "الآلاف": 1e3,
        "ملايين": 1e6,
        "الملايين": 1e6,
        "مليارات": 1e9,
        "المليارات": 1e9,
        "ألف": 1e3,
        "مليون": 1e6,
        "مليار": 1e9,
        "thousands": 1e3,
        "millions": 1e6,
        "billions": 1e9,
        "thousand": 1e3,
        "million": 1e6,
        "billion": 1e9,
        "hundred": 100,
        "hundreds": 100,
    }.items()
}
_AR_VAGUE_A = _alt([k for k in _VAGUE_BASE if not k.isascii()])
_EN_VAGUE_A = _alt(["tens", "dozens", "scores", "hundreds", "thousands", "millions", "billions"])
_EN_FEW = _alt(["several", "a few", "few"])
_VAGUE = (
    rf"(?:{_WB}{_AR_PFX}(?P<va>{_AR_VAGUE_A}){_WE}"
    rf"(?:\s+(?:من\s+)?(?P<vb>{_alt(['الآلاف', 'آلاف', 'الملايين', 'ملايين', 'المليارات', 'مليارات'])}){_WE})?"
    rf"|{_WB}(?P<vc>{_EN_VAGUE_A}){_WE}(?:\s+of\s+(?P<vd>thousands|millions|billions){_WE})?"
    rf"|{_WB}(?P<ve>{_EN_FEW})\s+(?P<vf>hundred|thousand|million|billion){_WE})"
)

# --- duals that are a quantity on their own ("عامين" = two years) ------------
_DUALS: dict[str, tuple[float, str]] = {}
for _k, _v in {
    "عامين": (2, "years"),
    "عامان": (2, "years"),
    "سنتين": (2, "years"),
    "سنتان": (2, "years"),
    "شهرين": (2, "months"),
    "شهران": (2, "months"),
    "يومين": (2, "days"),
    "يومان": (2, "days"),
    "ساعتين": (2, "hours"),
    "ساعتان": (2, "hours"),
    "أسبوعين": (2, "weeks"),
    "أسبوعان": (2, "weeks"),
    "دقيقتين": (2, "minutes"),
    "مرتين": (2, "times"),
    "مرتان": (2, "times"),
    "twice": (2, "times"),
}.items():
    _DUALS[_n(_k)] = _v
_DUAL = rf"{_WB}{_AR_PFX}(?P<dual>{_alt(list(_DUALS))}){_WE}"

_UNICODE_FRACTIONS = {
    "½": 1 / 2,
    "⅓": 1 / 3,
    "⅔": 2 / 3,
    "¼": 1 / 4,
    "¾": 3 / 4,
    "⅕": 1 / 5,
    "⅖": 2 / 5,
    "⅗": 3 / 5,
    "⅘": 4 / 5,
    "⅙": 1 / 6,
    "⅚": 5 / 6,
    "⅛": 1 / 8,
    "⅜": 3 / 8,
    "⅝": 5 / 8,
    "⅞": 7 / 8,
}
_CORE_RE = re.compile(
    rf"(?P<uf>[{''.join(_UNICODE_FRACTIONS)}])|(?P<frac>{_FRACTION})|(?P<dig>{_DIGITS})(?P<scl>{_SCALE_RE})?|(?P<vague>{_VAGUE})|(?P<wrd>{_WORDSEQ})|{_DUAL}",
    re.IGNORECASE,
)

# --- hedges ------------------------------------------------------------------
_PRE_HEDGES: dict[str, list[str]] = {
    "more_than": [
        "أكثر من",
        "ما يزيد على",
        "ما يزيد عن",
        "يزيد على",
        "يزيد عن",
        "تزيد على",
        "تزيد عن",
        "ما يربو على",
        "ما يربو عن",
        "يربو على",
        "أزيد من",
        "ما يفوق",
        "يفوق",
        "تفوق",
        "يتجاوز",
        "تتجاوز",
        "تجاوز",
        "تجاوزت",
        "أكبر من",
        "فوق",
        "أعلى من",
        "more than",
        "over",
        "above",
        "upwards of",
        "exceed",
        "exceeds",
        "surpass",
        "surpasses",
        "in excess of",
        "exceeding",
        # verbs of passing a figure: "the toll exceeded 1,000", "تخطى عدد الضحايا 50 ألفا"
        "exceeded",
        "surpassed",
        "topped",
        "تخطى",
        "تخطت",
        "يتخطى",
        "تتخطى",
        "تعدى",
        "تعدت",
        "يتعدى",
        "greater than",
        "larger than",
        "higher than",
        "well over",
        "just over",
    ],
    "exact": [
        "يساوي",
        "تساوي",
        "ما يساوي",
        "equal to",
        "equals",
        "equals to",
        "equaling",
        "equaling to",
        "exactly",
    ],
    "at_least": [
        "أكبر من أو يساوي",
        "أكثر من أو يساوي",
        "أعلى من أو يساوي",
        "أكبر من أو تساوي",
        "يساوي أو أكثر من",
        "يساوي أو أكبر من",
        "greater than or equal to",
        "more than or equal to",
        "equal to or more than",
        "equal to or greater than",
        "higher or equal than",
        "bigger or equal than",
        "larger or equal than",
        "greater or equal than",
        "at least or equal to",
        "لا أقل من",
        "no fewer than",
        "ما لا يقل عن",
        "لا يقل عن",
        "لا تقل عن",
        "على الأقل",
        "at least",
        "no fewer than",
        "no less than",
        "not less than",
        "not fewer than",
        "a minimum of",
    ],
    "about": [
        "نحو",
        "حوالي",
        "حوالى",
        "قرابة",
        "زهاء",
        "ما يقارب",
        "يقارب",
        "تقارب",
        "ما يقرب من",
        "يقرب من",
        "تقريبا",
        "تقريبًا",
        "ما يناهز",
        "يناهز",
        "around",
        "about",
        "nearly",
        "roughly",
        "approximately",
        "approx.",
        "almost",
        "close to",
        "some",
        "an estimated",
        "estimated",
        "circa",
    ],
    "less_than": [
        "أدنى",
        "أقل من",
        "دون",
        "ما دون",
        "أدنى من",
        "أصغر من",
        "تحت",
        "less than",
        "fewer than",
        "under",
        "below",
        "lower than",
        "smaller than",
        "just under",
    ],
    "at_most": [
        "أقل من أو يساوي",
        "أقل من أو تساوي",
        "أصغر من أو يساوي",
        "أصغر من أو تساوي",
        "يساوي أو أقل من",
        "less than or equal to",
        "equal to or less than",
        "smaller or equal than",
        "less or equal than",
        "lower or equal than",
        "smaller than or equal to",
        "لا أكثر من",
        "ما لا يزيد على",
        "ما لا يزيد عن",
        "لا يزيد على",
        "لا يزيد عن",
        "لا تزيد عن",
        "لا تزيد على",
        "لا يتجاوز",
        "لا تتجاوز",
        "ما لا يتجاوز",
        "ما يصل إلى",
        "يصل إلى",
        "تصل إلى",
        "على الأكثر",
        "at most",
        "no more than",
        "not more than",
        "up to",
        "a maximum of",
        "maximum of",
    ],
}
_HEDGE_OF: dict[str, str] = {}
# The first words of the English hedges ("Almost", "Nearly", "Over"): opening a sentence they are
# capitalised and read as a name, which as a subject names nothing (`rules.subject_key`).
HEDGE_OPENERS = frozenset(p.split()[0].lower() for ps in _PRE_HEDGES.values() for p in ps if p.isascii())
for _q, _ps in _PRE_HEDGES.items():
    for _p in _ps:
        _HEDGE_OF[re.sub(r"\s+", " ", _n(_p))] = _q
_SYMBOL_HEDGES = {
    ">=": "at_least",
    "≥": "at_least",
    "<=": "at_most",
    "≤": "at_most",
    ">": "more_than",
    "<": "less_than",
    "< =": "at_most",
    "> =": "at_least",
}
_PRE_HEDGE_RE = re.compile(
    rf"(?:{_WB}(?:[وفلب]{{1,2}}(?=[^\W\d_]))?(?P<h>{_alt(list(_HEDGE_OF))})"
    r"|(?<![=<>\d])(?P<sym>>\s?=|<\s?=|[<>≥≤])(?![=<>]))\s*$",
    re.IGNORECASE,
)
_EXCEED_VERBS = "تجاوز تجاوزت يتجاوز تتجاوز تخطى تخطت يتخطى تتخطى تعدى تعدت يتعدى فاق فاقت يفوق"
# A verb of exceeding, then one to four words of its subject, then the figure.
_EXCEED_VERB_RE = re.compile(rf"{_WB}[وف]?(?:{_alt(_EXCEED_VERBS.split())})\s+(?:[^\W\d_]+\s+){{1,4}}$")
_VERB_REACH_RE = re.compile(r"(?<![^\W_])ان\s+$")
_POST_HEDGES = {
    "تقريبا": "about",
    "تقريبًا": "about",
    "على الأقل": "at_least",
    "على الأكثر": "at_most",
    "فأكثر": "at_least",
    "أو أكثر": "at_least",
    "فما فوق": "at_least",
    "أو أقل": "at_most",
    "فأقل": "at_most",
    "or more": "at_least",
    "or so": "about",
    "at least": "at_least",
    "at most": "at_most",
    "approximately": "about",
    "or fewer": "at_most",
    "or less": "at_most",
    "and above": "at_least",
    "plus": "at_least",
    "or greater": "at_least",
    "or above": "at_least",
    "or higher": "at_least",
    "and more": "at_least",
    "or below": "at_most",
    "or under": "at_most",
    "or greater than": "at_least",
    "or more than": "at_least",
    "or less than": "at_most",
    "أو أكبر من": "at_least",
    "أو أكثر من": "at_least",
    "أو أقل من": "at_most",
    "or equal": "or_equal",
    "or equal to": "or_equal",
    "أو يساوي": "or_equal",
    "أو تساوي": "or_equal",
}
_WORD_AHEAD_RE = re.compile(r"\s*[-+]?(?:\d|[^\W\d_]{2,}\s+\d)")
_POST_HEDGE_OF = {re.sub(r"\s+", " ", _n(k)): v for k, v in _POST_HEDGES.items()}
_POST_HEDGE_RE = re.compile(rf"\s*,?\s*(?P<h>{_alt(list(_POST_HEDGE_OF))}){_WE}", re.IGNORECASE)

# --- percent / currency ------------------------------------------------------
_PERCENT_RE = re.compile(
    r"\s?(?:%|(?:في|فى)\s*الما?ئه|بالما?ئه|percent(?:age\s+points?|age|s)?|per\s*cent|pct"
    r"|percentage\s+points?|نقطه\s+مئويه|نقاط\s+مئويه)" + _WE + "|\\s?%",
    re.IGNORECASE,
)
_PERCENT_PRE_RE = re.compile(
    rf"{_WB}(?P<p>(?:[وب]?نسبه|بالما?ئه|(?:percents?|per\s*cent)\s+of))\s+$",
    re.IGNORECASE,
)
_CURRENCY_POST: dict[str, str] = {
    "دولار": "USD",
    "دولارا": "USD",
    "دولارات": "USD",
    "دولار أمريكي": "USD",
    "دولار أميركي": "USD",
    "يورو": "EUR",
    "جنيه إسترليني": "GBP",
    "جنيه استرليني": "GBP",
    "جنيه": "EGP",
    "جنيها": "EGP",
    "جنيهات": "EGP",
    "جنيه مصري": "EGP",
    "ريال": "SAR",
    "ريالا": "SAR",
    "ريالات": "SAR",
    "ريال سعودي": "SAR",
    "درهم": "AED",
    "درهما": "AED",
    "دراهم": "AED",
    "روبل": "RUB",
    "روبلا": "RUB",
    "روبلات": "RUB",
    "دينار": "KWD",
    "دينارا": "KWD",
    "دنانير": "KWD",
    "ليرة": "TRY",
    "ين": "JPY",
    "dollar": "USD",
    "dollars": "USD",
    "us dollars": "USD",
    "euro": "EUR",
    "euros": "EUR",
    "pound": "GBP",
    "pounds": "GBP",
    "pounds sterling": "GBP",
    "british pounds": "GBP",
    "ruble": "RUB",
    "rubles": "RUB",
    "rouble": "RUB",
    "roubles": "RUB",
    "yuan": "CNY",
    "yen": "JPY",
    "usd": "USD",
    "eur": "EUR",
    "gbp": "GBP",
    "rub": "RUB",
    "cny": "CNY",
    "jpy": "JPY",
    "us dollar": "USD",
    "australian dollars": "AUD",
    "canadian dollars": "CAD",
    "swiss francs": "CHF",
    "francs": "FRF",
    "franc": "FRF",
    "pence": "GBX",
    "penny": "GBX",
    "cents": "cents",
    "cent": "cents",
    "pesetas": "ESP",
    "guilders": "NLG",
    "dutch guilders": "NLG",
    "rupees": "INR",
    "rupee": "INR",
    "lira": "TRY",
    "turkish lira": "TRY",
    "rmb": "CNY",
    "chinese yuan": "CNY",
    "bitcoins": "BTC",
    "bitcoin": "BTC",
    "€": "EUR",
    "$": "USD",
    "£": "GBP",
    "元": "CNY",
    "₿": "BTC",
    "يورو أوروبي": "EUR",
    "ليرة تركية": "TRY",
    "ريال قطري": "QAR",
    "دينار كويتي": "KWD",
    "دينار أردني": "JOD",
    "دينار عراقي": "IQD",
    "درهم إماراتي": "AED",
}
_CUR_POST_OF = {re.sub(r"\s+", " ", _n(k)): v for k, v in _CURRENCY_POST.items()}
_CURRENCY_POST_RE = re.compile(
    rf"\s*(?P<c>{_alt([k for k in _CUR_POST_OF if k[0].isalpha()])}){_WE}|\s?(?P<sym>[€$£元₿])", re.IGNORECASE
)
_CURRENCY_PRE = {
    "$": "USD",
    "us$": "USD",
    "u.s$": "USD",
    "u.s.$": "USD",
    "c$": "CAD",
    "hk$": "HKD",
    "a$": "AUD",
    "nz$": "NZD",
    "s$": "SGD",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "₽": "RUB",
    "₿": "BTC",
    "usd": "USD",
    "eur": "EUR",
    "gbp": "GBP",
    "rmb": "CNY",
}
_CURRENCY_PRE_RE = re.compile(
    r"(?P<c>(?:\b(?:US|U\.S\.?|C|HK|A|NZ|S)\s?)?\$|€|£|¥|₽|₿|\b(?:USD|EUR|GBP|RMB)\b)\s?$", re.IGNORECASE
)

# --- dates -------------------------------------------------------------------
_MONTHS = [
    "يناير",
    "فبراير",
    "مارس",
    "أبريل",
    "إبريل",
    "مايو",
    "يونيو",
    "يونيه",
    "يوليو",
    "يوليه",
    "أغسطس",
    "سبتمبر",
    "أكتوبر",
    "نوفمبر",
    "ديسمبر",
    "كانون الثاني",
    "شباط",
    "آذار",
    "نيسان",
    "أيار",
    "حزيران",
    "تموز",
    "آب",
    "أيلول",
    "تشرين الأول",
    "تشرين الثاني",
    "كانون الأول",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Sept",
    "Oct",
    "Nov",
    "Dec",
]
_MONTH = rf"(?:{_alt(_MONTHS)})\.?"
_DATE_RE = re.compile(
    rf"(?:(?<!\d)(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?)?{_WB}{_AR_PFX}(?P<month>{_MONTH}){_WE}"
    rf"(?:\s*/\s*{_MONTH}{_WE})?"
    rf"(?:\s+(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?(?!\d)\s*,?)?"
    rf"(?:\s*,?\s+(?:من\s+)?(?:(?:ال)?عام\s+)?(?P<year>\d{{4}})(?!\d))?",
    re.IGNORECASE,
)
_MONTH_CASE_SENSITIVE = re.compile(r"^(?:May|March|Mar|Jan|Dec|Sep|Oct|Nov|Jun|Jul|Aug|Apr|Feb)\b")
_YEAR_KW_RE = re.compile(rf"{_WB}{_AR_PFX}(?P<kw>عام|عامي|سنه|year|the\s+year)\s+$", re.IGNORECASE)

# --- counted nouns -----------------------------------------------------------
_UNIT_FORMS: dict[str, list[str]] = {
    "users": ["مستخدم", "مستخدما", "مستخدمين", "مستخدمون", "مستخدمي", "مستخدمة", "مستخدمات", "user", "users"],
    "russians": ["روسي", "روس", "روسيين", "روسيون", "russians"],
    "accounts": ["حساب", "حسابا", "حسابات", "account", "accounts"],
    "times": ["مرة", "مرات", "times", "time"],
    "hours": ["ساعة", "ساعات", "hour", "hours"],
    "minutes": ["دقيقة", "دقائق", "minute", "minutes"],
    "seconds": ["ثانية", "ثوان", "ثواني", "second", "seconds"],
    "days": ["يوم", "يوما", "أيام", "day", "days"],
    "weeks": ["أسبوع", "أسبوعا", "أسابيع", "week", "weeks"],
    "months": ["شهر", "شهرا", "أشهر", "شهور", "month", "months"],
    "years": ["سنة", "سنوات", "سنين", "عام", "عاما", "أعوام", "year", "years"],
    "languages": ["لغة", "لغات", "language", "languages"],
    "messages": ["رسالة", "رسائل", "message", "messages"],
    "sites": ["موقع", "موقعا", "مواقع", "site", "sites", "website", "websites"],
    "channels": ["قناة", "قنوات", "channel", "channels"],
    "subscribers": ["مشترك", "مشتركا", "مشتركين", "مشتركون", "subscriber", "subscribers"],
    "followers": ["متابع", "متابعا", "متابعين", "follower", "followers"],
    "people": ["شخص", "شخصا", "أشخاص", "نسمة", "people", "persons", "person"],
    "citizens": ["مواطن", "مواطنا", "مواطنين", "مواطنون", "citizens"],
    "countries": ["دولة", "دول", "بلد", "بلدان", "بلدا", "country", "countries"],
    "companies": ["شركة", "شركات", "company", "companies", "firms"],
    "devices": ["جهاز", "جهازا", "أجهزة", "device", "devices"],
    "phones": ["هاتف", "هاتفا", "هواتف", "phone", "phones", "smartphones"],
    "threats": ["تهديد", "تهديدا", "تهديدات", "threat", "threats"],
    "calls": ["دعوة", "دعوات", "مكالمة", "مكالمات", "call", "calls"],
    "posts": ["منشور", "منشورا", "منشورات", "post", "posts"],
    "apps": ["تطبيق", "تطبيقا", "تطبيقات", "app", "apps", "application", "applications"],
    "platforms": ["منصة", "منصات", "platform", "platforms"],
    "employees": ["موظف", "موظفا", "موظفين", "employee", "employees", "staff", "workers"],
    "soldiers": ["جندي", "جنديا", "جنود", "soldier", "soldiers", "troops"],
    "deaths": ["قتيل", "قتيلا", "قتلى", "deaths", "dead", "killed", "fatalities"],
    "pilgrims": ["حاج", "حاجا", "حجاج", "حاجًا", "pilgrim", "pilgrims"],
    "victims": ["ضحية", "ضحايا", "victim", "victims"],
    "injured": ["جريح", "جرحى", "مصاب", "مصابا", "مصابين", "injured", "wounded"],
    "journalists": ["صحفي", "صحفيا", "صحفيين", "صحافيين", "journalist", "journalists"],
    "members": ["عضو", "عضوا", "أعضاء", "member", "members"],
    "reports": ["تقرير", "تقريرا", "تقارير", "report", "reports"],
    "groups": ["مجموعة", "مجموعات", "group", "groups"],
    "downloads": ["تنزيل", "تحميل", "download", "downloads"],
    "videos": ["فيديو", "video", "videos"],
    "attacks": ["هجوم", "هجوما", "هجمات", "attack", "attacks"],
    "requests": ["طلب", "طلبا", "طلبات", "request", "requests"],
    "cases": ["حالة", "حالات", "case", "cases"],
    "votes": ["صوت", "صوتا", "أصوات", "vote", "votes"],
    # physical dimensions (kind "dimension")
    "km": ["كيلومتر", "كيلومترا", "كيلومترات", "كم", "km", "kilometers", "kilometres", "kilometer"],
    "m": ["متر", "مترا", "أمتار", "meters", "metres", "meter", "metre"],
    "km2": ["كيلومتر مربع", "km2", "square kilometers", "square kilometres"],
    "miles": ["ميل", "ميلا", "أميال", "mile", "miles"],
    "kg": ["كيلوغرام", "كيلوجرام", "كغ", "kg", "kilograms", "kilogram", "kilos"],
    "tons": ["طن", "طنا", "أطنان", "ton", "tons", "tonnes", "tonne"],
    "liters": ["لتر", "لترا", "لترات", "liter", "liters", "litre", "litres"],
    "ml": ["ml", "milliliters", "millilitres", "ميليلتر", "مليلتر"],
    "barrels": ["برميل", "برميلا", "براميل", "barrel", "barrels"],
    "gb": ["gb", "غيغابايت", "جيجابايت", "tb", "mb"],
    "mw": ["ميغاواط", "ميجاوات", "mw", "megawatts", "gw", "gigawatts"],
}
_DIMENSION_UNITS = {"km", "m", "km2", "miles", "kg", "tons", "liters", "ml", "barrels", "gb", "mw"}
_UNIT_OF: dict[str, str] = {}
for _u, _forms in _UNIT_FORMS.items():
    for _f in _forms:
        _UNIT_OF[_n(_f)] = _u
_DURATION_UNITS = {"years", "months", "weeks", "days", "hours", "minutes", "seconds"}
# words between the number and its noun that do not stop the search
_UNIT_SKIP = {_n(w) for w in ("من", "of", "the", "new", "more", "additional", "other", "active")}
# words that end the noun phrase: the noun did not come
_UNIT_STOP = {
    _n(w)
    for w in (
        "في",
        "على",
        "عن",
        "إلى",
        "الى",
        "داخل",
        "خلال",
        "منذ",
        "بعد",
        "قبل",
        "بين",
        "حتى",
        "مع",
        "و",
        "أو",
        "لكن",
        "in",
        "on",
        "at",
        "for",
        "from",
        "to",
        "by",
        "with",
        "since",
        "between",
        "and",
        "or",
        "but",
        "than",
        "per",
        "a",
        "an",
        "is",
        "are",
        "was",
        "were",
    )
}
_NOT_UNIT = {_n(w) for w in ("روسيا",)}  # "روسيا" minus tanween would look like "روسي"
_CLITICS = {"ال", "و", "ب", "ل", "ف", "ك", "بال", "وال", "لل", "فال", "وب", "ول"}
_AR_STRIP_PFX = re.compile(r"^(?:وبال|وال|بال|فال|كال|لل|ال|و|ف|ب|ل)")
_TOKEN_RE = re.compile(r"[^\W\d_]+|\d+|[^\w\s]")


def _lookup_unit(word: str) -> str | None:
    w = word.lower()
    if w in _NOT_UNIT:
        return None
    if w in _UNIT_OF:
        return _UNIT_OF[w]
    if not w.isascii():
        stripped = _AR_STRIP_PFX.sub("", w)
        for cand in (stripped, w[:-1] if w.endswith("ا") else "", stripped[:-1] if stripped.endswith("ا") else ""):
            if cand and cand in _UNIT_OF and cand not in _NOT_UNIT:
                return _UNIT_OF[cand]
    return None


_DEATH_WORDS = {_n(w).lower() for w in ("وفاة", "وفيات", "الوفاة", "death", "deaths")}


def _find_unit(norm: str, pos: int) -> tuple[str | None, int]:
    """Counted noun right after ``pos``: (unit, end position in norm)."""
    window = norm[pos : pos + 60]
    arabic_seen = False
    seen = 0
    for m in _TOKEN_RE.finditer(window):
        tok = m.group()
        if not tok[0].isalpha():
            break
        low = tok.lower()
        if not low.isascii():
            arabic_seen = True
        unit = _lookup_unit(low)
        if unit == "cases":
            # "577 حالة وفاة", "cases of death": a case of death is a death
            after = [w for w in _TOKEN_RE.finditer(window, m.end()) if w.group()[0].isalpha()][:2]
            if after and after[0].group().lower() == "of":
                after = after[1:]
            if after and after[0].group().lower() in _DEATH_WORDS:
                return "deaths", pos + after[0].end()
        if unit:
            return unit, pos + m.end()
        if low in _UNIT_STOP or _AR_STRIP_PFX.sub("", low) in ("في",):
            break
        if low not in _UNIT_SKIP:
            seen += 1
        # Arabic puts the noun first; English may put 1-2 adjectives before it.
        if seen >= (1 if arabic_seen else 2):
            break
    return None, pos


# ---------------------------------------------------------------------------
# number parsing


_THOUSANDS_ONLY = re.compile(r"-?(?:\d{1,3}(?:,\d{3})+|\d{1,2}(?:,\d{2})+,\d{3})(?:\.\d+)?")


def _to_float(digits: str) -> float:
    d = digits.replace("،", "").replace(" ", "")
    if _DOT_THOUSANDS.fullmatch(d.lstrip("-")):
        d = d.replace(".", "")
    if "," in d and not _THOUSANDS_ONLY.fullmatch(d):
        d = d.replace(",", ".")  # decimal comma
    return float(d.replace(",", ""))


def _digits_of(tokens: list[str]) -> str | None:
    """Decimal digits read out after "point" ("zero three" -> "03", "seventy-one" -> "71")."""
    vals = [_WORDS.get(_n(t).lower(), (None, None)) for t in tokens]
    if all(k == "n" and v is not None and v < 10 for k, v in vals):
        return "".join(str(int(v)) for _, v in vals)
    whole = _parse_word_tokens(tokens)
    return None if whole is None or whole != int(whole) else str(int(whole))


def _parse_word_tokens(tokens: list[str]) -> float | None:
    """Value of a sequence of number words ("خمسة وعشرون", "two hundred thousand",
    "three twenty-firsts", "two hundred point zero three")."""
    total = 0.0
    current = 0.0
    last_scale = 0.0
    base = 0.0  # value before the last "and"/"و": a denominator applies only after it
    have = False
    kinds: list[str] = []
    joined = False  # an "and"/"و" precedes the current token
    article = False  # "a"/"an": one of what follows
    prev_n: float | None = None  # value of the previous plain number word
    for idx, tok in enumerate(tokens):
        t = tok.lower()
        if t in ("and", "و"):
            joined = True
            base = current
            continue
        if t in ("a", "an"):
            article = True
            continue
        if t in ("-", "of"):
            continue
        if not t.isascii() and t.startswith("و") and t not in _WORDS:
            joined = True
            base = current
        entry = _WORDS.get(t)
        if entry is None and not t.isascii():
            if t in _WORD_BLACKLIST:
                return None
            # strip clitics: "وعشرون", "الثلاث"
            for cand in (t[1:] if t[0] in "وفبلك" else "", _AR_STRIP_PFX.sub("", t), t[2:] if t[1:2] in "بلك" else ""):
                if cand and cand in _WORDS:
                    entry = _WORDS[cand]
                    t = cand
                    break
        if entry is None:
            return None
        kind, val = entry
        if kind == "pt":
            if not have or idx + 1 >= len(tokens):
                return None
            digits = _digits_of([x for x in tokens[idx + 1 :] if x.lower() not in ("-",)])
            if digits is None:
                return None
            return total + current + float("0." + digits)
        if article and kind in ("n", "h", "s", "f", "fd", "fdc") and not current:
            current = 1.0 if kind in ("fd", "fdc") else current
            have = True
        article = False
        kinds.append(kind)
        if kind == "n":
            current += val
            prev_n = val
        elif kind == "h":
            current = (current or 1) * val
            prev_n = None
        elif kind == "f" and not joined and current and current < 20:
            current *= val  # "one quarter", "two halves"
        elif kind == "f":
            if current == 0 and last_scale and have:
                total += val * last_scale  # "مليون ونصف" = 1.5 million
            else:
                current += val
        elif kind in ("fd", "fdc"):
            den = round(1 / val)
            if den < 10 and prev_n is not None and 20 <= prev_n <= 90 and prev_n % 10 == 0 and current > prev_n - 1:
                den += int(prev_n)  # "twenty-first", "thirty fifths"
                current -= prev_n
                if not current and not total:
                    return None  # "twenty-first" alone is an ordinal
            elif kind == "fdc":
                return None
            if not have and not current:
                return None
            if current == 0 and total:
                current, total = total, 0.0  # "a hundred thousand trillionths"
            current = base + ((current - base) or 1) / den  # "twenty and three fifths" = 20.6
            prev_n = None
        else:  # scale / plural scale
            if kind == "ps" and not have:
                return None  # "آلاف" alone is vague, handled elsewhere
            if val == 12 and base and current > base:
                total += base + (current - base) * val  # "three hundred and two dozens"
            else:
                total += (current or 1) * val
            current = base = 0.0
            last_scale = val
            prev_n = None
        have = True
        joined = False
    if not have:
        return None
    if len(kinds) == 1 and _n(tokens[-1]).lower() in _ONLY_IN_COMPOUND:
        return None
    bare = [_AR_STRIP_PFX.sub("", _n(t)) for t in tokens if t != "و"]
    if all(b in _ONLY_IN_COMPOUND for b in bare):
        return None
    return total + current


def is_number_token(token: str) -> bool:
    """True for a digit string or a number word (with or without an Arabic clitic)."""
    t = normalize(token).lower().strip(".,،")
    if not t:
        return False
    if re.fullmatch(r"[-+]?\d[\d.,]*", t):
        return True
    if "-" in t:
        return all(is_number_token(part) for part in t.split("-") if part)
    return t in _WORDS or _AR_STRIP_PFX.sub("", t) in _WORDS or (t.startswith("و") and t[1:] in _WORDS)


def parse_number(text: str) -> float | None:
    """Parse a stand-alone number expression ("١٬٠٠٠", "18.2", "ثلاثة آلاف", "two million").

    Returns ``None`` when ``text`` is not a number expression.
    """
    qs = [q for q in find_quantities(text) if q.value is not None]
    return qs[0].value if len(qs) == 1 else None


# ---------------------------------------------------------------------------
# candidate building


@dataclass
class _Cand:
    s: int  # normalised span of the whole mention
    e: int
    ns: int  # normalised span of the number itself
    ne: int
    value: float | None
    low: float | None
    high: float | None
    qualifier: str = "exact"
    unit: str | None = None
    kind: str = "count"
    scale: float | None = None
    bare: bool = False  # digits only: may borrow scale/unit from a range partner
    hs: int = -1  # start of the mention without its hedge
    single_word_one: bool = False
    ue: int = -1  # end of the mention without its counted noun
    parts: list[tuple[int, int, float | None]] = field(default_factory=list)  # number atoms (normalised)


def _clean(x: float | None) -> float | None:
    """Round away float noise from the tolerance arithmetic (60500000.00000001)."""
    return None if x is None else float(f"{x:.12g}")


def _apply_hedge(c: _Cand, qualifier: str) -> None:
    v = c.value
    if v is None:  # vague amount: keep its interval, just open the hedged side
        if qualifier in ("more_than", "at_least"):
            c.high = None
        elif qualifier in ("less_than", "at_most"):
            c.low = None
        c.qualifier = qualifier if qualifier != "about" else "range"
        return
    c.qualifier = qualifier
    if qualifier == "about":
        c.low, c.high = v * (1 - ABOUT_TOLERANCE), v * (1 + ABOUT_TOLERANCE)
    elif qualifier in ("more_than", "at_least"):
        c.low, c.high = v, None
    elif qualifier in ("less_than", "at_most"):
        c.low, c.high = None, v
    else:
        c.low = c.high = v


def _overlaps(taken: list[tuple[int, int]], s: int, e: int) -> bool:
    return any(s < te and ts < e for ts, te in taken)


# A date in digits: ISO "2023-09-12", or day first as Arabic and most news write it ("12-9-2023",
# "12/09/2023", "12.9.2023"); month first only when the day cannot be the first part ("9/12/2023"
# is 9 December, "9/13/2023" 13 September). One separator throughout and a plausible year, so
# a score ("3-1"), a range of years ("2011-2012") or an identifier is not read as a date.
NUMERIC_DATE_RE = re.compile(
    r"(?<![\d.,/-])(?:(?P<iy>(?:19|20)\d\d)(?P<isep>[-/])(?P<im>\d{1,2})(?P=isep)(?P<id>\d{1,2})"
    r"|(?P<a>\d{1,2})(?P<sep>[-/.])(?P<b>\d{1,2})(?P=sep)(?P<y>(?:19|20)\d\d))(?![\d]|[-/.]\d)"
)


def numeric_date(raw: str) -> tuple[int, int, int] | None:
    """(year, month, day) of a date written in digits (`NUMERIC_DATE_RE`), or None."""
    m = NUMERIC_DATE_RE.search(raw)
    return None if m is None else _ymd(m)


def _ymd(m: re.Match[str]) -> tuple[int, int, int] | None:
    """(year, month, day) of a `NUMERIC_DATE_RE` match, or None when no such day exists."""
    if m.group("iy"):
        year, month, day = int(m.group("iy")), int(m.group("im")), int(m.group("id"))
    else:
        first, second, year = int(m.group("a")), int(m.group("b")), int(m.group("y"))
        day, month = (second, first) if second > 12 else (first, second)
    return (year, month, day) if 1 <= month <= 12 and 1 <= day <= 31 else None


def _date_candidates(norm: str, taken: list[tuple[int, int]]) -> list[_Cand]:
    out: list[_Cand] = []
    for m in NUMERIC_DATE_RE.finditer(norm):
        ymd = _ymd(m)
        if ymd is None:
            continue
        y = float(ymd[0])
        year_at = m.start("iy") if m.group("iy") else m.start("y")
        c = _Cand(m.start(), m.end(), year_at, year_at + 4, y, y, y, unit="year", kind="date")
        c.ue = m.end()
        out.append(c)
        taken.append((m.start(), m.end()))
    for m in _DATE_RE.finditer(norm):
        day = m.group("day") or m.group("day2")
        year = m.group("year")
        if not day and not year:
            continue
        month_txt = m.group("month")
        if month_txt.isascii() and _MONTH_CASE_SENSITIVE.match(month_txt) is None and not month_txt[0].isupper():
            continue  # lower-case English "may"/"march" are verbs
        if month_txt.isascii() and _MONTH_CASE_SENSITIVE.match(month_txt) and not day:
            # "May 2020" is fine, but "March 2020" too; only reject lowercase forms
            pass
        if day and not (1 <= int(day) <= 31):
            continue
        s = m.start("day") if m.group("day") else m.start("month")
        e = m.end()
        while e > s and norm[e - 1] in " ,":
            e -= 1
        if year:
            y = float(year)
            kind = "date" if day else "year"
            c = _Cand(s, e, m.start("year"), m.end("year"), y, y, y, unit="year", kind=kind)
        else:
            c = _Cand(s, e, s, e, None, None, None, unit=None, kind="date")
        c.ue = e
        if day:
            ds = m.start("day") if m.group("day") else m.start("day2")
            c.parts.append((ds, ds + len(day), float(day)))
        if year:
            c.parts.append((m.start("year"), m.end("year"), float(year)))
        out.append(c)
        taken.append((s, e))
    return out


# A time of day: hours and two-digit minutes with a colon, an hour mark after ("4:17am", "11:11 p.m.")
# or a time zone ("01:17 GMT", "01,17 بتوقيت جرينتش"), or "الساعة" before (Arabic pages write the
# colon as a comma: "الساعة 4,17"). Read as counts, "11:11" was two elevens.
_TIME_RE = re.compile(
    r"(?<![\d.,:])(?:(?P<at>(?:الساعة|الساعه)\s+))?(?P<h>[01]?\d|2[0-3])(?P<sep>[:,.])(?P<m>[0-5]\d)(?![\d:])"
    r"(?:\s*(?P<ap>[ap]\.?\s?m\b\.?)|(?=\s*(?P<zone>gmt|utc|بتوقيت|ت\.?\s?غ)))?"
    # Wire copy writes a time with its zone as four digits ("at around 1025 GMT"); a year is never
    # followed by one.
    r"|(?<![\d.,:])(?P<h4>[01]\d|2[0-3])(?P<m4>[0-5]\d)(?=\s*(?P<zone4>gmt|utc)\b)",
    re.IGNORECASE,
)


_TIME_CONTEXT = re.compile(r"(?:\bat|\bby|\buntil|\bfrom|\bsince|\bbefore|\bafter)\s*$", re.IGNORECASE)


def _clock(m: re.Match[str], norm: str) -> tuple[int, int, int, int] | None:
    """A `_TIME_RE` match read as (start, end of the digits, hours, minutes) on the 24-hour clock,
    or None when it is a number rather than a time."""
    if m.group("h4"):  # "1025 GMT"
        return m.start(), m.end(), int(m.group("h4")), int(m.group("m4"))
    colon = m.group("sep") == ":"
    if not (
        m.group("at")
        or m.group("zone")
        or (m.group("sep") != "," and m.group("ap"))
        or (colon and _TIME_CONTEXT.search(norm, max(0, m.start() - 12), m.start()))
    ):
        return None  # "2.50" and "3,15" are numbers; a bare "3:15" needs "at" before it ("4.30 pm" is a time)
    hours, minutes = int(m.group("h")), int(m.group("m"))
    mark = (m.group("ap") or "").lower().replace(".", "").replace(" ", "")
    if mark and not 1 <= hours <= 12:
        return None
    if mark == "pm" and hours != 12:
        hours += 12
    elif mark == "am" and hours == 12:
        hours = 0
    return m.start("h"), m.end("m"), hours, minutes


def _time_candidates(norm: str, taken: list[tuple[int, int]]) -> list[_Cand]:
    out: list[_Cand] = []
    for m in _TIME_RE.finditer(norm):
        if _overlaps(taken, m.start(), m.end()):
            continue
        clock = _clock(m, norm)
        if clock is None:
            continue
        start, digits_end, hours, minutes = clock
        value = float(hours * 60 + minutes)
        c = _Cand(start, m.end(), start, digits_end, value, value, value, kind="time")
        c.ue = m.end()
        out.append(c)
        taken.append((start, m.end()))
    return out


def _vague_candidate(m: re.Match[str]) -> _Cand | None:
    if m.group("va"):
        a = _AR_STRIP_PFX.sub("", m.group("va")) if m.group("va") not in _VAGUE_BASE else m.group("va")
        base = _VAGUE_BASE.get(a) or _VAGUE_BASE.get(m.group("va"))
        b = m.group("vb")
    elif m.group("vc"):
        base = _VAGUE_BASE.get(m.group("vc").lower())
        b = m.group("vd")
    else:
        few = re.sub(r"\s+", " ", m.group("ve").lower())
        base = _VAGUE_BASE.get(few)
        b = m.group("vf")
    if base is None:
        return None
    lo, hi = base
    if b:
        mult = _VAGUE_SCALE.get(b.lower())
        if mult is None:
            return None
        # "عشرات الآلاف": tens of thousands -> [10*1000, 99*1000 + 999]
        lo, hi = lo * mult, (hi + 1) * mult - 1
    elif m.group("ve"):
        mult = _VAGUE_SCALE[m.group("vf").lower()]
        lo, hi = lo * mult, (hi + 1) * mult - 1
    s, e = m.start("vague"), m.end("vague")
    # leave the clitic (و/ب/ل...) out of the span
    word = m.group("va") or ""
    if word:
        s = m.start("va")
    return _Cand(s, e, s, e, None, lo, hi, qualifier="range")


_BETWEEN_BEFORE_RE = re.compile(r"(?:بين|between)\s+(?:(?:minus|negative|سالب|ناقص)\s+)?$", re.IGNORECASE)
_AND_TOKEN_RE = re.compile(r"\s+(?:and|و)\s*|\s+(?=و)", re.IGNORECASE)


def _between_pair(norm: str, start: int, raw: str, tokens: list[str]) -> list[_Cand] | None:
    """ "بين عشرة و خمسة عشر", "between ten and fifteen": two numbers, not their sum."""
    if not _BETWEEN_BEFORE_RE.search(norm, max(0, start - 20), start):
        return None
    for j in _AND_TOKEN_RE.finditer(raw):
        left, right = raw[: j.start()], raw[j.end() :]
        right_tokens = [t for t in re.split(r"[\s\-]+", right) if t]
        if right_tokens and right_tokens[0].startswith("و") and right_tokens[0] not in _WORDS:
            right_tokens[0] = right_tokens[0][1:]
        a = _parse_word_tokens([t for t in re.split(r"[\s\-]+", left) if t])
        b = _parse_word_tokens(right_tokens)
        if a is not None and b is not None and a < b:
            rs = start + j.end()
            if norm[rs] == "و" and right_tokens and not right.startswith(right_tokens[0]):
                rs += 1
            ca = _Cand(start, start + len(left), start, start + len(left), a, a, a)
            cb = _Cand(rs, start + len(raw), rs, start + len(raw), b, b, b)
            return [ca, cb]
    return None


def _core_candidates(norm: str, taken: list[tuple[int, int]]) -> list[_Cand]:
    out: list[_Cand] = []
    for m in _CORE_RE.finditer(norm):
        if _overlaps(taken, m.start(), m.end()):
            # a date may cover only part of it (e.g. "18" of "18 نوفمبر")
            continue
        if m.group("uf"):
            v = _UNICODE_FRACTIONS[m.group("uf")]
            out.append(_Cand(m.start(), m.end(), m.start(), m.end(), v, v, v, kind="fraction"))
            continue
        if m.group("frac"):
            num, den = int(m.group("fn")), int(m.group("fd"))
            if not 0 < num < den:
                continue  # "24/7", "11/2015": not a fraction
            v = (int(m.group("fw")) if m.group("fw") else 0) + num / den
            if m.group("fneg"):
                v = -v
            c = _Cand(m.start(), m.end(), m.start(), m.end(), v, v, v, kind="count" if v >= 1 else "fraction")
            out.append(c)
            continue
        if m.group("dig"):
            v = _to_float(m.group("dig"))
            scale = None
            if m.group("scl"):
                word = m.group("scl").strip().lower()
                scale = _ATTACHED_SCALE.get(word) or _SCALE_AFTER_DIGITS.get(word)
            if scale:
                v *= scale
            c = _Cand(m.start(), m.end(), m.start(), m.end(), v, v, v, scale=scale, bare=scale is None)
            if scale is None and m.group("dig").isdigit():
                iv = int(m.group("dig"))
                if 1800 <= iv <= 2100 and len(m.group("dig")) == 4:
                    c.kind = "year"
        elif m.group("vague"):
            vc = _vague_candidate(m)
            if vc is None:
                continue
            c = vc
        elif m.group("wrd"):
            raw = m.group("wrd")
            tokens = [t for t in re.split(r"[\s\-]+", raw) if t]
            pair = _between_pair(norm, m.start("wrd"), raw, tokens)
            if pair:
                out.extend(pair)
                continue
            v = _parse_word_tokens(tokens)
            if v is None:
                continue
            if len(tokens) == 1 and _WEEKDAY_NUMBER_WORD_RE.fullmatch(tokens[0]):
                continue  # "الاثنين" is Monday (and "الأحد" Sunday), not "the two"
            s = m.start("wrd")
            first = tokens[0]
            # drop a clitic from the span start only when it is a real clitic
            # (keep "واحد"); the span then starts at the number word itself.
            stripped = _AR_STRIP_PFX.sub("", first)
            if not first.isascii() and first not in _WORDS and stripped in _WORDS and norm.startswith(first, s):
                s += len(first) - len(stripped)
            c = _Cand(s, m.end(), s, m.end(), v, v, v, kind="fraction" if 0 < v < 1 else "count")
            c.single_word_one = v == 1 and len(tokens) == 1
        else:
            dual = m.group("dual")
            val, unit = _DUALS[dual.lower()]
            s = m.start("dual")
            c = _Cand(
                s,
                m.end(),
                s,
                m.end(),
                val,
                val,
                val,
                unit=unit,
                kind="duration" if unit in _DURATION_UNITS else "count",
            )
        out.append(c)
    return out


_URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_PARTITIVE_RE = re.compile(r"\s+(?:of|من)(?![^\W_])", re.IGNORECASE)


def _decorate(c: _Cand, norm: str) -> None:
    """Percent/currency/unit after the number, hedges and year keywords around it."""
    # percent
    pre_pct = _PERCENT_PRE_RE.search(norm, max(0, c.s - 20), c.s)
    if pre_pct and c.kind in ("count", "year") and c.value is not None and not _PERCENT_RE.match(norm, c.e):
        # "نسبة ١٠", "بالمائة 10", "percent of 10"
        c.kind, c.unit, c.bare = "percent", "percent", False
        c.s = c.hs = pre_pct.start("p")
        c.ue = c.e
        c.parts = [(c.ns, c.ne, c.value)]
        return
    pm = _PERCENT_RE.match(norm, c.e)
    if pm and c.kind != "date":
        c.e = pm.end()
        c.kind, c.unit = "percent", "percent"
        c.bare = False
    else:
        cm = _CURRENCY_POST_RE.match(norm, c.e)
        if cm:
            key = cm.group("c") or cm.group("sym")
            c.kind, c.unit = "money", _CUR_POST_OF[re.sub(r"\s+", " ", key.lower())]
            c.e = cm.end()
            c.bare = False
        else:
            pre = _CURRENCY_PRE_RE.search(norm, max(0, c.s - 5), c.s)
            if pre:
                sym = pre.group("c").lower().replace(" ", "")
                c.kind, c.unit = "money", _CURRENCY_PRE.get(sym, _CURRENCY_PRE.get(sym[-1:], "USD"))
                c.s = pre.start("c")
                c.bare = False
            elif c.unit is None and c.kind != "date":
                unit, end = _find_unit(norm, c.e)
                if unit:
                    c.ue = c.e
                    c.unit, c.e = unit, end
                    c.bare = False
                    if c.kind == "year":
                        c.kind = "count"
                    if unit in _DURATION_UNITS:
                        c.kind = "duration"
                    elif unit in _DIMENSION_UNITS:
                        c.kind = "dimension"
    negated = _NEG_WORD_RE.search(norm, max(0, c.s - 12), c.s) is not None
    if c.single_word_one and not negated and (c.unit is None or _PARTITIVE_RE.match(norm, c.ne)):
        # "one of the platforms", "واحد من": partitive, not a count of one
        c.kind = "drop"
        return
    if c.kind == "year" and _OTHERS_AFTER_RE.match(norm, c.e):
        c.kind = "count"  # "وأصيب 2000 آخرون", "2000 others were hurt": people, not a year
    # year: bare 4-digit number; an Arabic keyword ("عام 2014") joins the span
    if c.kind == "year":
        c.unit = "year"
        km = _YEAR_KW_RE.search(norm, max(0, c.s - 16), c.s)
        if km:
            c.s = km.start("kw")
    # hedges
    c.hs = c.s
    probe = c.s
    word_start = probe
    while word_start > 0 and not norm[word_start - 1].isspace():
        word_start -= 1
    if word_start < probe and norm[word_start:probe] in _CLITICS:
        probe = word_start  # "فوق الثلاثين": the hedge ends before the clitic
    hm = _PRE_HEDGE_RE.search(norm, max(0, probe - 40), probe)
    qualifier = None
    if hm:
        if hm.group("sym"):
            qualifier = _SYMBOL_HEDGES[hm.group("sym").replace(" ", "")]
            c.s = hm.start("sym")
        elif _VERB_REACH_RE.search(norm, max(0, hm.start("h") - 6), hm.start("h")) and _n(hm.group("h")).startswith(
            ("يصل", "تصل")
        ):
            hm = None  # "أن تصل إلى عشرات الآلاف": the verb "reach", not the hedge "up to"
        else:
            qualifier = _HEDGE_OF[re.sub(r"\s+", " ", hm.group("h").lower())]
            c.s = hm.start("h")
        if c.kind == "year":
            c.kind, c.unit = "count", None
    if qualifier is None and c.kind != "year":
        # Arabic puts the verb first: "تجاوز عدد الوفيات 1000" ("the number of deaths exceeded 1000")
        vm = _EXCEED_VERB_RE.search(norm, max(0, probe - 60), probe)
        if vm:
            qualifier = "more_than"
    pm2 = _POST_HEDGE_RE.match(norm, c.e)
    post = _POST_HEDGE_OF[re.sub(r"\s+", " ", pm2.group("h").lower())] if pm2 else None
    if pm2 and pm2.group("h").lower().endswith(("than", "من")) and _WORD_AHEAD_RE.match(norm, pm2.end()):
        pm2 = post = None  # "5000 or less than 6000": the second figure has its own hedge
    if post == "or_equal":
        if qualifier in ("more_than", "less_than") and not _WORD_AHEAD_RE.match(norm, pm2.end()):
            # "more than 5000 or equal (to)"; not "more than 5000 or equal to 6000"
            qualifier = "at_least" if qualifier == "more_than" else "at_most"
            c.e = pm2.end()
            if c.ue < 0 or c.ue < c.e:
                c.ue = c.e
        pm2 = None
    if pm2 and qualifier in (None, "about", "exact"):
        # "about 500 or more": the closing hedge bounds the figure
        if qualifier == "about":
            c.s = c.hs  # "about 500 or more": the closing hedge bounds the figure
        qualifier = _POST_HEDGE_OF[re.sub(r"\s+", " ", pm2.group("h").lower())]
        if c.ue < 0:
            c.ue = pm2.end()
        c.e = pm2.end()
    if qualifier:
        _apply_hedge(c, qualifier)
    if c.ue < 0:
        c.ue = c.e
    if not c.parts:
        c.parts = [(c.ns, c.ne, c.value)]


_RANGE_MID_RE = re.compile(
    r"^\s*(?:(?P<and>و|and|&)|(?P<to>الي|حتي|to|through|till|until|-|/|~)|(?P<or>او|or))\s*$",
    re.IGNORECASE,
)
_RANGE_PRE_RE = re.compile(
    rf"{_WB}(?P<kw>(?:ما\s+)?بين|between|from|من|of)\s+(?:(?:ال)?(?:عامي|عام|سنتي)\s+)?$", re.IGNORECASE
)


_LOWER_Q = ("more_than", "at_least")
_UPPER_Q = ("less_than", "at_most")
_BOUNDS_MID_RE = re.compile(r"^\s*(?:,|،)?\s*(?:و|and|but|&)?\s*$", re.IGNORECASE)


def _bounds_pair(a: _Cand, b: _Cand, norm: str) -> _Cand | None:
    """ "more than 10 and less than 20" / "أكثر من 10 وأقل من 20" -> one range."""
    if a.value is None or b.value is None or b.s - a.e > 8:
        return None
    pair = {a.qualifier, b.qualifier}
    if not (pair & set(_LOWER_Q) and pair & set(_UPPER_Q)):
        return None
    if not _BOUNDS_MID_RE.match(norm[a.e : b.s]):
        return None
    lo_c, hi_c = (a, b) if a.qualifier in _LOWER_Q else (b, a)
    if lo_c.value >= hi_c.value:
        return None
    return _Cand(
        a.s,
        b.e,
        a.ns,
        b.ne,
        None,
        lo_c.value,
        hi_c.value,
        qualifier="range",
        unit=a.unit or b.unit,
        kind=a.kind if a.kind == b.kind else "count",
        ue=b.ue,
        parts=a.parts + b.parts,
    )


_NEG_WORD_RE = re.compile(rf"{_WB}(?:minus|negative|سالب|ناقص)\s+$", re.IGNORECASE)
_COMPOUND_GAP_RE = re.compile(r"^\s*(?P<and>and\s+|و\s*)?$", re.IGNORECASE)


def _apply_negative_words(cands: list[_Cand], norm: str) -> None:
    """ "minus five", "سالب ٥": a negative number (only right before a bare number)."""
    for c in cands:
        if c.value is None or c.qualifier != "exact" or c.hs != c.s or c.value < 0:
            continue
        m = _NEG_WORD_RE.search(norm, max(0, c.s - 12), c.s)
        if m:
            c.value = c.low = c.high = -c.value
            c.s = c.hs = c.ns = m.start()
            c.parts = [(c.ns, c.ne, c.value)]


_WEEKDAY_NUMBER_WORD_RE = re.compile(r"(?:[وبلف]|لل)?ال(?:اثنين|احد)")
_OTHERS_AFTER_RE = re.compile(r"\s+(?:اخرون|اخرين|others|more\s+people)(?![^\W_])", re.IGNORECASE)
_BARE_SCALES = (1e3, 1e6, 1e9)
_HAS_DIGIT = re.compile(r"\d")


def _merge_compounds(cands: list[_Cand], norm: str) -> list[_Cand]:
    """Join digit+scale chains: "٤ آلاف ٣ مائة و ٢١" = 4321, "6 crore and two hundred",
    "3 million and a half" = 3.5 million.

    The left part must be an exact bare number with a scale word and no counted noun;
    without "and"/"و" the right part needs its own, smaller, scale.
    """
    out: list[_Cand] = []
    for c in cands:
        a = out[-1] if out else None
        if a is not None and not a.scale and a.value in _BARE_SCALES and not _HAS_DIGIT.search(norm, a.s, a.e):
            a.scale = a.value  # "ألف و301", "مليونا و833 ألفا": a scale word standing alone is one of it
        if (
            a is not None
            and a.scale
            and a.value is not None
            and c.value is not None
            and a.qualifier != "range"
            and c.qualifier == "exact"
            and a.ue == a.e
            and a.kind == "count"
            and c.kind in ("count", "fraction", "money", "year")
            and c.hs == c.s
        ):
            gap = _COMPOUND_GAP_RE.match(norm[a.e : c.s])
            joined = bool(gap and gap.group("and"))
            value = None
            if gap and 0 < c.value < 1 and joined:
                value = a.value + c.value * a.scale
            elif gap and (
                (c.scale and c.scale < a.scale and c.value < a.scale)
                or (joined and not c.scale and c.value == int(c.value) and 0 < c.value < min(a.scale, 1000))
            ):
                value = a.value + c.value
            if value is not None:
                m = _Cand(a.s, c.e, a.ns, c.ne, value, value, value, unit=c.unit, kind="count")
                m.kind = c.kind if c.kind == "money" else "count"
                m.scale = c.scale if c.scale and c.scale < a.scale else None
                m.hs, m.ue = a.hs, c.ue
                m.parts = [(a.ns, c.ne, value)]
                if a.qualifier != "exact":
                    _apply_hedge(m, a.qualifier)  # "أكثر من 5 آلاف و814": the hedge covers the whole figure
                out[-1] = m
                continue
        out.append(c)
    return out


def _merge_ranges(cands: list[_Cand], norm: str) -> list[_Cand]:
    out: list[_Cand] = []
    i = 0
    while i < len(cands):
        a = cands[i]
        if i + 1 < len(cands):
            b = cands[i + 1]
            mid = _RANGE_MID_RE.match(norm[a.e : b.s]) if b.s - a.e <= 12 else None
            bounds = _bounds_pair(a, b, norm)
            if bounds is not None:
                out.append(bounds)
                i += 2
                continue
            if (
                mid
                and a.value is not None
                and b.value is not None
                and a.qualifier == "exact"
                and b.qualifier == "exact"
                and a.kind not in ("date", "time")
                and b.kind not in ("date", "time")
            ):
                pre = _RANGE_PRE_RE.search(norm, max(0, a.s - 20), a.s)
                ok = bool(mid.group("to")) or (mid.group("and") and pre and pre.group("kw") not in ("من", "from", "of"))
                ok = ok or (mid.group("or") and a.bare)
                if mid.group("to") == "-" or mid.group("to") == "/":
                    ok = bool(re.fullmatch(r"\s?[-/]\s?", norm[a.e : b.s])) and a.bare
                    if mid.group("to") == "/":
                        ok = False
                if norm[max(0, a.s - 1) : a.s] == "+" or re.match(r"[-/]\d", norm[b.e : b.e + 2]):
                    ok = False  # "+1-222-2222": a phone number, not a range
                if ok and mid.group("to") in ("-", "~") and b.value <= a.value:
                    ok = False  # "1995-01" is a year-month, not a range
                if ok and a.kind == "year" and b.kind != "year" and b.value < a.value:
                    ok = False  # "حج 2024 إلى ألف": the season's year, then the figure it rose to
                if ok and not a.bare and (a.kind, a.unit) != (b.kind, b.unit):
                    ok = False  # "rose 6% to $1.45 billion" is a change, not a range
                if ok:
                    av = a.value
                    if a.bare and b.scale and av * b.scale <= b.value:
                        av *= b.scale  # "2 to 3 million"
                    lo, hi = min(av, b.value), max(av, b.value)
                    kind = b.kind if a.bare or a.kind == b.kind else a.kind
                    if a.kind == "year" and b.kind == "year":
                        kind = "year"
                    s = pre.start("kw") if pre else a.s
                    r = _Cand(s, b.e, a.ns, b.ne, None, lo, hi, qualifier="range", unit=b.unit or a.unit, kind=kind)
                    r.ue, r.hs, r.parts = b.ue, s, a.parts + b.parts
                    out.append(r)
                    i += 2
                    continue
        out.append(a)
        i += 1
    return out


def _to_quantity(c: _Cand, nt: NormalizedText) -> Quantity:
    s, e = nt.to_original(c.s, c.e)
    raw = nt.original[s:e]
    return Quantity(
        value=_clean(c.value),
        low=_clean(c.low),
        high=_clean(c.high),
        qualifier=c.qualifier,
        unit=c.unit,
        raw=raw,
        start=s,
        end=e,
        kind=c.kind,
    )


@dataclass(frozen=True)
class QuantityMention:
    """A :class:`Quantity` plus the sub-spans other conventions need (original offsets).

    * ``bare_start``: where the mention starts without its hedge ("100 مليون"
      inside "أكثر من 100 مليون مستخدم");
    * ``core_end``: where it ends without the counted noun;
    * ``numbers``: each number expression inside it with its own value
      (two for a range "بين 10 و20").
    """

    quantity: Quantity
    bare_start: int
    core_end: int
    numbers: tuple[tuple[int, int, float | None], ...]


def find_quantities(text: str) -> list[Quantity]:
    """All quantity mentions in ``text``, in order of appearance.

    Offsets index ``text`` itself: ``text[q.start:q.end] == q.raw``.
    """
    return [m.quantity for m in find_quantity_mentions(text)]


@lru_cache(maxsize=65536)
def quantities_in(text: str) -> tuple[Quantity, ...]:
    """`find_quantities` of a text, once per text in a process (the values are frozen, so they are
    shared): matching reads a claim's figures for several of its features."""
    return tuple(find_quantities(text))


def find_quantities_with_number_spans(text: str) -> list[tuple[Quantity, int, int, int]]:
    """Backwards-compatible view of :func:`find_quantity_mentions`:
    ``(quantity, number_start, number_end, unhedged_start)``."""
    out = []
    for m in find_quantity_mentions(text):
        ns = m.numbers[0][0] if m.numbers else m.quantity.start
        ne = m.numbers[-1][1] if m.numbers else m.quantity.end
        out.append((m.quantity, ns, ne, m.bare_start))
    return out


def find_quantity_mentions(text: str) -> list[QuantityMention]:
    """All quantity mentions with their sub-spans (see :class:`QuantityMention`)."""
    if not text:
        return []
    nt = normalize_with_map(text)
    norm = nt.norm
    taken: list[tuple[int, int]] = [(m.start(), m.end()) for m in _URL_RE.finditer(norm)]
    cands = _date_candidates(norm, taken)
    cands += _time_candidates(norm, taken)
    for m in _DOTTED_RE.finditer(norm):
        # "192.168.1.2", "1.2.3": separate integers, never one decimal
        if _overlaps(taken, m.start(), m.end()) or _DOT_THOUSANDS.fullmatch(m.group()):
            continue
        pos = m.start()
        for part in m.group().split("."):
            v = float(part)
            cands.append(_Cand(pos, pos + len(part), pos, pos + len(part), v, v, v))
            pos += len(part) + 1
        taken.append((m.start(), m.end()))
    core = _core_candidates(norm, taken)
    for c in core:
        _decorate(c, norm)
    core = [c for c in core if c.kind != "drop"]
    _apply_negative_words(core, norm)
    all_c = sorted(cands + core, key=lambda c: (c.s, c.e))
    all_c = _merge_compounds(all_c, norm)
    all_c = _merge_ranges(all_c, norm)
    # drop candidates swallowed by a wider one (e.g. a hedge span overlapping)
    result: list[_Cand] = []
    for c in all_c:
        if result and c.s < result[-1].e:
            if (c.e - c.s) > (result[-1].e - result[-1].s):
                result[-1] = c
            continue
        result.append(c)
    out = []
    for c in result:
        q = _to_quantity(c, nt)
        hs = nt.to_original(c.hs, c.hs)[0] if c.hs >= 0 else q.start
        ue = nt.to_original(c.s, c.ue)[1] if c.ue >= 0 else q.end
        parts = c.parts or [(c.ns, c.ne, c.value)]
        nums = tuple((*nt.to_original(a, b), _clean(v)) for a, b, v in parts)
        out.append(QuantityMention(q, max(q.start, hs), min(q.end, max(ue, hs)), nums))
    return out
