"""A cluster's status, reason, conflicts, independence, timeline and counts (`refresh_clusters`),
with the stance plumbing it needs: the stance head and cross-encoder judging pairs of stored
claims, the cross-encoder's logits kept by text pair (`StanceJudgement`), and the status refresh
ingestion leaves to a job (`queue_status_refresh`, `refresh_stale_statuses`).

What stance costs, and where:
- Only the pairs the status rules ask about are judged (claims of two sources matching as one
  fact whose figures, sums, identical text or polarity do not already decide them). Each status
  is computed once with a stance function that only notes the pairs asked (`cluster_status` asks
  about a pair at most once and never stops early, so which pairs it asks does not depend on the
  answers); a cluster that asked about none is done.
- The pairs asked by all the clusters of a call are judged together: the head in a few batched
  calls, the cross-encoder once on the text pairs not already in `StanceJudgement` under its
  version (a rebuild or a refresh in any process never reads a pair twice); the head's answers
  are kept in the process too (`_judged`: a cluster refreshed again asks about the pairs it
  asked before). Then the statuses of the clusters that asked are computed with the answers.
- A status asks of a pair only whether "disagree" reaches `STANCE_CONFLICT_MIN_PROBABILITY`; where
  no cross-encoder logit could bring it there, or every one does (`StanceHead.disagree_bounds`), the
  cross-encoder is not asked (`_needing_cross_encoder`): the same status without the reading (a
  contradiction's reason then gives the least probability any reading would, "p >= ...").
- Ingestion does not wait for statuses (`queue_status_refresh`): it marks the clusters it changed
  `status_stale` (counts current at once) and the status refresh job, queued on commit, recomputes
  them. A rebuild's commit marks the clusters it changed stale the same way, and refreshes them
  after it (`refresh_stale_statuses`: assessed holding no lock, written under the lock only where
  the cluster is still as assessed).
  With workers, a rebuild shares that refresh with them (`refresh_shared_statuses`: batches sent
  as tasks and refreshed here too, each held by one process at a time).
- `stance_cost` reports what refreshes cost in this process (the bench prints it).

May import Django, Celery, claims.models, newsclaims and claims.services.scoring.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import timedelta
from typing import TYPE_CHECKING

import numpy as np
from celery import group
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from claims.choices import ClusterStatus
from claims.models import Claim, Cluster, StanceJudgement
from claims.services import events, locks
from claims.services.enqueue import registered_task
from claims.services.locks import STATUS_BATCH_LOCK, STATUS_REFRESH_LOCK
from claims.services.scoring import (
    BoundedMemo,
    _claim_scorer,
    _Matcher,
    _matcher,
    binary_vector,
    lock_clusters,
    slots_of,
    vector_from_binary,
)
from newsclaims.matching.independence import SourceFacts, Vote, voice_of, votes
from newsclaims.matching.rules import (
    STANCE_CONFLICT_MIN_PROBABILITY,
    ClaimSlots,
    StanceFn,
    StatusResult,
    cluster_status,
    profile_for,
    same_figure,
    timeline,
)
from sources.models import Source

if TYPE_CHECKING:
    from newsclaims.verdicts.crossencoder import CrossEncoder
    from newsclaims.verdicts.stance import StanceHead

logger = logging.getLogger("claims.services")

Pair = tuple[int, int]
"""Two claim ids, the smaller first."""

HEAD_BATCH = 512
"""Pairs per stance head call (its features take ~11 KB a pair)."""
CACHE_READ_BATCH = 5000
"""Pair keys per `StanceJudgement` query."""
STALE_BATCH = 500
"""Clusters the status refresh job finishes per transaction."""
STALE_SWEEP_AFTER = timedelta(minutes=5)
"""How long a cluster stays stale before the beat job finishes it (its own job was lost)."""
REFRESH_CLAIMS = 2000
"""Claims whose clusters a stale refresh assesses at once (held as model objects)."""
REFRESH_ROUNDS = 3
"""Times a stale refresh assesses a cluster that changed while it did, before it does it under the lock."""
SHARED_BATCHES_PER_PROCESS = 8
"""Batches a shared status refresh is cut into per process (`refresh_shared_statuses`): many each, so
a process that finishes early (or a worker that starts late, loading the cross-encoder) takes
another. With 4, at 1,000 claims, the rebuild's process read 354 of 505 text pairs in 3 of 7 batches."""
SHARED_PATIENCE_SECONDS = 600.0
"""How long a shared status refresh waits for the batches other processes hold with none finishing,
before it refreshes what is left itself (a hung worker; a dead one lets go of its batch at once)."""
SHARED_POLL_SECONDS = 0.2
"""How often a shared status refresh looks whether the batches other processes hold are done."""


# --- What refreshes cost ----------------------------------------------------------------------------
@dataclass
class StanceCost:
    """What status refreshes cost in this process since `reset_stance_cost` (seconds are wall time).

    `refresh_seconds` covers all of `refresh_clusters`; `stance_seconds` the part judging stance
    (stance cache, head and cross-encoder), of which `head_seconds` and `cross_seconds`.
    `cross_pairs` text pairs the cross-encoder was asked about: `cross_cached` were in the stance
    cache, `cross_read` it read now (the rest wait for the job: `deferred_clusters`).
    `cross_skipped` pairs it was not asked about, since no reading could change their verdict.
    """

    refreshes: int = 0
    clusters: int = 0
    refresh_seconds: float = 0.0
    pairs_asked: int = 0
    stance_seconds: float = 0.0
    head_seconds: float = 0.0
    cross_pairs: int = 0
    cross_cached: int = 0
    cross_read: int = 0
    cross_skipped: int = 0
    cross_seconds: float = 0.0
    deferred_clusters: int = 0

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


