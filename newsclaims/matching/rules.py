"""Which claims may share a cluster, whether two claims conflict, and a cluster's status.

Embedding similarity alone puts "100 million WhatsApp users" next to "60 million Telegram
users", and "cut by 1M" next to "raised by 500k". So a pair must also agree on its slots
(subject, kind of quantity, unit) to be merged, and numbers are compared as intervals, never
as text. Pure Python: no Django, no database.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache

from newsclaims.matching.reasons import Reason
from newsclaims.text.entities import PLACES, countries_of, entity_key, mentioned_entities, normalise
from newsclaims.text.figures import (
    control_scope,
    counted_context,
    counts_damaged,
    is_projection,
    other_event_in_series,
    part_and_total,
)
from newsclaims.text.quantities import CALENDAR_KINDS, HEDGE_OPENERS, find_quantities

# Relative slack for exact figures: news rounds ("100 million" for 101.3 million).
EXACT_TOLERANCE = 0.02
# Added to the cosine of two claims that state a figure of the same kind, unit and subject, with
# values within SAME_FIGURE_RATIO of each other: paraphrases of one figure across languages sit
# at cosine 0.52-0.69 with USE, while other figures of the same story sit at 0.38-0.53 (seeds).
SLOT_BONUS = 0.10
SAME_FIGURE_RATIO = 1.5


@dataclass(frozen=True)
class Profile:
    """Similarity levels on one embedding model's cosine scale, and the evidence that set them.

    threshold: score a claim needs to join a cluster.
    paraphrase: cosine from which two claims are near-paraphrases. Opposite polarity and the
    stance model's "disagree" count as contradictions only between near-paraphrases; between
    merely related clauses ("X did not ..." and "Y did ...") they are noise.
    """

    threshold: float
    paraphrase: float
    chosen_by: str


PROFILES: dict[str, Profile] = {
    "builtin:usem3": Profile(
        threshold=0.55,
        paraphrase=0.70,
        chosen_by="seeds matching gold, thresholds 0.50-0.70: 0.55 keeps 5/6 groups together and 9/10 pairs "
        "apart (0.60: 4/6 and 10/10); cross-language paraphrases of one figure sit at 0.52-0.69",
    ),
    "builtin:use+e5": Profile(
        threshold=0.80,
        paraphrase=0.88,
        chosen_by="seeds matching gold, thresholds 0.78-0.86 (paraphrase level 0.88): 0.80 keeps 5/6 groups together, "
        "10/10 pairs apart, no false contradiction (0.84: 4/6); unrelated seed clauses reach 0.81, ANS dev agree "
        "pairs have median cosine 0.93, disagree 0.89, other 0.75",
    ),
}
DEFAULT_PROFILE = PROFILES["builtin:usem3"]
# Kept for callers that do not pass a profile.
POLARITY_CONFLICT_MIN_SIMILARITY = DEFAULT_PROFILE.paraphrase


def profile_for(model_name: str) -> Profile:
    """The profile of a builtin model; other models get the default's levels."""
    return PROFILES.get(model_name, DEFAULT_PROFILE)


# Figures whose as-of dates are further apart than this describe different moments: a series,
# not a contradiction. Dates and years that are themselves the fact are compared regardless.
# News counts move by the day (a toll of 371 on Monday and 1,414 on Sunday is a timeline): on the
# news stories, 1 day put 18/58 statuses right where 31 put 17/58, and two of the three
# leave-one-story-out folds prefer it (the third ties). Figures without a date still compare.
SAME_MOMENT_DAYS = 1
TIMELESS_KINDS = CALENDAR_KINDS
# What a figure counts that, once it has happened or been built, no later day changes: a quake's
# magnitude, a dam's capacity. Two reports of one such figure days apart are not a timeline: a
# magnitude put at 7.7 on Monday and at 7.6 on Thursday is a disagreement, where a toll of 912 on
# Monday and 9,057 on Thursday is the toll moving. (Read next to each figure: `counted_context`.)
FIXED_METRICS = frozenset({"magnitude", "capacity"})
# A stance-model "disagree" at or above this probability is a contradiction (between
# near-paraphrases only: the head learned from ANS pairs, a headline and its rewording).
STANCE_CONFLICT_MIN_PROBABILITY = 0.5

