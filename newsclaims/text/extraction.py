"""Claim extraction from Arabic/English news text (pure, regex heuristics).

Pipeline: sentences -> comma segments -> clause groups -> claims.

* All matching runs on the normalised text (:mod:`newsclaims.text.textnorm`); every span
  handed out is mapped back so ``claim.text == source[claim.start:claim.end]``.
* A sentence that chains several facts with "،"/"," is cut into clause groups so
  that each quantity-bearing clause is its own claim ("... نحو 55 مليون مستخدم"
  and "... ما لا يقل عن 100 مليون مستخدم" in one sentence give two claims). Inside a clause,
  a second fact is cut off at a conjunction between two figures, at a circumstance phrase
  holding a figure after a figure or a time of day ("at a depth of 17.9 km", "على عمق"), at
  "and was / has ..." opening a second predicate, and at a phrase giving a count's cause
  ("، ومعظمهم توفوا بسبب", "primarily due to"): one claim per fact.
* Every declarative clause group of four words or more becomes a claim; questions
  and headers are skipped.  ``checkworthiness`` (0..1) starts at 0.25 and rises
  with a figure, a date, an attribution, a named subject and a denial; pledges,
  predictions, conditionals ("ستواصل", "إذا", "will") and framing commentary
  ("تأتي ... في سياق", "amid") lower it.  ``reasons`` lists what counted.
  Consumers wanting only check-worthy statements keep ``checkworthiness >= 0.3``
  (the threshold the benchmark uses).
* ``claimant``: the attribution of the clause ("قال X إن", "وفقًا لـ X", "X said",
  "according to X", "critics accusing"), else the speaker of the sentence or of a
  quotation still running, except after cues that start a new fact ("وفي", "وبعد").
* ``subject`` (surface string): the product/organisation the clause is about, in
  this order: a back-reference ("التطبيق الذي ...", "والذي ...") takes the previous
  claim's subject; the speaker when the content only refers back to it ("أعلنت
  واتساب أن روسيا تحاول تقييد خدماتها"); the first organisation in the content
  (for counted figures the nearest one before the figure); an organisation in the
  claimant phrase ("مؤسس تليجرام بافيل دوروف" -> تليجرام); one earlier in the
  sentence; the claimant itself; a person; the people a whole-number figure counts ("و68
  هنديا", "60 Jordanians": each item of a list its own, never passed on to the next clause);
  the previous claim's subject; a place.
* ``as_of``: the latest explicit date in the clause (month -> 1st, year -> 1
  January), else a relative one ("أغسطس الماضي", "last week", "earlier this week")
  resolved against ``published_at`` (``as_of_source`` "text"); else the
  publication date ("published"); else ``None`` ("").

Long on purpose (one pipeline whose steps share the normalised text and its cue lists); read
it by its sections: sentence splitting, attribution, subjects, polarity, time, clause
grouping, check-worthiness.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left, bisect_right
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from newsclaims.text.entities import COUNTRIES, countries_of, normalise
from newsclaims.text.figures import METRIC_WORDS, forms, is_projection
from newsclaims.text.quantities import CALENDAR_KINDS, Quantity, find_quantities, numeric_date
from newsclaims.text.textnorm import NormalizedText, normalize, normalize_with_map

__all__ = ["ExtractedClaim", "extract_claims", "match_text", "split_sentences"]


@dataclass
class ExtractedClaim:
    """One statement; ``text == source[start:end]`` exactly.

    ``as_of`` is the date the claim holds at and ``as_of_source`` where it came from
    ("text", "published" or "" when unknown); see the module docstring.
    """

    text: str
    start: int
    end: int
    language: str
    claimant: str | None
    subject: str | None
    quantity: Quantity | None
    quantities: list[Quantity] = field(default_factory=list)
    polarity: str = "positive"
    checkworthiness: float = 0.0
    reasons: list[str] = field(default_factory=list)
    as_of: date | None = None
    as_of_source: str = ""


def _n(s: str) -> str:
    return normalize(s).lower()


def _alt(words: list[str] | tuple[str, ...] | set[str]) -> str:
    # Longest first, then by spelling: the pattern is the same whatever the set's order (which
    # follows the process's hash seed). Callers group it: "(?:" + _alt(...) + ")".
    uniq = sorted({_n(w) for w in words}, key=lambda w: (-len(w), w))
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in uniq)


_WB = r"(?<![^\W_])"
_WE = r"(?![^\W_])"

# ---------------------------------------------------------------------------
# sentence splitting

_ABBREV = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "st",
    "inc",
    "ltd",
    "co",
    "corp",
    "jr",
    "sr",
    "vs",
    "etc",
    "e.g",
    "i.e",
    "u.s",
    "u.k",
    "u.n",
    "no",
    "gen",
    "sen",
    "rep",
    "gov",
    "lt",
    "col",
    "capt",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "approx",
    "fig",
    "est",
    "dept",
    "univ",
    "mt",
    "ft",
}
_CLOSERS = "\"'»”’)]"
_END_RE = re.compile(r"[.!?؟]+|[\n\r]+|؛")


def _is_abbrev(text: str, dot: int) -> bool:
    m = re.search(r"([A-Za-z][A-Za-z.]*)$", text[max(0, dot - 12) : dot])
    if not m:
        return False
    word = m.group(1).lower().rstrip(".")
    if word in _ABBREV:
        return True
    return len(m.group(1)) == 1 and m.group(1).isupper()  # initial: "J. Smith"


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans ``(start, end)`` of ``text``, whitespace-trimmed.

    Boundaries: line breaks, "؛", and ". ! ? ؟" followed by space/end (so
    decimals such as "18.2" never split); a closing quote/bracket right after
    the mark stays in the sentence; common English abbreviations and initials
    do not end a sentence.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    n = len(text)
    for m in _END_RE.finditer(text):
        tok = m.group()
        end = m.end()
        if tok[0] in "\n\r":
            cut, nxt = m.start(), end
        elif tok == "؛":
            cut, nxt = end, end
        else:
            while end < n and text[end] in _CLOSERS:
                end += 1
            if end < n and not text[end].isspace():
                continue  # "18.2", "a.m.", "ex.com"
            if tok == "." and _is_abbrev(text, m.start()):
                continue
            cut, nxt = end, end
        _push_span(text, start, cut, spans)
        start = nxt
    _push_span(text, start, n, spans)
    return spans


# A "sentence" longer than this is not prose but a page stripped of its stops and breaks. The
# clause and subject scans below look back over the sentence for every clause, so an unbounded
# sentence costs the square of its length (a 5 MB single line ran for hours); windows of at most
# this many characters keep extraction linear. The longest seed sentence is 625 characters.
MAX_WINDOW_CHARS = 2000


class _SpanIndex:
    """The spans lying inside a range, found by bisection instead of a scan of every span.

    ``within(lo, hi)`` returns the indices ``i`` with ``lo <= start_i`` and ``end_i <= hi`` in
    their original order, so filtering through the index gives the same list as the loop it
    replaces, at the cost of the spans near the range instead of all of them.
    """

    def __init__(self, spans: Sequence[tuple[int, int]]) -> None:
        self._order = sorted(range(len(spans)), key=lambda i: spans[i][0])
        self._starts = [spans[i][0] for i in self._order]
        self._ends = [spans[i][1] for i in self._order]

    def within(self, lo: int, hi: int) -> list[int]:
        first = bisect_left(self._starts, lo)
        last = bisect_right(self._starts, hi)
        return sorted(self._order[k] for k in range(first, last) if self._ends[k] <= hi)

    def covers(self, pos: int) -> bool:
        """Whether ``pos`` falls strictly inside the span starting nearest before it."""
        k = bisect_left(self._starts, pos) - 1
        return k >= 0 and self._ends[k] > pos


_WINDOW_BREAKS = ",،;؛"


def _windows(text: str, s: int, e: int, limit: int, keep_whole: _SpanIndex) -> list[tuple[int, int]]:
    """``text[s:e]`` cut into whitespace-trimmed spans of at most ``limit`` characters.

    Each cut falls on the last clause comma of the window's second half, else its last space,
    and never inside a span of ``keep_whole`` (a quantity such as "1,000" or "30 million");
    a window with no such place is cut at ``limit``. Spans up to ``limit`` come back unchanged.
    """
    out: list[tuple[int, int]] = []
    while e - s > limit:
        hi = s + limit
        cut = -1
        for lo, breaks in ((s + limit // 2, _WINDOW_BREAKS), (s + 1, " \t")):
            cut = max(text.rfind(ch, lo, hi) for ch in breaks)
            while cut > lo and keep_whole.covers(cut):
                cut = max(text.rfind(ch, lo, cut) for ch in breaks)
            if cut > lo:
                cut += 1  # the comma ends the window before it
                break
        if cut <= s:
            cut = hi
        _push_span(text, s, cut, out)
        s = cut
    _push_span(text, s, e, out)
    return out


def _push_span(text: str, s: int, e: int, out: list[tuple[int, int]]) -> None:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    if e > s:
        out.append((s, e))


# ---------------------------------------------------------------------------
# attribution

_AR_SAY_VERBS = [
    "تعهد",
    "تعهدت",
    "يتهم",
    "تتهم",
    "اتهم",
    "اتهمت",
    "وصف",
    "وصفت",
    "وصفه",
    "وصفها",
    "قال",
    "قالت",
    "يقول",
    "تقول",
    "أكد",
    "أكدت",
    "يؤكد",
    "تؤكد",
    "أضاف",
    "أضافت",
    "أوضح",
    "أوضحت",
    "أعلن",
    "أعلنت",
    "يعلن",
    "تعلن",
    "أفاد",
    "أفادت",
    "ذكر",
    "ذكرت",
    "صرح",
    "صرحت",
    "كشف",
    "كشفت",
    "أشار",
    "أشارت",
    "زعم",
    "زعمت",
    "نفى",
    "نفت",
    "ادعى",
    "ادعت",
    "حذر",
    "حذرت",
    "شدد",
    "شددت",
    "أبلغ",
    "أبلغت",
    "كتب",
    "كتبت",
    "اعترف",
    "اعترفت",
    "اعتبر",
    "اعتبرت",
    "نقل",
    "نقلت",
    "يرى",
    "ترى",
]
_EN_SAY_VERBS = [
    "said",
    "says",
    "stated",
    "states",
    "announced",
    "confirmed",
    "explained",
    "added",
    "told",
    "reported",
    "claimed",
    "claims",
    "denied",
    "noted",
    "wrote",
    "warned",
    "argued",
    "insisted",
    "revealed",
    "estimated",
    "estimates",
    "disclosed",
]
# verbs that also have a non-speech sense ("شدد القيود" = tightened): only an
# attribution when followed by إن/أن, ":" or a quote
_AR_WEAK_VERBS = {
    _n(v)
    for v in [
        "وصف",
        "وصفت",
        "وصفه",
        "وصفها",
        "شدد",
        "شددت",
        "كشف",
        "كشفت",
        "نقل",
        "نقلت",
        "ذكر",
        "ذكرت",
        "أبلغ",
        "أبلغت",
        "اعتبر",
        "اعتبرت",
        "كتب",
        "كتبت",
        "حذر",
        "حذرت",
        "يرى",
        "ترى",
        "أشار",
        "أشارت",
    ]
}
_AR_VERB_RE = re.compile(rf"{_WB}[وف]?(?P<v>{_alt(_AR_SAY_VERBS)}){_WE}")
_COMPLEMENTISER = rf"{_WB}[وف]?ب?ان(?:ه|ها|هم|هن|نا|ني|ك|كم)?{_WE}"
_QUOTED_NAME = r"\"[^\"\n]{1,30}\"|“[^”\n]{1,30}”|«[^»\n]{1,30}»"
_LONG_QUOTE_OPEN = r"[«“\"](?![^\"”»\n]{1,30}[\"”»])"  # a short quoted name is not speech
_AR_WHO_AFTER_RE = re.compile(
    rf"\s+(?P<who>(?:[^،,:«“\"؛]|{_QUOTED_NAME}){{0,90}}?)\s*"
    rf"(?:{_COMPLEMENTISER}|[:،,]|{_LONG_QUOTE_OPEN}|$)"
)
# where the claimant phrase ends: addressee/medium/time adverbials after the name
_WHO_MEDIUM = "لوكالة لوكالات لوسائل لموقع لصحيفة لقناة لتلفزيون لشبكة لمجلة لرويترز للصحفيين لصحفيين للصحافة"
_WHO_IN = "بيان تصريح تصريحات مقابلة منشور حديث إحدى تغريدة مؤتمر رسالة وقت"
_WHO_ON = "صفحته صفحتها حسابه حسابها موقعه موقعها منصة منصته"
_WHO_STOP = (
    "عبر خلال اليوم أمس الخميس الجمعة السبت الأحد الاثنين الثلاثاء الأربعاء سابقا سابقًا أيضا أيضًا "
    "آنذاك حينها مؤخرا مؤخرًا لاحقا لم لن لا إنه إنها عن"
)
# What is announced, when it follows the speaker with no "أن" ("أعلنت السلطات ارتفاع حصيلة الوفيات",
# "أكدت الوزارة مقتل 12"): the object's head noun or a figure, never part of who speaks.
_WHO_OBJECT = "ارتفاع انخفاض تراجع زيادة وصول بلوغ وفاة وفيات مقتل إصابة حصيلة عدد"
_AR_WHO_CUT_RE = re.compile(
    rf"\s*(?<![^\W_])(?:{_alt(_WHO_MEDIUM.split())}"
    rf"|في\s+(?:{_alt(_WHO_IN.split())})"
    rf"|على\s+(?:{_alt(_WHO_ON.split())})"
    rf"|(?:{_alt(_WHO_STOP.split())}){_WE}"
    rf"|(?:{_alt(_WHO_OBJECT.split())}){_WE}|\d"  # nor is a figure ("وأكد المسؤول 577 حالة وفاة")
    rf").*$"
)
_WHO_BAD = (
    "على في عن من إلى مع أن إن إنه أنه إنها أنها أنهم إنهم ما لا لم لن هذا هذه إذا لقد بأن الأمر التطبيق "
    "بعد وبعد حيث الذي التي عندما وعندما كما قد"
)
_AR_WHO_BAD_START = re.compile(rf"^(?:{_alt(_WHO_BAD.split())}){_WE}")
_ACCORDING = [
    "بحسب",
    "حسب",
    "وفقا لما ذكرته",
    "وفقا لما ذكره",
    "وفقا لما أوردته",
    "وفقا لما نقلته",
    "وفقا لما أعلنته",
    "وفقا لما قاله",
    "وفقا ل",
    "طبقا ل",
    "نقلا عن",
    "استنادا إلى",
    "استنادا ل",
]
_AR_ACCORDING_RE = re.compile(
    rf"{_WB}[وف]?(?:{_alt(_ACCORDING)})"
    rf"\s*(?P<who>[^،,:«“\"؛]{{2,90}}?)\s*(?:{_WB}[وف]?(?:ان|فان|الي|علي|عن)(?:ه|ها|هم)?{_WE}|[:«“\"،,]|$)"
)
_AR_ACCORDING_VERB_RE = re.compile(rf"(?:ما\s*)?(?:{_alt(_AR_SAY_VERBS)})\s+(?=\S)")
# "وفقًا لشروط الخدمة" = in accordance with, not a source
_NOT_SOURCES = {
    _n(w)
    for w in [
        "شروط",
        "قانون",
        "القانون",
        "لوائح",
        "اللوائح",
        "قواعد",
        "القواعد",
        "الدستور",
        "اتفاق",
        "الاتفاق",
        "خطة",
        "الخطة",
        "تعليمات",
        "التعليمات",
        "سياسة",
        "سياسات",
    ]
}
_AR_PRE_STRIP = re.compile(rf"^(?:{_alt(['وكانت', 'وكان', 'كانت', 'كان'])})\s+|\s+(?:قد|لقد)$")

_EN_CAP = r"[A-Z][\w.&'’-]*"
_EN_NAME = rf"{_EN_CAP}(?:\s+(?:of|the|de|al|for|and|{_EN_CAP}))*"
_EN_SUBJ_VERB_RE = re.compile(
    rf"(?<![\w])(?P<who>{_EN_NAME})(?:\s*,[^,]{{1,120}},)?\s+(?:has\s+|had\s+|have\s+|also\s+)?(?:{'|'.join(_EN_SAY_VERBS)})\b"
)
_EN_GENERIC_SUBJ_RE = re.compile(
    r"\b(?P<who>critics|officials|analysts|experts|activists|observers|residents|reports)\s+"
    r"(?:have\s+|had\s+)?(?:said|say|says|accusing|accuse|accused|claimed|claim|warned|argue|argued)\b",
    re.IGNORECASE,
)
_EN_VERB_SUBJ_RE = re.compile(rf"\b(?i:said|says|according\s+to)\s+(?P<who>(?:the\s+)?{_EN_NAME})")
# An institution or office named by its common noun ("the ministry said", "the country's health
# ministry said", "police said"): who speaks, as much as a proper name is.
_EN_BODIES = (
    "ministry", "police", "army", "military", "government", "authorities", "agency", "spokesman",
    "spokeswoman", "spokesperson", "official", "minister", "governor", "mayor", "state media", "embassy",
    "council", "committee", "commission", "office", "department", "prosecutor", "company", "diplomat",
    "diplomats", "source", "sources", "witness", "witnesses", "rescuers",
)  # fmt: skip
_EN_BODY_SUBJ_RE = re.compile(
    rf"(?<![\w-])(?P<who>(?i:{'|'.join(_EN_BODIES)}))\s+(?:has\s+|had\s+|have\s+|also\s+)?"
    rf"(?:{'|'.join(_EN_SAY_VERBS)})\b"
)
# Reading back from such a noun to where its phrase begins: a determiner, a possessive or a
# capitalised word ("the country's tourism ministry", "Turkish police", "one diplomat"), over at
# most `_EN_BODY_WORDS` words, none of them a word that ends a phrase ("died and police said":
# "police"); without one, the noun with the common modifiers right before it ("health officials").
_EN_BODY_OPENERS = {"the", "a", "an", "one", "two", "another", "its", "their", "his", "her"}
_EN_BODY_MODIFIERS = {
    "health", "interior", "foreign", "defence", "defense", "local", "state", "civil", "disaster", "emergency",
    "senior", "regional", "provincial", "federal", "national", "public", "news", "justice", "security", "medical",
}  # fmt: skip
_EN_BODY_STOPS = {
    "and", "or", "but", "that", "which", "who", "while", "as", "after", "before", "when", "if", "than", "to",
    "of", "in", "on", "at", "by", "for", "from", "with", "said", "says", "told", "is", "are", "was", "were",
}  # fmt: skip
_EN_BODY_WORDS = 4
_CLAUSE_MARKS = set(',،;؛:.!?()[]"“”«»—–')


def _body_speaker(norm: str, s: int, e: int) -> tuple[int, int] | None:
    """Where "the country's health ministry" begins and ends when it says something in norm[s:e]."""
    m = _EN_BODY_SUBJ_RE.search(norm, s, e)
    if not m:
        return None
    start = m.start("who")
    # Read back within the phrase: never over a comma or other clause mark ("in Gaziantep, the agency").
    floor = max(s, start - 80, *(k + 1 for k in range(max(s, start - 80), start) if norm[k] in _CLAUSE_MARKS))
    words = list(re.finditer(r"[\w'’]+", norm[floor:start]))[::-1][:_EN_BODY_WORDS]
    modified, opened = start, None
    for w in words:
        word = w.group()
        low = word.lower()
        if low in _EN_BODY_STOPS:
            break
        if low in _EN_BODY_OPENERS or word[:1].isupper() or low.endswith(("'s", "’s")):
            opened = floor + w.start()
    if opened is not None:
        return opened, m.end("who")
    for w in words:  # no opener: the modifiers right before it
        if w.group().lower() not in _EN_BODY_MODIFIERS:
            break
        modified = floor + w.start()
    return modified, m.end("who")


# A report credited after the clause, verb first (", reported the AFP", ", added Reuters"): the
# clause's source, as "according to" would give it.
_EN_CREDIT_AFTER_RE = re.compile(
    rf"(?:^|,)\s*(?i:reported|added|stated|announced|confirmed|wrote)\s+(?P<who>(?:the\s+)?{_EN_NAME})\W*$"
)
_PRONOUNS = {"it", "he", "she", "they", "we", "i", "you", "this", "that", "the", "a", "an", "its"}


_ROLES = [
    "مؤسس",
    "المؤسس",
    "المتحدث باسم",
    "متحدث باسم",
    "رئيس",
    "الرئيس",
    "وزير",
    "مدير",
    "المدير",
    "الناطق باسم",
    "ناطق باسم",
]
_ROLE_RE = re.compile(
    rf"{_WB}[وف]?(?:{_alt(_ROLES)})"
    r"(?:\s+(?!(?:ال)?(?:سلطات|حكومه|شركه)\b)[^\W\d_]+){1,3}"
)


@dataclass
class _Attr:
    who: str | None  # exact original surface, None = verb without explicit subject
    pos: int  # normalised position of the cue


def _find_attribution(nt: NormalizedText, s: int, e: int) -> _Attr | None:
    """First attribution cue in norm[s:e] and its claimant."""
    norm = nt.norm
    found: list[_Attr] = []

    def surface(ws: int, we: int) -> str | None:
        os_, oe = nt.to_original(ws, we)
        t = nt.original[os_:oe].strip(" \t\"'“”«»:،,.؛")
        return t or None

    ar_found: list[tuple[int, _Attr]] = []  # (rank, attr): lower rank wins
    for m in _AR_VERB_RE.finditer(norm, s, e):
        who: str | None = None
        am = _AR_WHO_AFTER_RE.match(norm, m.end(), e)
        introduces = False  # followed by إن/أن, ":" or a quote: a reported statement
        if am:
            tail = norm[am.end("who") : am.end()]
            introduces = bool(tail.strip(" ،,"))
            if am.group("who").strip():
                ws, we = am.start("who"), am.end("who")
                cut = _AR_WHO_CUT_RE.search(norm, ws, we)
                if cut:
                    we = cut.start()
                cand = norm[ws:we].strip()
                if cand and not _AR_WHO_BAD_START.match(cand) and len(cand.split()) <= 8:
                    who = surface(ws, we)
        if who is None:
            # subject before the verb: "دوروف قال", "كانت صحيفة X قد أفادت"
            seg_start = max(norm.rfind("،", s, m.start()), norm.rfind(",", s, m.start()), s - 1) + 1
            pre = norm[seg_start : m.start()]
            stripped = _AR_PRE_STRIP.sub("", pre.strip())
            stripped = _AR_PRE_STRIP.sub("", stripped)
            if stripped and len(stripped.split()) <= 5 and not _AR_WHO_BAD_START.match(stripped):
                ws = seg_start + pre.find(stripped)
                who = surface(ws, ws + len(stripped))
        if who is None:
            # "انتقد مؤسس تيليجرام بافيل دوروف ...، حيث قال إن": nearest role phrase
            roles = list(_ROLE_RE.finditer(norm, s, m.start()))
            if roles:
                who = surface(roles[-1].start(), roles[-1].end())
        if not introduces and m.group("v") in _AR_WEAK_VERBS:
            continue
        rank = (0 if introduces else 1) + (0 if who else 2)
        ar_found.append((rank, _Attr(who, m.start())))
    if ar_found:
        found.append(min(ar_found, key=lambda x: (x[0], x[1].pos))[1])
    m = _AR_ACCORDING_RE.search(norm, s, e)
    if m and len(m.group("who").split()) <= 8 and m.group("who").split()[0] not in _NOT_SOURCES:
        # "حسبما أفاد دبلوماسيان", "بحسب ما ذكرت الوكالة": the source follows the verb
        ws = m.start("who")
        verb = _AR_ACCORDING_VERB_RE.match(norm, ws, m.end("who"))
        found.append(_Attr(surface(verb.end() if verb else ws, m.end("who")), m.start()))
    m = _EN_SUBJ_VERB_RE.search(norm, s, e)
    if m:
        w = m.group("who")
        who = None if w.lower() in _PRONOUNS else surface(m.start("who"), m.end("who"))
        found.append(_Attr(who, m.start()))
    m = _EN_GENERIC_SUBJ_RE.search(norm, s, e)
    if m:
        found.append(_Attr(surface(m.start("who"), m.end("who")), m.start()))
    m = _EN_VERB_SUBJ_RE.search(norm, s, e)
    if m and m.group("who").lower() not in _PRONOUNS:
        found.append(_Attr(surface(m.start("who"), m.end("who")), m.start()))
    if not found:  # a speaker named by a common noun, or credited after: only where no other is
        body = _body_speaker(norm, s, e)
        if body:
            found.append(_Attr(surface(*body), body[0]))
        m = _EN_CREDIT_AFTER_RE.search(norm[s:e])
        if m:
            found.append(_Attr(surface(s + m.start("who"), s + m.end("who")), s + m.start()))
    if not found:
        return None
    found.sort(key=lambda a: (a.pos, a.who is None))
    return found[0]


# ---------------------------------------------------------------------------
# subjects

_ENTITIES = [
    "واتساب",
    "واتس اب",
    "واتس آب",
    "تيليجرام",
    "تيليغرام",
    "تلغرام",
    "تليغرام",
    "تليجرام",
    "تلجرام",
    "ماكس",
    "ميتا",
    "فيسبوك",
    "فيس بوك",
    "إنستجرام",
    "إنستغرام",
    "انستقرام",
    "سناب شات",
    "فايس تايم",
    "آبل",
    "أبل",
    "جوجل",
    "غوغل",
    "أمازون",
    "سيغنال",
    "سيجنال",
    "الكرملين",
    "روسكومنادزور",
    "بارلر",
    "داعش",
    "تويتر",
    "يوتيوب",
    "تيك توك",
    "مايكروسوفت",
    "بيسكوف",
    "دوروف",
    "بوتين",
]
_PLACES = [
    "روسيا",
    "موسكو",
    "أوكرانيا",
    "إيران",
    "الولايات المتحدة",
    "فرنسا",
    "سوريا",
    "العراق",
    "دبي",
    "برلين",
    "باريس",
    "الصين",
    "ألمانيا",
    "بريطانيا",
    "مصر",
    "السعودية",
    "الإمارات",
    "قطر",
    "Russia",
    "Moscow",
    "Ukraine",
    "Iran",
    "United States",
    "US",
    "U.S.",
    "France",
    "Syria",
    "Iraq",
    "Dubai",
    "Berlin",
    "Paris",
    "China",
    "Germany",
    "Britain",
    "UK",
    "Europe",
    "Egypt",
    # nationality adjectives are never the subject
    "Russian",
    "American",
    "Chinese",
    "Ukrainian",
    "Iranian",
    "European",
    "French",
    "German",
    "British",
    "Syrian",
    "Iraqi",
    "Egyptian",
    "Arab",
    "Western",
]
# The Arabic name of every country the entity table knows is a place too ("في تركيا"): Arabic has
# no capitals, so a country missing here is not seen at all, and a place carried from the clause
# before would win over the one a clause names. (English names are read by their capitals, as
# organisations; making them and every demonym places too lost held-out pairwise F1, 0.68 -> 0.63.)
_PLACES += [next(w for w in words.split() if not w.isascii()) for words in COUNTRIES.values()]
_PLACE_SET = {_n(p) for p in _PLACES}
_AR_NAMES = _ENTITIES + [p for p in _PLACES if not p.isascii()]
_ENTITY_RE = re.compile(rf"{_WB}(?:[وبلف]|لل|ال)?(?P<e>{_alt(_AR_NAMES)}){_WE}")
_HEAD_NOUN_RE = re.compile(
    rf"{_WB}[وبلف]?(?:{_alt(['تطبيق', 'شركة', 'منصة'])})"
    rf"(?:\s+(?:{_alt(['المراسلة', 'التواصل', 'الاتصالات', 'الدردشة', 'الرسائل'])}))?"
    r"\s+[\"“«']?(?P<e>[A-Za-z][\w.&-]*(?:\s+[A-Z][\w.&-]*)*|[^\W\d_]+)"
)
_LATIN_NAME_RE = re.compile(r"(?<![\w])(?P<e>[A-Z][\w&.-]*[\w](?:\s+[A-Z][\w&-]*)*)")
_LATIN_STOP = {
    "The",
    "This",
    "That",
    "These",
    "Those",
    "It",
    "Its",
    "He",
    "She",
    "They",
    "We",
    "Our",
    "For",
    "In",
    "On",
    "At",
    "As",
    "And",
    "But",
    "A",
    "An",
    "If",
    "With",
    "From",
    "By",
    "To",
    "Of",
    "After",
    "Before",
    "Since",
    "While",
    "When",
    "Where",
    "Which",
    "Who",
    "What",
    "There",
    "Some",
    "For its part",
    "I",
    "His",
    "Her",
    "Their",
    "According",
    "However",
    "Meanwhile",
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
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    # time zones, like the days and months above, say when, never who
    "GMT",
    "UTC",
}


@dataclass
class _Ent:
    s: int
    e: int
    text: str
    place: bool


def _entities(nt: NormalizedText, s: int, e: int) -> list[_Ent]:
    norm = nt.norm
    out: list[_Ent] = []
    for rx in (_ENTITY_RE, _HEAD_NOUN_RE, _LATIN_NAME_RE):
        for m in rx.finditer(norm, s, e):
            es, ee = m.start("e"), m.end("e")
            word = norm[es:ee]
            if rx is _LATIN_NAME_RE:
                first = word.split()[0]
                if word in _LATIN_STOP or first in _LATIN_STOP:
                    rest = word.split(None, 1)
                    if len(rest) < 2 or first not in _LATIN_STOP:
                        continue
                    es += len(first) + (len(word) - len(first) - len(rest[1]) - len(first))
                    es = norm.find(rest[1], es, ee)
                    if es < 0:
                        continue
                    word = rest[1]
            if rx is _HEAD_NOUN_RE and word.startswith("ال"):
                continue  # "تطبيق المراسلة" without a name: generic
            if any(o.s < ee and es < o.e for o in out):
                continue
            os_, oe = nt.to_original(es, ee)
            out.append(_Ent(es, ee, nt.original[os_:oe], _n(word) in _PLACE_SET or word in _PLACE_SET))
    out.sort(key=lambda x: x.s)
    return out


def _pick_subject(ents: list[_Ent], anchor: int | None) -> str | None:
    """Nearest non-place entity before the anchor (the primary quantity), else the first."""
    if not ents:
        return None
    orgs = [x for x in ents if not x.place]
    if anchor is not None:
        before = [x for x in orgs if x.e <= anchor]
        if before:
            return before[-1].text
    if orgs:
        return orgs[0].text
    if anchor is not None:
        before = [x for x in ents if x.e <= anchor]
        if before:
            return before[-1].text
    return ents[0].text


# ---------------------------------------------------------------------------
# polarity

_AR_NEG_WORDS = "لم لن ليس ليست لسنا لا نفى نفت نفته نفاه ينفي تنفي يفتقر تفتقر يفتقد تفتقد"
_AR_NEG_RE = re.compile(rf"{_WB}[وف]?(?:{_alt(_AR_NEG_WORDS.split())}){_WE}")
_EXCEPTIVE_RE = re.compile(rf"{_WB}[وف]?(?:الا){_WE}")
_AR_ONLY_RE = re.compile(rf"{_WB}فحسب{_WE}")
_EN_NEG_RE = re.compile(
    r"\b(?:not|never|no|none|neither|nor|denied|denies|deny|lacks?|lacking|cannot)\b|n't", re.IGNORECASE
)


# Negation words that deny nothing: additive or hedging frames ("not only ... but also", "ليس فقط
# ... بل", "لا ... فحسب", "no fewer than", "لا يقل عن"), "لا يزال" / "لم يزل" (still), "لا سيما"
# (especially), "لا بد" (must), and the caveat that a figure could not be verified ("لم تتمكن CNN
# من التحقق منه", "could not independently verify"), which reports on the newsroom, not the fact.
_NOT_A_DENIAL_RE = re.compile(
    r"\bnot\s+only\b|\bnot\s+just\b|\bno\s+(?:fewer|less|more)\s+than\b|\bnot\s+(?:least|less|fewer)\s+than\b"
    rf"|{_WB}[وف]?(?:ليس|ليست|لا)\s+(?:فقط|فحسب){_WE}|{_WB}لا\s+(?:يقل|تقل)\s+عن{_WE}"
    rf"|{_WB}[وف]?(?:لا\s+(?:يزال|تزال|زال|زالت|يزالون|تزالان|يزالان|نزال|ازال)|لم\s+(?:يزل|تزل|يزالوا))(?![^\W_])"
    rf"|{_WB}[وف]?لا\s+(?:سيما|بد){_WE}"
    rf"|{_WB}(?:لم|لا)\s+(?:\S+\s+){{0,3}}?(?:من\s+)?(?:التحقق|التاكد){_WE}"
    r"|\b(?:could|can|was|were|has|have|is|are)(?:\s+not|n't)\s+(?:be\s+|been\s+)?(?:independently\s+)?(?:verif|confirm)\w*"
    r"|\bunable\s+to\s+(?:independently\s+)?(?:verify|confirm)\b",
    re.IGNORECASE,
)


# A negation that describes who is counted ("630 لا يحملون تصاريح", "pilgrims who did not have
# permits") sits in a relative clause, or is the "لا" of a state right after the figure: it says
# which people, not that the statement is denied. Left out: "that" ("said that 200 were not found"
# denies) and "لم" after a figure ("15 شخصا لم يصابوا": an event that did not happen).
_AR_RELATIVES = ["التي", "الذي", "اللذين", "الذين"]
_DESCRIPTIVE_NEG_RE = re.compile(
    rf"(?:{_WB}(?:{_alt([*_AR_RELATIVES, 'اللتين', 'اللواتي', 'اللاتي', 'ممن'])}){_WE}|\bwho\b|\bwhich\b)\s+"
    r"(?:(?:لا|لم|لن)(?![^\W_])|(?:do|does|did|are|were|was|is|had|have|has)\s+not\b|(?:don|didn|aren|weren|wasn|hadn|haven)'t\b)"
    r"|(?<![\d.,])\d[\d.,]*\s+(?:[^\W\d_]+\s+)?لا(?![^\W_])",
    re.IGNORECASE,
)


# A condition's own negation ("will be fully blocked if it does not comply", "سيتم حظره بالكامل إذا
# لم يمتثل", "unless", "ما لم") says when the statement holds, not that it is denied: the condition
# is read out before the statement's polarity. It runs from its word to a comma or "then" in English;
# in Arabic to a comma or the "ف" that opens the answer ("إذا لم يمتثل فسيتم حظره"). "إن" alone
# is "that" after a verb of saying, so only "إن لم" is a condition.
_CONDITION_RE = re.compile(
    r"\b(?:if|unless)\b(?:(?!\bthen\b)[^,;:])*"
    rf"|{_WB}و?(?:اذا|لو|ما\s+لم|ان\s+لم){_WE}(?:\s+(?!ف)[^\s،,;:]+)*",
    re.IGNORECASE,
)


def _polarity(norm_clause: str) -> str:
    norm_clause = _CONDITION_RE.sub(" ", norm_clause)
    norm_clause = _NOT_A_DENIAL_RE.sub(" ", norm_clause)
    norm_clause = _DESCRIPTIVE_NEG_RE.sub(" ", norm_clause)
    if _AR_ONLY_RE.search(norm_clause):
        # "لا ... فحسب" (not merely): the negation particle belongs to the additive frame
        norm_clause = _AR_NEG_RE.sub(" ", norm_clause, count=1)
    for m in _AR_NEG_RE.finditer(norm_clause):
        # "لن تؤدي إلا إلى" / "لا يمكن ... إلا" is restrictive, not a denial
        if _EXCEPTIVE_RE.search(norm_clause, m.end()):
            continue
        return "negative"
    if _EN_NEG_RE.search(norm_clause):
        return "negative"
    return "positive"


# ---------------------------------------------------------------------------
# time: the claim's as-of date

_MONTH_NUM: dict[str, int] = {}
for _num, _names in enumerate(
    [
        ("يناير", "كانون الثاني", "january", "jan"),
        ("فبراير", "شباط", "february", "feb"),
        ("مارس", "آذار", "march", "mar"),
        ("أبريل", "إبريل", "نيسان", "april", "apr"),
        ("مايو", "أيار", "may"),
        ("يونيو", "يونيه", "حزيران", "june", "jun"),
        ("يوليو", "يوليه", "تموز", "july", "jul"),
        ("أغسطس", "آب", "august", "aug"),
        ("سبتمبر", "أيلول", "september", "sep", "sept"),
        ("أكتوبر", "تشرين الأول", "october", "oct"),
        ("نوفمبر", "تشرين الثاني", "november", "nov"),
        ("ديسمبر", "كانون الأول", "december", "dec"),
    ],
    start=1,
):
    for _name in _names:
        _MONTH_NUM[_n(_name)] = _num
_MONTH_ALT = _alt(list(_MONTH_NUM))
_MONTH_IN_RE = re.compile(rf"{_WB}(?:[وبلف]|ل|ال)?(?P<m>{_MONTH_ALT}){_WE}", re.IGNORECASE)
_DAY_RE = re.compile(r"(?<!\d)(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?$", re.IGNORECASE)
# relative expressions resolved against the publication date
_REL_MONTH_RE = re.compile(
    rf"{_WB}(?:[وبلف]|في\s+)?(?:(?:last|this|past)\s+(?P<en>{_MONTH_ALT})|(?P<ar>{_MONTH_ALT})\s+(?:الماضي|المنصرم|الفائت))"
    rf"{_WE}",
    re.IGNORECASE,
)
_REL_SPAN_RE = re.compile(
    r"(?P<yesterday>\byesterday\b|(?<![^\W_])(?:ا|و)?امس(?![^\W_]))"
    r"|(?P<lastweek>\blast\s+week\b|الاسبوع\s+الماضي|الاسبوع\s+المنصرم)"
    r"|(?P<thisweek>\b(?:earlier\s+)?this\s+week\b|هذا\s+الاسبوع)"
    r"|(?P<lastmonth>\blast\s+month\b|الشهر\s+الماضي|الشهر\s+المنصرم)"
    r"|(?P<lastyear>\blast\s+year\b|العام\s+الماضي|السنه\s+الماضيه|العام\s+المنصرم)"
    r"|(?P<today>\btoday\b|(?<![^\W_])اليوم(?![^\W_]))",
    re.IGNORECASE,
)


def _as_date(value: datetime | date | None) -> date | None:
    if value is None:
        return None
    return value.date() if isinstance(value, datetime) else value


def _explicit_date(q: Quantity) -> date | None:
    """The date a year/date quantity names (month -> 1st, year -> 1 January; a range -> its end)."""
    if q.kind not in ("year", "date"):
        return None
    year = q.value if q.value is not None else q.high
    if year is None or not 1000 <= year <= 2200:
        return None
    raw = normalize(q.raw).lower()
    in_digits = numeric_date(raw)
    if in_digits is not None:
        return date(*in_digits)
    months = list(_MONTH_IN_RE.finditer(raw))
    month, day = 1, 1
    if months:
        month = _MONTH_NUM.get(months[-1].group("m"), 1)
        dm = _DAY_RE.search(raw, 0, months[0].start())
        if dm and 1 <= int(dm.group("d")) <= 31:
            day = int(dm.group("d"))
        else:
            after = re.match(r"\s+(\d{1,2})(?!\d)", raw[months[-1].end() :])
            if after and 1 <= int(after.group(1)) <= 31:
                day = int(after.group(1))
    try:
        return date(int(year), month, day)
    except ValueError:
        return date(int(year), month, 1)


def _relative_date(norm_clause: str, published: date | None) -> date | None:
    """ "أغسطس الماضي", "last week", "earlier this week" resolved against the publication date."""
    if published is None:
        return None
    m = _REL_MONTH_RE.search(norm_clause)
    if m:
        month = _MONTH_NUM.get((m.group("en") or m.group("ar")).lower(), 0)
        if month:
            year = published.year if month < published.month else published.year - 1
            return date(year, month, 1)
    r = _REL_SPAN_RE.search(norm_clause)
    if r is None:
        return None
    if r.group("yesterday"):
        return published - timedelta(days=1)
    if r.group("lastweek"):
        return published - timedelta(days=7)
    if r.group("lastmonth"):
        first = published.replace(day=1)
        return (first - timedelta(days=1)).replace(day=1)
    if r.group("lastyear"):
        return date(published.year - 1, 1, 1)
    return published  # today / this week


# A part of a year ("mid-2025", "منتصف 2025", "late 2024", "أواخر 2024"): the year alone would read
# as 1 January, half a year or more from what the text says.
_PART_OF_YEAR_RE = re.compile(
    r"\b(?P<en>mid|early|late|end\s+of|beginning\s+of|start\s+of)[-\s]+(?:of\s+)?(?P<y1>(?:19|20)\d\d)\b"
    r"|(?P<ar>منتصف|اواسط|مطلع|بدايه|اوائل|اواخر|نهايه)\s+(?:عام\s+|العام\s+|سنه\s+)?(?P<y2>(?:19|20)\d\d)(?!\d)",
    re.IGNORECASE,
)
_PART_OF_YEAR = {
    "mid": (7, 1), "early": (1, 1), "beginning of": (1, 1), "start of": (1, 1), "late": (12, 31), "end of": (12, 31),
    "منتصف": (7, 1), "اواسط": (7, 1), "مطلع": (1, 1), "بدايه": (1, 1), "اوائل": (1, 1), "اواخر": (12, 31),
    "نهايه": (12, 31),
}  # fmt: skip


def _parts_of_years(norm_clause: str) -> list[date]:
    found = []
    for m in _PART_OF_YEAR_RE.finditer(norm_clause):
        word = re.sub(r"\s+", " ", (m.group("en") or m.group("ar")).lower())
        month, day = _PART_OF_YEAR.get(word, (1, 1))
        found.append(date(int(m.group("y1") or m.group("y2")), month, day))
    return found


# "the largest disaster since 1939", "منذ عام 1942": the year a period starts, not the claim's moment.
_SINCE_RE = re.compile(
    r"(?:\bsince|\bever\s+since|(?<![^\W_])منذ)\s+(?:(?:the\s+)?(?:year\s+)?|(?:عام|العام|سنة)\s+)$", re.IGNORECASE
)


def _claim_date(qs: list[Quantity], norm_clause: str, published: date | None) -> tuple[date | None, str]:
    """(as_of, source): the latest explicit date in the clause, else a relative one, else publication."""
    parts = _parts_of_years(norm_clause)
    years = {d.year for d in parts}
    found = [(q.kind, d) for q in qs if (d := _explicit_date(q)) is not None]
    # "mid-2025" says July: the bare year's 1 January gives way to it
    found = [(kind, d) for kind, d in found if not (d.year in years and (d.month, d.day) == (1, 1))]
    # A bare year that is the publication's own ("this year's season, 2024") says less than the
    # publication day: read as 1 January, a toll reported in June sat before the season's first reports.
    dates = [published if kind == "year" and published and d.year == published.year else d for kind, d in found]
    dates += parts
    if dates:
        return max(dates), "text"
    rel = _relative_date(norm_clause, published)
    if rel is not None:
        return rel, "text"
    if published is not None:
        return published, "published"
    return None, ""


# ---------------------------------------------------------------------------
# clause grouping

_STRONG_CUES = [
    "فإذا",
    "إذا",
    "أما إذا",
    "ويعد",
    "وتعد",
    "ويعتبر",
    "وينتقد",
    "انتقد",
    "انتقدت",
    "علما بأن",
    "علما أن",
    "في أعقاب",
    "حيث",
    "الذي",
    "التي",
    "والذي",
    "والتي",
    "وهو ما",
    "في خطوة",
    "مما",
    "with critics",
    "وفي",
    "ووفقا",
    "وفقا",
    "وبحسب",
    "بحسب",
    "وطبقا",
    "كما",
    "وكما",
    "ويأتي",
    "وتأتي",
    "وبعد",
    "بعد أن",
    "أما",
    "لكن",
    "ولكن",
    "بينما",
    "في حين",
    "وعند",
    "عند",
    "وقد",
    "إلا أن",
    "ومع ذلك",
    "وبالتزامن",
    "according to",
    "but",
    "while",
    "whereas",
    "meanwhile",
    "however",
    "and the",
    "and it",
]
_STRONG_RE = re.compile(rf"^(?:{_alt(_STRONG_CUES)}){_WE}", re.IGNORECASE)
# An English relative clause opens a claim of its own only when it gives a figure ("the platform,
# where millions of messages are deleted daily"); otherwise it says something of the name before
# it, and cut off it has no subject ("Storm Daniel, which hit eastern Libya on Sunday").
_EN_RELATIVE_RE = re.compile(r"^(?:which|where)\b", re.IGNORECASE)
_SAY_START_RE = re.compile(rf"^[وف]?(?:{_alt(_AR_SAY_VERBS)}){_WE}")
# "Libya's health minister, Othman Abduljaleel, meanwhile said ...": an adverb set off after the
# speaker's name, not a clause of its own; cut there, the figure would lose who gives it.
_ADVERB_SAID_RE = re.compile(
    rf"^(?:meanwhile|however|also|too|in\s+turn)\s+(?:also\s+)?(?:{'|'.join(_EN_SAY_VERBS)})\b", re.IGNORECASE
)
_QUOTE_RE = re.compile(r"[«“\"]")
_QUOTE_START_RE = re.compile(r"^[وف]?[«“\"]")


def _closes_quote(sent: str) -> bool:
    """True when a sentence inside a running quotation closes it."""
    return sent.count("»") > sent.count("«") or sent.count("”") > sent.count("“") or sent.count('"') % 2 == 1


_RELATIVE_RE = re.compile(rf"\s(?P<rel>(?:{_alt(_AR_RELATIVES)})|which|who)\s", re.IGNORECASE)
_SEG_SPLIT_RE = re.compile(r"[،؛]|(?<!\d),|,(?!\d)")
# A conjunction that opens a second figure's clause ("11,300 died and another 10,100 are missing",
# "11 ألف قتيل وأكثر من 10 آلاف مفقود", "658 deaths – 630 of them unregistered"): each figure is a
# fact of its own, so each gets its own claim. `_second_figure_cut` adds the Arabic forms that
# fuse the conjunction with the figure or its metric ("و10,100 مفقود", "وأصيب 5383"). "after" /
# "بعدما" between two figures opens a clause with a fact of its own too ("10,100 still missing
# after the toll rose to 11,300 dead"); a duration after it ("after 3 days") is too short a phrase
# to stand alone and stays with the figure before (`_MINOR_KINDS`).
_COORD_RE = re.compile(
    r"\s(?:and|while|but|whereas|after|when)\s|\sas\s(?=(?:the|a|an|its|their)\s)|\s(?:بعد\s+ان|بعدما|فيما|عندما|حينما)\s(?!يتعلق|يخص)"
    r"|\s[-–—]\s|\s(?=[وف](?:اكثر|اقل|نحو|حوالي)\s)",
    re.IGNORECASE,
)
_CONJ_WORD_RE = re.compile(r"(?<!\S)[وف](?P<rest>[^\W\d_]+)")


def _second_figure_cut(norm: str, first_end: int, second_start: int, end: int) -> int | None:
    """Where a clause holding two figures divides (the later cue wins), or None: a coordinating
    conjunction or dash before the second figure (`_COORD_RE`), "و" fused with the second
    figure ("و10,100": each item of a list such as "658 مصريًا و183 إندونيسيًا" is its own count),
    or "و" fused with a word that names what a count counts ("وأصيب 5383", "والجرحى 26 ألفا",
    "وفقدان 17": `figures.METRICS`, whose words are general news vocabulary). A conjunction inside a
    name or between two ("two earthquakes hit Turkey and Syria ... has risen to 33,000") joins the
    names, not two clauses."""
    cuts = [cue for cue in _coordinating_cues(norm, first_end, end) if cue <= second_start]
    if second_start >= 2 and norm[second_start - 1] in "وف" and norm[second_start - 2].isspace():
        cuts.append(second_start - 1)
    for m in _CONJ_WORD_RE.finditer(norm, first_end, second_start):
        if _names_metric(m.group("rest")):
            cuts.append(m.start())
    return max(cuts, default=None)


# A preposition that opens a circumstance phrase around a second figure ("struck at 4:17am at a
# depth of 17.9 km", "وقع الساعة 4,17 على عمق نحو 17,9 كيلومتر", "1,000 pilgrims died during the
# rites of two million"): the phrase states a fact of its own (the depth, how many took part), so
# it is a claim of its own. Not "of", "from", "to", "in", "من", "الي", "في": they join a figure to
# what it counts, where it changed from ("rose to 11,300 from 5,300") or where it holds, which
# belong to the figure before; nor "with" / "مع", which joins a figure to the one it comes with
# ("1,414 deaths with 2,349 injuries": one report of one toll).
_PREP_CUE_RE = re.compile(r"\s(?:at|during|amid|among|علي|خلال|وسط|اثناء|عند|ابان)\s", re.IGNORECASE)
# At most this many words between the preposition and the figure ("at a depth of 17.9 km").
_PREP_CUE_WORDS = 3


def _prepositional_cut(norm: str, first_end: int, second_start: int) -> int | None:
    """Where a circumstance phrase holding the second figure begins (`_PREP_CUE_RE`, at most
    `_PREP_CUE_WORDS` words before the figure), or None."""
    cues = [
        m.start() + 1
        for m in _PREP_CUE_RE.finditer(norm, first_end, second_start)
        if len(norm[m.end() : second_start].split()) <= _PREP_CUE_WORDS
    ]
    return cues[-1] if cues else None


# A second predicate sharing the clause's subject ("The quake struck at 4:17am and was centred in
# Pazarcik", "The dam holds 1.5 million cubic metres and is a kilometre from the city"): a fact of
# its own, whose subject is carried over from the clause before. Only an auxiliary or copula after
# "and" marks one without a tagger; "and sent" may as well join two verbs of one subordinate clause.
_EN_SECOND_PREDICATE_RE = re.compile(
    r"\s(?P<cut>and)\s+(?:was|were|is|are|has|have|had)\s+(?:also\s+)?[a-z]", re.IGNORECASE
)
_PREDICATE_MIN_WORDS = 4  # words before it: a clause of its own, not "X and is"


def _names_metric(word: str) -> bool:
    return any(f in METRIC_WORDS for f in forms(normalise(word)))


_MIN_GROUP = 25
_MIN_QUOTED_CLAUSE = 60
_MAX_GROUP = 260
_TRIM_END = " \t\r\n.،,;:؛-–—"
_TRIM_START = " \t\r\n،,;:؛-–—"


@dataclass
class _Seg:
    s: int
    e: int
    has_q: bool
    opens: bool = False  # a circumstance phrase after a time of day: a claim of its own (`_segments`)


# A short phrase whose only figure is a duration or a share ("Less than 12 hours later", "more than
# half of them from Egypt") qualifies the figure beside it rather than stating a fact of its own.
_MINOR_KINDS = ("duration", "fraction")
_MINOR_PHRASE_WORDS = 8
# So does a figure that picks one out of a set ("Diyarbakir, one of the 10 provinces hit, said on
# Saturday it issued 29 warrants", "إحدى المحافظات العشر المتضررة"): it describes what is named
# before it, and the clause's fact is the figure after. Read on the normalised text, just before the
# figure (Arabic puts the counted noun between: "إحدى المحافظات العشر").
_ONE_OF_RE = re.compile(
    r"(?:\bone\s+of(?:\s+the)?|(?<!\S)[وف]?(?:احدي|احد))(?:\s+[^\W\d_]+)?\s*(?:ال)?$", re.IGNORECASE
)


def _picks_one_of(norm: str, start: int) -> bool:
    """Whether the figure at `start` (of normalised text) is the size of a set one member of which
    is named ("one of the 10")."""
    return bool(_ONE_OF_RE.search(norm[max(0, start - 40) : start]))


def _comma_cuts(norm: str, s: int, e: int, qspans: Sequence[tuple[int, int]]) -> list[int]:
    """Where each comma (or Arabic comma / semicolon) in norm[s:e] ends a segment, never inside a
    quantity ("1,000")."""
    return [m.end() for m in _SEG_SPLIT_RE.finditer(norm, s, e) if not any(qs < m.start() < qe for qs, qe in qspans)]


def _segments(
    norm: str,
    s: int,
    e: int,
    qspans: list[tuple[int, int]],
    strong: list[tuple[int, int]],
    minor: Collection[tuple[int, int]] = (),
    picks: Collection[tuple[int, int]] = (),
    times: Collection[tuple[int, int]] = (),
) -> list[_Seg]:
    cuts = [s, *_comma_cuts(norm, s, e, qspans), e]
    # "... مئات الدعوات التي كان من الممكن أن تصل إلى عشرات الآلاف": a relative clause between
    # two figures is a claim of its own
    extra = []
    opening: set[int] = set()
    for a, b in itertools.pairwise(cuts):
        inner = [(qs, qe) for qs, qe in strong if a <= qs and qe <= b]
        if len(inner) >= 2:
            for (_, q1e), (q2s, _) in itertools.pairwise(inner):
                m = _RELATIVE_RE.search(norm, q1e, q2s)
                if m:
                    extra.append(m.start("rel"))
                    continue
                cut = _second_figure_cut(norm, q1e, q2s, e)
                if cut is None:
                    cut = _prepositional_cut(norm, q1e, q2s)
                # A forecast governs every figure coordinated under it ("could reach 20,000 and the
                # missing 30,000", "رجحت ... ارتفاع الضحايا إلى 10.000 والمفقودين نحو 100.000"):
                # cut off, the second would read as a count reported so far.
                if cut is not None and not is_projection(norm[a:q1e]):
                    extra.append(cut)
        # A time of day is an event's own fact ("struck at 4:17am"), though it never splits a clause
        # the way a figure does (`CALENDAR_KINDS`): only a circumstance phrase after it does.
        for ts, te in times:
            if not (a <= ts and te <= b):
                continue
            after = [qs for qs, qe in strong if te <= qs and qe <= b]
            # only from the last time of day before the figure ("4:17am (01:17 GMT) at a depth of")
            if after and not any(te <= other < after[0] for other, _ in times):
                cut = _prepositional_cut(norm, te, after[0])
                if cut is not None:
                    extra.append(cut)
                    opening.add(cut)
        for m in _EN_SECOND_PREDICATE_RE.finditer(norm, a, b):
            if len(norm[a : m.start()].split()) >= _PREDICATE_MIN_WORDS and not _inside_quote(norm, s, m.start()):
                extra.append(m.start("cut"))
                opening.add(m.start("cut"))
    cuts = sorted(set(cuts + extra))
    segs = []
    for a, b in itertools.pairwise(cuts):
        if norm[a:b].strip(_TRIM_START + _TRIM_END):
            inside = [(qs, qe) for qs, qe in strong if a <= qs and qe <= b]
            # The size of a set ("one of 10 provinces") is never a segment's own figure, however long
            # the phrase around it.
            has_q = bool(inside) and (
                any(q not in minor for q in inside)
                or (len(norm[a:b].split()) > _MINOR_PHRASE_WORDS and any(q not in picks for q in inside))
            )
            segs.append(_Seg(a, b, has_q, a in opening))
    return segs


def _inside_quote(norm: str, s: int, pos: int) -> bool:
    chunk = norm[s:pos]
    if chunk.count("«") > chunk.count("»") or chunk.count("“") > chunk.count("”"):
        return True
    return chunk.count('"') % 2 == 1


_ACCORDING_START_RE = re.compile(
    rf"^(?:[وف]?(?:{_alt([*_ACCORDING, 'وفقا', 'طبقا'])})|according\s+to|citing|quoting){_WE}", re.IGNORECASE
)
_AR_WEEKDAYS = ["الاثنين", "الثلاثاء", "الاربعاء", "الخميس", "الجمعه", "السبت", "الاحد"]
_WEEKDAY_RE = re.compile(
    rf"{_WB}(?:[وبلف]|لل)?(?:يوم\s+)?(?:{_alt(_AR_WEEKDAYS)}){_WE}|\b(?:on\s+)?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
    re.IGNORECASE,
)


# Characters read either side of a cue: enough for the words it touches, without copying the rest
# of the article for every cue.
_CUE_SPAN = 48


def _coordinated_start(
    norm: str, start: int, limit: int, strong: Sequence[tuple[int, int]], minor: Collection[tuple[int, int]] = ()
) -> int | None:
    """Where a second figure's clause begins when a conjunction opens it before the comma that
    ends its first part ("measured 7.7 and a second, a little later, measured 7.6"): the last
    `_COORD_RE` cue after the group's last figure (a duration or share in an aside, "9 hours
    later", is not one), or None."""
    last = max((qe for qs, qe in strong if start <= qs and qe <= limit and (qs, qe) not in minor), default=None)
    if last is None:
        return None
    if _COORD_RE.match(" " + norm[limit : limit + _CUE_SPAN].lstrip(_TRIM_START)):
        return None  # the segment opens on its own conjunction (", while ...")
    cues = _coordinating_cues(norm, last, limit)
    return cues[-1] if cues else None