_cost = StanceCost()
_cost_lock = threading.Lock()


def stance_cost() -> StanceCost:
    """A copy of this process's counters."""
    with _cost_lock:
        return replace(_cost)


def reset_stance_cost() -> None:
    global _cost
    with _cost_lock:
        _cost = StanceCost()


def _add_cost(**amounts: float) -> None:
    with _cost_lock:
        for name, amount in amounts.items():
            setattr(_cost, name, getattr(_cost, name) + amount)


# --- The stance cache -------------------------------------------------------------------------------
def pair_key(text_a: str, text_b: str) -> str:
    """The key of a pair of texts in `StanceJudgement`, the same in either order (the cross-encoder's
    logit is the mean over both reading orders, so it is symmetric)."""
    digests = sorted(hashlib.sha256(t.encode("utf-8", "surrogatepass")).digest() for t in (text_a, text_b))
    return hashlib.sha256(digests[0] + digests[1]).hexdigest()


def _cross_encoder(head: StanceHead) -> CrossEncoder | None:
    """The stance cross-encoder, when the head uses one and it is on.

    A cross-encoder that cannot be read is logged and skipped: the head then judges with
    its vector-and-text stacker alone.
    """
    if head.cross_coef is None or not settings.FACTCHECK_STANCE_CROSS_ENCODER:
        return None
    from newsclaims.verdicts import crossencoder  # torch is imported on first use

    try:
        return crossencoder.get_cross_encoder(settings.FACTCHECK_STANCE_PRECISION)
    except (OSError, ValueError, KeyError):
        logger.exception("stance cross-encoder unreadable; judging stance without it")
        return None


def _cached_cross_logits(ce: CrossEncoder, texts_a: Sequence[str], texts_b: Sequence[str], *, read: bool) -> np.ndarray:
    """The cross-encoder's logit of each pair: from `StanceJudgement` under the model's version,
    else (with `read`) read now, once per distinct pair, and stored; else NaN."""
    keys = [pair_key(a, b) for a, b in zip(texts_a, texts_b, strict=True)]
    texts = {}
    for key, a, b in zip(keys, texts_a, texts_b, strict=True):
        texts.setdefault(key, (a, b))
    known: dict[str, float] = {}
    if ce.version:
        distinct = list(texts)
        for start in range(0, len(distinct), CACHE_READ_BATCH):
            rows = StanceJudgement.objects.filter(
                model_version=ce.version, pair_key__in=distinct[start : start + CACHE_READ_BATCH]
            ).values_list("pair_key", "logit")
            known.update(rows)
    cached = len(known)
    todo = [key for key in texts if key not in known] if read else []
    seconds = 0.0
    if todo:
        started = time.perf_counter()
        fresh = ce.logits(
            [texts[k][0] for k in todo], [texts[k][1] for k in todo], threads=settings.FACTCHECK_STANCE_THREADS
        )
        seconds = time.perf_counter() - started
        known.update(zip(todo, (float(x) for x in fresh), strict=True))
        if ce.version:
            StanceJudgement.objects.bulk_create(
                [StanceJudgement(pair_key=k, model_version=ce.version, logit=known[k]) for k in todo],
                batch_size=1000,
                ignore_conflicts=True,  # another process judged it meanwhile: the same logit
            )
    _add_cost(cross_pairs=len(texts), cross_cached=cached, cross_read=len(todo), cross_seconds=seconds)
    return np.array([known.get(k, np.nan) for k in keys], dtype=np.float64)


def _cross_logits(head: StanceHead, texts_a: list[str], texts_b: list[str]) -> np.ndarray | None:
    """The stance cross-encoder's logits of the pairs (through the stance cache), when the head
    uses one and it is on."""
    ce = _cross_encoder(head)
    return None if ce is None else _cached_cross_logits(ce, texts_a, texts_b, read=True)


# --- Judging the pairs asked ------------------------------------------------------------------------
def _stance_head() -> StanceHead | None:
    """The stance head trained on the configured embedding model's vectors, if any. A head that
    cannot be read is logged and skipped: statuses then rest on numbers and polarity alone, and
    ingestion goes on."""
    from newsclaims.verdicts import stance as stance_lib  # numpy only; loaded on first use

    try:
        head = stance_lib.get_head()
    except (OSError, ValueError, KeyError):
        logger.exception("stance head unreadable; contradictions will rest on numbers and polarity")
        return None
    if head is None or head.model_name != settings.FACTCHECK_EMBEDDING_MODEL:
        return None
    return head


@dataclass
class _Asking:
    """A cluster whose status asked the stance model about some pairs: what its status needs again."""

    pk: int
    slots: list[ClaimSlots]
    similarity: Callable[[int, int], float]
    level: float
    voices: Mapping[int, int]
    asked: list[Pair]
    read_together: Callable[[int, int], bool] | None


def _noting(asked: list[Pair]) -> StanceFn:
    """A stance function that notes each pair asked about and answers nothing."""

    def note(a: int, b: int) -> None:
        asked.append((min(a, b), max(a, b)))

    return note