# Opposite statements between two article clauses count only when the pair model is this sure they
# state one fact (see `_opposite_clauses`). On the news stories every polarity or stance conflict
# between clauses at the clustering level alone was false (7 of 7).
CLAUSE_OPPOSITE_MIN = 0.5

SINGLE_SOURCE = "single_source"
AGREEMENT = "agreement"
CONTRADICTION = "contradiction"


@dataclass(frozen=True)
class ClaimSlots:
    """What matching needs to know of a claim besides its vector."""

    id: int
    source_id: int
    subject_key: str | None = None
    quantity: dict | None = None  # newsclaims.text.quantities.Quantity.to_dict()
    polarity: str = "positive"
    language: str = ""
    text: str = ""
    as_of: date | None = None
    standalone: bool = False  # a standalone statement (imported claim), not a clause of an article

    # Read once per claim (a status or a clustering meets each claim in many pairs); the slots are
    # frozen and their quantity is never changed in place.
    @cached_property
    def unit(self) -> str | None:
        return (self.quantity or {}).get("unit") or None

    @cached_property
    def kind(self) -> str | None:
        return (self.quantity or {}).get("kind") or None


@dataclass(frozen=True)
class Interval:
    """The values a figure admits. A bound is open when the hedge excludes it: "more than 20,000"
    admits neither 20,000 nor anything at or under it, so it cannot hold beside "18,000 to 20,000"
    ("at least 20,000" can)."""

    low: float  # -inf when unbounded
    high: float  # +inf when unbounded
    low_open: bool = False
    high_open: bool = False

    def overlaps(self, other: Interval) -> bool:
        if self.low > other.high or other.low > self.high:
            return False
        # Meeting at one point: they share it only when both include it.
        if self.low == other.high and (self.low_open or other.high_open):
            return False
        return not (other.low == self.high and (other.low_open or self.high_open))

    def __str__(self) -> str:
        def fmt(x: float) -> str:
            if math.isinf(x):
                return "∞" if x > 0 else "-∞"
            return f"{x:,.0f}" if x == int(x) else f"{x:,.2f}"

        return f"{'(' if self.low_open else '['}{fmt(self.low)}, {fmt(self.high)}{')' if self.high_open else ']'}"


def _stated_precision(value: float) -> float:
    """Half a unit of a decimal figure's last digit ("7.7" stands for 7.65..7.75): a figure given
    to a tenth is not rounded by 2%, so a 7.6 and a 7.7 magnitude differ. Whole numbers keep the
    relative tolerance (tolls are rounded to hundreds and thousands in reporting)."""
    if float(value).is_integer():
        return math.inf
    decimals = f"{abs(value):.6f}".rstrip("0").split(".")[1]
    # Just under half: rounding intervals are half-open, so 7.6 and 7.7 must not meet at 7.65.
    return 0.499 * 10 ** -len(decimals)


def interval(quantity: dict) -> Interval | None:
    """The values a quantity admits, from its low/high (set by the hedge) or its value."""
    low, high, value = quantity.get("low"), quantity.get("high"), quantity.get("value")
    if low is None and high is None:
        if value is None:
            return None
        low = high = value
    qualifier = quantity.get("qualifier")
    if qualifier == "exact" and low is not None and low == high:
        slack = abs(low) * EXACT_TOLERANCE if quantity.get("kind") not in TIMELESS_KINDS else 0.0
        low, high = low - min(slack, _stated_precision(low)), high + min(slack, _stated_precision(low))
    elif value is None and _in_words(quantity):
        # A vague amount ("thousands", "آلاف": 1,000-9,999) is rounded by nature, so it gets the
        # slack a reported figure gets: "thousands missing" does not contradict "at least 10,000"
        # at its edge, though it still does "about 170".
        low = None if low is None else low * (1 - EXACT_TOLERANCE)
        high = None if high is None else high * (1 + EXACT_TOLERANCE)
    return Interval(
        -math.inf if low is None else float(low),
        math.inf if high is None else float(high),
        low_open=qualifier == "more_than" and low is not None,
        high_open=qualifier == "less_than" and high is not None,
    )


