"""Thin Celery tasks of the clients' API: take ids, call a service."""

from celery import shared_task

from clients import submissions


@shared_task(bind=True, max_retries=3, default_retry_delay=30, acks_late=True)
def fetch_source_task(self, source_id: int) -> int | None:
    """Fetch a URL posted to the API on the worker, then queue its processing (idempotent)."""
    try:
        return submissions.fetch_source(source_id)
    except Exception as exc:
        if self.request.is_eager:
            raise
        raise self.retry(exc=exc) from exc
