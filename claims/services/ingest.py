"""Storing articles and imported claims, and processing a source: extract, embed, assign.

ingest_source / ingest_inputs  store articles (deduplicated by content hash), enqueue processing
                               (one article a task from ingest_source; ARTICLE_BATCH a task from
                               ingest_inputs / ingest_articles, IMPORT_BATCH imported claims a task)
process_sources                extract claims, embed them in one call, assign a batch's new claims
                               together (claiming each source first, so a run that died is retried
                               and two runs never both write; one bad source fails alone)
reap_stale_processing          sources whose processing died go back to pending and are queued again

Enqueues through claims.services.enqueue, never by importing claims.tasks. May import Django,
claims.models, sources, newsclaims and the other service modules.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext

from claims.choices import Language, SourceKind, SourceStatus
from claims.models import Claim
from claims.services import locks
from claims.services.assign import assign_claims
from claims.services.enqueue import registered_task
from claims.services.locks import SOURCE_LOCK_CLASS
from claims.services.scoring import ensure_vector_index
from claims.services.statuses import queue_status_refresh
from newsclaims.matching import embedding as embedding_lib
from newsclaims.text.extraction import ExtractedClaim, extract_claims, match_text
from sources.models import Source
from sources.readers import ReadError, SourceInput, read_claims_jsonl, read_inputs

logger = logging.getLogger("claims.services")


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
    # Whether its processing was queued: new, or stored but never processed to the end (pending,
    # failed, or a run that died while processing it).
    queued: bool = False


def source_digest(item: SourceInput, kind: str = SourceKind.ARTICLE) -> str:
    """The content hash a source is stored under (an imported claim's includes where it was published)."""
    if kind == SourceKind.CLAIM:
        return content_hash(f"claim\n{item.text}\n{item.url}\n{item.publisher}")
    return content_hash(item.text)


def ingest_source(item: SourceInput, kind: str = SourceKind.ARTICLE, *, enqueue: bool = True) -> IngestResult:
    """Store one article unless an identical text is already stored; enqueue its processing.

    Re-ingesting never changes a stored source: the first copy's metadata stands. An imported
    claim is identified by its text together with where it was published, since two outlets
    making the same statement are two sources.
    """
    digest = source_digest(item, kind)
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
        # A stored source that was never processed to the end (its processing failed, or died,
        # or is still waiting) gets another try when it is ingested again.
        queued = created or needs_processing(source)
        if enqueue and queued:
            process_source_task = registered_task("process_source_task")

            _mark_queued([source.pk])
            transaction.on_commit(lambda: process_source_task.delay(source.pk))
    return IngestResult(source, created, queued)


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
        list(items),
        timeout=settings.FACTCHECK_FETCH_TIMEOUT,
        max_bytes=settings.FACTCHECK_MAX_SOURCE_BYTES,
        deadline=settings.FACTCHECK_FETCH_DEADLINE,
    )
    return ingest_articles(inputs, on_item)


def import_claims(path: str, on_item: OnItem | None = None) -> IngestReport:
    """Import claims fact-checkers already hold (JSONL, one a line); each becomes a one-claim
    source, matched and clustered like extracted claims. Bad lines are reported by number."""
    lines = read_claims_jsonl(
        path,
        max_line_chars=settings.FACTCHECK_MAX_CLAIM_LINE_CHARS,
        max_bytes=settings.FACTCHECK_MAX_CLAIMS_FILE_BYTES,
    )
    return import_statements(lines, on_item)


def import_statements(items: Iterable[SourceInput | ReadError], on_item: OnItem | None = None) -> IngestReport:
    """Import already-read statements as one-claim sources (the body of `import_claims`)."""
    return _ingest_all(items, SourceKind.CLAIM, on_item)


IMPORT_BATCH = 200
# Articles per processing task (`manage.py ingest`): a worker embeds a batch's sentences in one call
# and assigns its claims together, so a neighbourhood several articles touch is re-clustered and its
# statuses refreshed once. Small enough that one task stays well inside the processing deadline.
ARTICLE_BATCH = 20