def _remembered(similarity: Callable[[int, int], float]) -> Callable[[int, int], float]:
    """`similarity` computed once per pair (a status that asks about stance is computed twice)."""
    seen: dict[Pair, float] = {}

    def remembered(a: int, b: int) -> float:
        if (a, b) not in seen:
            seen[(a, b)] = similarity(a, b)
        return seen[(a, b)]

    return remembered


def _split_asked(asking: Sequence[_Asking], vectors: Mapping[int, np.ndarray]) -> tuple[list[Pair], list[Pair]]:
    """The pairs asked that the cross-encoder reads, and those the head judges alone (a pair
    without both vectors is not judged)."""
    together, apart = [], []
    for cluster in asking:
        for a, b in cluster.asked:
            if a in vectors and b in vectors:
                read = cluster.read_together is None or cluster.read_together(a, b)
                (together if read else apart).append((a, b))
    return together, apart


# What the cross-encoder's reading can do to a pair's verdict (`_needing_cross_encoder`).
_READ, _NEVER, _ALWAYS = "read", "never", "always"


def _needing_cross_encoder(
    head: StanceHead,
    pairs: list[Pair],
    vectors: Mapping[int, np.ndarray],
    texts: Mapping[int, str],
    digest: Mapping[int, bytes],
) -> dict[str, list[Pair]]:
    """The pairs by what the cross-encoder's reading could do to them (`_READ`: it decides; `_NEVER`
    / `_ALWAYS`: no reading makes "disagree" reach, or fall short of,
    `rules.STANCE_CONFLICT_MIN_PROBABILITY`, the one thing a status asks of a pair). Measured on ANS,
    dev / train: 19% / 24% never a contradiction, 31% / 42% always one. Each pair's answer is
    remembered by what it was computed from, as its judgement is."""
    keys = [digest[a] + digest[b] for a, b in pairs]
    memo = _open.of(head)
    decisions = {key: value for key in keys if (value := memo.get(key)) is not None}
    todo = [n for n, key in enumerate(keys) if key not in decisions]
    if todo:
        started = time.perf_counter()
        chunk = [pairs[n] for n in todo]
        low, high = head.disagree_bounds(
            np.stack([vectors[a] for a, _ in chunk]),
            np.stack([vectors[b] for _, b in chunk]),
            [texts.get(a) or "" for a, _ in chunk],
            [texts.get(b) or "" for _, b in chunk],
            threads=settings.FACTCHECK_STANCE_THREADS,
        )
        level = STANCE_CONFLICT_MIN_PROBABILITY
        fresh = {
            keys[n]: _ALWAYS if least >= level else _NEVER if most < level else _READ
            for n, least, most in zip(todo, low, high, strict=True)
        }
        _open.add(fresh)
        decisions.update(fresh)
        _add_cost(head_seconds=time.perf_counter() - started)
    out: dict[str, list[Pair]] = {_READ: [], _NEVER: [], _ALWAYS: []}
    for pair, key in zip(pairs, keys, strict=True):
        out[decisions[key]].append(pair)
    _add_cost(cross_skipped=len(out[_NEVER]) + len(out[_ALWAYS]))
    return out


# A judgement: the class and its probability, and whether that probability is a lower bound (the
# cross-encoder not read, since no reading of it could bring "disagree" under the status's level).
Judged = tuple[str, float, bool]


def _judge_pairs(
    head: StanceHead,
    asking: Sequence[_Asking],
    vectors: Mapping[int, np.ndarray],
    texts: Mapping[int, str],
    *,
    read: bool,
) -> tuple[dict[Pair, Judged], set[Pair]]:
    """The stance of every pair asked, over all these clusters at once, and the pairs left unjudged:
    without `read`, those the cross-encoder should read and the stance cache does not hold."""
    from newsclaims.verdicts import stance as stance_lib

    together, apart = _split_asked(asking, vectors)
    # What a pair's answers are computed from: both claims' vectors and texts.
    digest = {
        k: hashlib.blake2b(
            np.ascontiguousarray(v, dtype=np.float32).tobytes() + (texts.get(k) or "").encode("utf-8", "surrogatepass"),
            digest_size=16,
        ).digest()
        for k, v in vectors.items()
    }
    # (pairs, the cross-encoder's logit of each or None, whether the verdict is a bound)
    batches: list[tuple[list[Pair], np.ndarray | None, bool]] = [(apart, None, False)]
    unjudged: set[Pair] = set()
    ce = _cross_encoder(head) if together else None
    if ce is None:
        batches.append((together, None, False))
    else:
        by_reading = _needing_cross_encoder(head, together, vectors, texts, digest)
        most, least = head.cross_logit_ends()
        # Judged at the reading most favourable to "disagree": still short of a contradiction.
        batches.append((by_reading[_NEVER], np.full(len(by_reading[_NEVER]), most), False))
        # Judged at the reading least favourable to it: a contradiction, "disagree" at least this likely.
        batches.append((by_reading[_ALWAYS], np.full(len(by_reading[_ALWAYS]), least), True))
        together = by_reading[_READ]
        cross = _cached_cross_logits(
            ce, [texts.get(a) or "" for a, _ in together], [texts.get(b) or "" for _, b in together], read=read
        )
        known = ~np.isnan(cross)
        unjudged = {pair for pair, ok in zip(together, known, strict=True) if not ok}
        batches.append(([pair for pair, ok in zip(together, known, strict=True) if ok], cross[known], False))
    judged: dict[Pair, Judged] = {}
    started = time.perf_counter()
    memo = _judged.of(head)
    for pairs, logits, bound in batches:
        # A pair's judgement depends on its two claims' vectors and texts (and the cross-encoder's
        # logit, when it read them) alone: one judged on an earlier refresh is not judged again.
        keys = [
            digest[a] + digest[b] + (b"" if logits is None else np.float64(logits[n]).tobytes())
            for n, (a, b) in enumerate(pairs)
        ]
        known = {key: value for key in keys if (value := memo.get(key)) is not None}
        fresh: dict[bytes, tuple[str, float]] = {}
        todo = [n for n, key in enumerate(keys) if key not in known]
        for start in range(0, len(todo), HEAD_BATCH):
            chosen = todo[start : start + HEAD_BATCH]
            chunk = [pairs[n] for n in chosen]
            probabilities = head.predict_proba(
                np.stack([vectors[a] for a, _ in chunk]),
                np.stack([vectors[b] for _, b in chunk]),
                [texts.get(a) or "" for a, _ in chunk],
                [texts.get(b) or "" for _, b in chunk],
                cross_logits=None if logits is None else logits[chosen],
                threads=settings.FACTCHECK_STANCE_THREADS,
            )
            for n, row in zip(chosen, probabilities, strict=True):
                best = int(np.argmax(row))
                fresh[keys[n]] = (stance_lib.CLASSES[best], float(row[best]))
        for n, pair in enumerate(pairs):
            label, p = known.get(keys[n]) or fresh[keys[n]]
            judged[pair] = (label, p, bound)
        _judged.add(fresh)
    _add_cost(head_seconds=time.perf_counter() - started)
    return judged, unjudged