def _coordinating_cues(norm: str, start: int, end: int) -> list[int]:
    """Where each `_COORD_RE` cue between start and end opens a clause (just after its leading
    space), leaving out conjunctions inside a name or between two ("Disaster and Emergency",
    "Turkey and Syria")."""
    return [m.start() + 1 for m in _COORD_RE.finditer(norm, start, end) if not _inside_name(norm, m.start(), m.end())]


def _inside_name(norm: str, start: int, end: int) -> bool:
    """A conjunction between two capitalised words is part of a name ("Disaster and Emergency")."""
    before, after = norm[max(0, start - _CUE_SPAN) : start].split()[-1:], norm[end : end + _CUE_SPAN].split()[:1]
    return bool(before and after and before[0][:1].isupper() and after[0][:1].isupper())


def _parenthetical(norm: str, segs: list[_Seg], k: int) -> bool:
    """Whether segment k is a relative clause set off by commas inside its sentence's clause ("47,000
    buildings, which held 211,000 homes, were destroyed"): the clause it interrupts resumes after it,
    in a segment with no figure of its own that opens on no cue."""
    head = norm[segs[k].s : segs[k].e].lstrip(_TRIM_START)
    if k + 1 >= len(segs) or not _RELATIVE_START_RE.match(head) or segs[k + 1].has_q:
        return False
    rest = norm[segs[k + 1].s : segs[k + 1].e].lstrip(_TRIM_START)
    return not (
        _STRONG_RE.match(rest) or _SAY_START_RE.match(rest) or _ACCORDING_START_RE.match(rest)
        or _COORD_RE.match(" " + rest) or _RELATIVE_START_RE.match(rest)
    )  # fmt: skip


