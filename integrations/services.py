"""The integrations' operations: ClaimReview JSON-LD, webhook events and deliveries, feeds.

claimreview_for(cluster, url)   a reviewed cluster as a schema.org ClaimReview (JSON-LD dict)
emit(event, cluster_ids, ...)   delivery rows for every subscription to the event, sent after commit
deliver(delivery_id)            one signed attempt; returns the next attempt (and its delay) if one is due
requeue_stalled_deliveries()    queue again attempts a lost task or a broker outage left behind
follow_feed(url)                check that a URL is a feed (fetched once, parsed) and register it
poll_feed(feed_id)              fetch a feed (ETag / Last-Modified), ingest each entry not seen before (their
                                articles processed in batches, as `manage.py ingest` does)

The claims services reach `emit` through claims.services.events (registered in
IntegrationsConfig.ready()), never by importing this module. Network I/O never happens inside a
database transaction here, and a client's failing webhook never raises into the service that
changed the cluster.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import time
import uuid
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import feedparser
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from claims.choices import Verdict
from claims.models import Claim, Cluster
from claims.services import locks
from claims.services.ingest import IngestResult, ingest_articles, source_digest
from integrations import http
from integrations.models import DeliveryState, Feed, FeedEntry, WebhookDelivery, WebhookSubscription
from integrations.signing import HEADER as SIGNATURE_HEADER
from integrations.signing import sign
from sources.models import Source
from sources.readers import ReadError, SourceInput, read_url
from sources.validation import MAX_PUBLISHER, MAX_TITLE, InvalidInput, clean_fields, clean_url, storable

logger = logging.getLogger("integrations")


# --- ClaimReview -------------------------------------------------------------------------------
class NoVerdict(LookupError):
    """The cluster has no verdict, so there is no review to publish."""


# The numeric rating beside the textual one (alternateName, which Google shows): 1 (false) to 5
# (true), the scale Google's ClaimReview documentation uses as its example. "Unproven" sits in the
# middle: neither shown true nor shown false.
RATING_VALUES = {Verdict.FALSE: 1, Verdict.MISLEADING: 2, Verdict.UNPROVEN: 3, Verdict.TRUE: 5}
WORST_RATING, BEST_RATING = 1, 5
SCHEMA_LANGUAGES = {"ar", "en"}  # "mixed" and "other" are no BCP 47 tag: inLanguage is left out


def site_url(path: str) -> str:
    """`path` made absolute with FACTCHECK_SITE_URL when it is set (outside a request)."""
    base = settings.FACTCHECK_SITE_URL.rstrip("/")
    return f"{base}{path}" if base else path


def cluster_path(cluster_id: int) -> str:
    return reverse("cluster-detail", args=[cluster_id])


def _organization(name: str, url: str = "") -> dict[str, Any]:
    return {"@type": "Organization", "name": name, **({"url": url} if url else {})}


def _appearance(source) -> dict[str, Any]:
    work: dict[str, Any] = {"@type": "CreativeWork"}
    if source.url:
        work["url"] = source.url
    if source.title:
        work["headline"] = source.title
    if source.published_at:
        work["datePublished"] = source.published_at.isoformat()
    if source.publisher:
        work["publisher"] = _organization(source.publisher)
    return work


def review_claims() -> Prefetch:
    """A cluster's claims as claimreview_for reads them (with their sources, without the vectors):
    prefetch it on a list of clusters so a page of reviews costs two queries, not two per cluster."""
    claims = Claim.objects.select_related("source").defer("embedding", "nearest_cosines", "match_text", "source__text")
    return Prefetch("claims", queryset=claims.order_by("id"))


def claimreview_for(cluster: Cluster, url: str) -> dict[str, Any]:
    """The cluster's verdict as a schema.org ClaimReview (JSON-LD), `url` being the cluster's URL.

    The claim reviewed is the cluster's label (its most check-worthy claim); its appearances are
    the cluster's sources, oldest first; its author is that claim's claimant (a Person: the
    extraction does not tell people from bodies) or else the first source's publisher. Raises
    NoVerdict for a cluster without a verdict.
    """
    if not cluster.verdict:
        raise NoVerdict(
            _("Cluster %(id)s has no verdict yet; only reviewed clusters have a ClaimReview.") % {"id": cluster.pk}
        )
    prefetch_related_objects([cluster], review_claims())  # a no-op when the caller prefetched them
    claims = list(cluster.claims.all())
    representative = max(claims, key=lambda c: (c.checkworthiness, -c.pk), default=None)
    sources = sorted(
        {c.source_id: c.source for c in claims}.values(),
        key=lambda s: (s.published_at is None, s.published_at or timezone.now(), s.pk),
    )
    item: dict[str, Any] = {"@type": "Claim"}
    if representative is not None and representative.claimant:
        item["author"] = {"@type": "Person", "name": representative.claimant}
    elif sources and sources[0].publisher:
        item["author"] = _organization(sources[0].publisher)
    if sources:
        item["appearance"] = [_appearance(s) for s in sources]
        item["firstAppearance"] = _appearance(sources[0])
        if sources[0].published_at:
            item["datePublished"] = sources[0].published_at.isoformat()
    review: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": url,
        "claimReviewed": representative.text if representative is not None else cluster.label,
        "itemReviewed": item,
        "author": _organization(settings.FACTCHECK_ORGANIZATION_NAME, settings.FACTCHECK_ORGANIZATION_URL),
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": RATING_VALUES[Verdict(cluster.verdict)],
            "bestRating": BEST_RATING,
            "worstRating": WORST_RATING,
            "alternateName": str(Verdict(cluster.verdict).label),
        },
    }
    if cluster.verdict_at:
        review["datePublished"] = cluster.verdict_at.isoformat()
    if representative is not None and representative.language in SCHEMA_LANGUAGES:
        review["inLanguage"] = representative.language
    if cluster.verdict_note:
        review["reviewBody"] = cluster.verdict_note
    return review


# --- Webhooks ----------------------------------------------------------------------------------
def cluster_payload(cluster: Cluster, details: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """What an event says about a cluster (the API's fields clients act on)."""
    return {
        "id": cluster.pk,
        "url": site_url(cluster_path(cluster.pk)),
        "label": cluster.label,
        "status": cluster.status,
        "status_reason": cluster.status_reason_text,
        "verdict": cluster.verdict,
        "verdict_note": cluster.verdict_note,
        "verdict_at": cluster.verdict_at.isoformat() if cluster.verdict_at else None,
        **(details or {}),
    }


def emit(event: str, cluster_ids: Iterable[int], details: Mapping[int, Mapping[str, Any]] | None = None) -> list[int]:
    """Record a delivery of `event` about each cluster to every active subscription to it, and send
    them after the surrounding transaction commits (a rolled-back change announces nothing).

    Returns the ids of the delivery rows. Never raises: a failure is logged, and the database work
    runs in a savepoint so it cannot spoil the caller's transaction.
    """
    ids = sorted(set(cluster_ids))
    if not ids:
        return []
    try:
        with transaction.atomic():
            subscriptions = list(WebhookSubscription.objects.filter(active=True, events__contains=[event]))
            if not subscriptions:
                return []
            clusters = Cluster.objects.in_bulk(ids)
            now = timezone.now().isoformat()
            rows = []
            for pk in ids:
                cluster = clusters.get(pk)
                if cluster is None:
                    continue
                about = cluster_payload(cluster, (details or {}).get(pk))
                for subscription in subscriptions:
                    delivery_id = uuid.uuid4()
                    body = {"id": str(delivery_id), "event": event, "created_at": now, "cluster": about}
                    rows.append(
                        WebhookDelivery(
                            subscription=subscription,
                            delivery_id=delivery_id,
                            event=event,
                            cluster_id=pk,
                            body=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
                        )
                    )
            created = [row.pk for row in WebhookDelivery.objects.bulk_create(rows)]
            transaction.on_commit(lambda: _send(created))
    except Exception:
        logger.exception("could not record %s deliveries for clusters %s", event, ids[:20])
        return []
    return created


def _send(delivery_ids: list[int]) -> None:
    """Queue the delivery tasks (after commit). A broker that is down leaves the rows pending and
    logged; it never raises into the commit."""
    # Imported here: integrations.tasks imports this module.
    from integrations.tasks import deliver_webhook_task

    for pk in delivery_ids:
        try:
            deliver_webhook_task.delay(pk)
        except Exception:
            logger.exception("could not queue webhook delivery %s; it stays pending", pk)


def retry_delay(attempt: int) -> int:
    """Seconds before the attempt after `attempt`: FACTCHECK_WEBHOOK_RETRY_SECONDS doubled per attempt."""
    return min(settings.FACTCHECK_WEBHOOK_RETRY_SECONDS * 2 ** (attempt - 1), 24 * 3600)


EXCERPT_CHARS = 1000


def deliver(delivery_id: int) -> tuple[int, int] | None:
    """POST one pending attempt, signed, and log its outcome on its row.

    Returns (next attempt's row id, seconds to wait) when it failed and attempts remain
    (FACTCHECK_WEBHOOK_MAX_ATTEMPTS), else None. An attempt already taken (a task run twice) is
    left alone. The receiver's failures are logged, never raised.
    """
    if not WebhookDelivery.objects.filter(pk=delivery_id, state=DeliveryState.PENDING).update(
        state=DeliveryState.SENDING, claimed_at=timezone.now()
    ):
        return None
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    subscription = delivery.subscription
    if not subscription.active:
        _finish(delivery, DeliveryState.FAILED, error=_("the subscription is inactive; not sent"))
        return None
    body = delivery.body.encode("utf-8")
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "X-Factcheck-Event": delivery.event,
        "X-Factcheck-Delivery": str(delivery.delivery_id),
        SIGNATURE_HEADER: sign(subscription.secret, body),
    }
    started = time.monotonic()
    status_code, excerpt, error = None, "", ""
    try:
        response = http.request(
            subscription.url,
            method="POST",
            body=body,
            headers=headers,
            timeout=settings.FACTCHECK_WEBHOOK_TIMEOUT,
            deadline=settings.FACTCHECK_WEBHOOK_DEADLINE,
            max_bytes=EXCERPT_CHARS * 4,
            truncate=True,
        )
        status_code = response.status
        excerpt = storable(response.body.decode("utf-8", errors="replace"))[:EXCERPT_CHARS]
        if not 200 <= status_code < 300:
            error = _("the receiver answered HTTP %(code)s") % {"code": status_code}
    except http.RequestFailed as exc:
        error = str(exc)
    except Exception as exc:  # whatever goes wrong with the receiver is its attempt's error
        error = f"{type(exc).__name__}: {exc}"
    delivery.status_code = status_code
    delivery.response_excerpt = excerpt
    delivery.duration_ms = int((time.monotonic() - started) * 1000)
    delivery.sent_at = timezone.now()
    if not error:
        _finish(delivery, DeliveryState.DELIVERED)
        return None
    if delivery.attempt >= settings.FACTCHECK_WEBHOOK_MAX_ATTEMPTS:
        _finish(delivery, DeliveryState.FAILED, error=error)
        return None
    delay = retry_delay(delivery.attempt)
    delivery.next_retry_at = delivery.sent_at + timedelta(seconds=delay)
    with transaction.atomic():
        _finish(delivery, DeliveryState.FAILED, error=error)
        following = WebhookDelivery.objects.create(
            subscription=subscription,
            delivery_id=delivery.delivery_id,
            event=delivery.event,
            cluster_id=delivery.cluster_id,
            body=delivery.body,
            attempt=delivery.attempt + 1,
            due_at=delivery.next_retry_at,
        )
    return following.pk, delay


