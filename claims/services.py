"""The domain operations. Admin actions, API views, Celery tasks and commands all call these.

ingest_source / ingest_inputs  store articles (deduplicated by content hash), enqueue processing
process_source                 extract claims, embed them, assign them to clusters
recluster                      rebuild every cluster from scratch, deterministically
refresh_clusters               recompute status, reason, counts and conflicts of clusters
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from claims import embedding as embedding_lib
from claims import pairscore
from claims.choices import ClusterStatus, Language, LinkKind, SourceKind, SourceStatus
from claims.clustering import Constraints, cluster_all, qualifying_clusters, stable_ids
from claims.entities import PLACES, entity_key, mentioned_entities
from claims.extraction import ExtractedClaim, extract_claims
from claims.independence import SourceFacts, voice_of, votes
from claims.matching import ClaimSlots, StanceFn, cluster_status, match_score, profile_for, same_figure, timeline
from claims.models import Claim, ClaimLink, Cluster
from sources.models import Source
from sources.readers import ReadError, SourceInput, read_claims_jsonl, read_inputs

if TYPE_CHECKING:
    from claims.stance import StanceHead

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

# Keys for PostgreSQL advisory locks: one writer assigns claims to clusters at a time, so two
# workers cannot both open a cluster for the same fact, and a rebuild never races them.
CLUSTER_LOCK = 0x66C1_0001
KNN_CANDIDATES = 40


# --- Ingest ----------------------------------------------------------------------------------
def content_hash(text: str) -> str:
    """Identity of an article: its text with Unicode and white space normalised."""
    normalised = re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def detect_language(text: str) -> str:
    """ar, en or mixed, from the share of Arabic and Latin letters."""
    arabic = len(re.findall(r"[\u0600-\u06ff\u0750-\u077f]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    total = arabic + latin
    if total == 0:
        return Language.OTHER
    if arabic / total >= 0.85:
        return Language.ARABIC
    if latin / total >= 0.85:
        return Language.ENGLISH
    return Language.MIXED


@dataclass
class IngestResult:
    source: Source
    created: bool


def ingest_source(item: SourceInput, kind: str = SourceKind.ARTICLE, *, enqueue: bool = True) -> IngestResult:
    """Store one article unless an identical text is already stored; enqueue its processing.

    Re-ingesting never changes a stored source: the first copy's metadata stands. An imported
    claim is identified by its text together with where it was published, since two outlets
    making the same statement are two sources.
    """
    digest = content_hash(item.text)
    if kind == SourceKind.CLAIM:
        digest = content_hash(f"claim\n{item.text}\n{item.url}\n{item.publisher}")
    with transaction.atomic():
        source, created = Source.objects.get_or_create(
            content_hash=digest,
            defaults={
                "kind": kind,
                "text": item.text,
                "title": item.title[:500],
                "url": item.url,
                "publisher": item.publisher[:200],
                "published_at": item.published_at,
                "language": item.language or detect_language(item.text),
                "origin": item.origin[:2000],
            },
        )
        if enqueue and (created or source.status == SourceStatus.FAILED):
            # A stored source whose processing failed gets another try when it is ingested again.
            from claims.tasks import process_source_task

            transaction.on_commit(lambda: process_source_task.delay(source.pk))
    return IngestResult(source, created)


@dataclass
class IngestReport:
    created: list[Source] = field(default_factory=list)
    existing: list[Source] = field(default_factory=list)
    errors: list[ReadError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


OnItem = Callable[[SourceInput | ReadError, IngestResult | None], None]


def ingest_inputs(items: Sequence[str], on_item: OnItem | None = None) -> IngestReport:
    """Ingest every file, directory and URL in `items`; bad ones are reported, the rest go in."""
    inputs = read_inputs(
        list(items), timeout=settings.FACTCHECK_FETCH_TIMEOUT, max_bytes=settings.FACTCHECK_MAX_SOURCE_BYTES
    )
    return _ingest_all(inputs, SourceKind.ARTICLE, on_item)


def import_claims(path: str, on_item: OnItem | None = None) -> IngestReport:
    """Import claims fact-checkers already hold (JSONL, one a line); each becomes a one-claim
    source, matched and clustered like extracted claims. Bad lines are reported by number."""
    return import_statements(read_claims_jsonl(path), on_item)


def import_statements(items: Iterable[SourceInput | ReadError], on_item: OnItem | None = None) -> IngestReport:
    """Import already-read statements as one-claim sources (the body of `import_claims`)."""
    return _ingest_all(items, SourceKind.CLAIM, on_item)


IMPORT_BATCH = 200


def _ingest_all(inputs: Iterable[SourceInput | ReadError], kind: str, on_item: OnItem | None) -> IngestReport:
    """Store every input. Articles are processed one task each; imported claims (one line each,
    often thousands) in tasks of IMPORT_BATCH, so their embeddings are computed in batches."""
    from claims.tasks import process_sources_task

    report = IngestReport()
    batch: list[int] = []

    def flush() -> None:
        if batch:
            ids = list(batch)
            transaction.on_commit(lambda: process_sources_task.delay(ids))
            batch.clear()

    for item in inputs:
        result = None
        if isinstance(item, ReadError):
            report.errors.append(item)
        else:
            batched = kind == SourceKind.CLAIM
            result = ingest_source(item, kind, enqueue=not batched)
            (report.created if result.created else report.existing).append(result.source)
            if batched and (result.created or result.source.status == SourceStatus.FAILED):
                batch.append(result.source.pk)
                if len(batch) >= IMPORT_BATCH:
                    flush()
        if on_item:
            on_item(item, result)
    flush()
    return report


def reprocess_sources(source_ids: Iterable[int]) -> int:
    """Queue sources to be extracted and clustered again (after an extraction change, say)."""
    from claims.tasks import process_source_task

    ids = list(source_ids)
    for pk in ids:
        transaction.on_commit(lambda pk=pk: process_source_task.delay(pk, force=True))
    return len(ids)


# --- Processing one source -------------------------------------------------------------------
def match_text(claim: ExtractedClaim) -> str:
    """What gets embedded: the claim with its subject carried in when the clause omits it."""
    if claim.subject and claim.subject not in claim.text:
        return f"{claim.subject}: {claim.text}"
    return claim.text


def subject_key_of(claim: Claim) -> str | None:
    """The entity a claim is about: its subject, else an entity it names, else its claimant's.

    Places are skipped (they locate a figure rather than own it: "Moscow ordered the app
    pre-installed" is about the app); a claim that names only places has no known subject.
    """
    candidates = [entity_key(claim.subject), *mentioned_entities(claim.text), *mentioned_entities(claim.claimant)]
    return next((key for key in candidates if key and key not in PLACES), None)


def slots_of(claim: Claim) -> ClaimSlots:
    return ClaimSlots(
        id=claim.pk,
        source_id=claim.source_id,
        subject_key=subject_key_of(claim),
        quantity=claim.quantity,
        polarity=claim.polarity,
        language=claim.language,
        text=claim.text,
        as_of=claim.as_of,
        standalone=_standalone(claim),
    )


CLAIM_FIELDS = [
    "text", "language", "claimant", "subject", "polarity", "quantity", "as_of", "as_of_source",
    "checkworthiness", "reasons", "match_text", "embedding", "embedding_model",
]  # fmt: skip


def _claim_fields(c: ExtractedClaim, text: str, vector: np.ndarray, model_name: str) -> dict:
    return {
        "text": c.text,
        "language": c.language,
        "claimant": (c.claimant or "")[:300],
        "subject": (c.subject or "")[:300],
        "polarity": c.polarity,
        "quantity": c.quantity.to_dict() if c.quantity else None,
        "as_of": getattr(c, "as_of", None),
        "as_of_source": getattr(c, "as_of_source", "") or "",
        "checkworthiness": round(float(c.checkworthiness), 4),
        "reasons": list(c.reasons),
        "match_text": text,
        "embedding": vector,
        "embedding_model": model_name,
    }


def statement_claim(text: str, published_at: datetime | None) -> ExtractedClaim:
    """An imported statement as one claim spanning its whole text, with the quantity, subject,
    claimant and polarity that extraction reads in it."""
    start = len(text) - len(text.lstrip())
    end = len(text.rstrip())
    found = extract_claims(text, published_at=published_at)
    best = max(found, key=lambda c: (c.quantity is not None, c.checkworthiness), default=None)
    if best is None:
        return ExtractedClaim(
            text=text[start:end], start=start, end=end, language=detect_language(text), claimant=None,
            subject=None, quantity=None, checkworthiness=0.5, reasons=["imported"],
        )  # fmt: skip
    return replace(
        best,
        text=text[start:end],
        start=start,
        end=end,
        language=detect_language(text),
        polarity="negative" if any(c.polarity == "negative" for c in found) else best.polarity,
        reasons=[*best.reasons, "imported"],
    )


def process_source(source_id: int, *, force: bool = False) -> int:
    """Extract, embed and cluster one source's claims; returns how many claims it has."""
    return process_sources([source_id], force=force)[source_id]


def _extract(source: Source) -> list[ExtractedClaim]:
    if source.kind == SourceKind.CLAIM:
        return [statement_claim(source.text, source.published_at)]
    return [
        c
        for c in extract_claims(source.text, published_at=source.published_at)
        if c.checkworthiness >= settings.FACTCHECK_MIN_CHECKWORTHINESS
    ]


def _fail(source_id: int, exc: BaseException) -> None:
    Source.objects.filter(pk=source_id).update(status=SourceStatus.FAILED, error=f"{type(exc).__name__}: {exc}")


def process_sources(source_ids: Sequence[int], *, force: bool = False) -> dict[int, int]:
    """Extract, embed and cluster several sources' claims, embedding them in one batch (which is
    what makes importing thousands of one-line claims fast); returns each source's claim count.

    Safe to run twice or concurrently: only the run that moves a source from pending (or
    failed) to processing works on it; others leave it alone. Re-processing keeps the id,
    cluster and editors' links of every claim whose span is unchanged. A source that fails is
    marked failed with the error, the others still go in, and the first error is raised after.
    """
    claimable = Q(status__in=[SourceStatus.PENDING, SourceStatus.FAILED])
    if force:
        claimable |= Q(status=SourceStatus.PROCESSED)
    claimed = [
        pk
        for pk in dict.fromkeys(source_ids)
        if Source.objects.filter(claimable, pk=pk).update(status=SourceStatus.PROCESSING, error="")
    ]
    counts = {pk: Claim.objects.filter(source_id=pk).count() for pk in source_ids if pk not in claimed}
    sources = Source.objects.in_bulk(claimed)
    errors: list[BaseException] = []
    work: list[tuple[Source, list[ExtractedClaim], list[str]]] = []
    for pk in claimed:
        try:
            extracted = _extract(sources[pk])
        except Exception as exc:
            _fail(pk, exc)
            errors.append(exc)
            continue
        work.append((sources[pk], extracted, [match_text(c) for c in extracted]))
    try:
        vectors = embed([text for _, _, texts in work for text in texts])
    except Exception as exc:
        for source, _, _ in work:
            _fail(source.pk, exc)
        raise
    # Before any write: PostgreSQL refuses CREATE INDEX on a table with pending FK triggers.
    if len(vectors):
        ensure_vector_index(int(vectors.shape[1]))
    offset = 0
    for source, extracted, texts in work:
        own = vectors[offset : offset + len(texts)]
        offset += len(texts)
        try:
            counts[source.pk] = _store_claims(source, extracted, texts, own)
        except Exception as exc:
            _fail(source.pk, exc)
            errors.append(exc)
    if errors:
        raise errors[0]
    return counts


def _store_claims(source: Source, extracted: list[ExtractedClaim], texts: list[str], vectors: np.ndarray) -> int:
    """Write one source's claims (keeping unchanged spans' rows), cluster the new ones."""
    model_name = settings.FACTCHECK_EMBEDDING_MODEL
    with transaction.atomic():
        existing = {(c.start, c.end): c for c in Claim.objects.filter(source=source)}
        kept, new = [], []
        for c, text, vector in zip(extracted, texts, vectors, strict=True):
            fields = _claim_fields(c, text, vector, model_name)
            claim = existing.pop((c.start, c.end), None)
            if claim is None:
                new.append(Claim(source=source, start=c.start, end=c.end, **fields))
            else:
                for name, value in fields.items():
                    setattr(claim, name, value)
                kept.append(claim)
        stale_clusters = {c.cluster_id for c in existing.values() if c.cluster_id}
        Claim.objects.filter(pk__in=[c.pk for c in existing.values()]).delete()
        Claim.objects.bulk_update(kept, CLAIM_FIELDS)
        created = Claim.objects.bulk_create(new)
        touched = assign_claims(created)
        refresh_clusters(stale_clusters | {c.cluster_id for c in kept if c.cluster_id} - touched)
        Source.objects.filter(pk=source.pk).update(status=SourceStatus.PROCESSED, processed_at=timezone.now())
    return len(kept) + len(created)


def embed(texts: list[str]) -> np.ndarray:
    """Embed texts with the configured model, loaded once per process."""
    return embedding_lib.embed(texts, name=settings.FACTCHECK_EMBEDDING_MODEL)


# --- Clustering ------------------------------------------------------------------------------
def ensure_vector_index(dimension: int) -> None:
    """An HNSW cosine index for embeddings of this dimension (the column is untyped, so the
    index is partial, on a cast to the dimension in use)."""
    name = f"claims_claim_embedding_hnsw_{dimension:d}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        if cursor.fetchone()[0]:
            return
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"CREATE INDEX IF NOT EXISTS claims_claim_embedding_hnsw_{dimension:d} ON claims_claim "
                f"USING hnsw ((embedding::vector({dimension:d})) vector_cosine_ops) "
                f"WHERE vector_dims(embedding) = {dimension:d}"
            )
    except IntegrityError:
        pass  # a concurrent process created it between the existence check and the insert