# A phrase after a count that gives its cause ("323 pilgrims died, primarily due to the heat",
# "توفي 323 حاجا، ومعظمهم توفوا بسبب ارتفاع الحرارة"): why they died is a fact of its own, which
# other reports confirm or deny apart from the count. Read in the phrase's first few words, which
# may hold an adverb, a quantifier or a verb before the marker ("وقضى معظمهم لأسباب").
_CAUSE_RE = re.compile(
    r"(?<!\S)(?:due\s+to|because\s+of|as\s+a\s+result\s+of|owing\s+to|caused\s+by|[وف]?(?:بسبب|جراء|نتيجه|بفعل|لاسباب))(?!\S)",
    re.IGNORECASE,
)
_CAUSE_WORDS = 3


def _gives_cause(head: str) -> bool:
    """Whether a phrase opens on a cause (`_CAUSE_RE` within its first `_CAUSE_WORDS` words)."""
    m = _CAUSE_RE.search(head)
    return m is not None and len(head[: m.start()].split()) < _CAUSE_WORDS


def _group(
    norm: str, segs: list[_Seg], strong: Sequence[tuple[int, int]] = (), minor: Collection[tuple[int, int]] = ()
) -> list[tuple[int, int, bool]]:
    """Segments joined into claims: a figure-bearing segment after a figure-bearing group starts a
    claim of its own (at the conjunction that opens it, when one does), as do strong cues, speech
    verbs and an over-long group; attributions and asides stay with the clause they qualify."""
    groups: list[tuple[int, int, bool]] = []
    if not segs:
        return groups
    gs, ge, gq = segs[0].s, segs[0].e, segs[0].has_q
    for k, seg in enumerate(segs[1:], start=1):
        head = norm[seg.s : seg.e].lstrip(_TRIM_START)
        cur_len = len(norm[gs:ge].strip())
        new = False
        if _ACCORDING_START_RE.match(head) and not seg.has_q and gq:
            new = False  # "9,000 are missing, according to the WHO": whose figure it is, not a claim of its own
        elif seg.has_q and gq and _parenthetical(norm, segs, k):
            new = False  # "47,000 buildings, which held 211,000 homes, were destroyed": one statement
        elif (seg.has_q and gq) or seg.opens:
            new = True
        elif _inside_quote(norm, gs, seg.s):
            # one quoted statement stays one claim, unless a figure follows a full clause
            new = seg.has_q and not gq and cur_len >= _MIN_QUOTED_CLAUSE
        elif cur_len >= _MIN_GROUP:
            # A share in a relative clause is the clause's own fact ("the collapse of two dams, which
            # wiped out a quarter of the area"), though a short phrase with a share only qualifies.
            figured = seg.has_q or (gq and any(seg.s <= qs and qe <= seg.e for qs, qe in strong))
            relative = figured and _EN_RELATIVE_RE.match(head)
            cause = gq and not seg.has_q and _gives_cause(head)
            cue = bool(_STRONG_RE.match(head) or _SAY_START_RE.match(head) or relative or cause)
            cue = cue and not _ADVERB_SAID_RE.match(head)
            too_long = cur_len + (seg.e - seg.s) > _MAX_GROUP and not seg.has_q
            new = cue or too_long
        cut = _coordinated_start(norm, gs, seg.s, strong, minor) if new and seg.has_q and gq else None
        if cut is not None:
            groups.append((gs, cut, gq))
            gs, ge, gq = cut, seg.e, True
        elif new:
            groups.append((gs, ge, gq))
            gs, ge, gq = seg.s, seg.e, seg.has_q
        else:
            ge, gq = seg.e, gq or seg.has_q
    groups.append((gs, ge, gq))
    return groups


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    """Strip whitespace, clause punctuation and unbalanced quotes from a span."""
    while s < e and (text[s] in _TRIM_START or text[s].isspace()):
        s += 1
    while e > s and (text[e - 1] in _TRIM_END or text[e - 1].isspace()):
        e -= 1
    # drop an unbalanced quote at either end
    openers, closers = "«“", "»”"
    for _ in range(2):
        if e > s and text[e - 1] in closers and not any(c in text[s : e - 1] for c in openers):
            e -= 1
        if e > s and text[s] in openers and not any(c in text[s + 1 : e] for c in closers):
            s += 1
        if e > s and text[e - 1] == '"' and text.count('"', s, e) % 2 == 1:
            e -= 1
        if e > s and text[s] == '"' and text.count('"', s, e) % 2 == 1:
            s += 1
        while s < e and (text[s] in _TRIM_START or text[s].isspace()):
            s += 1
        while e > s and (text[e - 1] in _TRIM_END or text[e - 1].isspace()):
            e -= 1
    return s, e


