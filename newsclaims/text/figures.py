"""What a figure in a clause counts and where, in Arabic and English.

`metrics_of` names the kinds of count a text mentions (dead, missing, injured, displaced, ...: a
bilingual vocabulary of general news metrics, not of any story); `figure_context` reads them, and
the countries (`entities.countries_of`), from the few words around the clause's first counted
figure, since a long clause names other places and tolls too ("in Syria 237 were killed, in the
quake centred in south-east Turkey"). Matching uses both: two figures that count different things,
or the same thing in different countries, are different facts. What qualifies a scope is read here
too: a dateline or an outlet's credit opening the clause is not the figure's place
(`without_credit`), a figure counted "elsewhere" is not the place's own (`counts_elsewhere`), and
one counted in the areas a government or its armed opponents hold is not the whole country's
(`control_scope`).
Pure Python; no Django.
"""

from __future__ import annotations

import re
from functools import lru_cache

from newsclaims.text.entities import countries_of, normalise
from newsclaims.text.quantities import Quantity, quantities_in
from newsclaims.text.textnorm import ARABIC_CLITICS, normalize

# What a figure counts, in both languages: general news vocabulary (casualties, displacement, damage,
# justice, physical measures). Two claims counting different things are different facts.
METRICS: dict[str, tuple[str, ...]] = {
    "dead": (
        "dead", "death", "deaths", "died", "die", "dies", "killed", "kill", "kills", "killing", "toll",
        "fatalities", "lives", "perished", "casualties", "mortalities", "victims", "الأرواح",
        "قتيل", "قتلى", "قتل", "مقتل", "وفاة", "وفيات", "الوفيات", "توفي",
        "ضحايا", "ضحية", "حتفهم", "حتفه", "مصرع", "موتى", "الموتى", "حصيلة", "أودت", "لقوا", "لقي", "متوفين",
    ),
    "missing": ("missing", "unaccounted", "مفقود", "مفقودين", "المفقودين", "مفقودا", "المفقودون", "فقدان"),
    "injured": (
        "injured", "wounded", "injuries", "hurt", "جريح", "جرحى", "الجرحى", "مصاب", "مصابين", "المصابين",
        "إصابة", "إصابات", "أصيب",
    ),
    "displaced": (
        "displaced", "homeless", "evacuated", "fled", "نزوح", "نازح", "نازحين", "مشرد", "مشردين", "تشريد",
        "إجلاء", "المأوى",
    ),
    "bodies": ("bodies", "body", "remains", "جثث", "جثة", "الجثث", "جثامين"),
    "arrests": (
        "detained", "arrested", "arrest", "arrests", "warrants", "detention", "اعتقال", "اعتقلت", "توقيف",
        "احتجاز", "مذكرة", "مذكرات", "القبض", "اعتقل", "أوقف", "أوقفت", "احتجز", "احتجزت", "موقوفين",
        "معتقلين",
    ),
    "buildings": (
        "buildings", "building", "homes", "houses", "residences", "مبنى", "مباني", "المباني", "منزل", "منازل",
        "مبان", "بناية",
    ),
    # "degrees" / "درجة" alone name neither: a quake's magnitude ("بقوة 7.8 درجات") and a
    # temperature ("سجلت 52 درجة") are both given in degrees.
    "magnitude": ("magnitude", "richter", "ريختر", "بقوة", "قوته", "قوة"),
    "temperature": ("celsius", "fahrenheit", "temperature", "temperatures", "مئوية", "الحرارة", "حرارة"),
    "population": ("population", "residents", "inhabitants", "سكان", "نسمة", "السكان"),
    "capacity": ("capacity", "cubic", "reservoir", "سعة", "سعته", "مكعب", "التخزينية"),
    "aftershocks": ("aftershocks", "aftershock", "هزة", "هزات", "ارتدادية"),
    "rescued": ("rescued", "rescue", "saved", "إنقاذ", "انتشال"),
    "money": ("dollars", "euros", "دولار", "يورو", "funding"),
}  # fmt: skip

_TOKEN = re.compile(r"\w+")


def _key(word: str) -> str:
    return normalise(normalize(word))


METRIC_WORDS = {_key(w): metric for metric, words in METRICS.items() for w in words}


