"""Thin Celery tasks: take ids, call a service, retry on failure."""

from collections.abc import Callable
from typing import TypeVar

from celery import shared_task
from django.conf import settings

from claims import services
from claims.services import rebuild, statuses

T = TypeVar("T")


def _or_retry(task, work: Callable[[], T]) -> T:
    """Run the service call; on failure retry later (in-process eager runs raise at once)."""
    try:
        return work()
    except Exception as exc:
        if task.request.is_eager:
            raise
        raise task.retry(exc=exc) from exc


# Processing tasks are killed at the processing deadline, so none outlives its claim on a source
# (the source is then claimable again; see claims.services.ingest). Acks late, and requeued if
# the pool process running them dies (settings: CELERY_TASK_ACKS_LATE, _REJECT_ON_WORKER_LOST).
PROCESSING = {
    "bind": True,
    "max_retries": 3,
    "default_retry_delay": 30,
    "acks_late": True,
    "time_limit": settings.FACTCHECK_PROCESSING_DEADLINE_SECONDS,
}


@shared_task(**PROCESSING)
def process_source_task(self, source_id: int, force: bool = False) -> int:
    """Extract, embed and cluster one source, with other queued sources that still wait
    (idempotent: a second run is a no-op)."""
    if force:
        return _or_retry(self, lambda: services.process_source(source_id, force=True))
    return _or_retry(self, lambda: services.process_source_and_backlog(source_id))


@shared_task(**PROCESSING)
def process_sources_task(self, source_ids: list[int], force: bool = False) -> dict[int, int]:
    """Process a batch of sources (articles of one ingest, imported claims) with one embedding pass and one
    assignment; sources done are skipped on retry, and one that fails does not fail the others."""
    return _or_retry(self, lambda: services.process_sources(source_ids, force=force))


@shared_task(bind=True, max_retries=3, default_retry_delay=60)
def reap_stale_processing_task(self) -> list[int]:
    """Queue again the sources whose processing died (on the beat schedule)."""
    return _or_retry(self, services.reap_stale_processing)


@shared_task(bind=True, max_retries=5, default_retry_delay=60)
def recluster_task(self, workers: int | None = None) -> dict:
    """Rebuild every cluster, its pair scores split across `workers` processes (default
    FACTCHECK_REBUILD_WORKERS: this one and Celery workers), its stale statuses left to status
    refresh tasks queued on commit (any worker takes them). When another rebuild is already
    running it covers this one (not run twice); when ingestion holds the clusters past
    FACTCHECK_REBUILD_WAIT_SECONDS, retried later."""
    workers = workers or settings.FACTCHECK_REBUILD_WORKERS
    report = _or_retry(self, lambda: services.recluster(workers=workers, statuses=rebuild.QUEUE))
    if report.outcome == services.TIMED_OUT and not self.request.is_eager:
        raise self.retry()
    return {"claims": report.claims, "clusters": report.clusters, "outcome": report.outcome, "waited": report.waited}


# One part of a rebuild's pair scores; killed at the deadline like processing, so a hung worker
# lets go of its part (the rebuild then scores it itself). Acks late: requeued if its process dies.
@shared_task(bind=True, max_retries=3, default_retry_delay=5, acks_late=True,
             time_limit=settings.FACTCHECK_PROCESSING_DEADLINE_SECONDS)  # fmt: skip
def rebuild_part_task(self, job: str, number: int) -> bool:
    """Score part `number` of a running rebuild's job, unless it is taken, done or the rebuild is over."""
    return _or_retry(self, lambda: services.score_rebuild_part(job, number, worker=self.request.hostname))


@shared_task(bind=True, max_retries=3, default_retry_delay=5, acks_late=True,
             time_limit=settings.FACTCHECK_PROCESSING_DEADLINE_SECONDS)  # fmt: skip
def rebuild_warm_task(self, job: str) -> bool:
    """Read a rebuild's claims ahead of its parts, while the rebuild plans (safe to run twice)."""
    return _or_retry(self, lambda: services.warm_rebuild_job(job))


# --- Statuses waiting for the stance model (claims.services.statuses) ------------------------------
@shared_task(bind=True, max_retries=5, default_retry_delay=30, acks_late=True)
def refresh_statuses_task(self, cluster_ids: list[int], shared: bool = False) -> list[int]:
    """Finish the statuses ingestion left to the stance cross-encoder, or a rebuild's commit left
    stale (queued on commit; clusters already refreshed are skipped, so running twice or at once
    is safe). `shared`: a batch of a rebuild's status refresh shared with workers, skipped while
    another process (the rebuild's own) refreshes it."""
    if shared:
        return _or_retry(self, lambda: statuses.refresh_status_batch(cluster_ids) or [])
    return _or_retry(self, lambda: services.refresh_stale_statuses(cluster_ids))


@shared_task(bind=True, max_retries=3, default_retry_delay=60)
def refresh_stale_statuses_task(self) -> list[int]:
    """On the beat schedule: statuses stale for a while (their job was lost, e.g. with the broker)."""
    return _or_retry(self, services.sweep_stale_statuses)