_AR_LETTERS_RE = re.compile("[\u0621-\u064a\u0671-\u06d3\u06fa-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufefc]")
_LATIN_LETTERS_RE = re.compile("[A-Za-z]")


def _language(span: str) -> str:
    """ "ar" when Arabic letters are at least as many as Latin ones, else "en"."""
    return "ar" if len(_AR_LETTERS_RE.findall(span)) >= len(_LATIN_LETTERS_RE.findall(span)) else "en"


_KIND_RANK = {"count": 0, "percent": 0, "money": 0, "duration": 1, "ordinal": 3, "year": 2, "date": 2, "time": 2}


_DATE_LIKE_RE = re.compile(r"\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{2,4}")


class _Brackets:
    """Where the round brackets of a text are, to tell in O(log n) whether a position is inside one.

    Counting the brackets of ``text[:pos]`` for every quantity cost the square of the text's length.
    """

    def __init__(self, text: str) -> None:
        self._opens = [m.start() for m in re.finditer(r"\(", text)]
        self._closes = [m.start() for m in re.finditer(r"\)", text)]

    def inside(self, pos: int) -> bool:
        """More "(" than ")" before ``pos``, as ``text[:pos].count`` would say."""
        return bisect_left(self._opens, pos) > bisect_left(self._closes, pos)


