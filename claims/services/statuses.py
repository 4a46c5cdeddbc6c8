"""A cluster's status, reason, conflicts, independence, timeline and counts (`refresh_clusters`),
with the stance plumbing it needs: the stance head and cross-encoder judging pairs of stored
claims.

May import Django, claims.models, newsclaims and claims.services.scoring.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np
from django.conf import settings
from django.utils import timezone

from claims.choices import ClusterStatus
from claims.models import Claim, Cluster
from claims.services import events
from claims.services.scoring import _claim_scorer, _Matcher, _matcher, slots_of
from newsclaims.matching.independence import SourceFacts, voice_of, votes
from newsclaims.matching.rules import ClaimSlots, StanceFn, cluster_status, profile_for, same_figure, timeline
from sources.models import Source

if TYPE_CHECKING:
    from newsclaims.verdicts.stance import StanceHead

logger = logging.getLogger("claims.services")


def _cross_logits(head: StanceHead, texts_a: list[str], texts_b: list[str]) -> np.ndarray | None:
    """The stance cross-encoder's logits of the pairs, when the head uses one and it is on.

    A cross-encoder that cannot be read is logged and skipped: the head then judges with
    its vector-and-text stacker alone.
    """
    if head.cross_coef is None or not settings.FACTCHECK_STANCE_CROSS_ENCODER:
        return None
    from newsclaims.verdicts import crossencoder  # torch is imported on first use

    try:
        ce = crossencoder.get_cross_encoder()
    except (OSError, ValueError, KeyError):
        logger.exception("stance cross-encoder unreadable; judging stance without it")
        return None
    return None if ce is None else ce.logits(texts_a, texts_b)


def _stance_fn(
    vectors: dict[int, np.ndarray],
    texts: dict[int, str],
    worth_judging: Callable[[int, int], bool] | None = None,
    read_together: Callable[[int, int], bool] | None = None,
) -> StanceFn | None:
    """The stance model over stored claim vectors, when a head trained on this model exists.

    `worth_judging(a, b)` names the pairs the caller may ask about (those matching as one
    fact); the others are not judged, which matters because the cross-encoder costs ~10 ms a
    pair and a large cluster has many pairs. `read_together(a, b)` names the pairs the
    cross-encoder reads (default: all); the head judges the rest alone. A head that cannot be
    read is logged and skipped: statuses then rest on numbers and polarity alone, and
    ingestion goes on.
    """
    from newsclaims.verdicts import stance as stance_lib  # numpy only; loaded on first use

    try:
        head = stance_lib.get_head()
    except (OSError, ValueError, KeyError):
        logger.exception("stance head unreadable; contradictions will rest on numbers and polarity")
        return None
    if head is None or head.model_name != settings.FACTCHECK_EMBEDDING_MODEL:
        return None

    judged: dict[tuple[int, int], tuple[str, float]] = {}
    done = False

    def judge(a: int, b: int) -> tuple[str, float] | None:
        nonlocal done
        if a not in vectors or b not in vectors:
            return None
        if not done:
            # The models are far cheaper on a batch than pair by pair: judge every pair at once.
            done = True
            ids = sorted(vectors)
            pairs = [
                (x, y) for k, x in enumerate(ids) for y in ids[k + 1 :] if worth_judging is None or worth_judging(x, y)
            ]
            together = [p for p in pairs if read_together is None or read_together(*p)]
            apart = [p for p in pairs if read_together is not None and not read_together(*p)]
            for batch, cross in ((together, True), (apart, False)):
                if not batch:
                    continue
                texts_a = [texts.get(x) or "" for x, _ in batch]
                texts_b = [texts.get(y) or "" for _, y in batch]
                probabilities = head.predict_proba(
                    np.stack([vectors[x] for x, _ in batch]),
                    np.stack([vectors[y] for _, y in batch]),
                    texts_a,
                    texts_b,
                    cross_logits=_cross_logits(head, texts_a, texts_b) if cross else None,
                )
                for pair, row in zip(batch, probabilities, strict=True):
                    best = int(np.argmax(row))
                    judged[pair] = (stance_lib.CLASSES[best], float(row[best]))
        return judged.get((min(a, b), max(a, b)))

    return judge


def _pair_similarity(
    members: Sequence[Claim], slots: Sequence[ClaimSlots], matcher: _Matcher
) -> tuple[Callable[[int, int], float], float]:
    """How alike two members of a cluster are, and the level from which opposite polarity or a
    "disagree" stance counts as a contradiction.

    With a pair model: the probability that the two state the same fact, from the level at
    which they would be clustered together (opposite statements of one fact are what it learned
    to call the same claim; loosely related clauses of one story are not). Without one: cosine,
    from the model profile's paraphrase level.
    """
    with_vectors = [c for c in members if c.embedding is not None]
    position = {c.pk: k for k, c in enumerate(with_vectors)}
    if not with_vectors:
        return (lambda a, b: 0.0), 1.0
    vectors = np.stack([np.asarray(c.embedding, dtype=np.float32) for c in with_vectors])
    if matcher.pair_model is None:
        unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)

        def cosine(a: int, b: int) -> float:
            return float(unit[position[a]] @ unit[position[b]]) if a in position and b in position else 0.0

        return cosine, profile_for(settings.FACTCHECK_EMBEDDING_MODEL).paraphrase
    scorer = _claim_scorer(with_vectors, vectors, matcher.pair_model)
    slot_of = {s.id: s for s in slots}

    def probability(a: int, b: int) -> float:
        if a not in position or b not in position:
            return 0.0
        return scorer.score(position[a], position[b], same_figure(slot_of[a], slot_of[b]))

    return probability, matcher.threshold


def _read_together(slots: Sequence[ClaimSlots], matcher: _Matcher) -> Callable[[int, int], bool] | None:
    """Which pairs the stance cross-encoder reads: with a clause pair model, only two standalone
    statements. It learned on headline rewrites (ANS); on the news stories it changed no status
    of an article clause pair (12/58 right with it and without) and tripled ingest time."""
    if matcher.pair_model is None or matcher.pair_model.clause_model is None:
        return None
    standalone = {s.id: s.standalone for s in slots}
    return lambda a, b: standalone.get(a, False) and standalone.get(b, False)


def refresh_clusters(cluster_ids: Iterable[int]) -> None:
    """Recompute each cluster's status, reason, conflicts, independence, timeline, counts, label."""
    ids = sorted(set(cluster_ids) - {None})
    if not ids:
        return
    by_cluster: dict[int, list[Claim]] = defaultdict(list)
    for claim in Claim.objects.filter(cluster_id__in=ids).select_related("source").order_by("id"):
        by_cluster[claim.cluster_id].append(claim)
    clusters = {c.pk: c for c in Cluster.objects.filter(pk__in=ids)}
    Cluster.objects.filter(pk__in=[pk for pk in ids if pk in clusters and not by_cluster.get(pk)]).delete()
    source_ids = {c.source_id for members in by_cluster.values() for c in members}
    facts = {
        s["id"]: SourceFacts(s["id"], s["publisher"], s["text"])
        for s in Source.objects.filter(pk__in=source_ids).values("id", "publisher", "text")
    }
    changed = []
    previous: dict[int, str] = {}
    matcher = _matcher()
    for pk, members in by_cluster.items():
        cluster = clusters.get(pk)
        if cluster is None:
            continue
        vectors = {c.pk: np.asarray(c.embedding, dtype=np.float32) for c in members if c.embedding is not None}
        slots = [slots_of(c) for c in members]
        similarity, same_claim_level = _pair_similarity(members, slots, matcher)
        vote_list = votes([facts[s] for s in sorted({c.source_id for c in members})])
        result = cluster_status(
            slots,
            similarity,
            voice_of(vote_list),
            _stance_fn(
                vectors,
                {c.pk: c.text for c in members},
                lambda a, b, sim=similarity, level=same_claim_level: sim(a, b) >= level,
                _read_together(slots, matcher),
            ),
            settings.FACTCHECK_SAME_MOMENT_DAYS,
            same_claim_level,
        )
        previous[pk] = cluster.status
        cluster.status = result.status
        cluster.status_reason = result.reason
        cluster.conflicts = result.conflicts
        cluster.claim_count = len(members)
        cluster.source_count = len(vote_list)
        cluster.independent_source_count = sum(v.counted for v in vote_list)
        cluster.source_independence = [v.to_dict() for v in vote_list]
        cluster.timeline = timeline(slots)
        cluster.languages = sorted({c.language for c in members})
        cluster.label = max(members, key=lambda c: (c.checkworthiness, -c.pk)).text[:300]
        cluster.updated_at = timezone.now()  # bulk_update skips auto_now
        changed.append(cluster)
    Cluster.objects.bulk_update(
        changed,
        [
            "status", "status_reason", "conflicts", "claim_count", "source_count", "independent_source_count",
            "source_independence", "timeline", "languages", "label", "updated_at",
        ],
    )  # fmt: skip
    _announce(changed, previous)


def _announce(clusters: Sequence[Cluster], previous: dict[int, str]) -> None:
    """Emit `cluster.status_changed` for each cluster whose status moved, and `cluster.contradiction`
    for each that became a contradiction (claims.services.events; delivered after commit)."""
    moved = [c for c in clusters if c.status != previous.get(c.pk)]
    if not moved:
        return
    details = {c.pk: {"previous_status": previous[c.pk]} for c in moved}
    events.emit(events.STATUS_CHANGED, [c.pk for c in moved], details)
    contradictions = [c.pk for c in moved if c.status == ClusterStatus.CONTRADICTION]
    events.emit(events.CONTRADICTION, contradictions, {pk: details[pk] for pk in contradictions})


def cluster_counts() -> dict[str, int]:
    counts = dict.fromkeys(ClusterStatus.values, 0)
    for status in Cluster.objects.values_list("status", flat=True):
        counts[status] += 1
    return counts