def ingest_articles(items: Iterable[SourceInput | ReadError], on_item: OnItem | None = None) -> IngestReport:
    """Ingest already-read articles, processed in tasks of ARTICLE_BATCH (the body of `ingest_inputs`)."""
    return _ingest_all(items, SourceKind.ARTICLE, on_item)


def _ingest_all(inputs: Iterable[SourceInput | ReadError], kind: str, on_item: OnItem | None) -> IngestReport:
    """Store every input and queue their processing in tasks of several sources: articles
    ARTICLE_BATCH at a time, imported claims (one line each, often thousands) IMPORT_BATCH at a time,
    so embeddings, assignment and status refreshes are computed in batches.

    `on_item` hears of each input, in order, once its batch is queued: without a broker (tasks run
    in-process on commit) that is after the batch was processed, so what it reports is done. An
    input whose processing then failed in-process is reported, and counted, as an error; the
    others of its batch are stored and processed all the same (`process_sources`)."""
    process_sources_task = registered_task("process_sources_task")
    size = IMPORT_BATCH if kind == SourceKind.CLAIM else ARTICLE_BATCH

    report = IngestReport()
    batch: list[int] = []
    heard: list[tuple[SourceInput | ReadError, IngestResult | None]] = []

    def flush() -> None:
        failure = None
        if batch:
            ids = list(batch)
            _mark_queued(ids)
            try:
                transaction.on_commit(lambda: process_sources_task.delay(ids))
            except Exception as exc:  # processing ran here (no broker, no transaction) and a source failed
                failure = exc
            batch.clear()
        for item, result in heard:
            if failure is not None and result is not None and result.queued:
                state = Source.objects.filter(pk=result.source.pk).values_list("status", "error").first()
                if state is not None and state[0] != SourceStatus.PROCESSED:
                    reason = gettext("stored as source %(pk)s, but processing failed: %(error)s") % {
                        "pk": result.source.pk,
                        "error": state[1] or f"{type(failure).__name__}: {failure}",
                    }
                    item, result = ReadError(item.origin, reason), None
            if isinstance(item, ReadError):
                report.errors.append(item)
            else:
                (report.created if result.created else report.existing).append(result.source)
            if on_item:
                on_item(item, result)
        heard.clear()

    for item in inputs:
        result = None
        if isinstance(item, SourceInput):
            try:
                # ingest_source's atomic block is a savepoint inside a caller's transaction: a row the
                # database refuses rolls back alone, the rows stored before it stay.
                result = ingest_source(item, kind, enqueue=False)
            except Exception as exc:
                item = ReadError(item.origin, _failure_reason(item, kind, exc))
        heard.append((item, result))
        if result is not None and result.queued:
            batch.append(result.source.pk)
            if len(batch) >= size:
                flush()
    flush()
    return report


def _failure_reason(item: SourceInput, kind: str, exc: Exception) -> str:
    """Why ingesting `item` failed: the database refused it, or (when processing runs in-process,
    after the commit) it was stored and its processing failed, which leaves it `failed` and
    retried when it is ingested again."""
    first_line = (str(exc).strip().splitlines() or [""])[0][:300]
    error = f"{type(exc).__name__}: {first_line}" if first_line else type(exc).__name__
    try:
        stored = Source.objects.filter(content_hash=source_digest(item, kind)).values_list("pk", flat=True).first()
    except Exception:  # the text cannot even be hashed (lone surrogates): it was not stored either
        stored = None
    if stored is None:
        return gettext("not stored: %(error)s") % {"error": error}
    return gettext("stored as source %(pk)s, but processing failed: %(error)s") % {"pk": stored, "error": error}


@dataclass
class ReprocessReport:
    queued: list[int] = field(default_factory=list)
    busy: list[int] = field(default_factory=list)  # being processed right now by a live run


def reprocess_sources(source_ids: Iterable[int]) -> ReprocessReport:
    """Queue sources to be extracted and clustered again (after an extraction change, say), and
    sources whose processing died. A source a live run is processing right now is left to it."""
    process_source_task = registered_task("process_source_task")

    report = ReprocessReport()
    for pk in dict.fromkeys(source_ids):
        if Source.objects.filter(pk=pk, status=SourceStatus.PROCESSING).exists() and is_being_processed(pk):
            report.busy.append(pk)
            continue
        report.queued.append(pk)
        _mark_queued([pk])
        transaction.on_commit(lambda pk=pk: process_source_task.delay(pk, force=True))
    return report