def nearest_clustered(vector: np.ndarray, model_name: str, limit: int = KNN_CANDIDATES) -> list[tuple[int, int, float]]:
    """(claim id, cluster id, cosine similarity) of the clustered claims nearest to `vector`,
    through the HNSW index."""
    dimension = int(vector.shape[0])
    literal = "[" + ",".join(f"{x:.7g}" for x in vector.tolist()) + "]"
    with connection.cursor() as cursor:
        # Filtering on cluster_id after an approximate scan can return too few rows; pgvector's
        # iterative scan keeps reading the index until the limit is met.
        cursor.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
        cursor.execute("SET LOCAL hnsw.ef_search = 100")
        cursor.execute(
            f"SELECT id, cluster_id, 1 - ((embedding::vector({dimension:d})) <=> %s::vector({dimension:d})) "
            f"FROM claims_claim WHERE vector_dims(embedding) = {dimension:d} AND embedding_model = %s "
            f"AND cluster_id IS NOT NULL "
            f"ORDER BY (embedding::vector({dimension:d})) <=> %s::vector({dimension:d}) LIMIT %s",
            [literal, model_name, literal, limit],
        )
        return [(row[0], row[1], float(row[2])) for row in cursor.fetchall()]


def lock_clusters() -> None:
    """Take the transaction-scoped lock under which clusters are assigned, merged or split."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CLUSTER_LOCK])


@dataclass
class _Matcher:
    """How pairs are scored under the configured embedding model: its trained pair model
    (claims.pairscore) when there is one, else cosine raised by matching slots."""

    pair_model: pairscore.PairModel | None
    threshold: float


def _matcher() -> _Matcher:
    return _Matcher(pairscore.model_for(settings.FACTCHECK_EMBEDDING_MODEL), settings.FACTCHECK_CLUSTER_THRESHOLD)


def _claim_scorer(
    claims: Sequence[Claim], vectors: np.ndarray, pair_model: pairscore.PairModel, *, stored_neighbours: bool = True
) -> pairscore.ClaimScorer:
    """Pair probabilities among these claims. With `stored_neighbours`, each claim's density
    comes from its stored nearest cosines (which see the whole corpus; computed now where
    missing); otherwise from these claims alone (a full rebuild)."""
    if stored_neighbours:
        for c in claims:
            if c.nearest_cosines is None:
                c.nearest_cosines = _neighbour_cosines_of(c, pair_model)
    return pairscore.ClaimScorer(
        pair_model,
        vectors,
        [c.match_text or c.text for c in claims],
        [c.language for c in claims],
        [c.source_id for c in claims],
        [c.nearest_cosines for c in claims] if stored_neighbours else None,
        [_standalone(c) for c in claims],
    )


def _standalone(claim: Claim) -> bool:
    """Whether a claim is a standalone statement (an imported claim) rather than an article clause."""
    return claim.source.kind == SourceKind.CLAIM


def _neighbour_cosines_of(claim: Claim, pair_model: pairscore.PairModel) -> list[list[float]]:
    """A claim's nearest-cosine lists (per part) from its nearest clustered claims of other sources."""
    vector = np.asarray(claim.embedding, dtype=np.float32)
    near = [row[0] for row in nearest_clustered(vector, claim.embedding_model, limit=KNN_CANDIDATES)]
    others = list(Claim.objects.filter(pk__in=near).exclude(source_id=claim.source_id))
    return _nearest_from(vector, others, pair_model)