def subject_key(subject: str | None, text: str, claimant: str | None) -> str | None:
    """The entity a claim is about: its subject, else an entity it names, else its claimant's.

    Places are skipped (they locate a figure rather than own it: "Moscow ordered the app
    pre-installed" is about the app), a subject that is only a country's name among them ("تركيا
    تعلن" and "أردوغان يعلن" can be one statement); a claim that names only places has no known
    subject.
    """
    own = None if _names_nothing(subject, text) else entity_key(subject)
    candidates = [own, *mentioned_entities(text), *mentioned_entities(claimant or "")]
    return next((key for key in candidates if key and key not in PLACES), None)


def _names_nothing(name: str | None, text: str) -> bool:
    """Whether a subject is one word that owns no fact: a country's name or demonym ("تركيا",
    "Libya", "المصرية": a place), or a capitalised word opening an English sentence that extraction
    took for a name: a hedge ("Almost 3,700 deaths", "Nearly") or an adverb set off by a comma
    ("Regrettably, the toll ..."; "Connolly said" keeps its name). Between imported statements every
    subject key vetoes, so such a word would keep "Almost 3,700 died" and "Nearly 3,700 died" apart."""
    words = re.findall(r"[\w\-]+", normalise(name or ""))
    if len(words) != 1:
        return False
    word = words[0]
    adverb = word.endswith("ly") and text.lstrip().startswith(f"{name},")
    return bool(countries_of(word)) or word in HEDGE_OPENERS or adverb


# Kinds of figure that never measure the same thing as each other (a year or an ordinal in a
# clause is often not its fact's figure, so those do not veto).
FIGURE_KINDS = frozenset({"count", "percent", "money"})
# Counted nouns that name the same people: "3,000 people", "3,000 persons", "3,000 dead", "3,000
# pilgrims". What happened to them (died, missing) is the pair model's to weigh, not a veto.
_PERSON_UNITS = frozenset(
    {"people", "citizens", "deaths", "injured", "users", "subscribers", "followers", "soldiers", "journalists",
     "members", "employees", "russians", "pilgrims", "victims"}
)  # fmt: skip


def unit_family(unit: str | None) -> str | None:
    """The unit, with every counted noun for people as one ("persons")."""
    return "persons" if unit in _PERSON_UNITS else unit


@lru_cache(maxsize=65536)
def units_of(text: str) -> frozenset[str]:
    """The unit families of every figure a text gives ("10 countries ... 1,081 deaths": countries, persons)."""
    return frozenset(unit_family(q.unit) for q in find_quantities(text) if q.unit)


def confident_subject(key: str | None) -> bool:
    """A subject key from the alias table ("whatsapp"), not a guessed consonant skeleton ("~trng"),
    which extraction takes from whatever word opens a clause ("Trying ...")."""
    return bool(key) and not key.startswith("~")