def _primary(
    qs: list[Quantity], text: str = "", brackets: _Brackets | None = None, picks: Collection[int] = ()
) -> Quantity | None:
    """The claim's main figure: a count, percent or sum before a date or an ordinal, one with its
    counted noun before a bare one; never a conversion in brackets ("22.5 million cubic metres
    (nearly 800 million cubic feet)"), the day of a written date ("12-9-2023") or the size of a set
    one of which is named ("one of the 10 provinces": `picks` holds such figures' starts) or a
    small count in words ("two earthquakes") while another is there; of two counts, the one whose
    counted noun names a tally (dead, injured, missing, ...) first."""
    if not qs:
        return None
    if brackets is None:
        brackets = _Brackets(text)

    def aside(q: Quantity) -> bool:
        return brackets.inside(q.start) or bool(_DATE_LIKE_RE.match(text, q.end)) or q.start in picks

    def word_for_few(q: Quantity) -> bool:
        # "The toll after two earthquakes hit ... has risen to 33,000": a small count in words
        # qualifies a noun; the figure the clause reports is the other one.
        return q.value is not None and q.value < 10 and not any(ch.isdigit() for ch in q.raw)

    def counts_other(q: Quantity) -> bool:
        # "around 10 countries have reported 1,081 deaths": a figure whose counted noun names what
        # the story tallies (dead, injured, missing, ...: `figures.METRICS`) is the one reported.
        return not (q.unit and _names_metric(q.unit))

    def rank(q: Quantity) -> tuple:
        return (aside(q), _KIND_RANK.get(q.kind, 1), word_for_few(q), counts_other(q), q.unit is None, q.start)

    return min(qs, key=rank)


