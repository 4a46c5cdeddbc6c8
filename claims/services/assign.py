"""Assigning new claims to clusters as they arrive (`assign_claims`): nearest clustered claims,
pair scores against candidate clusters, then the neighbourhood re-clustered by the rebuild's rule.

May import Django, claims.models, newsclaims, claims.services.scoring, .statuses and .rebuild.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np
from django.conf import settings

from claims.models import Claim, Cluster
from claims.services.audit import flag_changed_verdicts, verdict_memberships
from claims.services.rebuild import REBUILD_ORDER, _rebuild
from claims.services.scoring import _claim_scorer, _Matcher, _matcher, lock_clusters, nearest_clustered, slots_of
from claims.services.statuses import queue_status_refresh
from newsclaims.matching import pairscore
from newsclaims.matching.clustering import qualifying_clusters
from newsclaims.matching.rules import ClaimSlots, match_score, same_figure


def _note_newcomer(claim: Claim, neighbours: Sequence[Claim], pair_model: pairscore.PairModel) -> None:
    """Record a new claim in its other-source neighbours' nearest-cosine lists (and theirs in its),
    so densities stay current between rebuilds."""
    own = pairscore.split_parts(np.asarray(claim.embedding, dtype=np.float32), pair_model.bounds)
    if neighbours:
        theirs = pairscore.split_parts(
            np.stack([np.asarray(c.embedding, dtype=np.float32) for c in neighbours]), pair_model.bounds
        )
        cosines = [t @ o[0] for t, o in zip(theirs, own, strict=True)]  # per part, one per neighbour
    else:
        cosines = [np.zeros(0, dtype=np.float32) for _ in own]
    claim.nearest_cosines = pairscore.top_k(cosines, pair_model.density_k)
    Claim.objects.filter(pk=claim.pk).update(nearest_cosines=claim.nearest_cosines)
    for k, neighbour in enumerate(neighbours):
        neighbour.nearest_cosines = pairscore.insert_cosine(
            neighbour.nearest_cosines, [float(part[k]) for part in cosines], pair_model.density_k
        )
    if neighbours:
        Claim.objects.bulk_update(list(neighbours), ["nearest_cosines"])


def assign_claims(claims: Iterable[Claim]) -> set[int]:
    """Cluster new claims: each joins the compatible cluster it matches best on average (or a new
    one), then the neighbourhood (the clusters joined and every candidate cluster seen) is
    re-clustered by the rebuild's rule, keeping ids by overlap; statuses of the clusters touched
    are refreshed.

    Candidate clusters are those of the claim's nearest clustered claims (HNSW kNN). Re-clustering
    the neighbourhood lets newcomers bring clusters together as a full rebuild would, so ingesting
    and rebuilding agree except where a neighbourhood's edge cuts a chain. Must run inside a
    transaction (it takes the transaction-scoped cluster lock). Locked clusters take no
    newcomers and are left out of the neighbourhood.
    """
    claims = list(claims)
    if not claims:
        return set()
    lock_clusters()
    touched: set[int] = set()
    seen: set[int] = set()
    members: dict[int, list[Claim]] = {}
    slots_by_id: dict[int, ClaimSlots] = {}
    locked = set(Cluster.objects.filter(locked=True).values_list("pk", flat=True))
    with_verdict = verdict_memberships()
    matcher = _matcher()

    def slots(claim: Claim) -> ClaimSlots:
        if claim.pk not in slots_by_id:
            slots_by_id[claim.pk] = slots_of(claim)
        return slots_by_id[claim.pk]

    for claim in claims:
        vector = np.asarray(claim.embedding, dtype=np.float32)
        near = nearest_clustered(vector, claim.embedding_model)
        cluster_ids = sorted({cluster_id for _, cluster_id, _ in near if cluster_id not in locked})
        seen.update(cluster_ids)
        missing = [key for key in cluster_ids if key not in members]
        for key in missing:
            members[key] = []
        for member in Claim.objects.filter(cluster_id__in=missing).select_related("source").order_by("id"):
            members[member.cluster_id].append(member)
        own = slots(claim)
        if matcher.pair_model is not None:
            # The nearest claims of other sources are among the kNN rows just read.
            near_ids = {row[0] for row in near}
            neighbours = [
                m for key in cluster_ids for m in members[key] if m.pk in near_ids and m.source_id != claim.source_id
            ]
            _note_newcomer(claim, neighbours, matcher.pair_model)
        scores = _scores_by_cluster(claim, own, {key: members[key] for key in cluster_ids}, matcher, slots)
        keys = qualifying_clusters(own, scores, lambda key: [slots(m) for m in members[key]], matcher.threshold)
        if keys:
            cluster_id = keys[0]
        else:
            cluster_id = Cluster.objects.create(label=claim.text[:300]).pk
            members[cluster_id] = []
        Claim.objects.filter(pk=claim.pk).update(cluster_id=cluster_id)
        claim.cluster_id = cluster_id
        members[cluster_id].append(claim)
        touched.add(cluster_id)
    # Re-cluster the neighbourhood by the rebuild's rule: newcomers can bring clusters together
    # (or show that a cluster's claims belong apart), as a full rebuild would.
    around = sorted(touched | seen)
    old_ids = set(around)
    neighbourhood = list(
        Claim.objects.filter(
            cluster_id__in=around, embedding__isnull=False, embedding_model=settings.FACTCHECK_EMBEDDING_MODEL
        )
        .select_related("source")
        .order_by(*REBUILD_ORDER)
    )
    if neighbourhood:
        final_ids, _, changed = _rebuild(neighbourhood, local=True)
        # Only clusters whose membership changed need their status recomputed, plus the ones the
        # newcomers joined, and any old cluster left empty (refresh deletes it).
        touched = (touched & set(final_ids)) | changed | (old_ids - set(final_ids))
    queue_status_refresh(touched)  # statuses needing the stance cross-encoder: a job after commit
    flag_changed_verdicts(with_verdict)  # a claim joining or leaving a verdict's cluster asks for review
    return touched


def _scores_by_cluster(
    claim: Claim,
    own: ClaimSlots,
    clusters: dict[int, list[Claim]],
    matcher: _Matcher,
    slots: Callable[[Claim], ClaimSlots] = slots_of,
) -> dict[int, list[float]]:
    """The pair score of `claim` with each member of each candidate cluster (one scorer for all)."""
    keys = [key for key, members in clusters.items() if members]
    members = [m for key in keys for m in clusters[key]]
    if not members:
        return {}
    everyone = [claim, *members]
    vectors = np.stack([np.asarray(c.embedding, dtype=np.float32) for c in everyone])
    member_slots = [slots(m) for m in members]
    if matcher.pair_model is None:
        unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        flat = [match_score(own, s, float(unit[0] @ unit[k + 1])) for k, s in enumerate(member_slots)]
    else:
        scorer = _claim_scorer(everyone, vectors, matcher.pair_model)
        flat = [scorer.score(0, k + 1, same_figure(own, s)) for k, s in enumerate(member_slots)]
    out: dict[int, list[float]] = {}
    position = 0
    for key in keys:
        out[key] = flat[position : position + len(clusters[key])]
        position += len(clusters[key])
    return out