@lru_cache(maxsize=65536)  # per token: every clause's words are read for metrics and names
def forms(token: str) -> tuple[str, ...]:
    """A token and its forms without Arabic clitics (و، ف، ب، ل، ال), longest clitic first."""
    return (token, *(token[len(p) :] for p in ARABIC_CLITICS if token.startswith(p) and len(token) - len(p) >= 3))


@lru_cache(maxsize=65536)
def metrics_of(text: str) -> frozenset[str]:
    """What the text's figures may count (`METRICS` keys named anywhere in it)."""
    found = set()
    for token in _TOKEN.findall(_key(text)):
        metric = next((METRIC_WORDS[f] for f in forms(token) if f in METRIC_WORDS), None)
        if metric:
            found.add(metric)
    return frozenset(found)


# How many words either side of a figure say what it counts and where ("in Syria 237 were killed",
# "4,544 dead in Turkey alone"): a long clause names other places and tolls too.
FIGURE_WINDOW = 6
_FIGURE_KINDS = ("count", "percent", "money", "dimension")


@lru_cache(maxsize=65536)
def first_figure(text: str) -> Quantity | None:
    """The clause's first counted figure (a count, percent, sum or measure; not a year or date),
    read once per text for what it counts, where and whether it is a forecast."""
    return next((q for q in quantities_in(text) if q.kind in _FIGURE_KINDS), None)


# Where a figure's breakdown begins ("1,126, more than half of them from Egypt", "1,081 deaths,
# including 658 Egyptians", "200 حاج معظمهم من إندونيسيا"): what follows tells who makes up the
# figure, not what it counts or where, so the window stops there.
_BREAKDOWN_RE = re.compile(
    r"(?<![^\W_])(?:of (?:them|whom|which)|including|among them|mostly|mainly)(?![^\W_])"
    r"|(?<![^\W_])(?:و?من ?بينهم|و?منهم|و?بينهم|معظمهم|غالبيتهم|أغلبهم|أكثرهم)(?![^\W_])",
    re.IGNORECASE,
)


# A verb of saying: the place just before it in English ("Saudi Arabia said 1,300 died") or just
# after it in Arabic ("أعلنت السعودية وفاة 1301") is who gives the figure, not where it was counted.
_SAID_EN = re.compile(r"(?:said|says|say|announced|announces|reported|reports|confirmed|stated|told)", re.IGNORECASE)
_SAID_AR = re.compile(r"[وف]?(?:قال|قالت|أعلن|أعلنت|اعلن|اعلنت|ذكر|ذكرت|أفاد|أفادت|أكد|أكدت|أوضح|أوضحت|صرح|صرحت)")
SPEAKER_WORDS = 2


def _without_speakers(words: list[str]) -> list[str]:
    """The words before a figure less the places that give it (`_SAID_EN`, `_SAID_AR`)."""
    drop: set[int] = set()
    for k, word in enumerate(words):
        if _SAID_EN.fullmatch(word.strip(",.")):
            drop.update(j for j in range(max(0, k - SPEAKER_WORDS), k) if countries_of(words[j]))
        elif _SAID_AR.fullmatch(word):
            drop.update(j for j in range(k + 1, min(len(words), k + 1 + SPEAKER_WORDS)) if countries_of(words[j]))
    return [w for k, w in enumerate(words) if k not in drop]


def _context(text: str, *, to_next_figure: bool) -> tuple[frozenset[str], frozenset[str]]:
    if to_next_figure:
        # A dateline's place or an outlet's name ("أربيل (كوردستان24)-": its "24" read as the
        # figure, its Kurdistan as the place) is not the figure's scope.
        text = without_credit(text)
    figure = first_figure(text)
    if figure is None:
        return frozenset(), frozenset()
    stop = len(text)
    if to_next_figure:
        later = (q.start for q in quantities_in(text) if q.kind in _FIGURE_KINDS and q.start >= figure.end)
        stop = next(later, stop)
    breakdown = _BREAKDOWN_RE.search(text, figure.end, stop)
    if breakdown:
        stop = breakdown.start()
    before = text[: figure.start].split()[-FIGURE_WINDOW:]
    if to_next_figure:
        before = _without_speakers(before)
    after = text[figure.end : stop].split()[:FIGURE_WINDOW]
    window = " ".join([*before, figure.raw, *after])
    return metrics_of(window), countries_of(window)