STALLED_GRACE = timedelta(minutes=10)


def requeue_stalled_deliveries(grace: timedelta = STALLED_GRACE) -> list[int]:
    """Queue again the attempts that fell through: pending ones overdue by more than `grace` (the
    broker was down when they were queued, or a task was lost), and ones a task took but never
    finished (a worker killed mid-send) once the delivery deadline and `grace` have passed. Sending
    stays once: deliver() takes an attempt only from pending. Returns the ids queued."""
    now = timezone.now()
    abandoned = now - timedelta(seconds=settings.FACTCHECK_WEBHOOK_DEADLINE) - grace
    WebhookDelivery.objects.filter(state=DeliveryState.SENDING, claimed_at__lt=abandoned).update(
        state=DeliveryState.PENDING, due_at=now - grace - timedelta(seconds=1)
    )
    ids = list(
        WebhookDelivery.objects.filter(state=DeliveryState.PENDING, due_at__lt=now - grace)
        .order_by("due_at", "id")
        .values_list("pk", flat=True)
    )
    _send(ids)
    return ids


def _finish(delivery: WebhookDelivery, state: str, error: str = "") -> None:
    delivery.state = state
    delivery.error = storable(error)
    delivery.save(
        update_fields=[
            "state", "error", "status_code", "response_excerpt", "duration_ms", "sent_at", "next_retry_at",
        ]
    )  # fmt: skip


