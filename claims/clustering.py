"""Greedy, deterministic clustering of claims: the same rule for one new claim and for a rebuild.

A claim joins the cluster holding its most similar compatible claim when that similarity
reaches the threshold (single link on similarity) and its slots are compatible with every member
(complete link on slots, so a chain cannot carry WhatsApp's figure into Telegram's cluster).
Otherwise it starts a cluster. Rebuilding visits claims in a fixed order, so the same data
always gives the same clusters. Pure numpy; no Django.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from claims.matching import SLOT_BONUS, ClaimSlots, match_score, slots_compatible


@dataclass(frozen=True)
class Candidate:
    """A clustered claim near the new one: its cluster and cosine similarity."""

    cluster_key: int
    similarity: float
    slots: ClaimSlots


def choose_cluster(
    claim: ClaimSlots,
    candidates: Iterable[Candidate],
    members_of: Callable[[int], Sequence[ClaimSlots]],
    threshold: float,
) -> int | None:
    """The cluster a claim should join, or None to start a new one.

    `candidates` are nearby clustered claims (any order), scored by `match_score`;
    `members_of(key)` gives a cluster's members for the slot check. Ties go to the lower cluster key, for determinism.
    """
    best: dict[int, float] = {}
    for cand in candidates:
        score = match_score(claim, cand.slots, cand.similarity)
        if score >= threshold and score > best.get(cand.cluster_key, -2.0):
            best[cand.cluster_key] = score
    for key, _ in sorted(best.items(), key=lambda kv: (-kv[1], kv[0])):
        if all(slots_compatible(claim, member) for member in members_of(key)):
            return key
    return None


def cluster_all(
    slots: Sequence[ClaimSlots],
    vectors: np.ndarray,
    threshold: float,
    progress: Callable[[int, int], None] | None = None,
) -> list[int]:
    """Cluster every claim from scratch; returns a cluster label (0..k-1) per claim, in input order.

    Claims are visited in input order (the caller sorts them: oldest source first), each one
    joining an earlier cluster or starting the next label.
    """
    n = len(slots)
    labels = [-1] * n
    if n == 0:
        return labels
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = vectors / np.where(norms == 0, 1.0, norms)
    members: list[list[int]] = []
    for i in range(n):
        if i:
            sims = vectors[:i] @ vectors[i]
            candidates = (
                Candidate(labels[j], float(sims[j]), slots[j]) for j in np.flatnonzero(sims >= threshold - SLOT_BONUS)
            )
            chosen = choose_cluster(slots[i], candidates, lambda key: [slots[m] for m in members[key]], threshold)
        else:
            chosen = None
        if chosen is None:
            chosen = len(members)
            members.append([])
        members[chosen].append(i)
        labels[i] = chosen
        if progress:
            progress(i + 1, n)
    return labels


def stable_ids(new_groups: Sequence[Sequence[int]], old_cluster_of: dict[int, int | None]) -> list[int | None]:
    """For each rebuilt group of claim ids, the old cluster id to keep, or None for a new one.

    A rebuilt cluster keeps the id of the old cluster it overlaps most; each old id goes to one
    group at most (the largest overlap wins, ties to the larger group, then the lower id).
    """
    overlaps: list[tuple[int, int, int, int]] = []  # (-overlap, -group size, old id, group index)
    for index, group in enumerate(new_groups):
        counts: dict[int, int] = {}
        for claim_id in group:
            old = old_cluster_of.get(claim_id)
            if old is not None:
                counts[old] = counts.get(old, 0) + 1
        for old, count in counts.items():
            overlaps.append((-count, -len(group), old, index))
    assigned: list[int | None] = [None] * len(new_groups)
    used: set[int] = set()
    for _, _, old, index in sorted(overlaps):
        if assigned[index] is None and old not in used:
            assigned[index] = old
            used.add(old)
    return assigned
