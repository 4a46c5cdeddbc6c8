"""Thin Celery tasks: ids in, a service call, retry."""

from __future__ import annotations

import logging

from celery import shared_task

from integrations import services

logger = logging.getLogger("integrations")


@shared_task(bind=True, max_retries=None, acks_late=True)
def deliver_webhook_task(self, delivery_id: int) -> None:
    """Send one webhook attempt; a failed one is retried as its next row, after an exponential
    backoff (the service counts the attempts: FACTCHECK_WEBHOOK_MAX_ATTEMPTS). With no broker the
    retries run at once, in-process; they never raise into the caller."""
    try:
        following = services.deliver(delivery_id)
    except Exception as exc:  # the database, not the receiver: try the same row again later
        if self.request.is_eager:
            logger.exception("webhook delivery %s could not be sent", delivery_id)
            return
        raise self.retry(exc=exc, countdown=60, max_retries=5) from exc
    if following is None:
        return
    if self.request.is_eager:
        # No broker: the attempts run now, in-process (Celery's eager retry would raise into the
        # commit that queued this), without waiting, so a caller is never held for the backoff.
        while following is not None:
            following = services.deliver(following[0])
        return
    next_id, delay = following
    raise self.retry(args=[next_id], countdown=delay)


@shared_task
def requeue_stalled_deliveries_task() -> int:
    """The beat job: queue again webhook attempts that a broker outage or a lost task left behind."""
    return len(services.requeue_stalled_deliveries())


@shared_task(bind=True, max_retries=2, default_retry_delay=60, acks_late=True)
def poll_feed_task(self, feed_id: int) -> dict:
    """Poll one feed: entries not seen before are ingested once (errors are recorded per entry)."""
    try:
        report = services.poll_feed(feed_id)
    except services.Feed.DoesNotExist:
        return {"feed": feed_id, "gone": True}
    except Exception as exc:
        if self.request.is_eager:
            raise
        raise self.retry(exc=exc) from exc
    return {"feed": feed_id, "ingested": len(report.ingested), "failed": len(report.failed), "error": report.error}


@shared_task
def poll_feeds_task() -> int:
    """The beat job: queue a poll of every active feed (settings.CELERY_BEAT_SCHEDULE)."""
    ids = services.active_feed_ids()
    for pk in ids:
        poll_feed_task.delay(pk)
    return len(ids)