@lru_cache(maxsize=65536)
def figure_context(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """What the clause's first counted figure counts and where: the metrics and countries named
    within `FIGURE_WINDOW` words of it (empty when the clause gives no such figure). The clause
    pair model's features read it (it was fitted on them)."""
    return _context(text, to_next_figure=False)


@lru_cache(maxsize=65536)
def counted_context(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """`figure_context` read only up to the clause's next counted figure, for deciding whether two
    figures can be one quantity: in "12 contractors held after thousands of buildings collapsed"
    the buildings are what the second figure counts. (As the pair model's feature, the same
    bound moved one held-out story's F1 from 0.66 to 0.52 on refitting: the rules take it alone.)"""
    return _context(text, to_next_figure=True)


# A credit opening a sentence: a dateline ("ANKARA (Reuters) –", "BAB AL-HAWA, Syria (AP) —",
# "RIYADH:") or an outlet's name ("(CNN) —", "أربيل (كوردستان24)- ", "وكالة - الموقع: "). It stays
# in the claim (extraction keeps a dateline that opens a sentence), but it says where the report was
# filed or who ran it, not where the figure is: `without_credit` gives what follows it, where a
# figure's scope is read. ("Greece: ..." is not one: it is how `match_text` carries a subject in.)
_CREDIT_RE = re.compile(
    r"\s*(?:\([^()]{1,30}\)\s*(?:--|[-–—])\s*"
    r"|[A-Z][A-Z .'’-]+(?:,\s+[A-Z][\w.]+(?:\s[A-Z][\w.]+)?)?(?:\s*\([^()]{1,30}\))?\s*(?::|--|[-–—])\s+"
    r"|(?:[^\d\sA-Za-z:،\"“][^\d:،\"“]{0,25}?\s?(?:\([^()]{1,20}\))?\s?[-–—]\s){1,2}(?:[^\d:،\"“]{1,20}:\s)?)"
)


def without_credit(text: str) -> str:
    """The text after a dateline or an outlet's credit that opens it (`_CREDIT_RE`), else the text."""
    m = _CREDIT_RE.match(text)
    return text[m.end() :] if m else text


# A figure counted "elsewhere" is another quantity than the place's own: "killed about 170 people
# elsewhere in the country" / "170 شخصاً أيضاً في أماكن أخرى خارج درنة" beside the city's toll. Both
# name the same country or city, or none, so the places next to the figure cannot tell them apart.
_ELSEWHERE_RE = re.compile(
    r"\b(?:elsewhere|outside(?:\s+of)?|(?:the\s+)?rest\s+of|other\s+(?:parts|areas|places|regions|cities|provinces))\b"
    r"|(?:^|\s)[وف]?(?:خارج|(?:في\s+)?(?:أماكن|مناطق|أنحاء|مدن)\s+(?:أخرى|اخرى)|بقية|باقي)(?=\s|$)",
    re.IGNORECASE,
)


@lru_cache(maxsize=65536)
def counts_elsewhere(text: str) -> bool:
    """Whether the clause places what it counts outside somewhere, or in other places than one:
    part of a scope, which `figure_context`'s countries alone do not say."""
    return bool(_ELSEWHERE_RE.search(text))


# Who holds the area a figure was counted in, where a country is split between a government and
# armed opponents: a ministry counts "in government-held areas", a rescue service "in areas held by
# rebel forces" / "في المناطق الخارجة عن سيطرة ..." (outside the government's control), and both
# tolls name the same country as the whole country's toll beside them. Three quantities, whose
# countries alone cannot tell them apart. General vocabulary of conflict reporting (any civil war,
# occupation or insurgency), read on `normalize`d text (ة -> ه, ى -> ي, أ -> ا).
GOVERNMENT_HELD, OPPOSITION_HELD = "government", "opposition"
_RULERS = r"(?:government|regime|state|army|authorities|(?:[A-Z]\w+\s+)?(?:president|leader))"
_FIGHTERS = (
    r"(?:rebels?|rebel\s+(?:forces|groups|fighters)|opposition(?:\s+(?:forces|groups|fighters))?"
    r"|insurgents?|militants?|militias?|armed\s+groups)"
)
_HELD = r"(?:held|controlled|run|ruled|occupied)"
_OUTSIDE = r"\b(?:outside|beyond)\s+(?:the\s+)?"
_AREAS = r"(?:areas|territory|territories|enclaves?)"
_NOT_A_ROOM = r"(?!\s+(?:room|tower|cent(?:re|er)|panel))"  # "outside the control room"
# "state-run media", "government-controlled television": who owns an outlet, not an area.
_NOT_AN_OUTLET = (
    r"(?!\s+(?:media|television|tv|news|agenc(?:y|ies)|newspapers?|press|broadcasters?|outlets?|channels?))"
)
_AR_RULERS = r"(?:ال)?(?:حكومه|نظام|دوله|جيش)(?:\s+ال\w+)?(?=\s|$|\))"
_AR_FIGHTERS = r"(?:ال)?(?:معارضه|فصائل|متمردين|مسلحين|ثوار)(?:\s+ال\w+)?(?=\s|$|\))"
_AR_OUTSIDE = r"(?:^|\s)(?:ال)?(?:خارجه|خارج)\s+(?:عن\s+)?(?:سيطره|قبضه)"
_AR_HELD_BY = r"(?:سيطره|قبضه|(?:تسيطر|يسيطر)\s+عليها|مناطق|المناطق)\s+"


def _held_by(who: str) -> str:
    """English: "rebel-held" (not of an outlet), "held by the rebels", "the rebels' areas"."""
    return rf"\b{who}[- ]{_HELD}\b{_NOT_AN_OUTLET}|\b{_HELD}\s+by\s+(?:the\s+)?{who}\b|\b{who}(?:'s|s')?\s+{_AREAS}\b"


_CONTROL_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    # Outside someone's control first ("outside government control", "الخارجه عن سيطره دمشق"): the
    # area is the other side's, whichever party, capital or leader is named.
    (re.compile(rf"{_OUTSIDE}(?:control\s+of\s+(?:the\s+)?{_FIGHTERS}|{_FIGHTERS}'?s?\s+control)\b", re.I),
     GOVERNMENT_HELD),
    (re.compile(rf"{_AR_OUTSIDE}\s+{_AR_FIGHTERS}"), GOVERNMENT_HELD),
    (re.compile(rf"{_OUTSIDE}(?:{_RULERS}'?s?\s+)?control\b{_NOT_A_ROOM}", re.I), OPPOSITION_HELD),
    (re.compile(r"\bnon-government\b", re.I), OPPOSITION_HELD),
    (re.compile(rf"{_AR_OUTSIDE}(?=\s|$)"), OPPOSITION_HELD),
    (re.compile(_held_by(_FIGHTERS), re.I), OPPOSITION_HELD),
    (re.compile(_held_by(_RULERS), re.I), GOVERNMENT_HELD),
    (re.compile(rf"{_AR_HELD_BY}(?:سيطره\s+)?{_AR_FIGHTERS}"), OPPOSITION_HELD),
    (re.compile(rf"{_AR_HELD_BY}{_AR_RULERS}"), GOVERNMENT_HELD),
)  # fmt: skip


@lru_cache(maxsize=65536)
def control_scope(text: str) -> str | None:
    """Whose territory the clause counts in: `GOVERNMENT_HELD`, `OPPOSITION_HELD`, or None when it
    says neither (a whole country's figure, or no such split)."""
    norm = normalize(text)
    for pattern, side in _CONTROL_RULES:
        if pattern.search(norm):
            return side
    return None


# A forecast is not a report: "the toll could reach 20,000" and "11,300 have died" are two facts,
# whatever their words share. Read just before the clause's first counted figure (the verb that
# makes it a projection governs it: "could reach 20,000", "توقع ... ارتفاع الضحايا إلى 20 ألف").
_PROJECTION_RE = re.compile(
    r"\b(?:could|might|would|will|can|may|(?:is|are|was|were)\s+(?:expected|likely|feared|projected|forecast)\s+to)\s+"
    r"(?:\w+\s+){0,2}?(?:reach|rise|climb|exceed|top|hit|surpass|increase|double|grow|soar)\b"
    r"|(?:^|\s)(?:[وف]?(?:توقع|يتوقع|تتوقع|توقعت|يرجح|ترجح|رجح|رجحت)|(?:من\s+)?المتوقع|المرجح|مرشح|مرشحة"
    r"|قد\s+(?:يصل|تصل|يرتفع|ترتفع|يتجاوز|تتجاوز)|[سـ]?(?:سيصل|ستصل|سيرتفع|سترتفع|سيتجاوز|ستتجاوز))(?=\s|$)",
    re.IGNORECASE,
)
PROJECTION_WINDOW = 10


@lru_cache(maxsize=65536)
def is_projection(text: str) -> bool:
    """Whether the clause's first counted figure is a forecast ("could reach 20,000", "توقع ...
    ارتفاع الضحايا إلى أكثر من 20 ألف"), judged from the words just before it."""
    figure = first_figure(text)
    if figure is None:
        return False
    # The figure's own words too: its hedge may be the verb ("likely to exceed 8,000").
    before = " ".join([*text[: figure.start].split()[-PROJECTION_WINDOW:], figure.raw])
    return bool(_PROJECTION_RE.search(normalize(before)))


# Which one of a series of like events a clause is about: "the first earthquake", "a second 7.6
# magnitude tremor", "another powerful tremor", "الزلزال الثاني", "هزة ثانية", "زلزال آخر". Two
# figures of the first shock and of the second (their magnitudes, their tolls) are two facts
# however alike the clauses read. Read only where the ordinal qualifies an event noun (a few words
# apart at most: "a second 7.6 magnitude tremor"), or where it is itself the clause's subject
# ("and a second, a little later, measured 7.6"): "the first aid to reach", "for the first time"
# and "another 10,100 are missing" say nothing of which event.
_EVENT_NOUNS_EN = (
    r"(?:earthquakes?|quakes?|tremors?|shocks?|aftershocks?|explosions?|blasts?|storms?|hurricanes?|cyclones?"
    r"|typhoons?|floods?|waves?|eruptions?|strikes?|attacks?|bombings?)"
)
LATER = 0  # "another": not the first of the series, which one unknown
_ORDINALS_EN = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "another": LATER}
_ORDINAL_EN_RE = re.compile(
    rf"\b(first|second|third|fourth|fifth|another)\s+(?:[\w.,-]+\s+){{0,3}}?{_EVENT_NOUNS_EN}\b"
    r"|^\W*(?:(?:and|but|while)\s+)?(?:a|the)\s+(first|second|third|fourth|fifth)\b\s*(?:,|one\b)",
    re.IGNORECASE,
)
# Arabic puts the ordinal after its noun ("الزلزال الثاني", "هزة ثانية قوية", "زلزال قوي آخر") or,
# for "first", before it ("أول زلزال"); matched on `normalize`d text (ة -> ه, ى -> ي, أ -> ا).
_EVENT_NOUNS_AR = r"(?:[وفب]?(?:ال)?(?:زلزال|زلازل|هزه|انفجار|عاصفه|اعصار|فيضان|موجه|غاره|هجوم))"
_ORDINALS_AR = {
    "الاول": 1, "الاولي": 1, "اول": 1, "الثاني": 2, "الثانيه": 2, "ثان": 2, "ثانيه": 2, "الثالث": 3,
    "الثالثه": 3, "ثالث": 3, "ثالثه": 3, "اخر": LATER, "اخري": LATER,
}  # fmt: skip
_ORDINAL_AR_RE = re.compile(
    rf"(?<!\w){_EVENT_NOUNS_AR}\s+(?:\S+\s+){{0,2}}?({'|'.join(sorted(_ORDINALS_AR, key=len, reverse=True))})(?!\w)"
    rf"|(?<!\w)(اول)\s+{_EVENT_NOUNS_AR}(?!\w)"
)


