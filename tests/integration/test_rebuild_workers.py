"""A rebuild split across two real Celery workers, on the real Redis broker and the test
database: both workers score parts of it, and the clusters, ids, nearest cosines and statuses
are those of the rebuild in one process."""

from __future__ import annotations

import contextlib
import time
import uuid

import pytest

from claims import services
from claims.models import Claim, Cluster, RebuildJob, RebuildPart
from evaluation.bench_rebuild import fill
from factcheck.celery import app as celery_app
from tests.integration.test_worker import BROKER, real_worker, require_redis

WORKERS = ("rebuild-a", "rebuild-b")


def wait_for_workers(names: list[str], processes, seconds: float = 180) -> None:
    """Until every named worker answers a ping (it has started and listens to the broker)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        replies = celery_app.control.ping(destination=names, timeout=1.0)
        if {name for reply in replies for name in reply} >= set(names):
            return
        for process in processes:
            if process.poll() is not None:
                pytest.fail(f"a worker exited:\n{process.communicate(timeout=20)[0][-4000:]}")
    pytest.fail(f"workers {names} did not answer within {seconds}s")


@pytest.fixture
def workers(transactional_db, settings):
    """Two worker processes on one queue of this run's own, this process's tasks sent there."""
    require_redis()
    settings.FACTCHECK_STANCE_CROSS_ENCODER = False  # statuses from the stance head alone: fast
    queue = f"factcheck-test-rebuild-{uuid.uuid4().hex[:12]}"
    names = [f"{name}-{uuid.uuid4().hex[:6]}@localhost" for name in WORKERS]
    with contextlib.ExitStack() as stack:
        processes = [
            stack.enter_context(real_worker(BROKER, queue=queue, hostname=name, FACTCHECK_STANCE_CROSS_ENCODER="0"))
            for name in names
        ]
        wait_for_workers(names, processes)
        yield names


def state() -> tuple[dict, dict]:
    """Each claim's cluster (named by the cluster's first claim, so two rebuilds from scratch
    compare) and nearest cosines; each cluster's status, reason, counts and label by that name."""
    rows = list(Claim.objects.order_by("id").values_list("id", "cluster_id", "nearest_cosines"))
    first: dict[int, int] = {}
    for claim_id, cluster_id, _ in rows:
        first.setdefault(cluster_id, claim_id)
    claims = {claim_id: (first[cluster_id], top) for claim_id, cluster_id, top in rows}
    clusters = {
        first[pk]: rest
        for pk, *rest in Cluster.objects.values_list(
            "pk", "status", "status_reason", "conflicts", "claim_count", "source_count", "label"
        )
    }
    return claims, clusters


@pytest.mark.worker
def test_a_rebuild_split_across_two_real_workers_gives_the_one_process_clusters(workers):
    fill(240, seed=5, index=False)
    one = services.recluster()  # one process: every pair scored here
    assert one.outcome == services.RAN and len(one.parts) == 1
    want = state()
    assert len({cluster for cluster, _ in want[0].values()}) > 20  # a real clustering, not one blob

    # From scratch again, the pair scores in parts shared with the two workers.
    Claim.objects.update(cluster=None, nearest_cosines=None)
    Cluster.objects.all().delete()
    split = services.recluster(workers=3)
    assert split.outcome == services.RAN
    scored_by = {label.rsplit(":", 1)[0] for label in split.parts}
    assert set(workers) <= scored_by, split.parts  # both workers scored parts of it
    assert sum(split.parts.values()) > len(split.parts)  # more parts than processes
    assert state() == want
    assert not RebuildJob.objects.exists() and not RebuildPart.objects.exists()  # they go with the rebuild

    # A rebuild of the built clusters, split again: nothing moves, every id is kept.
    ids = dict(Claim.objects.values_list("id", "cluster_id"))
    again = services.recluster(workers=3)
    assert again.kept_ids == again.clusters and again.refreshed == 0
    assert dict(Claim.objects.values_list("id", "cluster_id")) == ids


@pytest.mark.worker
def test_a_rebuild_with_workers_shares_its_status_refresh_and_leaves_no_status_stale(workers):
    fill(240, seed=6, index=False)
    report = services.recluster(workers=2)
    assert report.outcome == services.RAN and report.refreshed == report.clusters > 20
    assert not Cluster.objects.filter(status_stale=True).exists()
    batches = report.status_batches
    assert batches["workers"] > 0 and batches["here"] > 0, batches  # both sides refreshed batches
    assert batches["after_waiting"] == 0  # no worker was waited for in vain