# The stance head's judgements of text pairs this process made, by what each was judged from (both
# claims' vectors and texts, and the cross-encoder's logit where it read them): a cluster's status
# is refreshed each time an article joins it, and asks again about the pairs it asked about before.
# Measured on `bench scale`'s 5,000-claim archive (20 articles ingested one at a time): the head's
# time 1.07 -> 0.36 s. 200,000 pairs take ~40 MB (measured with tracemalloc).
_judged = BoundedMemo(200_000)
# Whether the cross-encoder's reading could make a pair a contradiction (`_needing_cross_encoder`),
# by the same digest: asked again on every refresh of a cluster, as its judgements are.
_open = BoundedMemo(200_000)


# Up to this many claims, a cluster's cross-source pairs are scored in one batch up front (~45,000
# pairs, a few MB); a larger cluster is scored pair by pair as its status asks.
BATCHED_SIMILARITY_MEMBERS = 300


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
    known: dict[tuple[int, int], float] = {}
    if len(with_vectors) <= BATCHED_SIMILARITY_MEMBERS:
        # The status compares every pair of claims from two sources: scored in one batch, a pair
        # costs a tenth of a call of its own (the same bits: `ClaimScorer.score` is `score_many`).
        pairs = [
            (a.pk, b.pk)
            for k, a in enumerate(with_vectors)
            for b in with_vectors[k + 1 :]
            if a.source_id != b.source_id and a.pk in slot_of and b.pk in slot_of
        ]
        if pairs:
            values = scorer.score_many(
                [(position[a], position[b]) for a, b in pairs],
                [same_figure(slot_of[a], slot_of[b]) for a, b in pairs],
            )
            known = dict(zip(pairs, values.tolist(), strict=True))

    def probability(a: int, b: int) -> float:
        if a not in position or b not in position:
            return 0.0
        value = known.get((a, b), known.get((b, a)))
        if value is not None:
            return value
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


@dataclass
class _Assessment:
    """The statuses of a set of clusters, computed but not yet written."""

    clusters: dict[int, Cluster]
    members: dict[int, list[Claim]]
    empty: list[int]
    slots: dict[int, list[ClaimSlots]] = field(default_factory=dict)
    votes: dict[int, list[Vote]] = field(default_factory=dict)
    results: dict[int, StatusResult] = field(default_factory=dict)
    stale: set[int] = field(default_factory=set)


def _members_of(ids: Sequence[int]) -> list[Claim]:
    """The claims of these clusters, by id, with their sources but not the sources' texts (the
    votes read those once per source), and vectors read in pgvector's binary form into float32
    arrays: the same values as the text form, without parsing 896 decimals a claim (a tenth of
    a refresh's time at 10,000 claims)."""
    claims = list(
        Claim.objects.filter(cluster_id__in=ids)
        .select_related("source")
        .defer("embedding", "source__text")
        .annotate(vector_bytes=binary_vector())
        .order_by("id")
    )
    for claim in claims:
        claim.embedding = None if claim.vector_bytes is None else vector_from_binary(claim.vector_bytes)
    return claims


