"""Which sources are independent voices: syndicated copies and one publisher's articles are not.

Pure Python. A cluster's agreement needs two independent voices, so an article republished
word for word by another site does not confirm itself.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from newsclaims.matching.reasons import Reason
from newsclaims.text.entities import normalise

# Word 4-gram Jaccard at or above which two texts are copies of one article (syndication,
# light edits). Translations and rewrites of one story stay far below it.
NEAR_DUPLICATE_JACCARD = 0.6
SHINGLE = 4


@dataclass(frozen=True)
class SourceFacts:
    id: int
    publisher: str
    text: str


@dataclass(frozen=True)
class Vote:
    """One source's standing: its voice (the id of the first source of its group) and why."""

    source: int
    counted: bool
    same_as: int | None
    reason: Reason

    def to_dict(self) -> dict:
        return {
            "source": self.source, "counted": self.counted, "same_as": self.same_as, "reason": str(self.reason),
            "parts": self.reason.parts(),
        }  # fmt: skip


def shingles(text: str) -> frozenset[tuple[str, ...]]:
    words = re.findall(r"\w+", normalise(text))
    if len(words) < SHINGLE:
        return frozenset({tuple(words)}) if words else frozenset()
    return frozenset(tuple(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1))


def jaccard(a: frozenset, b: frozenset) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def votes(sources: Sequence[SourceFacts]) -> list[Vote]:
    """Each source's vote, in id order: the first of a group counts, later ones defer to it."""
    ordered = sorted(sources, key=lambda s: s.id)
    grams = {s.id: shingles(s.text) for s in ordered}
    result: list[Vote] = []
    leaders: list[SourceFacts] = []
    for source in ordered:
        match = None
        for leader in leaders:
            publisher = source.publisher.strip().lower()
            if publisher and publisher == leader.publisher.strip().lower():
                match = (leader.id, Reason("same_publisher", source=leader.id, publisher=source.publisher))
                break
            similarity = jaccard(grams[source.id], grams[leader.id])
            if similarity >= NEAR_DUPLICATE_JACCARD:
                match = (leader.id, Reason("near_identical", source=leader.id, jaccard=similarity))
                break
        if match:
            result.append(Vote(source.id, False, match[0], match[1]))
        else:
            leaders.append(source)
            result.append(Vote(source.id, True, None, Reason("independent")))
    return result


def voice_of(vote_list: Sequence[Vote]) -> dict[int, int]:
    """Source id -> the id of the source whose voice it shares (itself when it counts)."""
    return {v.source: v.same_as if v.same_as is not None else v.source for v in vote_list}