# --- Claiming a source: an idempotent, retryable state machine --------------------------------
# pending --claim--> processing --> processed | failed;  failed/pending --claim--> processing;
# processing --claim--> processing when the run holding it died or its lease expired.
#
# A run claims a source with one conditional UPDATE (so of two runs only one gets it) that stamps
# `processing_started_at` (its lease and its token) and, for the time it works, holds a
# session-level advisory lock on the source. The lock is how a dead run is told from a live one:
# PostgreSQL drops a session's locks when its process dies (SIGKILL, a killed worker, a crash), so
# a `processing` source whose lock is free is claimable at once. A live run that hangs keeps its
# lock; its source is claimable once its lease is older than FACTCHECK_PROCESSING_DEADLINE_SECONDS,
# and the hung run, should it wake, writes nothing (its writes are conditional on its token).
def _try_lock_source(pk: int) -> bool:
    return locks.try_lock(SOURCE_LOCK_CLASS, locks.second_key(pk))


def _unlock_source(pk: int) -> None:
    locks.unlock(SOURCE_LOCK_CLASS, locks.second_key(pk))


def _mark_queued(ids: Sequence[int]) -> None:
    """Stamp when these sources' processing was queued (in the caller's transaction, before the
    message is sent on commit), so a message that never arrives can be told from a backlog."""
    Source.objects.filter(pk__in=ids).update(queued_at=timezone.now())


def processing_deadline() -> timedelta:
    return timedelta(seconds=settings.FACTCHECK_PROCESSING_DEADLINE_SECONDS)


def _lease_expired() -> Q:
    cutoff = timezone.now() - processing_deadline()
    return Q(status=SourceStatus.PROCESSING) & (
        Q(processing_started_at__lt=cutoff) | Q(processing_started_at__isnull=True)
    )


def is_being_processed(pk: int) -> bool:
    """Whether a live run holds this source (its lock is held and its lease has not expired)."""
    if Source.objects.filter(_lease_expired(), pk=pk).exists():
        return False
    if _try_lock_source(pk):
        _unlock_source(pk)
        return False
    return True


def needs_processing(source: Source) -> bool:
    """Whether a stored source should be queued again: never processed to the end and not in the
    hands of a live run."""
    if source.status in (SourceStatus.PENDING, SourceStatus.FAILED):
        return True
    return source.status == SourceStatus.PROCESSING and not is_being_processed(source.pk)


def _claim(pk: int, *, force: bool) -> tuple[datetime | None, bool]:
    """Claim one source for this run; returns the claim's token (its start time), or None when
    the source is done or a live run holds it, and whether this session now holds the source's
    lock (it does not when it took over an expired lease from a run that hangs)."""
    locked = _try_lock_source(pk)
    dead = Q(status=SourceStatus.PROCESSING) if locked else _lease_expired()  # locked: nobody alive holds it
    _give_up(Q(dead, pk=pk))
    claimable = Q(status__in=[SourceStatus.PENDING, SourceStatus.FAILED]) | dead
    if force:
        claimable |= Q(status=SourceStatus.PROCESSED)
    claimable &= ~Q(text="")  # a source posted as a URL waits for its page (clients.submissions)
    token = timezone.now()
    claimed = Source.objects.filter(claimable, pk=pk).update(
        status=SourceStatus.PROCESSING, processing_started_at=token, attempts=F("attempts") + 1, error=""
    )
    if claimed:
        return token, locked
    if locked:
        _unlock_source(pk)
    return None, False


def _give_up(dead: Q) -> int:
    """Mark failed the sources matched by `dead` (processing, their run died) that have died
    FACTCHECK_MAX_PROCESSING_ATTEMPTS times: a source that kills its worker every time is not
    retried for ever. Ingesting or re-processing it again still retries it."""
    limit = settings.FACTCHECK_MAX_PROCESSING_ATTEMPTS
    return Source.objects.filter(dead, attempts__gte=limit).update(
        status=SourceStatus.FAILED,
        processing_started_at=None,
        error=f"gave up after {limit} attempts; the last run died (killed, crashed or timed out)",
    )