def _assess(ids: Sequence[int], *, wait_for_stance: bool) -> _Assessment:
    """Each cluster's status (see the module docstring for how stance is judged). Without
    `wait_for_stance`, a cluster needing a cross-encoder logit the stance cache lacks is left in
    `stale` without a result."""
    by_cluster: dict[int, list[Claim]] = defaultdict(list)
    for claim in _members_of(ids):
        by_cluster[claim.cluster_id].append(claim)
    clusters = {c.pk: c for c in Cluster.objects.filter(pk__in=ids)}
    out = _Assessment(clusters, by_cluster, [pk for pk in ids if pk in clusters and not by_cluster.get(pk)])
    source_ids = {c.source_id for members in by_cluster.values() for c in members}
    facts = {
        s["id"]: SourceFacts(s["id"], s["publisher"], s["text"])
        for s in Source.objects.filter(pk__in=source_ids).values("id", "publisher", "text")
    }
    matcher = _matcher()
    head = _stance_head()
    days = settings.FACTCHECK_SAME_MOMENT_DAYS
    asking: list[_Asking] = []
    vectors: dict[int, np.ndarray] = {}
    texts: dict[int, str] = {}
    for pk, members in by_cluster.items():
        if pk not in clusters:
            continue
        slots = [slots_of(c) for c in members]
        similarity, level = _pair_similarity(members, slots, matcher)
        similarity = _remembered(similarity)
        vote_list = votes([facts[s] for s in sorted({c.source_id for c in members})])
        voices = voice_of(vote_list)
        asked: list[Pair] = []
        out.results[pk] = cluster_status(
            slots, similarity, voices, None if head is None else _noting(asked), days, level
        )
        out.slots[pk], out.votes[pk] = slots, vote_list
        if asked:
            asking.append(_Asking(pk, slots, similarity, level, voices, asked, _read_together(slots, matcher)))
            for c in members:
                if c.embedding is not None:
                    vectors[c.pk] = np.asarray(c.embedding, dtype=np.float32)
                    texts[c.pk] = c.text
    if not asking or head is None:
        return out
    started = time.perf_counter()
    judged, unjudged = _judge_pairs(head, asking, vectors, texts, read=wait_for_stance)

    def stance(a: int, b: int) -> Judged | None:
        return judged.get((min(a, b), max(a, b)))

    for cluster in asking:
        if unjudged.intersection(cluster.asked):
            out.stale.add(cluster.pk)
            del out.results[cluster.pk]
        else:
            out.results[cluster.pk] = cluster_status(
                cluster.slots, cluster.similarity, cluster.voices, stance, days, cluster.level
            )
    _add_cost(stance_seconds=time.perf_counter() - started, pairs_asked=sum(len(c.asked) for c in asking))
    return out


def _write(assessment: _Assessment) -> None:
    """Store the assessed clusters (deleting those left without claims) and announce status changes."""
    Cluster.objects.filter(pk__in=assessment.empty).delete()
    changed = []
    previous: dict[int, str] = {}
    for pk, members in assessment.members.items():
        cluster = assessment.clusters.get(pk)
        if cluster is None:
            continue
        result = assessment.results.get(pk)
        if result is not None:
            previous[pk] = cluster.status
            cluster.status = result.status
            cluster.status_reason = result.reason
            cluster.status_reason_parts = result.reason.parts()
            cluster.conflicts = result.conflicts
        cluster.status_stale = result is None  # the status refresh job finishes it
        vote_list = assessment.votes[pk]
        cluster.claim_count = len(members)
        cluster.source_count = len(vote_list)
        cluster.independent_source_count = sum(v.counted for v in vote_list)
        cluster.source_independence = [v.to_dict() for v in vote_list]
        cluster.timeline = timeline(assessment.slots[pk])
        cluster.languages = sorted({c.language for c in members})
        cluster.label = max(members, key=lambda c: (c.checkworthiness, -c.pk)).text[:300]
        cluster.updated_at = timezone.now()  # a set-based UPDATE skips auto_now
        changed.append(cluster)
    _write_clusters(changed)
    _announce([c for c in changed if c.pk in previous], previous)


# The fields a refresh writes, with the SQL type each has in the JSON rows `_write_clusters` sends.
REFRESHED_FIELDS = (
    ("status", "text"), ("status_reason", "text"), ("status_reason_parts", "jsonb"), ("conflicts", "jsonb"),
    ("status_stale", "boolean"),
    ("claim_count", "integer"), ("source_count", "integer"), ("independent_source_count", "integer"),
    ("source_independence", "jsonb"), ("timeline", "jsonb"), ("languages", "text[]"), ("label", "text"),
    ("updated_at", "timestamptz"),
)  # fmt: skip
WRITE_BATCH = 1000  # clusters per statement


def _write_clusters(clusters: Sequence[Cluster]) -> None:
    """Store the refreshed fields of these clusters, one set-based UPDATE per WRITE_BATCH: the
    rows go as one JSON document (`jsonb_to_recordset`). bulk_update's CASE per field and cluster
    cost more to build in Python than the refresh spent judging small clusters."""
    quote = connection.ops.quote_name
    column = {name: Cluster._meta.get_field(name).column for name, _ in REFRESHED_FIELDS}
    sql = (
        f"UPDATE {quote(Cluster._meta.db_table)} AS k SET "
        + ", ".join(f"{quote(column[name])} = v.{quote(column[name])}" for name, _ in REFRESHED_FIELDS)
        + " FROM jsonb_to_recordset(%s::jsonb) AS v(id bigint, "
        + ", ".join(f"{quote(column[name])} {sql_type}" for name, sql_type in REFRESHED_FIELDS)
        + f") WHERE k.{quote(Cluster._meta.pk.column)} = v.id"
    )

    def row(cluster: Cluster) -> dict:
        values = {column[name]: getattr(cluster, name) for name, _ in REFRESHED_FIELDS}
        values[column["updated_at"]] = cluster.updated_at.isoformat()
        return {"id": cluster.pk, **values}

    with connection.cursor() as cursor:
        for start in range(0, len(clusters), WRITE_BATCH):
            cursor.execute(sql, [json.dumps([row(c) for c in clusters[start : start + WRITE_BATCH]])])