def slots_compatible(a: ClaimSlots, b: ClaimSlots) -> bool:
    """Whether two claims could state the same fact, judging only their slots.

    Different named subjects, kinds of quantity or units mean different facts however similar
    the wording. A missing slot on either side is no evidence against. Between clauses of
    articles only a confident subject vetoes: their subjects are often guessed and their main
    figure often the wrong one of several, so the clause pair model weighs that evidence instead
    (a veto on it kept true pairs of real stories apart); what each one's figure counts and where,
    read next to the figure, does veto, and so do an event's figures dated years apart
    (`_other_event`: another event's toll) and figures counted in the areas of the two sides of
    a split country (`figures.control_scope`).
    """
    if not (a.standalone and b.standalone):
        if confident_subject(a.subject_key) and confident_subject(b.subject_key) and a.subject_key != b.subject_key:
            return False
        if a.quantity and b.quantity:
            if a.kind in FIGURE_KINDS and b.kind in FIGURE_KINDS and a.kind != b.kind:
                return False
            # A clause's unit is its main figure's, often the wrong one of several ("around 10
            # countries have reported 1,081 deaths"): units veto only when no figure of one
            # clause counts what a figure of the other counts.
            units_differ = a.unit and b.unit and unit_family(a.unit) != unit_family(b.unit)
            if units_differ and not units_of(a.text) & units_of(b.text):
                return False
        # Read next to each figure: "237 killed in Syria" is not "912 killed in Turkey", and
        # "10,100 missing" is not "11,300 dead", however alike the clauses around them.
        (metrics_a, countries_a), (metrics_b, countries_b) = counted_context(a.text), counted_context(b.text)
        if metrics_a and metrics_b and not metrics_a & metrics_b:
            return False
        if countries_a and countries_b and not countries_a & countries_b:
            return False
        # "in government-held areas" against "in areas held by rebel forces": two parts of one country.
        control_a, control_b = control_scope(a.text), control_scope(b.text)
        if control_a and control_b and control_a != control_b:
            return False
        if metrics_a and metrics_b and _other_event(a, b, metrics_a | metrics_b):
            return False
        # "the first earthquake" and "a second tremor" (or "another"): two events of one series.
        if other_event_in_series(a.text, b.text):
            return False
        # Buildings that collapsed are not buildings destroyed or damaged, a wider count.
        if "buildings" in metrics_a & metrics_b and counts_damaged(a.text) != counts_damaged(b.text):
            return False
        # "577 deaths for the two busiest days" is a part of the toll, not the running total.
        if a.quantity and b.quantity and part_and_total(a.text, b.text):
            return False
        # A forecast ("could reach 20,000") is not the count reported so far, however alike the words.
        return not (a.quantity and b.quantity and is_projection(a.text) != is_projection(b.text))
    if a.subject_key and b.subject_key and a.subject_key != b.subject_key:
        return False
    if a.quantity and b.quantity:
        if a.kind and b.kind and a.kind != b.kind:
            return False
        if a.unit and b.unit and a.unit != b.unit:
            return False
    return True


# What a figure counts that belongs to one event (a disaster's dead, a quake's magnitude, the
# buildings it brought down), and how far apart two such figures' dates must be to belong to two
# events: a story's toll moves over days and weeks, while "the 1999 quake killed 17,000", recalled in
# a report of this year's, is another quake's toll however alike the clauses read.
EVENT_METRICS = frozenset(
    {"dead", "injured", "missing", "displaced", "bodies", "magnitude", "aftershocks", "buildings", "rescued", "arrests"}
)
OTHER_EVENT_DAYS = 730


def _other_event(a: ClaimSlots, b: ClaimSlots, metrics: frozenset[str]) -> bool:
    """Both figures count what one event brings (`EVENT_METRICS`) and are dated years apart."""
    if not (a.quantity and b.quantity and a.as_of and b.as_of) or not metrics <= EVENT_METRICS:
        return False
    return abs((a.as_of - b.as_of).days) > OTHER_EVENT_DAYS


def figures_comparable(a: ClaimSlots, b: ClaimSlots) -> bool:
    """Whether two claims' main figures measure one thing: compatible slots, one kind of figure,
    one unit (counted nouns for people are one); a bare figure compares with a count of people,
    not with a measure or a sum ("at 4,17" is a time, "17.9 km" a depth)."""
    if not slots_compatible(a, b):
        return False
    if a.kind and b.kind and a.kind != b.kind:
        return False
    if a.kind == "time":
        return False  # "4:17am" and "01:17 GMT" are one moment: a time of day says nothing of its zone
    ua, ub = unit_family(a.unit), unit_family(b.unit)
    if ua and ub:
        return ua == ub
    return (ua or ub) in (None, "persons")


def same_figure(a: ClaimSlots, b: ClaimSlots) -> bool:
    """Both claims give a figure for one named subject, in one unit, of comparable size."""
    if not (a.quantity and b.quantity and a.subject_key and a.subject_key == b.subject_key):
        return False
    if not (a.kind == b.kind and a.unit and a.unit == b.unit):
        return False
    va, vb = a.quantity.get("value"), b.quantity.get("value")
    if not va or not vb:
        return False
    if a.kind in TIMELESS_KINDS:
        return va == vb  # 2013 and 2022 are close as numbers but are different events
    ratio = max(abs(va), abs(vb)) / max(min(abs(va), abs(vb)), 1e-9)
    return ratio <= SAME_FIGURE_RATIO