@lru_cache(maxsize=65536)
def event_ordinal(text: str) -> int | None:
    """Which of a series of like events the clause is about: 1, 2, 3, ... as its ordinal says,
    `LATER` (0) for "another" / "آخر" (not the first, which one unknown), None when it says none
    or more than one ("the first quake measured 7.8 and the second 7.5")."""
    found = set()
    for m in _ORDINAL_EN_RE.finditer(text):
        found.add(_ORDINALS_EN[(m.group(1) or m.group(2)).lower()])
    for m in _ORDINAL_AR_RE.finditer(normalize(text)):
        found.add(_ORDINALS_AR[m.group(1) or m.group(2)])
    return next(iter(found)) if len(found) == 1 else None


_EVENT_NOUN_RE = re.compile(rf"\b{_EVENT_NOUNS_EN}\b|(?<!\w){_EVENT_NOUNS_AR}(?!\w)", re.IGNORECASE)


@lru_cache(maxsize=65536)
def _reads(pattern: re.Pattern, text: str) -> bool:
    """Whether `pattern` matches the clause's `normalize`d text (kept per clause and pattern: a
    veto is asked for every pair a clause is in)."""
    return bool(pattern.search(normalize(text)))


def names_event(text: str) -> bool:
    """Whether the clause names an event of a kind that comes in series (`_EVENT_NOUNS_EN`)."""
    return _reads(_EVENT_NOUN_RE, text)