def _nearest_from(vector: np.ndarray, others: Sequence[Claim], pair_model: pairscore.PairModel) -> list[list[float]]:
    own = pairscore.split_parts(vector, pair_model.bounds)
    if not others:
        return [[] for _ in own]
    theirs = pairscore.split_parts(
        np.stack([np.asarray(c.embedding, dtype=np.float32) for c in others]), pair_model.bounds
    )
    return pairscore.nearest_from([p[0] for p in own], theirs, pair_model.density_k)


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
    refresh_clusters(touched)
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


def _cross_logits(head: StanceHead, texts_a: list[str], texts_b: list[str]) -> np.ndarray | None:
    """The stance cross-encoder's logits of the pairs, when the head uses one and it is on.

    A cross-encoder that cannot be read is logged and skipped: the head then judges with
    its vector-and-text stacker alone.
    """
    if head.cross_coef is None or not settings.FACTCHECK_STANCE_CROSS_ENCODER:
        return None
    from claims import crossencoder  # torch is imported on first use

    try:
        ce = crossencoder.get_cross_encoder()
    except (OSError, ValueError, KeyError):
        logger.exception("stance cross-encoder unreadable; judging stance without it")
        return None
    return None if ce is None else ce.logits(texts_a, texts_b)


def _stance_fn(
    vectors: dict[int, np.ndarray], texts: dict[int, str], worth_judging: Callable[[int, int], bool] | None = None
) -> StanceFn | None:
    """The stance model over stored claim vectors, when a head trained on this model exists.

    `worth_judging(a, b)` names the pairs the caller may ask about (those matching as one
    fact); the others are not judged, which matters because the cross-encoder costs ~10 ms a
    pair and a large cluster has many pairs. A head that cannot be read is logged and
    skipped: statuses then rest on numbers and polarity alone, and ingestion goes on.
    """
    from claims import stance as stance_lib  # numpy only; loaded on first use

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
            if pairs:
                texts_a = [texts.get(x) or "" for x, _ in pairs]
                texts_b = [texts.get(y) or "" for _, y in pairs]
                probabilities = head.predict_proba(
                    np.stack([vectors[x] for x, _ in pairs]),
                    np.stack([vectors[y] for _, y in pairs]),
                    texts_a,
                    texts_b,
                    cross_logits=_cross_logits(head, texts_a, texts_b),
                )
                for pair, row in zip(pairs, probabilities, strict=True):
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
            ),
            settings.FACTCHECK_SAME_MOMENT_DAYS,
            same_claim_level,
        )
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