def _ours(pk: int, token: datetime) -> Q:
    return Q(pk=pk, status=SourceStatus.PROCESSING, processing_started_at=token)


def reap_stale_processing() -> list[int]:
    """Move sources whose processing died (their run's session is gone, or their lease is older
    than the processing deadline) back to pending and queue them, and queue again pending sources
    whose message was lost; returns their ids.

    Safe to run twice or concurrently, and beside live runs: each move is a conditional update,
    and a source a live run holds within its lease is left alone.
    """
    process_sources_task = registered_task("process_sources_task")

    reaped: list[int] = []
    for pk in list(Source.objects.filter(status=SourceStatus.PROCESSING).values_list("pk", flat=True)):
        locked = _try_lock_source(pk)
        stale = Q(status=SourceStatus.PROCESSING) if locked else _lease_expired()  # locked: its run died
        try:
            _give_up(Q(stale, pk=pk))
            if Source.objects.filter(stale, pk=pk).update(status=SourceStatus.PENDING, processing_started_at=None):
                reaped.append(pk)
        finally:
            if locked:
                _unlock_source(pk)
    lost = _requeue_lost()
    # A source posted as a URL has no text until its page is fetched: its lost message was the fetch.
    unfetched = set(Source.objects.filter(pk__in=lost, text="").values_list("pk", flat=True))
    if unfetched:
        fetch_source_task = registered_task("fetch_source_task")
        for pk in sorted(unfetched):
            transaction.on_commit(lambda pk=pk: fetch_source_task.delay(pk))
    reaped += [pk for pk in lost if pk not in unfetched]
    for start in range(0, len(reaped), IMPORT_BATCH):
        ids = reaped[start : start + IMPORT_BATCH]
        _mark_queued(ids)
        transaction.on_commit(lambda ids=ids: process_sources_task.delay(ids))
    return reaped


def _requeue_lost() -> list[int]:
    """Pending sources queued longer ago than the processing deadline (or never): their message was
    lost (the broker was down when the ingest committed, a queue was purged). Queuing one again is
    harmless even if its first message is only late: a second run finds it claimed or processed.
    Stamping queued_at first, under row locks, keeps two reapers from both queuing it, and limits a
    long backlog to one extra message per source per deadline."""
    cutoff = timezone.now() - processing_deadline()
    lost = Q(status=SourceStatus.PENDING) & (Q(queued_at__lt=cutoff) | Q(queued_at__isnull=True, created_at__lt=cutoff))
    with transaction.atomic():
        # Rows another reaper holds are its to queue; the rest are stamped in one statement.
        requeued = list(Source.objects.select_for_update(skip_locked=True).filter(lost).values_list("pk", flat=True))
        Source.objects.filter(pk__in=requeued).update(queued_at=timezone.now())
    return requeued


# --- Processing one source -------------------------------------------------------------------
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


def process_source_and_backlog(source_id: int) -> int:
    """`process_source`, taking along other queued sources that still wait (pending, text stored),
    oldest first, up to ARTICLE_BATCH in all; returns how many claims this source has.

    Articles posted one at a time (the API, the admin) and pages fetched for submitted URLs are
    queued one task each (feeds and `manage.py ingest` queue batches). When they come faster
    than a worker processes them, the first task to run takes the waiting ones with it: one
    embedding call and one assignment for the batch, as `manage.py ingest` gets (on `bench scale`'s
    archive a batch of 20 articles costs about half of what they cost one at a time); their own
    tasks then find them processed and do nothing. A source taken along that fails is marked
    failed with its error, as its own task would leave it, and retried by that task; only this
    source's failure fails this task."""
    waiting = list(
        Source.objects.filter(status=SourceStatus.PENDING, queued_at__isnull=False)
        .exclude(pk=source_id)
        .exclude(text="")
        .order_by("queued_at", "pk")
        .values_list("pk", flat=True)[: ARTICLE_BATCH - 1]
    )
    if not waiting:
        return process_source(source_id)
    try:
        return process_sources([source_id, *waiting])[source_id]
    except Exception:
        if Source.objects.filter(pk=source_id, status=SourceStatus.PROCESSED).exists():
            logger.warning("a source taken along with source %s failed; its own task retries it", source_id)
            return Claim.objects.filter(source_id=source_id).count()
        raise