def other_event_in_series(text_a: str, text_b: str) -> bool:
    """Whether two clauses are about different events of one series by their ordinals: the first
    against a second or "another", or a second against a third ("another" against a second may be
    the same). A clause that names the event without an ordinal ("the 7.8 earthquake") is about
    the first: the one a story is about is named plainly, a later one is told apart by its
    ordinal ("a second tremor", "another powerful tremor")."""
    a, b = event_ordinal(text_a), event_ordinal(text_b)
    if a == b:
        return False
    if a is None:
        a = 1 if names_event(text_a) else None
    if b is None:
        b = 1 if names_event(text_b) else None
    if a is None or b is None or a == b:
        return False
    return a == 1 or b == 1 or (a != LATER and b != LATER)


# What happened to counted buildings: "6,000 buildings collapsed" is not "47,000 buildings destroyed
# or damaged" (nor "المباني المتضررة"): damage counts a wider set than collapse, whatever the clauses
# share. Read in the whole clause (the damage may come after an aside: "47,000 buildings, which
# contained 211,000 residences, had been destroyed or were so badly damaged ...").
_DAMAGED_RE = re.compile(
    r"\bdamag(?:e|ed|es|ing)\b"
    r"|(?:^|\s)[وفب]?(?:ال)?(?:متضرر|متضرره|متضررين|تضرر|تضررت|اضرار|ضرر|المتضرره|تصدع|متصدعه)(?=\s|$)",
    re.IGNORECASE,
)