def refresh_clusters(cluster_ids: Iterable[int], *, wait_for_stance: bool = True) -> set[int]:
    """Recompute each cluster's status, reason, conflicts, independence, timeline, counts, label.

    Without `wait_for_stance` (ingestion), the cross-encoder is not run: a cluster whose status
    needs a pair it has not read (not in the stance cache) keeps its status, reason and conflicts,
    gets the rest, and is marked `status_stale`. Those clusters are returned (`queue_status_refresh`
    has the job finish them); with `wait_for_stance`, none is left stale.
    """
    started = time.perf_counter()
    ids = sorted(set(cluster_ids) - {None})
    if not ids:
        return set()
    assessment = _assess(ids, wait_for_stance=wait_for_stance)
    _write(assessment)
    _add_cost(
        refreshes=1, clusters=len(assessment.votes), refresh_seconds=time.perf_counter() - started,
        deferred_clusters=len(assessment.stale),
    )  # fmt: skip
    return assessment.stale


def mark_stale(cluster_ids: Sequence[int]) -> None:
    """Mark these clusters' statuses stale, with their claim counts as they are now, in a few
    set-based statements: the status, reason, conflicts and sources stay the ones before until
    `refresh_stale_statuses` writes them; the count, which a new cluster would have as 0, is right
    at once."""
    members = Claim.objects.filter(cluster_id=OuterRef("pk")).values("cluster_id").annotate(n=Count("id")).values("n")
    for chunk in _chunks(list(cluster_ids), 5000):
        Cluster.objects.filter(pk__in=list(chunk)).update(
            status_stale=True, claim_count=Coalesce(Subquery(members), 0), updated_at=timezone.now()
        )


def queue_status_refresh(cluster_ids: Iterable[int]) -> set[int]:
    """For ingestion and editors' moves: mark these clusters' statuses stale (`mark_stale`: their
    counts right at once) and queue one status refresh job, run after the commit, that recomputes
    them (`refresh_stale_statuses`: version-checked, so a cluster changed meanwhile is never given
    the status of its older claims). Returns them.

    A status is computed off the path that places claims: it compares every pair of a cluster's
    claims from two sources (figures, polarity, the stance model where those do not decide), so
    on a large archive it cost as much as placing the claim did (at 10,000 claims, 42% of
    `assign_claims`, `bench scale`), and a newsroom waits for claims to be placed, not for their
    statuses, which the job writes seconds later (`status_stale` meanwhile)."""
    ids = sorted(set(cluster_ids) - {None})
    if not ids:
        return set()
    mark_stale(ids)
    refresh_statuses_task = registered_task("refresh_statuses_task")
    transaction.on_commit(lambda: refresh_statuses_task.delay(ids))
    return set(ids)