def match_score(a: ClaimSlots, b: ClaimSlots, cosine: float) -> float:
    """How strongly two claims state the same fact: their cosine, raised when slots coincide."""
    return cosine + (SLOT_BONUS if same_figure(a, b) else 0.0)


def same_moment(a: ClaimSlots, b: ClaimSlots, max_days: int = SAME_MOMENT_DAYS) -> bool:
    """Whether two figures can describe the same moment (unknown dates are given the benefit; a
    figure of a fixed property, `FIXED_METRICS`, is one moment whenever it is reported)."""
    if a.kind in TIMELESS_KINDS or a.as_of is None or b.as_of is None:
        return True
    return abs((a.as_of - b.as_of).days) <= max_days or _fixed_property(a.text, b.text)


def _fixed_property(text_a: str, text_b: str) -> bool:
    """Both figures count the same fixed property (`FIXED_METRICS`) and nothing else."""
    metrics_a, metrics_b = counted_context(text_a)[0], counted_context(text_b)[0]
    return bool(metrics_a) and metrics_a == metrics_b and metrics_a <= FIXED_METRICS


StanceFn = Callable[[int, int], tuple[str, float] | tuple[str, float, bool] | None]
"""The stance of two claims by id: its class and probability, and optionally whether that probability
is only a lower bound (the service left the cross-encoder unread where no reading could bring
"disagree" under `STANCE_CONFLICT_MIN_PROBABILITY`); None when not judged."""


def _disagree_reason(code: str, judged: tuple, **fields: object) -> Reason:
    """A conflict the stance model found: `code`, or its "at least" wording when the probability is a
    lower bound."""
    bound = len(judged) > 2 and bool(judged[2])
    return Reason(f"{code}_at_least" if bound else code, **fields, p=judged[1])


def _same_quantity(a: ClaimSlots, b: ClaimSlots) -> bool:
    """Both clauses' figures count one thing in one place: one counted unit, and the same metrics
    and countries read next to each figure ("عدد سكان درنة 200 ألف نسمة", "about 100,000
    inhabitants"): the same quantity however the pair model scored the wording around it."""
    if not (a.quantity and b.quantity and _in_digits(a.quantity) and _in_digits(b.quantity)):
        return False  # "thousands of people" says too little to be read as the same count
    if not (a.unit and b.unit and unit_family(a.unit) == unit_family(b.unit)):
        return False  # "6,000 buildings" and "12 contractors" near "buildings": what is counted differs
    (metrics_a, countries_a), (metrics_b, countries_b) = counted_context(a.text), counted_context(b.text)
    same_place = countries_a == countries_b and control_scope(a.text) == control_scope(b.text)
    return bool(metrics_a) and metrics_a == metrics_b and same_place


def _in_digits(quantity: dict) -> bool:
    """Whether a figure is written in digits ("10,000"), not only in words ("thousands", "آلاف")."""
    return any(ch.isdigit() for ch in str(quantity.get("raw") or ""))


def _in_words(quantity: dict | None) -> bool:
    """Whether a figure is known to be written only in words ("thousands", "several thousand")."""
    return bool(quantity and quantity.get("raw")) and not _in_digits(quantity)


