"""Claim extraction from Arabic/English news text (pure, regex heuristics).

Pipeline: sentences -> comma segments -> clause groups -> claims.

* All matching runs on the normalised text (:mod:`claims.textnorm`); every span
  handed out is mapped back so ``claim.text == source[claim.start:claim.end]``.
* A sentence that chains several facts with "،"/"," is cut into clause groups so
  that each quantity-bearing clause is its own claim ("... نحو 55 مليون مستخدم"
  and "... ما لا يقل عن 100 مليون مستخدم" in one sentence give two claims).
* A group is kept when it states a quantity/date or is attributed (own
  attribution, or inherited from the sentence / the previous speaker).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from claims.quantities import Quantity, find_quantities
from claims.textnorm import NormalizedText, is_arabic_char, normalize, normalize_with_map

__all__ = ["ExtractedClaim", "extract_claims", "split_sentences"]


@dataclass
class ExtractedClaim:
    """One check-worthy statement; ``text == source[start:end]`` exactly."""

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


def _n(s: str) -> str:
    return normalize(s).lower()


def _alt(words: list[str] | tuple[str, ...] | set[str]) -> str:
    uniq = sorted({_n(w) for w in words}, key=len, reverse=True)
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
_AR_WHO_CUT_RE = re.compile(
    rf"\s*(?<![^\W_])(?:{_alt(_WHO_MEDIUM.split())}"
    rf"|في\s+(?:{_alt(_WHO_IN.split())})"
    rf"|على\s+(?:{_alt(_WHO_ON.split())})"
    rf"|{_alt(_WHO_STOP.split())}{_WE}"
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
_EN_VERB_SUBJ_RE = re.compile(rf"\b(?i:said|says|according\s+to)\s+(?P<who>(?:the\s+)?{_EN_NAME})")
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
        found.append(_Attr(surface(m.start("who"), m.end("who")), m.start()))
    m = _EN_SUBJ_VERB_RE.search(norm, s, e)
    if m:
        w = m.group("who")
        who = None if w.lower() in _PRONOUNS else surface(m.start("who"), m.end("who"))
        found.append(_Attr(who, m.start()))
    m = _EN_VERB_SUBJ_RE.search(norm, s, e)
    if m and m.group("who").lower() not in _PRONOUNS:
        found.append(_Attr(surface(m.start("who"), m.end("who")), m.start()))
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

_AR_NEG_WORDS = "لم لن ليس ليست لسنا لا نفى نفت نفته نفاه ينفي تنفي يفتقر تفتقر يفتقد تفتقد بدون"
_AR_NEG_RE = re.compile(rf"{_WB}[وف]?(?:{_alt(_AR_NEG_WORDS.split())}){_WE}")
_EXCEPTIVE_RE = re.compile(rf"{_WB}[وف]?(?:الا){_WE}")
_EN_NEG_RE = re.compile(
    r"\b(?:not|never|no|none|neither|nor|denied|denies|deny|lacks?|lacking|cannot)\b|n't", re.IGNORECASE
)


def _polarity(norm_clause: str) -> str:
    for m in _AR_NEG_RE.finditer(norm_clause):
        # "لن تؤدي إلا إلى" / "لا يمكن ... إلا" is restrictive, not a denial
        if _EXCEPTIVE_RE.search(norm_clause, m.end()):
            continue
        return "negative"
    if _EN_NEG_RE.search(norm_clause):
        return "negative"
    return "positive"


# ---------------------------------------------------------------------------
# clause grouping

_STRONG_CUES = [
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
_SAY_START_RE = re.compile(rf"^[وف]?(?:{_alt(_AR_SAY_VERBS)}){_WE}")
_QUOTE_RE = re.compile(r"[«“\"]")
_SEG_SPLIT_RE = re.compile(r"[،؛]|(?<!\d),|,(?!\d)")
_MIN_GROUP = 40
_MAX_GROUP = 260
_TRIM_END = " \t\r\n.،,;:؛-–—"
_TRIM_START = " \t\r\n،,;:؛-–—"


@dataclass
class _Seg:
    s: int
    e: int
    has_q: bool


def _segments(norm: str, s: int, e: int, qspans: list[tuple[int, int]], strong: list[tuple[int, int]]) -> list[_Seg]:
    cuts = [s]
    for m in _SEG_SPLIT_RE.finditer(norm, s, e):
        p = m.start()
        if any(qs < p < qe for qs, qe in qspans):
            continue  # never cut a quantity ("1,000")
        cuts.append(m.end())
    cuts.append(e)
    segs = []
    for a, b in itertools.pairwise(cuts):
        if norm[a:b].strip(_TRIM_START + _TRIM_END):
            has_q = any(a <= qs and qe <= b for qs, qe in strong)
            segs.append(_Seg(a, b, has_q))
    return segs


def _inside_quote(norm: str, s: int, pos: int) -> bool:
    chunk = norm[s:pos]
    if chunk.count("«") > chunk.count("»") or chunk.count("“") > chunk.count("”"):
        return True
    return chunk.count('"') % 2 == 1


def _group(norm: str, segs: list[_Seg]) -> list[tuple[int, int, bool]]:
    groups: list[tuple[int, int, bool]] = []
    if not segs:
        return groups
    gs, ge, gq = segs[0].s, segs[0].e, segs[0].has_q
    for seg in segs[1:]:
        head = norm[seg.s : seg.e].lstrip(_TRIM_START)
        cur_len = len(norm[gs:ge].strip())
        new = False
        if seg.has_q and gq:
            new = True
        elif _inside_quote(norm, gs, seg.s):
            new = False  # one quoted statement stays one claim
        elif cur_len >= _MIN_GROUP:
            cue = bool(_STRONG_RE.match(head) or _SAY_START_RE.match(head))
            too_long = cur_len + (seg.e - seg.s) > _MAX_GROUP and not seg.has_q
            new = cue or too_long
        if new:
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


def _language(span: str) -> str:
    ar = sum(1 for ch in span if is_arabic_char(ch) and ch.isalpha())
    la = sum(1 for ch in span if ch.isascii() and ch.isalpha())
    return "ar" if ar >= la else "en"


_KIND_RANK = {"count": 0, "percent": 0, "money": 0, "duration": 1, "ordinal": 3, "year": 2, "date": 2}


def _primary(qs: list[Quantity]) -> Quantity | None:
    if not qs:
        return None
    return min(qs, key=lambda q: (_KIND_RANK.get(q.kind, 1), q.unit is None, q.start))


def _score(
    qs: list[Quantity], claimant: str | None, subject: str | None, quoted: bool, polarity: str, length: int
) -> tuple[float, list[str]]:
    score = 0.1
    reasons: list[str] = []
    if any(q.kind not in ("year", "date") for q in qs):
        score += 0.4
        reasons.append("quantity")
        if any(q.qualifier != "exact" for q in qs if q.kind not in ("year", "date")):
            score += 0.05
            reasons.append("hedged_quantity")
    if any(q.kind in ("year", "date") for q in qs):
        score += 0.15
        reasons.append("date")
    if claimant:
        score += 0.2
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
    if length < 40:
        score -= 0.1
    return round(max(0.0, min(1.0, score)), 3), reasons


def extract_claims(text: str) -> list[ExtractedClaim]:
    """Check-worthy claims of ``text`` in order; spans are exact slices of ``text``."""
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
    else:
        for i, o in enumerate(nt.offsets):
            inv.setdefault(o, i)
        q_norm = []
        q_kinds = []
        for q in all_q:
            qs = inv.get(q.start)
            qe = next((inv[k] for k in range(q.end, len(text) + 1) if k in inv), len(norm))
            if qs is not None:
                q_norm.append((qs, qe))
                q_kinds.append(q.kind)

    claims: list[ExtractedClaim] = []
    last_claimant: str | None = None
    for ss, se in split_sentences(norm):
        sent = norm[ss:se]
        if sent.rstrip(_CLOSERS + " ").endswith(("?", "؟")):
            continue
        sq = [(a, b) for a, b in q_norm if ss <= a and b <= se]
        if len(sent.split()) < 4 and not sq:
            continue
        # dates do not force a clause split; numeric quantities do
        strong_q = [
            (a, b)
            for (a, b), k in zip(q_norm, q_kinds, strict=True)
            if ss <= a and b <= se and k not in ("year", "date")
        ]
        segs = _segments(norm, ss, se, sq, strong_q)
        groups = _group(norm, segs)
        prev_claimant: str | None = None
        sentence_claimant: str | None = None
        starts_with_quote = bool(_QUOTE_RE.match(sent))
        for gi, (gs, ge, _gq) in enumerate(groups):
            attr = _find_attribution(nt, gs, ge)
            if attr and attr.who:
                claimant: str | None = attr.who
            elif attr:
                # "وأكد أنهم", "It added": subject dropped -> the last speaker
                claimant = prev_claimant or last_claimant
            elif gi > 0:
                claimant = prev_claimant  # clauses inherit the sentence's speaker
            elif starts_with_quote:
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
            qs = [q for q in all_q if os_ <= q.start and q.end <= oe]
            quoted = bool(_QUOTE_RE.search(span))
            if not qs and not claimant and not quoted:
                continue
            if len(span.split()) < 4 and not qs:
                continue
            prim = _primary(qs)
            ents = _entities(nt, gs, ge)
            anchor = None
            if prim is not None:
                anchor = inv.get(prim.start, prim.start) if nt.offsets is not None else prim.start
            subject = _pick_subject(ents, anchor)
            if gs > ss and (subject is None or all(x.place for x in ents)):
                prefix_orgs = [x for x in _entities(nt, ss, gs) if not x.place]
                if prefix_orgs:
                    subject = prefix_orgs[-1].text
            if subject is None:
                # back-reference ("مستخدميه"): carry the sentence's subject
                subject = _pick_subject(_entities(nt, ss, gs), gs) if gs > ss else None
            if subject is None and claims and claims[-1].end >= nt.orig_index(ss) - 2:
                subject = claims[-1].subject
            # negation words inside hedges ("ما لا يقل عن") are not denials
            clause_norm = normalize(span)
            for q in qs:
                clause_norm = clause_norm.replace(normalize(q.raw), " ")
            polarity = _polarity(clause_norm)
            score, reasons = _score(qs, claimant, subject, quoted, polarity, len(span))
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
                )
            )
        # the last named speaker stays "current" for subject-less verbs
        # ("وأضاف", "It added") and bare quotes in later sentences
        last_claimant = prev_claimant or sentence_claimant or last_claimant
    return claims