@dataclass
class ReclusterReport:
    claims: int = 0
    clusters: int = 0
    kept_ids: int = 0
    skipped: bool = False
    by_status: dict[str, int] = field(default_factory=dict)


def editor_constraints(claim_ids: Iterable[int] | None = None) -> Constraints:
    """Editors' links and locked clusters, as constraints for `cluster_all`."""
    links = ClaimLink.objects.values_list("claim_a_id", "claim_b_id", "kind")
    locked = Claim.objects.filter(cluster__locked=True).values_list("id", "cluster_id")
    if claim_ids is not None:
        ids = list(claim_ids)
        links = links.filter(claim_a_id__in=ids, claim_b_id__in=ids)
        locked = locked.filter(id__in=ids)
    must, cannot = [], []
    for a, b, kind in links:
        (must if kind == LinkKind.SAME else cannot).append((a, b))
    return Constraints(must_link=must, cannot_link=cannot, locked=dict(locked))


def recluster(progress: Progress | None = None) -> ReclusterReport:
    """Rebuild all clusters from scratch, deterministically, obeying editors' decisions.

    Claims are visited oldest source first. Locked clusters keep their claims and ids; editors'
    same/different links are must-link/cannot-link constraints. Any other rebuilt cluster keeps
    the id of the old cluster it overlaps most, so clients and editors keep their place (and
    verdicts stay on their cluster). If another rebuild holds the lock this returns at once
    with skipped=True.
    """
    report = ReclusterReport()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [CLUSTER_LOCK])
            if not cursor.fetchone()[0]:
                report.skipped = True
                return report
        model_name = settings.FACTCHECK_EMBEDDING_MODEL
        claims = list(
            Claim.objects.filter(embedding__isnull=False, embedding_model=model_name)
            .select_related("source")
            .order_by(*REBUILD_ORDER)
        )
        report.claims = len(claims)
        if not claims:
            Cluster.objects.filter(claims__isnull=True).delete()
            return report
        final_ids, report.kept_ids, _ = _rebuild(claims, progress)
        # Clusters left without claims go, except clusters whose claims use another model.
        Cluster.objects.exclude(pk__in=final_ids).filter(claims__isnull=True).delete()
        refresh_clusters(final_ids)
        report.clusters = len(final_ids)
        report.by_status = cluster_counts()
    return report