def _extract(source: Source) -> list[ExtractedClaim]:
    if source.kind == SourceKind.CLAIM:
        return [statement_claim(source.text, source.published_at)]
    return [
        c
        for c in extract_claims(source.text, published_at=source.published_at)
        if c.checkworthiness >= settings.FACTCHECK_MIN_CHECKWORTHINESS
    ]


def _fail(source_id: int, token: datetime, exc: BaseException) -> None:
    Source.objects.filter(_ours(source_id, token)).update(
        status=SourceStatus.FAILED, processing_started_at=None, error=f"{type(exc).__name__}: {exc}"
    )


def process_sources(source_ids: Sequence[int], *, force: bool = False) -> dict[int, int]:
    """Extract, embed and cluster several sources' claims, embedding them in one batch (which is
    what makes importing thousands of one-line claims fast) and assigning their new claims in one
    call (`assign_claims`: each neighbourhood they touch re-clustered once, statuses refreshed once
    and the stance cross-encoder's part queued); returns each source's claim count.

    Safe to run twice or concurrently, and to run again after a run died: a run works only on
    the sources it claims (pending, failed, or processing by a run that died or whose lease
    expired; see `_claim`), and writes a source's claims only while its claim stands. Re-processing
    keeps the id, cluster and editors' links of every claim whose span is unchanged. A source that
    fails is marked failed with the error, the others still go in, and the first error is raised
    after.
    """
    tokens: dict[int, datetime] = {}
    locked: list[int] = []
    try:
        for pk in dict.fromkeys(source_ids):
            token, holds_lock = _claim(pk, force=force)
            if token is not None:
                tokens[pk] = token
            if holds_lock:
                locked.append(pk)
        return _process_claimed(source_ids, tokens)
    finally:
        for pk in locked:
            _unlock_source(pk)


def _process_claimed(source_ids: Sequence[int], tokens: dict[int, datetime]) -> dict[int, int]:
    claimed = list(tokens)
    counts = {pk: Claim.objects.filter(source_id=pk).count() for pk in source_ids if pk not in tokens}
    sources = Source.objects.in_bulk(claimed)
    errors: list[BaseException] = []
    work: list[tuple[Source, list[ExtractedClaim], list[str]]] = []
    for pk in claimed:
        try:
            extracted = _extract(sources[pk])
        except Exception as exc:
            _fail(pk, tokens[pk], exc)
            errors.append(exc)
            continue
        work.append((sources[pk], extracted, [match_text(c) for c in extracted]))
    try:
        vectors = embed([text for _, _, texts in work for text in texts])
    except Exception as exc:
        for source, _, _ in work:
            _fail(source.pk, tokens[source.pk], exc)
        raise
    # Before any write: PostgreSQL refuses CREATE INDEX on a table with pending FK triggers.
    if len(vectors):
        ensure_vector_index(int(vectors.shape[1]))
    parts: list[_Part] = []
    offset = 0
    for source, extracted, texts in work:
        parts.append(_Part(source, tokens[source.pk], extracted, texts, vectors[offset : offset + len(texts)]))
        offset += len(texts)
    try:
        outcomes = _store_together(parts)
    except Exception as exc:
        if len(parts) <= 1:
            outcomes = {part.source.pk: exc for part in parts}
        else:
            # The batch's assignment failed as a whole (nothing of it was written): each source
            # alone, so a source that breaks assignment fails alone and the others go in.
            logger.warning("assigning a batch of %d sources failed (%s); storing them one by one", len(parts), exc)
            outcomes = {}
            for part in parts:
                try:
                    outcomes.update(_store_together([part]))
                except Exception as alone:
                    outcomes[part.source.pk] = alone
    for part in parts:
        outcome = outcomes.get(part.source.pk)
        if isinstance(outcome, BaseException):
            _fail(part.source.pk, part.token, outcome)
            errors.append(outcome)
            continue
        counts[part.source.pk] = outcome if outcome is not None else Claim.objects.filter(source=part.source).count()
    if errors:
        raise errors[0]
    return counts