def create_subscription(
    url: str, events: list[str], *, description: str = "", user: AbstractBaseUser | None = None
) -> WebhookSubscription:
    """A new subscription (its secret generated); validation is the model's (full_clean)."""
    subscription = WebhookSubscription(
        url=url,
        events=sorted(set(events)),
        description=description,
        created_by=user if user is not None and user.is_authenticated else None,
    )
    subscription.full_clean()
    subscription.save()
    return subscription


# --- Feeds -------------------------------------------------------------------------------------
class FeedError(Exception):
    """A URL that is not a feed the service can follow, and why."""


FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"


def _fetch_feed(url: str, etag: str = "", modified: str = "") -> http.Response:
    """The feed's bytes, fetched with the readers' limits; sends the validators of the last answer."""
    headers = {"Accept": FEED_ACCEPT}
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified
    try:
        return http.request(
            url,
            headers=headers,
            timeout=settings.FACTCHECK_FETCH_TIMEOUT,
            deadline=settings.FACTCHECK_FETCH_DEADLINE,
            max_bytes=settings.FACTCHECK_MAX_SOURCE_BYTES,
            follow_redirects=True,
        )
    except http.RequestFailed as exc:
        raise FeedError(str(exc)) from None


def _parse_feed(response: http.Response) -> feedparser.FeedParserDict:
    """Parse fetched bytes with feedparser. Given a stream, feedparser does no I/O of its own."""
    parsed = feedparser.parse(
        io.BytesIO(response.body),
        response_headers={
            "content-type": response.headers.get("Content-Type", ""),
            "content-location": response.url,
        },
    )
    if not parsed.get("version"):
        reason = parsed.get("bozo_exception") or _("no RSS or Atom root element")
        raise FeedError(_("not an RSS or Atom feed (%(reason)s)") % {"reason": reason})
    return parsed