# ---------------------------------------------------------------------------
# check-worthiness

# Pledges, predictions, conditionals, values and self-praise: said, but not checkable. An embedded
# question ("ordered an investigation ... and whether better maintenance could have avoided it")
# is not one of them: the clause around it reports what was done.
_NOT_CHECKABLE = (
    "يواصل نواصل يواصلون ستواصل سيواصل سنواصل تعهد تعهدت سيعود ستعود ستظل سيظل لن إذا "
    "يدافع تدافع ندافع بفعالية التزام "
    "will pledged pledge pledges if effectively defends"
)
_NOT_CHECKABLE_RE = re.compile(rf"{_WB}[وف]?(?:{_alt(_NOT_CHECKABLE.split())}){_WE}", re.IGNORECASE)
# Framing and commentary ("تأتي هذه الخطوة في سياق", "This tension comes amid", "مما خلق"): weaker.
_COMMENTARY = [
    "يأتي",
    "تأتي",
    "في سياق",
    "في إطار",
    "ضمن مساعي",
    "يعتبر",
    "يُعتبر",
    "مما",
    "وذلك",
    "محتمل",
    "مثيرة للجدل",
    "amid",
    "comes",
]
_COMMENTARY_RE = re.compile(rf"{_WB}[وف]?(?:{_alt(_COMMENTARY)}){_WE}", re.IGNORECASE)
_GENERIC_REF_RE = re.compile(
    rf"{_WB}[وبلف]?(?:{_alt(['التطبيق', 'الشركة', 'المنصة', 'خدماتها', 'خدماته', 'تطبيقنا'])}){_WE}"
    r"|\b(?:its\s+services|the\s+app|the\s+company|(?:social\s+media\s+)?application)\b",
    re.IGNORECASE,
)
_RELATIVE_START_RE = re.compile(rf"^(?:{_alt(['الذي', 'التي', 'والذي', 'والتي'])}|which|who){_WE}", re.IGNORECASE)
# A clause opening on a definite generic head ("التطبيق الذي ...", "The company ...") refers back.
_BACK_REF_RE = re.compile(
    rf"^(?:[وف]?(?:كان\s+|وكان\s+)?(?:{_alt(['التطبيق', 'الشركة', 'المنصة', 'الخدمة'])})"
    rf"|(?:the|its)\s+(?:app|company|platform|service)){_WE}",
    re.IGNORECASE,
)
# Cues after which the speaker of the previous clause no longer holds (a new fact by the article).
_NO_INHERIT_RE = re.compile(
    rf"^(?:{_alt(['وفي', 'في', 'وبعد', 'بعد', 'وبالتزامن', 'أما', 'وعند', 'عند', 'من جانبها', 'من جانبه'])}){_WE}",
    re.IGNORECASE,
)
_PERSONS = {_n(p) for p in ("دوروف", "بيسكوف", "بوتين", "Durov", "Peskov", "Putin")}


