"""Thin Celery tasks: take ids, call a service, retry on failure."""

from celery import shared_task

from claims import services


@shared_task(bind=True, max_retries=3, default_retry_delay=30, acks_late=True)
def process_source_task(self, source_id: int, force: bool = False) -> int:
    """Extract, embed and cluster one source (idempotent: a second run is a no-op)."""
    try:
        return services.process_source(source_id, force=force)
    except Exception as exc:
        if self.request.is_eager:
            raise
        raise self.retry(exc=exc) from exc


@shared_task(bind=True, max_retries=3, default_retry_delay=30, acks_late=True)
def process_sources_task(self, source_ids: list[int], force: bool = False) -> dict[int, int]:
    """Process a batch of sources with one embedding pass (imports); sources done are skipped on retry."""
    try:
        return services.process_sources(source_ids, force=force)
    except Exception as exc:
        if self.request.is_eager:
            raise
        raise self.retry(exc=exc) from exc


@shared_task(bind=True, max_retries=2, default_retry_delay=60)
def recluster_task(self) -> dict:
    """Rebuild every cluster; skipped (not queued twice) when another rebuild is running."""
    try:
        report = services.recluster()
    except Exception as exc:
        if self.request.is_eager:
            raise
        raise self.retry(exc=exc) from exc
    return {"claims": report.claims, "clusters": report.clusters, "skipped": report.skipped}