def _clip(value: object, length: int) -> str:
    return storable(value.strip())[:length] if isinstance(value, str) else ""


def follow_feed(url: str, *, user: AbstractBaseUser | None = None) -> tuple[Feed, bool]:
    """Register the feed at `url` after fetching it once and parsing it; returns (feed, created).

    Following a feed already followed reactivates it. Raises FeedError (a URL that is not http(s),
    cannot be fetched, or is not RSS or Atom).
    """
    try:
        url = clean_url(url, "url")
    except InvalidInput as exc:
        raise FeedError(str(exc)) from None
    if not url:
        raise FeedError(_("give the feed's URL"))
    response = _fetch_feed(url)
    if response.status != 200:
        raise FeedError(_("the server answered HTTP %(code)s") % {"code": response.status})
    parsed = _parse_feed(response)
    title = _clip(parsed.feed.get("title"), MAX_TITLE)
    feed, created = Feed.objects.get_or_create(
        url=url,
        defaults={"title": title, "created_by": user if user is not None and user.is_authenticated else None},
    )
    if not created and (not feed.active or (title and not feed.title)):
        feed.active = True
        feed.title = feed.title or title
        feed.save(update_fields=["active", "title"])
    return feed, created


@dataclass
class PollReport:
    """What one poll of a feed did."""

    feed_id: int
    not_modified: bool = False
    ingested: list[int] = field(default_factory=list)  # FeedEntry ids whose page went in
    failed: list[int] = field(default_factory=list)  # FeedEntry ids whose page could not be read
    already_seen: int = 0
    error: str = ""


