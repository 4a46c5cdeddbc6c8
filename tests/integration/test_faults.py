"""Fault tests with real processes: `ingest` and Celery workers killed mid-processing, two rebuilds
at once, a rebuild during an ingest. Nothing is lost (no source stuck in `processing`), nothing is
done twice (no duplicate claims), and the commands say what they did.

Each test runs real subprocesses against the test database (like test_worker.py) and, for the
workers, Redis on 127.0.0.1:6379 (DB 10, a queue of the run's own).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from urllib.parse import quote

import psutil
import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count

from claims import services
from claims.choices import SourceStatus
from claims.models import Claim, Cluster
from factcheck.celery import app as celery_app
from sources.models import Source
from sources.readers import SourceInput
from tests.conftest import REPO, SEEDS
from tests.integration.test_worker import redis_is_up, reset_connection_pools

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

BROKER = "redis://127.0.0.1:6379/10"
SEED = SEEDS / "004_60f4863b66c90959.txt"


def database_url() -> str:
    db = connection.settings_dict
    return f"postgresql://{db['USER']}@{quote(db['HOST'], safe='')}:{db['PORT']}/{db['NAME']}"


def subprocess_env(**extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DATABASE_CONN_MAX_AGE": "0",
        "DJANGO_SECRET_KEY": "faults-test-key",  # required beside a DATABASE_URL
    }
    env.pop("CELERY_BROKER_URL", None)
    env.update(extra)
    return env


class Output:
    """A subprocess's combined output, collected by a thread so the pipe never fills up."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def text(self) -> str:
        return "".join(self.lines)

    def wait(self, timeout: float) -> int:
        code = self.process.wait(timeout=timeout)
        self.thread.join(timeout=5)
        return code


def manage(*args: str, **env: str) -> Output:
    process = subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=subprocess_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return Output(process)


def wait_until(predicate, timeout: float, what: str, every: float = 0.02, watch: Output | None = None):
    """Poll `predicate` until it holds; fail at once, with its output, if the `watch`ed process
    exits first (it will never make the predicate true)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if watch is not None and watch.process.poll() is not None:
            watch.thread.join(timeout=5)
            pytest.fail(f"the process exited ({watch.process.returncode}) before {what}:\n{watch.text}")
        time.sleep(every)
    pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}")


def statuses() -> dict[int, str]:
    return dict(Source.objects.values_list("pk", "status"))


def processing_source() -> int | None:
    return Source.objects.filter(status=SourceStatus.PROCESSING).values_list("pk", flat=True).first()


def assert_nothing_stuck_nor_doubled() -> None:
    assert not Source.objects.filter(status__in=[SourceStatus.PROCESSING, SourceStatus.PENDING]).exists(), statuses()
    doubled = Claim.objects.values("source", "start", "end").annotate(n=Count("id")).filter(n__gt=1)
    assert not doubled.exists()
    assert not Claim.objects.filter(cluster=None).exists()


def assert_clusters_consistent() -> None:
    """Every claim in exactly one cluster (a foreign key: at most one), none left out, no empty
    cluster, and each cluster's stored claim count is its members."""
    assert Claim.objects.exists()
    assert not Claim.objects.filter(cluster=None).exists()
    for cluster in Cluster.objects.annotate(members=Count("claims")):
        assert cluster.members > 0, cluster.pk
        assert cluster.claim_count == cluster.members, (cluster.pk, cluster.claim_count, cluster.members)


# --- ingest killed ---------------------------------------------------------------------------
def test_ingest_killed_mid_processing_is_finished_by_running_ingest_again(capsys):
    run = manage("ingest", str(SEED))
    pk = wait_until(processing_source, 120, "the source to be processing", watch=run)
    time.sleep(0.2)
    run.process.send_signal(signal.SIGKILL)
    run.wait(timeout=20)
    source = Source.objects.get(pk=pk)
    assert source.status == SourceStatus.PROCESSING, run.text  # killed before it finished

    call_command("ingest", str(SEED))  # tasks run in-process here (no broker)

    out = capsys.readouterr().out
    assert "processing it again" in out
    source.refresh_from_db()
    assert source.status == SourceStatus.PROCESSED
    assert source.attempts == 0  # reset once processed
    assert source.claims.exists()
    assert_nothing_stuck_nor_doubled()


# --- a Celery worker killed ------------------------------------------------------------------
@pytest.fixture
def queue():
    if not redis_is_up():
        pytest.skip("no Redis on 127.0.0.1:6379")
    name = f"factcheck-faults-{uuid.uuid4().hex[:12]}"
    previous = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager", "task_default_queue")}
    celery_app.conf.update(broker_url=BROKER, task_always_eager=False, task_default_queue=name)
    reset_connection_pools()
    try:
        yield name
    finally:
        celery_app.conf.update(previous)
        reset_connection_pools()


