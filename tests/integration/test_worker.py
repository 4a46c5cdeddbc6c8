"""A real Celery worker, on the real Redis broker, processes a source that ingest enqueued."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from django.db import connection

from claims import services
from claims.choices import SourceStatus
from factcheck.celery import app as celery_app
from sources.models import Source
from sources.readers import SourceInput
from tests.conftest import REPO

BROKER = "redis://127.0.0.1:6379/13"


def redis_is_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


def reset_connection_pools() -> None:
    """Drop pooled connections and cached queue/routing tables made under the previous broker
    settings, so sends use the new broker and default queue.

    Celery resets its pools the same way after a fork; there is no public call for either.
    """
    celery_app._after_fork()
    celery_app.__dict__.pop("amqp", None)


def require_redis() -> None:
    if not redis_is_up():
        if os.environ.get("CI"):
            pytest.fail("Redis is not running on 127.0.0.1:6379 (.ci/run should have started it)")
        pytest.skip("no Redis on 127.0.0.1:6379")


@contextlib.contextmanager
def real_worker(
    broker: str,
    queue_prefix: str = "factcheck-test",
    *,
    queue: str | None = None,
    hostname: str | None = None,
    **env: str,
) -> Iterator[subprocess.Popen]:
    """A Celery worker process on `broker` and the test database, taking this run's own queue (or
    `queue`, to share one between workers; `hostname`: the worker's name), with this process's
    tasks sent there (not run eagerly) until the block ends."""
    db = connection.settings_dict
    database_url = f"postgresql://{db['USER']}@{quote(db['HOST'], safe='')}:{db['PORT']}/{db['NAME']}"
    env = {
        **os.environ,
        "CELERY_BROKER_URL": broker,
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": "0",
        "DJANGO_SECRET_KEY": "worker-test-key",  # required beside a DATABASE_URL
        **env,
    }
    # A queue of this run's own, so two runs on one machine (a developer's and CI's) never take
    # each other's tasks.
    queue = queue or f"{queue_prefix}-{uuid.uuid4().hex[:12]}"
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "factcheck", "worker", "--pool", "solo", "--loglevel", "INFO",
         "--queues", queue, "--without-gossip", "--without-mingle", "--without-heartbeat",
         *(["--hostname", hostname] if hostname else [])],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    previous = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager", "task_default_queue")}
    celery_app.conf.update(broker_url=broker, task_always_eager=False, task_default_queue=queue)
    reset_connection_pools()
    try:
        yield process
    finally:
        celery_app.conf.update(previous)
        reset_connection_pools()
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def worker(transactional_db):
    require_redis()
    with real_worker(BROKER) as process:
        yield process


@pytest.mark.worker
def test_a_real_worker_processes_the_source_that_ingest_enqueued(worker):
    text = (REPO / "seeds" / "002_6ddc87b5bd37a9dd.txt").read_text(encoding="utf-8")
    result = services.ingest_source(SourceInput(text=text, origin="worker-test"))
    assert result.created
    deadline = time.monotonic() + 180
    source = result.source
    while time.monotonic() < deadline:
        source.refresh_from_db()
        if source.status in (SourceStatus.PROCESSED, SourceStatus.FAILED) or worker.poll() is not None:
            break
        time.sleep(0.5)
    if source.status != SourceStatus.PROCESSED:
        worker.terminate()
        output = worker.communicate(timeout=20)[0]
        pytest.fail(f"source is {source.status} ({source.error}); worker output:\n{output[-4000:]}")
    assert source.claims.exists()
    assert not source.claims.filter(cluster=None).exists()
    assert Source.objects.get(pk=source.pk).processed_at is not None


@pytest.mark.worker
def test_a_real_worker_takes_the_articles_waiting_in_the_queue_along_with_the_first(worker):
    from django.db import transaction

    texts = [path.read_text(encoding="utf-8") for path in sorted((REPO / "seeds").glob("*.txt"))[:3]]
    with transaction.atomic():  # three tasks sent on commit: the worker finds all three queued
        ids = [services.ingest_source(SourceInput(text=t, origin=f"burst:{k}")).source.pk for k, t in enumerate(texts)]
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and worker.poll() is None:
        if not Source.objects.filter(pk__in=ids).exclude(status=SourceStatus.PROCESSED).exists():
            break
        time.sleep(0.5)
    rows = list(Source.objects.filter(pk__in=ids).values_list("status", "processed_at"))
    if any(status != SourceStatus.PROCESSED for status, _ in rows):
        worker.terminate()
        pytest.fail(f"sources {rows}; worker output:\n{worker.communicate(timeout=20)[0][-4000:]}")
    assert len({processed_at for _, processed_at in rows}) == 1  # one batch: one assignment, one write
