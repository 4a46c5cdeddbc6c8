"""A rebuild's status refresh shared with Celery workers, without a worker: how the stale clusters
are cut into batches, that a batch another process holds is left to it, and that one held with
nothing finishing is refreshed here after the wait (a hung worker never hangs the rebuild)."""

from __future__ import annotations

import pytest
from django.db import connections

from claims import services
from claims.models import Claim, Cluster
from claims.services import rebuild, statuses
from evaluation.bench_rebuild import fill


def built(n: int, seed: int) -> list[int]:
    """An archive of `n` claims clustered, every cluster's status then marked stale, as a first
    build's commit leaves them."""
    fill(n, seed=seed, index=False)
    services.recluster()
    ids = sorted(Cluster.objects.values_list("pk", flat=True))
    rebuild.mark_stale(ids)
    return ids


def claims_in(cluster_ids: list[int]) -> int:
    return Claim.objects.filter(cluster_id__in=cluster_ids).count()


@pytest.mark.django_db
def test_shared_batches_hold_every_stale_cluster_once_the_heaviest_first(settings):
    settings.FACTCHECK_STANCE_CROSS_ENCODER = False
    ids = built(120, seed=3)
    batches = statuses.shared_batches(ids, 2)
    assert sorted(pk for batch in batches for pk in batch) == ids
    assert len(batches) > 2  # more than one a process: one that finishes early takes another
    largest = max(ids, key=lambda pk: (Claim.objects.filter(cluster_id=pk).count(), -pk))
    assert largest in batches[0]
    small = statuses.shared_batches(ids, 2, most_claims=10)
    assert all(claims_in(batch) <= 10 for batch in small if len(batch) > 1)


@pytest.mark.django_db
def test_without_a_broker_a_rebuild_with_workers_refreshes_its_statuses_itself(settings):
    settings.FACTCHECK_STANCE_CROSS_ENCODER = False
    fill(60, seed=4, index=False)
    report = services.recluster(workers=2)  # tests run tasks eagerly: no broker
    assert report.status_batches == {}  # not shared: refreshed in this process, as with 1 worker
    assert not Cluster.objects.filter(status_stale=True).exists()


@pytest.mark.django_db(transaction=True)
def test_a_batch_held_by_a_hung_process_is_refreshed_here_after_the_wait(settings):
    settings.FACTCHECK_STANCE_CROSS_ENCODER = False
    ids = built(120, seed=5)
    batches = statuses.shared_batches(ids, 2)
    other = connections.create_connection("default")  # another process's session: a worker's
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [statuses.STATUS_BATCH_LOCK, min(batches[0])])
        assert statuses.refresh_status_batch(batches[0]) is None  # held: left to it
        assert Cluster.objects.filter(pk__in=batches[0], status_stale=True).count() == len(batches[0])

        seen: list[tuple[int, int]] = []
        shared = statuses.refresh_shared_statuses(ids, 2, progress=lambda *p: seen.append(p), patience=0.5)
    finally:
        other.close()
    assert (shared.here, shared.elsewhere, shared.after_waiting) == (len(batches) - 1, 0, 1)
    assert not Cluster.objects.filter(status_stale=True).exists()
    assert len(seen) >= len(batches) - 1 and seen[-1] == (len(ids), len(ids))  # one a batch, at least
