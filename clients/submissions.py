"""Articles posted to the API: as text (stored now, processed on the worker) or as a URL (the page is
fetched on the worker, never in the request, then processed like any article).

submit_url       store a placeholder source for the URL (one per URL) and queue the fetch
submit_articles  several articles at once: texts stored and their processing queued in batches
                 (ingest_articles), URLs through submit_url; a result each, one failing alone
fetch_source  the worker's part: read the page, fill the source in, queue its processing
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext

from claims.choices import SourceKind, SourceStatus
from claims.services import IngestResult, content_hash, detect_language, ingest_articles
from claims.services.enqueue import registered_task
from sources.models import Source
from sources.readers import ReadError, SourceInput, read_url


def url_placeholder_hash(url: str) -> str:
    """The content hash a source has while its page is not fetched yet (not hex: never a text's)."""
    return "url:" + hashlib.sha256(url.encode("utf-8")).hexdigest()[:60]


def _queue_fetch(source_id: int) -> None:
    fetch_source_task = registered_task("fetch_source_task")
    transaction.on_commit(lambda: fetch_source_task.delay(source_id))


def submit_url(item: SourceInput) -> IngestResult:
    """The source for `item.url`: the one already stored for that URL (a failed fetch is tried again),
    or a new placeholder whose page the worker fetches. Metadata given here wins over the page's."""
    with transaction.atomic():
        existing = Source.objects.filter(url=item.url, kind=SourceKind.ARTICLE).order_by("id").first()
        if existing is not None:
            if not existing.text and existing.status == SourceStatus.FAILED:
                Source.objects.filter(pk=existing.pk).update(status=SourceStatus.PENDING, error="")
                existing.status = SourceStatus.PENDING
                _queue_fetch(existing.pk)
                return IngestResult(existing, False, queued=True)
            return IngestResult(existing, False)
        source, created = Source.objects.get_or_create(
            content_hash=url_placeholder_hash(item.url),
            defaults={
                "kind": SourceKind.ARTICLE,
                "text": "",
                "title": item.title,
                "url": item.url,
                "publisher": item.publisher,
                "published_at": item.published_at,
                "language": item.language or "other",
                "origin": item.origin,
            },
        )
        if created:
            _queue_fetch(source.pk)
    return IngestResult(source, created, queued=created)


logger = logging.getLogger("clients")


@dataclass
class Submitted:
    """What became of one article of a batch: created, existing or error (with the reason)."""

    index: int
    result: str
    source: int | None = None
    queued: bool = False
    reason: str = ""


def submit_articles(items: Sequence[SourceInput]) -> list[Submitted]:
    """Store several articles posted together, a result each in their order.

    Texts go through `ingest_articles` (the path of `manage.py ingest`): each stored in its own
    savepoint, their processing queued ARTICLE_BATCH a task. An item without text is a URL whose
    page the worker fetches (`submit_url`). One the database refuses is an error with its reason;
    the others, and what was stored before, stay.
    """
    results: dict[int, Submitted] = {}
    texts = [n for n, item in enumerate(items) if item.text]
    for n, item in enumerate(items):
        if item.text:
            continue
        try:
            result = submit_url(item)  # its atomic block is a savepoint in a caller's transaction
        except Exception as exc:  # refused by the database: this item's error, not the request's
            logger.exception("storing the URL of item %s failed", n)
            results[n] = Submitted(n, "error", reason=_not_stored(exc))
            continue
        results[n] = _submitted(n, result)
    heard = iter(texts)

    def on_item(item: SourceInput | ReadError, result: IngestResult | None) -> None:
        n = next(heard)
        if result is None:
            reason = item.reason if isinstance(item, ReadError) else ""
            results[n] = Submitted(n, "error", reason=reason)
        else:
            results[n] = _submitted(n, result)

    ingest_articles([items[n] for n in texts], on_item)
    return [results[n] for n in range(len(items))]


def _submitted(n: int, result: IngestResult) -> Submitted:
    return Submitted(n, "created" if result.created else "existing", result.source.pk, result.queued)


def _not_stored(exc: Exception) -> str:
    first_line = (str(exc).strip().splitlines() or [""])[0][:300]
    return gettext("not stored: %(error)s") % {"error": f"{type(exc).__name__}: {first_line}"}


def _failed(source: Source, reason: str) -> None:
    Source.objects.filter(pk=source.pk).update(status=SourceStatus.FAILED, error=reason)


def fetch_source(source_id: int) -> int | None:
    """Fetch the page of a placeholder source, store its text and queue its processing. Returns the
    source id once it holds text (None when the fetch failed). A second run is a no-op."""
    source = Source.objects.filter(pk=source_id).first()
    if source is None:
        return None
    if source.text:
        return source.pk
    items = list(
        read_url(
            source.url,
            settings.FACTCHECK_FETCH_TIMEOUT,
            settings.FACTCHECK_MAX_SOURCE_BYTES,
            settings.FACTCHECK_FETCH_DEADLINE,
            allow_private=settings.FACTCHECK_API_FETCH_PRIVATE,
        )
    )
    page = next((i for i in items if isinstance(i, SourceInput)), None)
    if page is None:
        error = next((i for i in items if isinstance(i, ReadError)), None)
        _failed(source, error.reason if error else gettext("no article at this URL"))
        return None
    page = replace(
        page,
        title=source.title or page.title,
        publisher=source.publisher or page.publisher,
        published_at=source.published_at or page.published_at,
    )
    digest = content_hash(page.text)
    with transaction.atomic():
        twin = Source.objects.filter(content_hash=digest).exclude(pk=source.pk).values_list("pk", flat=True).first()
        if twin is not None:
            _failed(source, gettext("the page's text is already stored as source %(pk)s") % {"pk": twin})
            return None
        language = source.language if source.language != "other" else (page.language or detect_language(page.text))
        Source.objects.filter(pk=source.pk, text="").update(
            text=page.text,
            content_hash=digest,
            title=page.title[:500],
            publisher=page.publisher[:200],
            published_at=page.published_at,
            language=language,
            status=SourceStatus.PENDING,
            error="",
        )
        process_source_task = registered_task("process_source_task")
        transaction.on_commit(lambda: process_source_task.delay(source.pk))
    return source.pk