def _score(
    qs: list[Quantity],
    claimant: str | None,
    subject: str | None,
    quoted: bool,
    polarity: str,
    length: int,
    not_checkable: str | None,
    commentary: str | None = None,
    weekday: bool = False,
) -> tuple[float, list[str]]:
    """Check-worthiness in [0, 1] and the reasons behind it.

    A declarative clause starts at 0.25; figures, dates, attribution, a named
    subject and denials add; pledges/predictions/conditionals and very short
    clauses subtract.
    """
    score = 0.25
    reasons: list[str] = ["statement"]
    if any(q.kind not in ("year", "date") for q in qs):
        score += 0.4
        reasons.append("quantity")
        if any(q.qualifier != "exact" for q in qs if q.kind not in ("year", "date")):
            score += 0.05
            reasons.append("hedged_quantity")
    if any(q.kind in ("year", "date") for q in qs):
        score += 0.15
        reasons.append("date")
    elif weekday:
        # "the police detained a contractor on Friday": a dated event, checkable
        score += 0.15
        reasons.append("weekday")
    if claimant:
        score += 0.15
        reasons.append("attributed")
    if quoted:
        score += 0.05
        reasons.append("quote")
    if subject:
        score += 0.1
        reasons.append("named_entity")
    if polarity == "negative":
        score += 0.05
        reasons.append("negation")
    if not_checkable:
        score -= 0.35
        reasons.append(f"not_checkable:{not_checkable}")
    if commentary and not not_checkable:
        score -= 0.15
        reasons.append(f"commentary:{commentary}")
    if length < 30:
        score -= 0.1
        reasons.append("short")
    return round(max(0.0, min(1.0, score)), 3), reasons


def extract_claims(text: str, published_at: datetime | date | None = None) -> list[ExtractedClaim]:
    """Check-worthy claims of ``text`` in order; spans are exact slices of ``text``.

    ``published_at`` (the source's publication date) resolves relative dates
    ("last December", "أغسطس الماضي") and is the fallback ``as_of``.
    """
    if not text or not text.strip():
        return []
    nt = normalize_with_map(text)
    norm = nt.norm
    all_q = find_quantities(text)
    # quantity spans in normalised coordinates (for segmenting)
    inv: dict[int, int] = {}
    if nt.offsets is None:
        q_norm = [(q.start, q.end) for q in all_q]
        q_kinds = [q.kind for q in all_q]
        q_starts = [q.start for q in all_q]
    else:
        for i, o in enumerate(nt.offsets):
            inv.setdefault(o, i)
        q_norm = []
        q_kinds = []
        q_starts = []  # each span's quantity's start in the original text
        for q in all_q:
            qs = inv.get(q.start)
            qe = next((inv[k] for k in range(q.end, len(text) + 1) if k in inv), len(norm))
            if qs is not None:
                q_norm.append((qs, qe))
                q_kinds.append(q.kind)
                q_starts.append(q.start)

    published = _as_date(published_at)
    # Indexes instead of scans of every quantity per sentence and clause: linear in the text's length.
    q_norm_index = _SpanIndex(q_norm)
    q_orig_index = _SpanIndex([(q.start, q.end) for q in all_q])
    brackets = _Brackets(text)
    sentences = [
        window for ss, se in split_sentences(norm) for window in _windows(norm, ss, se, MAX_WINDOW_CHARS, q_norm_index)
    ]
    claims: list[ExtractedClaim] = []
    last_claimant: str | None = None
    prev_sentence_start = 0
    carried: list[str | None] = []  # per claim, the subject a later clause may take from it
    open_quote = False  # a quotation opened in an earlier sentence is still running
    for ss, se in sentences:
        sent = norm[ss:se]
        if sent.rstrip(_CLOSERS + " ").endswith(("?", "؟")) or _DATELINE_ONLY_RE.match(sent):
            continue
        in_sentence = q_norm_index.within(ss, se)
        sq = [q_norm[i] for i in in_sentence]
        if len(sent.split()) < 4 and not sq:
            continue
        # dates and times of day do not force a clause split; numeric quantities do
        strong_q = [q_norm[i] for i in in_sentence if q_kinds[i] not in CALENDAR_KINDS]
        picked = [i for i in in_sentence if _picks_one_of(norm, q_norm[i][0])]
        picks_q = {q_norm[i] for i in picked}
        minor_q = {q_norm[i] for i in in_sentence if q_kinds[i] in _MINOR_KINDS} | picks_q
        times_q = [q_norm[i] for i in in_sentence if q_kinds[i] == "time"]
        segs = _segments(norm, ss, se, sq, strong_q, minor_q, picks_q, times_q)
        groups = _group(norm, segs, strong_q, minor_q)
        prev_claimant: str | None = None
        sentence_claimant: str | None = None
        starts_with_quote = bool(_QUOTE_START_RE.match(sent))
        sentence_first = len(claims)
        for gi, (gs, ge, _gq) in enumerate(groups):
            head = norm[gs:ge].lstrip(_TRIM_START)
            attr = _find_attribution(nt, gs, ge)
            if attr and attr.who:
                claimant: str | None = attr.who
            elif attr:
                # "وأكد أنهم", "It added": subject dropped -> the last speaker
                claimant = prev_claimant or last_claimant
            elif gi > 0:
                # clauses inherit the sentence's speaker, unless a new fact starts ("وفي ديسمبر ...")
                if _NO_INHERIT_RE.match(head) and not _inside_quote(norm, ss, gs):
                    claimant = prev_claimant = None
                else:
                    claimant = prev_claimant
            elif starts_with_quote or open_quote:
                claimant = last_claimant  # a quote continuing the previous speaker
            else:
                claimant = None
            if gi == 0:
                sentence_claimant = claimant
            prev_claimant = claimant or prev_claimant
            os_, oe = nt.to_original(gs, ge)
            os_, oe = _trim(text, os_, oe)
            if oe <= os_:
                continue
            span = text[os_:oe]
            qs = [all_q[i] for i in q_orig_index.within(os_, oe)]
            quoted = bool(_QUOTE_RE.search(span))
            n_words = len(span.split())
            if n_words < 4 and not qs:
                continue
            if attr and attr.who and not qs and n_words <= len(attr.who.split()) + 3:
                # only the attribution ("..., كما أكد المؤسس بافيل دوروف"): it covers the clause before
                if claims and claims[-1].claimant is None and claims[-1].start >= nt.orig_index(ss):
                    claims[-1].claimant = attr.who
                    claims[-1].checkworthiness, claims[-1].reasons = _rescore(claims[-1])
                continue
            prim = _primary(qs, text, brackets, {q_starts[i] for i in picked})
            anchor = None
            if prim is not None:
                anchor = inv.get(prim.start, prim.start) if nt.offsets is not None else prim.start
            previous = carried[-1] if claims and claims[-1].start >= prev_sentence_start else None
            subject, own_people = _choose_subject(nt, ss, gs, ge, anchor, prim, claimant, head, previous)
            # A list item's people ("و68 هنديا") are its own subject, not the next clause's.
            carried.append(previous if own_people else subject)
            # negation words inside hedges ("ما لا يقل عن") are not denials; each figure leaves a
            # "0" behind, so a negation right after one still reads as describing the counted
            clause_norm = normalize(span)
            for q in qs:
                clause_norm = clause_norm.replace(normalize(q.raw), " 0 ")
            polarity = _polarity(clause_norm)
            nc = _NOT_CHECKABLE_RE.search(clause_norm)
            cm = _COMMENTARY_RE.search(clause_norm)
            score, reasons = _score(
                qs,
                claimant,
                subject,
                quoted,
                polarity,
                len(span),
                nc.group().strip() if nc else None,
                cm.group().strip() if cm else None,
                bool(_WEEKDAY_RE.search(clause_norm)),
            )
            dating = [q for q in qs if not _SINCE_RE.search(text, max(os_, q.start - _CUE_SPAN), q.start)]
            as_of, as_of_source = _claim_date(dating, normalize(span), published)
            claims.append(
                ExtractedClaim(
                    text=span,
                    start=os_,
                    end=oe,
                    language=_language(span),
                    claimant=claimant,
                    subject=subject,
                    quantity=prim,
                    quantities=qs,
                    polarity=polarity,
                    checkworthiness=score,
                    reasons=reasons,
                    as_of=as_of,
                    as_of_source=as_of_source,
                )
            )
        _credit_back(claims, sentence_first, nt, ss, se, q_norm_index, q_norm)
        # the last named speaker stays "current" for subject-less verbs
        # ("وأضاف", "It added") and bare quotes in later sentences
        last_claimant = prev_claimant or sentence_claimant or last_claimant
        prev_sentence_start = nt.orig_index(ss)
        open_quote = _inside_quote(norm, ss, se) if not open_quote else not _closes_quote(sent)
    return claims


