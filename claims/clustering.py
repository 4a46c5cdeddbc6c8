"""Greedy, deterministic clustering of claims: the same rule for one new claim and for a rebuild.

A claim joins the cluster holding its most similar compatible claim when that similarity
reaches the threshold (single link on similarity) and its slots are compatible with every member
(complete link on slots, so a chain cannot carry WhatsApp's figure into Telegram's cluster).
Otherwise it starts a cluster. Rebuilding visits claims in a fixed order, so the same data
always gives the same clusters. Pure numpy; no Django.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from claims.matching import SLOT_BONUS, ClaimSlots, match_score, slots_compatible


@dataclass(frozen=True)
class Candidate:
    """A clustered claim near the new one: its cluster and cosine similarity."""

    cluster_key: int
    similarity: float
    slots: ClaimSlots


def qualifying_clusters(
    claim: ClaimSlots,
    candidates: Iterable[Candidate],
    members_of: Callable[[int], Sequence[ClaimSlots]],
    threshold: float,
    allowed: Callable[[int], bool] | None = None,
) -> list[int]:
    """Every cluster the claim may join, best first (ties to the lower key).

    `candidates` are nearby clustered claims (any order), scored by `match_score`;
    `members_of(key)` gives a cluster's members for the slot check; `allowed(key)` says whether
    editors' decisions let the claim join that cluster at all.
    """
    best: dict[int, float] = {}
    for cand in candidates:
        score = match_score(claim, cand.slots, cand.similarity)
        if score >= threshold and score > best.get(cand.cluster_key, -2.0):
            best[cand.cluster_key] = score
    return [
        key
        for key, _ in sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))
        if (allowed is None or allowed(key)) and all(slots_compatible(claim, m) for m in members_of(key))
    ]


def can_merge(a: Sequence[ClaimSlots], b: Sequence[ClaimSlots], cannot: Callable[[int, int], bool]) -> bool:
    """Two clusters a claim bridges may become one if every cross pair is slot-compatible and
    no editor said any cross pair is not the same claim."""
    return all(slots_compatible(x, y) and not cannot(x.id, y.id) for x in a for y in b)


@dataclass(frozen=True)
class Constraints:
    """Editors' decisions, by claim id, that a rebuild must obey.

    must_link: pairs that are the same claim (merges); transitive.
    cannot_link: pairs that are not the same claim (splits, "not the same claim").
    locked: claim id -> id of the locked cluster it belongs to; a locked cluster keeps exactly
    its members (and whatever editors must-link to them); nothing joins it automatically.
    """

    must_link: Sequence[tuple[int, int]] = ()
    cannot_link: Sequence[tuple[int, int]] = ()
    locked: Mapping[int, int] = field(default_factory=dict)


@dataclass
class Clustering:
    """Labels 0..k-1 per claim (input order), and which labels are editors' locked clusters."""

    labels: list[int]
    locked_labels: dict[int, int]  # label -> locked cluster id

    def groups(self) -> list[list[int]]:
        """Input indices per label, labels in order."""
        out: list[list[int]] = [[] for _ in range(max(self.labels, default=-1) + 1)]
        for index, label in enumerate(self.labels):
            out[label].append(index)
        return out


def _components(n: int, pairs: Iterable[tuple[int, int]]) -> list[int]:
    """Union-find roots: the must-link component of each index."""
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return [find(i) for i in range(n)]


def cluster_all(
    slots: Sequence[ClaimSlots],
    vectors: np.ndarray,
    threshold: float,
    progress: Callable[[int, int], None] | None = None,
    constraints: Constraints | None = None,
) -> Clustering:
    """Cluster every claim from scratch, obeying editors' constraints.

    Claims are visited in input order (the caller sorts them: oldest source first), each one
    joining an earlier cluster or starting the next label; a claim's must-linked partners go
    wherever it goes. Locked clusters are laid down first and closed to automatic joins.
    """
    constraints = constraints or Constraints()
    n = len(slots)
    labels = [-1] * n
    if n == 0:
        return Clustering(labels, {})
    index_of = {s.id: i for i, s in enumerate(slots)}
    pairs = [(index_of[a], index_of[b]) for a, b in constraints.must_link if a in index_of and b in index_of]
    component = _components(n, pairs)
    component_members: dict[int, list[int]] = {}
    for i, root in enumerate(component):
        component_members.setdefault(root, []).append(i)
    cannot: dict[int, set[int]] = {}
    for a, b in constraints.cannot_link:
        if a in index_of and b in index_of:
            cannot.setdefault(index_of[a], set()).add(index_of[b])
            cannot.setdefault(index_of[b], set()).add(index_of[a])

    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = vectors / np.where(norms == 0, 1.0, norms)
    members: list[list[int]] = []
    closed: set[int] = set()
    locked_labels: dict[int, int] = {}

    placed: list[int] = []  # indices with a label, in the order they got it

    def place(i: int, label: int) -> None:
        for j in component_members[component[i]]:
            if labels[j] == -1:
                labels[j] = label
                members[label].append(j)
                placed.append(j)

    for cluster_id in sorted(set(constraints.locked.values())):
        label = len(members)
        members.append([])
        closed.add(label)
        locked_labels[label] = cluster_id
        for claim_id, locked_id in constraints.locked.items():
            if locked_id == cluster_id and claim_id in index_of:
                place(index_of[claim_id], label)

    for i in range(n):
        if labels[i] == -1:
            group = component_members[component[i]]
            forbidden = set().union(*(cannot.get(j, set()) for j in group))

            def allowed(label: int, forbidden: set[int] = forbidden) -> bool:
                return label not in closed and not any(m in forbidden for m in members[label])

            chosen = None
            if placed:
                sims = vectors[placed] @ vectors[i]
                candidates = (
                    Candidate(labels[placed[k]], float(sims[k]), slots[placed[k]])
                    for k in np.flatnonzero(sims >= threshold - SLOT_BONUS)
                )
                keys = qualifying_clusters(
                    slots[i], candidates, lambda key: [slots[m] for m in members[key]], threshold, allowed
                )
                if keys:
                    chosen = keys[0]
                    # A claim that belongs with several clusters bridges them: single link.
                    for other in keys[1:]:
                        if can_merge(
                            [slots[m] for m in members[chosen]],
                            [slots[m] for m in members[other]],
                            lambda x, y: index_of[y] in cannot.get(index_of[x], ()),
                        ):
                            for m in members[other]:
                                labels[m] = chosen
                            members[chosen].extend(members[other])
                            members[other] = []
            if chosen is None:
                chosen = len(members)
                members.append([])
            place(i, chosen)
        if progress:
            progress(i + 1, n)
    # Labels left empty (merged away, or a locked cluster whose claims are gone) are dropped.
    used = sorted(set(labels))
    renumber = {old: new for new, old in enumerate(used)}
    return Clustering(
        [renumber[label] for label in labels],
        {renumber[label]: cid for label, cid in locked_labels.items() if label in renumber},
    )


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