def counts_damaged(text: str) -> bool:
    """Whether the clause counts damaged things (`_DAMAGED_RE`), not only ones brought down."""
    return _reads(_DAMAGED_RE, text)


# A count over a stated part of an event ("577 deaths for the two busiest days", "a partial toll",
# "خلال يوم عرفة ويوم العيد", a daily count "in the past 24 hours", "خلال الـ24 ساعة الماضية") against
# the running total ("the total ... now stands at 577", "the toll rose to", "ارتفعت حصيلة الوفيات
# إلى"): two quantities, though the figures may even coincide. Matched on `normalize`d text.
_PERIOD_RE = re.compile(
    r"\bpartial\b|\b(?:for|during|over|in)\s+the\s+(?:(?:two|three|four|five|first|last|past|\d+)\s+)?(?:\w+\s+)?days\b"
    r"|\b(?:during|over|in)\s+the\s+(?:past|last)\s+(?:\d+\s+|\w+\s+)?hours\b"
    r"|(?:^|\s)(?:جزئيه|خلال\s+يومي?|خلال\s+الايام)(?=\s|$)"
    r"|(?:^|\s)خلال\s+(?:\S+\s+)?(?:الساعات|ساعه|الساعه|ساعات)(?=\s|$)",
    re.IGNORECASE,
)
_RUNNING_TOTAL_RE = re.compile(
    r"\b(?:total|tally|(?:risen|rose|climbed|jumped)\s+to|now\s+stands\s+at)\b"
    r"|(?:^|\s)[وف]?(?:اجمالي|الاجماليه|ارتفع|ارتفعت)(?=\s)",
    re.IGNORECASE,
)


def counted_over_period(text: str) -> bool:
    """Whether the clause counts over a stated part of the event only (`_PERIOD_RE`)."""
    return _reads(_PERIOD_RE, text)


def running_total(text: str) -> bool:
    """Whether the clause gives a running total (`_RUNNING_TOTAL_RE`)."""
    return _reads(_RUNNING_TOTAL_RE, text)


def part_and_total(text_a: str, text_b: str) -> bool:
    """One clause counts over a stated period only and the other gives the running total, each read
    plainly (a clause that reads as both says neither)."""
    a = (counted_over_period(text_a), running_total(text_a))
    b = (counted_over_period(text_b), running_total(text_b))
    return {a, b} == {(True, False), (False, True)}