def start_worker(queue: str, pool: str, **env: str) -> Output:
    args = [
        sys.executable, "-m", "celery", "-A", "factcheck", "worker", "--pool", pool, "--concurrency", "1",
        "--loglevel", "INFO", "--queues", queue, "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip
    process = subprocess.Popen(
        args,
        cwd=REPO,
        env=subprocess_env(CELERY_BROKER_URL=BROKER, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return Output(process)


def stop(worker: Output) -> None:
    if worker.process.poll() is None:
        worker.process.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.process.kill()
            worker.wait(timeout=20)


def processed(pk: int) -> bool:
    return Source.objects.get(pk=pk).status == SourceStatus.PROCESSED


def test_a_task_whose_pool_process_is_killed_is_delivered_again_and_finished(queue):
    worker = start_worker(queue, "prefork")
    try:
        result = services.ingest_source(SourceInput(text=SEED.read_text(encoding="utf-8"), origin="fault-test"))
        pk = result.source.pk
        wait_until(processing_source, 180, "the worker to claim the source", watch=worker)
        time.sleep(0.2)
        children = psutil.Process(worker.process.pid).children()
        assert len(children) == 1, children
        children[0].send_signal(signal.SIGKILL)
        wait_until(lambda: processed(pk), 180, "the redelivered task to finish the source", every=0.2)
    finally:
        stop(worker)
    assert "WorkerLostError" in worker.text
    source = Source.objects.get(pk=pk)
    assert source.attempts == 0  # reset once processed
    assert source.claims.exists()
    assert_nothing_stuck_nor_doubled()


def test_a_task_of_a_killed_worker_is_finished_by_the_next_worker(queue):
    # Short timeouts so the unacknowledged message comes back in seconds, not the default half hour.
    timeouts = {"CELERY_BROKER_VISIBILITY_TIMEOUT": "4", "FACTCHECK_PROCESSING_DEADLINE_SECONDS": "3"}
    first = start_worker(queue, "solo", **timeouts)
    try:
        result = services.ingest_source(SourceInput(text=SEED.read_text(encoding="utf-8"), origin="fault-test"))
        pk = result.source.pk
        wait_until(processing_source, 180, "the first worker to claim the source", watch=first)
        time.sleep(0.2)
        first.process.send_signal(signal.SIGKILL)
        first.wait(timeout=20)
    finally:
        stop(first)
    assert Source.objects.get(pk=pk).status == SourceStatus.PROCESSING
    second = start_worker(queue, "solo", **timeouts)
    try:
        wait_until(lambda: processed(pk), 180, "the second worker to finish the source", every=0.2)
    finally:
        stop(second)
    source = Source.objects.get(pk=pk)
    assert source.attempts == 0  # reset once processed
    assert_nothing_stuck_nor_doubled()


# --- rebuilds --------------------------------------------------------------------------------
@pytest.fixture
def corpus():
    """Two seed articles processed in this process (tasks eager), committed for the subprocesses."""
    report = services.ingest_inputs([str(SEEDS / "002_6ddc87b5bd37a9dd.txt"), str(SEED)])
    assert not report.errors
    assert Claim.objects.exists()


class ClusterLockHeld:
    """The cluster lock held from another session, as ingestion holds it while it assigns claims."""

    def __enter__(self):
        self.connection = psycopg.connect(database_url())
        self.connection.execute("SELECT pg_advisory_xact_lock(%s)", [services.CLUSTER_LOCK])
        return self

    def __exit__(self, *exc):
        self.connection.rollback()
        self.connection.close()


def test_two_rebuilds_at_once_one_runs_the_other_says_it_is_covered(corpus):
    with ClusterLockHeld():
        first = manage("recluster")
        wait_until(
            lambda: "waiting for ingestion" in first.text, 120, "the first rebuild to wait", every=0.1, watch=first
        )
        second = manage("recluster")
        assert second.wait(timeout=120) == 0, second.text
        assert first.process.poll() is None  # still waiting: nothing ran while ingestion held the clusters
    assert first.wait(timeout=300) == 0, first.text
    assert "skipped: another rebuild is already running" in second.text
    assert "rebuilt after waiting" in first.text and "claims in" in first.text
    assert_clusters_consistent()


def test_two_rebuilds_started_together_both_exit_0_and_leave_consistent_clusters(corpus):
    runs = [manage("recluster"), manage("recluster")]
    for run in runs:
        assert run.wait(timeout=300) == 0, run.text
    said = [("skipped: another rebuild" in run.text, "claims in" in run.text) for run in runs]
    assert all(skipped != ran for skipped, ran in said), [run.text for run in runs]
    assert any(ran for _, ran in said)
    assert_clusters_consistent()


def test_a_rebuild_during_an_ingest_waits_for_it_and_runs():
    ingest = manage("ingest", str(SEEDS))
    # Part-way: articles stored, not all processed yet. They are processed 20 to a task, so the seeds
    # may all turn processed in one commit; the rebuild starts while that task still runs.
    wait_until(
        lambda: Source.objects.exclude(status=SourceStatus.PROCESSED).exists(),
        180,
        "the ingest to be part-way",
        watch=ingest,
    )
    rebuild = manage("recluster")
    assert rebuild.wait(timeout=300) == 0, rebuild.text
    assert ingest.wait(timeout=300) == 0, ingest.text
    assert "skipped" not in rebuild.text
    assert "claims in" in rebuild.text
    assert_nothing_stuck_nor_doubled()
    assert_clusters_consistent()


def test_a_rebuild_gives_up_waiting_honestly_after_its_bound(corpus):
    with ClusterLockHeld():
        run = manage("recluster", "--wait", "3")
        assert run.wait(timeout=120) == 1, run.text
    assert "waiting for ingestion to finish" in run.text
    assert "not rebuilt: ingestion still held the clusters" in run.text