# A line that is only a dateline, a place and a date ("MOSCOW, February 12", "CAIRO, 22 June
# 2024"): where and when the story was filed, not a claim. A dateline that opens a sentence stays
# in its claim ("ANKARA (Reuters) – At least 912 people were killed"): the place is the report's,
# and cut off it moved a held-out story's F1 from 0.71 to 0.63.
_DATELINE_ONLY_RE = re.compile(
    r"\s*[A-Z][A-Z .'’-]{2,},\s+(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2}|\d{1,2}\s+[A-Z][a-z]{2,8})(?:,?\s+\d{4})?"
    r"(?:\s*\([^()\n]{1,30}\))?\s*[.:–—-]?\s*$"
)


def _credit_back(
    claims: list[ExtractedClaim],
    first: int,
    nt: NormalizedText,
    ss: int,
    se: int,
    q_index: _SpanIndex,
    q_norm: Sequence[tuple[int, int]],
) -> None:
    """A sentence that ends on its source ("..., and 12 are missing, the ministry said", "...،
    حسبما أفاد دبلوماسيان") credits every clause of it: the earlier claims cut from it (a second
    figure, a cause) that name no source of their own take that one. Only a source in the
    sentence's last comma segment, which gives no figure and says nothing but who (at most three
    words besides), ends it so; one before the figures ("police said 12 are missing") covers what
    follows it."""
    if len(claims) - first < 2:
        return
    norm = nt.norm
    cuts = _comma_cuts(norm, ss, se, [q_norm[i] for i in q_index.within(ss, se)])
    if not cuts:
        return
    tail = cuts[-1]
    if q_index.within(tail, se) or not norm[tail:se].strip(_TRIM_START + _TRIM_END + "."):
        return
    attr = _find_attribution(nt, tail, se)
    if attr is None or not attr.who or len(norm[tail:se].split()) > len(attr.who.split()) + 3:
        return  # no source, or a clause of its own around one ("with critics accusing Russia of ...")
    for c in claims[first:-1]:
        if c.claimant is None:
            c.claimant = attr.who
            c.checkworthiness, c.reasons = _rescore(c)


def match_text(claim: ExtractedClaim) -> str:
    """What gets embedded: the claim with its subject carried in when the clause omits it."""
    if claim.subject and claim.subject not in claim.text:
        return f"{claim.subject}: {claim.text}"
    return claim.text


def _rescore(c: ExtractedClaim) -> tuple[float, list[str]]:
    """Score of a claim after its claimant changed."""
    nc = next((r.split(":", 1)[1] for r in c.reasons if r.startswith("not_checkable:")), None)
    cm = next((r.split(":", 1)[1] for r in c.reasons if r.startswith("commentary:")), None)
    quoted, weekday = "quote" in c.reasons, "weekday" in c.reasons
    return _score(c.quantities, c.claimant, c.subject, quoted, c.polarity, len(c.text), nc, cm, weekday)


# Words from the start of a counted figure within which the people it counts are named ("60
# Jordanians", "323 حاجًا مصريًا", "4,544 dead in Turkey"): the figure's own words and the noun after it.
NATIONALITY_WINDOW = 4


def _counted_nationality(nt: NormalizedText, anchor: int | None, end: int) -> str | None:
    """The demonym or country right after a counted figure ("68 هنديا" -> "هنديا"), as written."""
    if anchor is None:
        return None
    for k, m in enumerate(re.finditer(r"\S+", nt.norm[anchor:end])):
        if k >= NATIONALITY_WINDOW:
            break
        if countries_of(m.group()):
            s, e = nt.to_original(anchor + m.start(), anchor + m.end())
            return nt.original[s:e].strip("،,.;:()\"'")
    return None


def _choose_subject(
    nt: NormalizedText,
    ss: int,
    gs: int,
    ge: int,
    anchor: int | None,
    prim: Quantity | None,
    claimant: str | None,
    head: str,
    previous: str | None,
) -> tuple[str | None, bool]:
    """The actor/product a clause is about (surface string), see the module docstring, and whether
    it is the people its figure counts (`_counted_nationality`), which later clauses do not take.
    `previous`: the subject the clause before passes on (None after a sentence without claims)."""
    if (_BACK_REF_RE.match(head) or _RELATIVE_START_RE.match(head)) and previous:
        return previous, False  # "التطبيق الذي أطلقه ...", "والذي وصفه ..." refer back
    subject, place = _named_subject(nt, ss, gs, ge, anchor, prim, claimant)
    if subject is not None:
        return subject, False
    # "و68 هنديا، و60 أردنيا": a list item counts the people of a country, which is its subject;
    # the previous clause's subject ("إيران") would carry another country in.
    whole = prim is not None and prim.kind == "count" and prim.value is not None and float(prim.value).is_integer()
    people = _counted_nationality(nt, anchor, ge) if whole else None  # people come in whole numbers
    if people:
        return people, True
    if place and previous and _is_place(previous):
        # "... جنوب تركيا وشمال سوريا. ... القتلى في تركيا ارتفع إلى 912": a place carried from
        # the clause before is a guess; the place this clause names is what its figure is about.
        # (An organisation carried in stays: "WhatsApp ... in Russia" is still WhatsApp's figure.)
        return place, False
    return (previous or place), False


def _is_place(name: str) -> bool:
    """Whether a subject is a place (a country, city or region the entity lists know)."""
    return _n(name) in _PLACE_SET


# Places a clause names from which none is its subject (a list of countries, not one of them).
PLACE_LIST = 3


def _named_subject(
    nt: NormalizedText, ss: int, gs: int, ge: int, anchor: int | None, prim: Quantity | None, claimant: str | None
) -> tuple[str | None, str | None]:
    """The organisation or person a clause names as its subject (module docstring's order), and
    the first place it names, the last resort after the previous clause's subject."""
    ents = _entities(nt, gs, ge)
    who_norm = normalize(claimant) if claimant else ""
    who_at = nt.norm.find(who_norm, gs, ge) if who_norm else -1
    in_who = [x for x in ents if who_at >= 0 and who_at <= x.s and x.e <= who_at + len(who_norm)]
    content = [x for x in ents if x not in in_who]
    orgs = [x for x in content if not x.place and _n(x.text) not in _PERSONS]
    who_orgs = [x for x in in_who if not x.place and _n(x.text) not in _PERSONS]
    # "أعلنت واتساب ... أن روسيا تحاول تقييد خدماتها": the content refers back to the speaker
    after_who = who_at + len(who_norm) if who_at >= 0 else gs
    ref = _GENERIC_REF_RE.search(nt.norm, after_who, ge)
    counted = prim is not None and prim.kind in ("count", "percent", "money")
    if ref and who_orgs and not counted and (not orgs or ref.start() < orgs[0].s):
        return who_orgs[0].text, None
    if orgs:
        if anchor is not None and prim is not None and prim.kind in ("count", "percent", "money"):
            before = [x for x in orgs if x.e <= anchor]
            if before:
                return before[-1].text, None
        return orgs[0].text, None
    if who_orgs:
        return who_orgs[0].text, None
    if gs > ss:
        prefix_orgs = [x for x in _entities(nt, ss, gs) if not x.place and _n(x.text) not in _PERSONS]
        if prefix_orgs:
            return prefix_orgs[-1].text, None
    if claimant and _n(claimant) not in _PERSONS and not any(x.place for x in in_who):
        cands = _entities(normalize_with_map(claimant), 0, len(normalize(claimant)))
        if cands and not cands[0].place:
            return claimant, None
    persons = [x for x in content if not x.place]
    if persons:
        return persons[0].text, None
    places = [x for x in content if x.place]
    if len({_n(x.text) for x in places}) >= PLACE_LIST:
        # "دول أخرى، بما في ذلك الهند وإندونيسيا وإيران": a list of places is no one place's
        # fact; its first would be carried on as the subject of the clauses after it.
        return None, None
    return None, places[0].text if places else None