def active_feed_ids() -> list[int]:
    return list(Feed.objects.filter(active=True).order_by("id").values_list("pk", flat=True))


def poll_feed(feed_id: int) -> PollReport:
    """Fetch a feed (sending its ETag and Last-Modified: a 304 means nothing new) and ingest the page
    of each entry not seen before, oldest first; their processing is queued in batches
    (`ingest_articles`: ARTICLE_BATCH a task), so a poll that finds many entries embeds and assigns
    their claims together.

    Each entry is claimed by inserting its (feed, guid) row first, so two polls, even concurrent,
    ingest it once. A page that cannot be read is recorded on its entry. The entries are taken
    under the feed's advisory lock (`locks.FEED_POLL_LOCK_CLASS`; a second poll of the feed waits
    for it), so an entry taken and never recorded was left by a poll that died (its session, and
    the lock, went with it): the next poll takes it again, whether or not the feed still lists it.
    The validators are stored after the entries are taken, so a poll that dies half-way is
    completed by the next one.
    """
    feed = Feed.objects.get(pk=feed_id)
    report = PollReport(feed_id)
    polled_at = timezone.now()
    try:
        response = _fetch_feed(feed.url, feed.etag, feed.modified)
        if response.status == 304:
            report.not_modified = True
        elif response.status != 200:
            raise FeedError(_("the server answered HTTP %(code)s") % {"code": response.status})
        else:
            parsed = _parse_feed(response)
    except FeedError as exc:
        report.error = str(exc)
        Feed.objects.filter(pk=feed.pk).update(last_polled_at=polled_at, last_error=storable(report.error))
        return report
    if report.not_modified:
        Feed.objects.filter(pk=feed.pk).update(last_polled_at=polled_at, last_error="")
        return report
    feed_title = _clip(parsed.feed.get("title"), MAX_TITLE)
    entries = list(parsed.entries)[: settings.FACTCHECK_FEED_MAX_ENTRIES]
    with locks.waiting(locks.FEED_POLL_LOCK_CLASS, locks.second_key(feed.pk)):
        _ingest_entries(feed, reversed(entries), feed_title, report)  # feeds list the newest first
    Feed.objects.filter(pk=feed.pk).update(
        etag=_clip(response.headers.get("ETag"), 500),
        modified=_clip(response.headers.get("Last-Modified"), 100),
        title=feed.title or feed_title,
        last_polled_at=polled_at,
        last_error="",
    )
    return report


def _ingest_entries(feed: Feed, entries: Iterable[Mapping[str, Any]], feed_title: str, report: PollReport) -> None:
    """Claim each entry, read its page and hand the articles to `ingest_articles`, which stores each
    as it comes and queues their processing ARTICLE_BATCH at a time; each entry's row gets its source
    (or the reason it has none) once its batch is queued.

    Pages are read lazily, between the stores, so no page is fetched inside a transaction. Must
    run under the feed's lock: entries of the feed taken but never recorded (`recorded_at` empty)
    were left by a poll that died, and are taken again here, those the feed still lists in its
    order, the others after them from their stored link. (Should a poll die after its articles
    were stored, the reaper queues their processing, and the next poll finds them stored.)"""
    taken: deque[tuple[FeedEntry, SourceInput]] = deque()  # entries handed over, in the order heard back
    left = {row.guid: row for row in FeedEntry.objects.filter(feed=feed, recorded_at__isnull=True).order_by("id")}

    def pages() -> Iterator[tuple[FeedEntry, SourceInput | str]]:
        for entry in entries:
            claimed = _take_entry(feed, entry, feed_title, left)
            if claimed is None:
                report.already_seen += 1
                continue
            yield claimed
        for row in left.values():  # taken by a dead poll, and no longer in the feed
            if not row.link:
                yield row, _("the entry has no link to an article")
                continue
            yield row, _read_page(row.link, {"title": row.title})

    def articles() -> Iterator[SourceInput]:
        for row, page in pages():
            if isinstance(page, str):  # no link, or an unreadable page: recorded now
                _record(row, None, page, report)
                continue
            taken.append((row, page))
            yield page

    def on_item(item: SourceInput | ReadError, result: IngestResult | None) -> None:
        row, page = taken.popleft()
        if result is not None:
            _record(row, result.source.pk, "", report)
            return
        # Refused by the database (not stored), or stored and its in-process processing failed.
        reason = item.reason if isinstance(item, ReadError) else _("not stored")
        logger.warning("ingesting %s failed: %s", row.link, reason)
        _record(row, _stored_source(page), storable(reason)[:500], report)

    ingest_articles(articles(), on_item)


