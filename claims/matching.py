"""Which claims may share a cluster, whether two claims conflict, and a cluster's status.

Embedding similarity alone puts "100 million WhatsApp users" next to "60 million Telegram
users", and "cut by 1M" next to "raised by 500k". So a pair must also agree on its slots
(subject, kind of quantity, unit) to be merged, and numbers are compared as intervals, never
as text. Pure Python: no Django, no database.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

# Relative slack for exact figures: news rounds ("100 million" for 101.3 million).
EXACT_TOLERANCE = 0.02
# Added to the cosine of two claims that state a figure of the same kind, unit and subject, with
# values within SAME_FIGURE_RATIO of each other: paraphrases of one figure across languages sit
# at cosine 0.52-0.69 with USE, while other figures of the same story sit at 0.38-0.53 (seeds).
SLOT_BONUS = 0.10
SAME_FIGURE_RATIO = 1.5
# Opposite polarity is a contradiction only between near-paraphrases; otherwise two merely
# related sentences ("X did not ..." and "Y did ...") would conflict.
POLARITY_CONFLICT_MIN_SIMILARITY = 0.70

SINGLE_SOURCE = "single_source"
AGREEMENT = "agreement"
CONTRADICTION = "contradiction"


@dataclass(frozen=True)
class ClaimSlots:
    """What matching needs to know of a claim besides its vector."""

    id: int
    source_id: int
    subject_key: str | None = None
    quantity: dict | None = None  # claims.quantities.Quantity.to_dict()
    polarity: str = "positive"
    language: str = ""
    text: str = ""

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
    ratio = max(abs(va), abs(vb)) / max(min(abs(va), abs(vb)), 1e-9)
    return ratio <= SAME_FIGURE_RATIO


def match_score(a: ClaimSlots, b: ClaimSlots, cosine: float) -> float:
    """How strongly two claims state the same fact: their cosine, raised when slots coincide."""
    return cosine + (SLOT_BONUS if same_figure(a, b) else 0.0)


def conflict_reason(a: ClaimSlots, b: ClaimSlots, similarity: float | None = None) -> str | None:
    """Why two claims of one cluster cannot both be true, or None if they can.

    `similarity` (cosine of the two claims) gates polarity conflicts; without it only numbers
    can conflict.
    """
    if a.quantity and b.quantity:
        ia, ib = interval(a.quantity), interval(b.quantity)
        if ia and ib and not ia.overlaps(ib):
            unit = a.unit or b.unit or "value"
            return (
                f"quantity: {a.quantity.get('raw', '')!r} admits {ia} and "
                f"{b.quantity.get('raw', '')!r} admits {ib} ({unit}); the intervals do not overlap"
            )
    if a.polarity != b.polarity and similarity is not None and similarity >= POLARITY_CONFLICT_MIN_SIMILARITY:
        return f"polarity: one claim is {a.polarity}, the other {b.polarity} (similarity {similarity:.2f})"
    return None


@dataclass
class StatusResult:
    status: str
    reason: str
    conflicts: list[dict] = field(default_factory=list)  # [{"claims": [id, id], "reason": str}]


def cluster_status(
    members: Sequence[ClaimSlots], similarity: Callable[[int, int], float] | None = None
) -> StatusResult:
    """single_source, agreement or contradiction, with the reason and every conflicting pair.

    Only pairs from different sources count: a source restating itself (an Arabic article
    and its own English translation) is one voice.
    """
    sources = sorted({m.source_id for m in members})
    if len(sources) <= 1:
        return StatusResult(SINGLE_SOURCE, f"all {len(members)} claim(s) come from one source")
    conflicts = []
    ordered = sorted(members, key=lambda m: m.id)
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            if a.source_id == b.source_id:
                continue
            reason = conflict_reason(a, b, similarity(a.id, b.id) if similarity else None)
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
    return StatusResult(AGREEMENT, f"{len(sources)} sources, no conflicting pair")