def conflict_reason(
    a: ClaimSlots,
    b: ClaimSlots,
    similarity: float | None = None,
    stance: StanceFn | None = None,
    max_days: int = SAME_MOMENT_DAYS,
    paraphrase: float = POLARITY_CONFLICT_MIN_SIMILARITY,
    *,
    intervals: tuple[Interval | None, Interval | None] | None = None,
) -> Reason | None:
    """Why two claims of one cluster cannot both be true, or None if they can.

    Numbers conflict when their intervals are disjoint at the same moment. Otherwise opposite
    polarity between near-paraphrases (`similarity`), or the stance model's "disagree", does.
    `intervals`: the two quantities' `interval`s, when the caller computed them once per claim
    (`cluster_status` meets each claim in every pair of its cluster).
    """
    clauses = not (a.standalone and b.standalone)
    # Between article clauses, a figure conflicts only with a claim that matches it as the same
    # fact: a cluster also holds claims chained in through others, whose figures count other things.
    matched = similarity is None or similarity >= paraphrase or not clauses or _same_quantity(a, b)
    # Between clauses, an amount in words ("thousands", "several thousand others") is seldom the
    # figure of the fact the pair shares: read against "about 170 people" or "two dams" it made
    # contradictions out of clauses that only share their topic.
    in_words = clauses and (_in_words(a.quantity) or _in_words(b.quantity))
    if a.quantity and b.quantity and matched and not in_words and figures_comparable(a, b):
        ia, ib = intervals if intervals is not None else (interval(a.quantity), interval(b.quantity))
        if ia and ib and not ia.overlaps(ib):
            if not same_moment(a, b, max_days):
                return None  # a change over time: the cluster's timeline shows it
            if _gives_figure(b, ia) or _gives_figure(a, ib):
                # "the 10 provinces" against "Diyarbakir, one of the 10 provinces, issued 29
                # warrants": the other claim gives this figure too, so the two main figures count
                # different things, and on the one they share the claims agree.
                return None
            figures = {
                "figure_a": str(a.quantity.get("raw", "")), "interval_a": str(ia),
                "figure_b": str(b.quantity.get("raw", "")), "interval_b": str(ib), "unit": a.unit or b.unit or "value",
            }  # fmt: skip
            if a.as_of and b.as_of:
                return Reason("quantity_dated", **figures, as_of_a=str(a.as_of), as_of_b=str(b.as_of))
            return Reason("quantity", **figures)
    if a.text and a.text.strip() == b.text.strip():
        return None  # one text cannot contradict itself, whatever a model reads
    if matched and same_moment(a, b, max_days):
        sums = _sums_in_conflict(a.text, b.text)
        if sums:
            return sums
    if clauses:
        return _opposite_clauses(a, b, similarity, stance, paraphrase)
    near_paraphrase = similarity is not None and similarity >= paraphrase
    if a.polarity != b.polarity and near_paraphrase:
        return Reason("polarity", polarity_a=a.polarity, polarity_b=b.polarity, score=similarity)
    if stance is not None and near_paraphrase:
        judged = stance(a.id, b.id)
        if judged and judged[0] == "disagree" and judged[1] >= STANCE_CONFLICT_MIN_PROBABILITY:
            return _disagree_reason("stance", judged)
    return None


@lru_cache(maxsize=16384)
def _figures(text: str) -> tuple[dict, ...]:
    return tuple(q.to_dict() for q in find_quantities(text) if q.kind in FIGURE_KINDS)


def _gives_figure(claim: ClaimSlots, wanted: Interval) -> bool:
    """Whether any counted figure of the claim's text fits the interval (its main figure or another)."""
    return any((i := interval(q)) is not None and i.overlaps(wanted) for q in _figures(claim.text or ""))


@lru_cache(maxsize=16384)
def _sums(text: str) -> tuple[dict, ...]:
    return tuple(q.to_dict() for q in find_quantities(text) if q.kind == "money" and q.unit)


def _sums_in_conflict(text_a: str, text_b: str) -> Reason | None:
    """Sums in one currency, one in each claim, that cannot both hold, when neither claim gives
    another sum in that currency: "64 million roubles ($830,000)" and "$84,200" conflict on the
    dollars, though the main figures (roubles, dollars) are not comparable. Not only the main
    figure: a fine or a budget is often given in two currencies."""
    sums_a, sums_b = _sums(text_a), _sums(text_b)
    for unit in {q["unit"] for q in sums_a} & {q["unit"] for q in sums_b}:
        in_a = [q for q in sums_a if q["unit"] == unit]
        in_b = [q for q in sums_b if q["unit"] == unit]
        if len(in_a) != 1 or len(in_b) != 1:
            continue  # several sums in one currency: which pairs with which is not known
        ia, ib = interval(in_a[0]), interval(in_b[0])
        if ia and ib and not ia.overlaps(ib):
            return Reason(
                "quantity", figure_a=str(in_a[0].get("raw", "")), interval_a=str(ia),
                figure_b=str(in_b[0].get("raw", "")), interval_b=str(ib), unit=unit,
            )  # fmt: skip
    return None