@dataclass
class _Part:
    """One claimed source of a batch: its claims as extracted, the texts embedded and their vectors."""

    source: Source
    token: datetime
    extracted: list[ExtractedClaim]
    texts: list[str]
    vectors: np.ndarray


def _store_together(parts: Sequence[_Part]) -> dict[int, int | BaseException | None]:
    """Write several sources' claims and cluster their new claims in one assignment, in one
    transaction: a neighbourhood several of them touch is re-clustered once, and statuses are
    refreshed once (queued). Returns, by source, its claim count, None when this run's claim on it
    no longer stands (nothing written), or the error that kept its claims out (its writes rolled
    back alone, in a savepoint; the other sources still go in). An error of the assignment itself
    rolls the whole batch back and is raised."""
    outcomes: dict[int, int | BaseException | None] = {}
    with transaction.atomic():
        created: list[Claim] = []
        stale: set[int] = set()
        done: list[int] = []
        for part in parts:
            try:
                with transaction.atomic():  # a savepoint: a source the database refuses rolls back alone
                    written = _write_claims(part)
            except Exception as exc:
                outcomes[part.source.pk] = exc
                continue
            if written is None:
                outcomes[part.source.pk] = None
                continue
            new, kept_count, stale_clusters = written
            created += new
            stale |= stale_clusters
            outcomes[part.source.pk] = kept_count + len(new)
            done.append(part.source.pk)
        touched = assign_claims(created)
        # Clusters that lost claims, or whose kept claims changed, on reprocessing: queued like assignment's.
        queue_status_refresh(stale - touched)
        Source.objects.filter(pk__in=done).update(
            status=SourceStatus.PROCESSED, processed_at=timezone.now(), processing_started_at=None, attempts=0
        )
    return outcomes


def _write_claims(part: _Part) -> tuple[list[Claim], int, set[int]] | None:
    """Write one source's claims, keeping the rows of unchanged spans; returns the new claims (not
    yet clustered), how many were kept and the clusters whose status may have changed (claims
    deleted from them, or kept claims updated). None when this run's claim on the source no longer
    stands (another run took it over), with nothing written. The source row stays locked to the
    end of the caller's transaction, so the claim cannot be taken over meanwhile."""
    source = part.source
    if not list(Source.objects.select_for_update().filter(_ours(source.pk, part.token)).values_list("pk")):
        return None
    model_name = settings.FACTCHECK_EMBEDDING_MODEL
    existing = {(c.start, c.end): c for c in Claim.objects.filter(source=source)}
    kept, new = [], []
    for c, text, vector in zip(part.extracted, part.texts, part.vectors, strict=True):
        fields = _claim_fields(c, text, vector, model_name)
        claim = existing.pop((c.start, c.end), None)
        if claim is None:
            new.append(Claim(source=source, start=c.start, end=c.end, **fields))
        else:
            for name, value in fields.items():
                setattr(claim, name, value)
            kept.append(claim)
    stale = {c.cluster_id for c in existing.values() if c.cluster_id} | {c.cluster_id for c in kept if c.cluster_id}
    Claim.objects.filter(pk__in=[c.pk for c in existing.values()]).delete()
    Claim.objects.bulk_update(kept, CLAIM_FIELDS)
    created = Claim.objects.bulk_create(new)
    return created, len(kept), stale


def _store_claims(
    source: Source, token: datetime, extracted: list[ExtractedClaim], texts: list[str], vectors: np.ndarray
) -> int | None:
    """Write one source's claims (keeping unchanged spans' rows), cluster the new ones; None when
    this run's claim on the source no longer stands (another run took it over), with nothing written."""
    outcome = _store_together([_Part(source, token, extracted, texts, vectors)])[source.pk]
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


def embed(texts: list[str]) -> np.ndarray:
    """Embed texts with the configured model, loaded once per process."""
    return embedding_lib.embed(texts, name=settings.FACTCHECK_EMBEDDING_MODEL)