def _rebuild(
    claims: list[Claim], progress: Progress | None = None, *, local: bool = False
) -> tuple[list[int], int, set[int]]:
    """Re-cluster these claims from scratch (`cluster_all`, editors' constraints) and save the
    result, keeping old cluster ids by overlap; returns the cluster ids used, how many were kept,
    and the ids of clusters whose membership changed (old and new).

    `local`: the claims are a neighbourhood of the corpus, so their stored nearest cosines (which
    see the whole corpus) are used as they are rather than recomputed among these claims alone.
    """
    vectors = np.stack([np.asarray(c.embedding, dtype=np.float32) for c in claims])
    slots = [slots_of(c) for c in claims]
    before = [(c.cluster_id, c.nearest_cosines) for c in claims]
    matcher = _matcher()
    scorer = None
    if matcher.pair_model is not None:
        claim_scorer = _claim_scorer(claims, vectors, matcher.pair_model, stored_neighbours=local)
        for claim, top in zip(claims, claim_scorer.neighbour_cosines, strict=True):
            claim.nearest_cosines = top

        def scorer(i: int, j: int, cosine: float) -> float:
            return claim_scorer.score(i, j, same_figure(slots[i], slots[j]))

    result = cluster_all(
        slots,
        vectors,
        matcher.threshold,
        progress,
        editor_constraints([c.pk for c in claims]),
        scorer,
    )
    groups = [[claims[i] for i in group] for group in result.groups()]
    old_cluster_of = {c.pk: c.cluster_id for c in claims if c.cluster_id not in result.locked_labels.values()}
    free = [label for label in range(len(groups)) if label not in result.locked_labels]
    kept = dict(zip(free, stable_ids([[c.pk for c in groups[label]] for label in free], old_cluster_of), strict=True))
    kept.update(result.locked_labels)
    existing = set(Cluster.objects.filter(pk__in=[k for k in kept.values() if k]).values_list("pk", flat=True))
    final_ids = []
    kept_count = 0
    for label, group in enumerate(groups):
        cluster_id = kept.get(label)
        if cluster_id is None or cluster_id not in existing:
            cluster_id = Cluster.objects.create(label=group[0].text[:300]).pk
        else:
            kept_count += 1
        final_ids.append(cluster_id)
        for claim in group:
            claim.cluster_id = cluster_id
    changed: set[int] = set()
    dirty = []
    for claim, (old_cluster, old_top) in zip(claims, before, strict=True):
        if claim.cluster_id != old_cluster:
            changed.update(x for x in (claim.cluster_id, old_cluster) if x)
        if (claim.cluster_id, claim.nearest_cosines) != (old_cluster, old_top):
            dirty.append(claim)
    Claim.objects.bulk_update(dirty, ["cluster_id", "nearest_cosines"], batch_size=1000)
    return final_ids, kept_count, changed


REBUILD_ORDER = (F("source__published_at").asc(nulls_last=True), "source_id", "start", "id")


def cluster_counts() -> dict[str, int]:
    counts = dict.fromkeys(ClusterStatus.values, 0)
    for status in Cluster.objects.values_list("status", flat=True):
        counts[status] += 1
    return counts