def _versions(cluster_ids: Sequence[int]) -> dict[int, tuple]:
    """What each of these clusters' status is computed from, as it is now: the row's last write
    (`updated_at`; every status write sets it), whether it is stale, and a digest of its claims
    with their nearest cosines (the pair scores' densities). Ingestion, a rebuild or an editor that
    moves a claim changes the digest, and any status write the time. A cluster deleted is absent."""
    if not cluster_ids:
        return {}
    cluster = connection.ops.quote_name(Cluster._meta.db_table)
    claim = connection.ops.quote_name(Claim._meta.db_table)
    near = connection.ops.quote_name(Claim._meta.get_field("nearest_cosines").column)
    of = connection.ops.quote_name(Claim._meta.get_field("cluster").column)
    sql = (
        f"SELECT k.id, k.updated_at, k.status_stale, "
        f"md5(coalesce(string_agg(c.id::text || '=' || coalesce(c.{near}::text, ''), ',' ORDER BY c.id), '')) "
        f"FROM {cluster} AS k LEFT JOIN {claim} AS c ON c.{of} = k.id WHERE k.id = ANY(%s) GROUP BY k.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(cluster_ids)])
        return {pk: (updated, stale, digest) for pk, updated, stale, digest in cursor.fetchall()}


def _only(assessment: _Assessment, keep: set[int]) -> _Assessment:
    """The part of an assessment about these clusters."""
    return _Assessment(
        clusters={pk: c for pk, c in assessment.clusters.items() if pk in keep},
        members={pk: m for pk, m in assessment.members.items() if pk in keep},
        empty=[pk for pk in assessment.empty if pk in keep],
        slots=assessment.slots,
        votes=assessment.votes,
        results=assessment.results,
        stale=assessment.stale & keep,
    )


def _chunks(ids: Sequence[int], size: int = 10_000) -> Iterator[Sequence[int]]:
    """Slices of `ids` for `__in` filters (PostgreSQL takes at most 65,535 parameters a statement)."""
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _claim_batches(cluster_ids: Sequence[int], claims: int) -> list[list[int]]:
    """These clusters in batches of about `claims` claims (and at most STALE_BATCH clusters): a
    status depends on its own cluster's claims only, and a batch's claims are held as model objects."""
    sizes: dict[int, int] = {}
    for chunk in _chunks(cluster_ids):
        sizes.update(
            Claim.objects.filter(cluster_id__in=chunk)
            .values("cluster_id")
            .annotate(n=Count("id"))
            .values_list("cluster_id", "n")
        )
    batches: list[list[int]] = []
    batch: list[int] = []
    held = 0
    for pk in cluster_ids:
        batch.append(pk)
        held += sizes.get(pk, 0)
        if held >= claims or len(batch) >= STALE_BATCH:
            batches.append(batch)
            batch, held = [], 0
    if batch:
        batches.append(batch)
    return batches


def refresh_stale_statuses(
    cluster_ids: Iterable[int] | None = None,
    *,
    older_than: timedelta | None = None,
    progress: Callable[[int, int], None] | None = None,
    batch_claims: int = REFRESH_CLAIMS,
) -> list[int]:
    """Finish the statuses left stale (by ingestion waiting for the stance model, or by a rebuild's
    commit): of these clusters (default: all), those still `status_stale` (with `older_than`, stale
    since at least that long), in batches of about `batch_claims` claims. Returns them; `progress`
    is called with the clusters done and the total after each batch.

    Safe to run twice or at once, and beside ingestion: each batch is assessed holding no lock
    (the cross-encoder included, its logits kept in the stance cache), then written under the
    cluster lock (a short hold) only where the cluster is still as it was assessed (`_versions`):
    a cluster another run, ingestion, a rebuild or an editor changed or refreshed meanwhile is
    never given the status of its older claims. Those still stale are assessed again (the pairs
    read now cached); after REFRESH_ROUNDS, under the lock, so none is left stale.
    """
    stale = Cluster.objects.filter(status_stale=True)
    if older_than is not None:
        stale = stale.filter(updated_at__lte=timezone.now() - older_than)
    if cluster_ids is None:
        ids = sorted(stale.values_list("pk", flat=True))
    else:
        ids = sorted(
            pk
            for chunk in _chunks(sorted(set(cluster_ids)))
            for pk in stale.filter(pk__in=chunk).values_list("pk", flat=True)
        )
    done: list[int] = []
    for batch in _claim_batches(ids, batch_claims):
        pending = batch
        for _ in range(REFRESH_ROUNDS):
            started = time.perf_counter()
            before = _versions(pending)  # before reading the claims: a change after is seen below
            assessment = _assess(pending, wait_for_stance=True)  # the slow part, holding nothing
            with transaction.atomic():
                lock_clusters()
                now = _versions(pending)
                current = {pk for pk in pending if pk in now and now[pk] == before.get(pk) and now[pk][1]}
                _write(_only(assessment, current))
            _add_cost(
                refreshes=1, clusters=len(current), refresh_seconds=time.perf_counter() - started,
            )  # fmt: skip
            done += sorted(current)
            # Changed meanwhile: refreshed by whoever changed it, or left stale for this job.
            pending = [pk for pk in pending if pk not in current and pk in now and now[pk][1]]
            if not pending:
                break
        else:
            with transaction.atomic():  # changed in every round (rare): under the lock, as it is now
                lock_clusters()
                still = sorted(Cluster.objects.filter(pk__in=pending, status_stale=True).values_list("pk", flat=True))
                refresh_clusters(still)
            done += still
        if progress:
            progress(min(len(done), len(ids)), len(ids))
    return sorted(done)


# --- A status refresh shared with Celery workers ----------------------------------------------------
@dataclass
class SharedRefresh:
    """What a shared status refresh did: its batches, how many this process refreshed, how many
    other processes (Celery workers) did, and how many this process did after waiting
    SHARED_PATIENCE_SECONDS for them (with the clusters then left)."""

    batches: int = 0
    here: int = 0
    elsewhere: int = 0
    after_waiting: int = 0
    clusters: int = 0


def shared_batches(cluster_ids: Sequence[int], processes: int, most_claims: int = REFRESH_CLAIMS) -> list[list[int]]:
    """These clusters cut into about SHARED_BATCHES_PER_PROCESS batches per process of about as
    many claims, the largest clusters first (each at most `most_claims` claims and STALE_BATCH
    clusters).

    What a status costs is the text pairs it has the cross-encoder read, which is not known before
    it is assessed: a large cluster of near-duplicates asks about few (identical texts and figures
    decide them), and counting its pairs of claims, n(n-1)/2, put most of the reading in the small
    clusters at the end. Claims are a rough measure, so the batches are many and small and each
    process takes the next when it is free. The largest first, because processes take batches from
    the front (the Celery workers, in the order sent) and the back (this process): the small ones
    left at the end even out when each finishes.
    """
    sizes: dict[int, int] = {}
    for chunk in _chunks(sorted(set(cluster_ids))):
        sizes.update(
            Claim.objects.filter(cluster_id__in=chunk)
            .values("cluster_id")
            .annotate(n=Count("id"))
            .values_list("cluster_id", "n")
        )
    work = {pk: max(1, sizes.get(pk, 0)) for pk in set(cluster_ids)}
    order = sorted(work, key=lambda pk: (-work[pk], pk))
    target = sum(work.values()) / max(1, processes * SHARED_BATCHES_PER_PROCESS)
    batches: list[list[int]] = []
    batch: list[int] = []
    weight = claims = 0
    for pk in order:
        if batch and (claims + sizes.get(pk, 0) > most_claims or len(batch) >= STALE_BATCH):
            batches.append(batch)
            batch, weight, claims = [], 0, 0
        batch.append(pk)
        weight += work[pk]
        claims += sizes.get(pk, 0)
        if weight >= target:
            batches.append(batch)
            batch, weight, claims = [], 0, 0
    if batch:
        batches.append(batch)
    return [sorted(b) for b in batches]


@contextmanager
def _batch_claim(cluster_ids: Sequence[int]) -> Iterator[bool]:
    """Hold this batch's advisory lock (this session's) if no one does; yields whether it is held.
    Session-level, not a row lock on the clusters: ingestion writes them meanwhile; and it goes
    with the process if that dies, so a batch is never left held."""
    # A collision of keys only makes one process wait.
    with locks.held(STATUS_BATCH_LOCK, locks.second_key(min(cluster_ids))) as held:
        yield held


def refresh_status_batch(cluster_ids: Sequence[int]) -> list[int] | None:
    """Refresh one batch of a shared status refresh (`refresh_stale_statuses`) unless another process
    is refreshing it: returns the clusters refreshed, or None when the batch was held. Holding it
    keeps two processes from judging the same pairs; either writing is still safe (the write is
    conditional), so running a batch twice or after it is done costs a query."""
    if not cluster_ids:
        return []
    with _batch_claim(cluster_ids) as held:
        return refresh_stale_statuses(cluster_ids) if held else None


def _stale_among(cluster_ids: Sequence[int]) -> set[int]:
    return {
        pk
        for chunk in _chunks(sorted(cluster_ids))
        for pk in Cluster.objects.filter(pk__in=chunk, status_stale=True).values_list("pk", flat=True)
    }


def refresh_shared_statuses(
    cluster_ids: Iterable[int],
    processes: int,
    *,
    progress: Callable[[int, int], None] | None = None,
    patience: float = SHARED_PATIENCE_SECONDS,
) -> SharedRefresh:
    """Finish these clusters' stale statuses with Celery workers (a rebuild's, after its commit):
    they are cut into batches (`shared_batches`), one `refresh_statuses_task` is sent per batch, and
    this process refreshes batches too, from the last back, while the workers take them from the
    first; each process holds a batch while it refreshes it, so none is judged twice
    (`refresh_status_batch`). Returns once none of these clusters is stale; `progress` is called
    with the clusters done and the total. A batch a worker holds with nothing finishing for
    `patience` seconds is refreshed here anyway (the write is conditional: correct either way);
    without a broker, or if it is down, this process refreshes every batch.
    """
    ids = sorted(_stale_among(sorted(set(cluster_ids))))
    out = SharedRefresh(clusters=len(ids))
    if not ids:
        return out
    batches = shared_batches(ids, processes)
    out.batches = len(batches)
    task = registered_task("refresh_statuses_task")
    try:
        if not task.app.conf.task_always_eager:  # no broker: they would all run here, one after another
            group(task.s(batch, shared=True) for batch in batches).apply_async()
    except Exception:  # the broker is down: this process refreshes every batch
        logger.exception("status batches not sent to workers; refreshing them in this process")

    def left_of(pending: list[list[int]]) -> set[int]:
        stale = _stale_among([pk for batch in pending for pk in batch])
        if progress:
            progress(len(ids) - len(stale), len(ids))
        return stale

    pending = list(batches)
    left = len(ids)
    waiting_since = time.monotonic()
    while pending:
        for batch in reversed(list(pending)):  # the workers take them from the first
            refreshed = refresh_status_batch(batch)
            if refreshed is None:
                continue  # a worker holds it
            pending.remove(batch)
            if refreshed:
                out.here += 1
                left_of(pending)  # the progress line moves with each batch, whoever did it
            else:
                out.elsewhere += 1  # nothing stale left in it: a worker refreshed it before
            waiting_since = time.monotonic()
        stale = left_of(pending)
        done = [batch for batch in pending if not stale.intersection(batch)]
        out.elsewhere += len(done)
        pending = [batch for batch in pending if stale.intersection(batch)]
        if done or len(stale) < left:
            waiting_since = time.monotonic()
        left = len(stale)
        if pending and time.monotonic() - waiting_since > patience:
            logger.warning(
                "status batches held by workers with none finished for %.0fs; refreshing them here", patience
            )
            refresh_stale_statuses(sorted(stale))
            out.after_waiting = len(pending)
            break
        if pending:
            time.sleep(SHARED_POLL_SECONDS)
    if progress:
        progress(len(ids), len(ids))
    return out


@contextmanager
def refresh_lock() -> Iterator[bool]:
    """Hold STATUS_REFRESH_LOCK (this session's) if no one does; yields whether it is held. A
    rebuild's status refresh holds it, so the beat sweep does not judge the same pairs beside it."""
    with locks.held(STATUS_REFRESH_LOCK) as held:
        yield held


def sweep_stale_statuses() -> list[int]:
    """Clusters stale for more than STALE_SWEEP_AFTER (their job was lost, e.g. with the broker);
    nothing while a rebuild's status refresh runs (it finishes its own clusters)."""
    with refresh_lock() as held:
        return refresh_stale_statuses(older_than=STALE_SWEEP_AFTER) if held else []


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