def _record(row: FeedEntry, source_id: int | None, error: str, report: PollReport) -> None:
    row.source_id, row.error, row.recorded_at = source_id, error, timezone.now()
    row.save(update_fields=["source", "error", "recorded_at"])
    (report.failed if error else report.ingested).append(row.pk)


def _stored_source(page: SourceInput) -> int | None:
    try:
        return Source.objects.filter(content_hash=source_digest(page)).values_list("pk", flat=True).first()
    except Exception:  # a text that cannot even be hashed was not stored either
        return None


def _guid(entry: Mapping[str, Any]) -> str:
    """An entry's identity: its id (guid), else its link, else a hash of its title and summary;
    one too long for the column is hashed."""
    guid = entry.get("id") or entry.get("link")
    if not isinstance(guid, str) or not guid.strip():
        seed = f"{entry.get('title', '')}\n{entry.get('summary', '')}"
        guid = "sha256:" + hashlib.sha256(seed.encode("utf-8", errors="replace")).hexdigest()
    guid = storable(guid.strip())
    if len(guid) > 500:
        guid = "sha256:" + hashlib.sha256(guid.encode("utf-8", errors="replace")).hexdigest()
    return guid


def _entry_metadata(entry: Mapping[str, Any], feed_title: str) -> dict[str, Any]:
    """The entry's title, date and its feed's title, each through the one validation schema; a value
    the schema refuses is dropped (the page's own metadata may still give it)."""
    published = entry.get("published_parsed") or entry.get("updated_parsed")
    candidates = {
        "title": _clip(entry.get("title"), MAX_TITLE),
        "publisher": _clip(feed_title, MAX_PUBLISHER),
        "published_at": datetime(*published[:6], tzinfo=UTC) if published else None,
    }
    cleaned: dict[str, Any] = {}
    for name, value in candidates.items():
        try:
            cleaned.update(clean_fields({name: value}, required=()))
        except InvalidInput:
            continue
    return cleaned


def _take_entry(
    feed: Feed, entry: Mapping[str, Any], feed_title: str, left: dict[str, FeedEntry]
) -> tuple[FeedEntry, SourceInput | str] | None:
    """Claim an entry (None if it was seen and recorded before), then fetch its page: (its row, the
    article to ingest, or the reason there is none). `left`: the feed's entries a dead poll took
    and never recorded, by guid; this one is taken again (and removed from it)."""
    title = _clip(entry.get("title"), MAX_TITLE)
    link, link_error = "", ""
    try:
        link = clean_url(entry.get("link"), "link")
    except InvalidInput as exc:
        link_error = str(exc)
    guid = _guid(entry)
    row, created = FeedEntry.objects.get_or_create(feed=feed, guid=guid, defaults={"link": link, "title": title})
    if not created and left.pop(guid, None) is None:
        return None
    if not link:
        return row, link_error or _("the entry has no link to an article")
    return row, _read_page(link, _entry_metadata(entry, feed_title))


def _read_page(link: str, metadata: Mapping[str, Any]) -> SourceInput | str:
    """Read the entry's page with the readers (their limits and deadline): the article with the
    entry's metadata, or the reason there is none."""
    items = list(
        read_url(
            link,
            settings.FACTCHECK_FETCH_TIMEOUT,
            settings.FACTCHECK_MAX_SOURCE_BYTES,
            settings.FACTCHECK_FETCH_DEADLINE,
        )
    )
    articles = [item for item in items if isinstance(item, SourceInput)]
    if not articles:
        return storable("; ".join(item.reason for item in items) or _("no article on the page"))
    article = articles[0]
    return replace(
        article,
        url=link,
        title=metadata.get("title") or article.title,
        publisher=article.publisher or metadata.get("publisher") or "",
        published_at=metadata.get("published_at") or article.published_at,
    )