def _opposite_clauses(
    a: ClaimSlots, b: ClaimSlots, similarity: float | None, stance: StanceFn | None, paraphrase: float
) -> Reason | None:
    """Opposite statements between article clauses: both signals must agree, on a pair the pair
    model is sure states one fact. Alone, each misfires on news clauses: a negation anywhere in a
    long clause flips its polarity ("630 do not hold permits" / "630 were unregistered"), and the
    stance model, trained on headline rewrites, read a clause and its translation as contradicting
    (and, on the seeds, framing as denial: "cutting off 100 million users is a step back")."""
    if similarity is None or similarity < max(paraphrase, CLAUSE_OPPOSITE_MIN) or a.polarity == b.polarity:
        return None
    judged = stance(a.id, b.id) if stance is not None else None
    if stance is not None and not (judged and judged[0] == "disagree" and judged[1] >= STANCE_CONFLICT_MIN_PROBABILITY):
        return None
    if judged:
        return _disagree_reason(
            "polarity_and_stance", judged, polarity_a=a.polarity, polarity_b=b.polarity, score=similarity
        )
    return Reason("polarity", polarity_a=a.polarity, polarity_b=b.polarity, score=similarity)


def timeline(members: Sequence[ClaimSlots]) -> list[dict]:
    """The cluster's figures in date order: (as_of, value, interval, claim, source)."""
    points = [
        {
            "as_of": m.as_of.isoformat() if m.as_of else None,
            "value": m.quantity.get("value"),
            "low": m.quantity.get("low"),
            "high": m.quantity.get("high"),
            "qualifier": m.quantity.get("qualifier"),
            "unit": m.quantity.get("unit"),
            "claim": m.id,
            "source": m.source_id,
        }
        for m in members
        if m.quantity and m.kind not in TIMELESS_KINDS
    ]
    return sorted(points, key=lambda p: (p["as_of"] is None, p["as_of"] or "", p["claim"]))


@dataclass
class StatusResult:
    status: str
    reason: Reason
    conflicts: list[dict] = field(default_factory=list)  # [{"claims": [id, id], "reason": str, "parts": {...}}]


def cluster_status(
    members: Sequence[ClaimSlots],
    similarity: Callable[[int, int], float] | None = None,
    voice_of: Mapping[int, int] | None = None,
    stance: StanceFn | None = None,
    max_days: int = SAME_MOMENT_DAYS,
    paraphrase: float = POLARITY_CONFLICT_MIN_SIMILARITY,
) -> StatusResult:
    """single_source, agreement or contradiction, with the reason and every conflicting pair.

    Only pairs from different sources can conflict: a source restating itself (an Arabic
    article and its own English translation) is one voice. Agreement needs two independent
    voices: `voice_of` maps each source to its voice (see newsclaims.matching.independence); syndicated
    copies and one publisher's articles share one.
    """
    sources = sorted({m.source_id for m in members})
    voices = {(voice_of or {}).get(s, s) for s in sources}
    conflicts = []
    first_reason: Reason | None = None
    ordered = sorted(members, key=lambda m: m.id)
    # Once per claim, not once per pair: a cluster of m claims has m(m-1)/2 pairs.
    spans = [interval(m.quantity) if m.quantity else None for m in ordered]
    for i, a in enumerate(ordered):
        for j in range(i + 1, len(ordered)):
            b = ordered[j]
            if a.source_id == b.source_id:
                continue
            reason = conflict_reason(
                a, b, similarity(a.id, b.id) if similarity else None, stance, max_days, paraphrase,
                intervals=(spans[i], spans[j]),
            )  # fmt: skip
            if reason:
                conflicts.append({"claims": [a.id, b.id], "reason": str(reason), "parts": reason.parts()})
                if first_reason is None:
                    first_reason = reason
    if conflicts:
        first, second = conflicts[0]["claims"]
        return StatusResult(
            CONTRADICTION,
            Reason("contradiction", count=len(conflicts), first=first, second=second, reason=first_reason),
            conflicts,
        )
    if len(sources) <= 1:
        return StatusResult(SINGLE_SOURCE, Reason("one_source", count=len(members)))
    if len(voices) <= 1:
        return StatusResult(SINGLE_SOURCE, Reason("one_voice", count=len(sources)))
    return StatusResult(AGREEMENT, Reason("agreement", count=len(voices)))
