"""A rebuild's statuses are refreshed after its commit, outside the cluster lock: the commit marks
the clusters whose status can have changed stale, and they are refreshed in batches, each written
under the lock only where the cluster is still as it was assessed."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from claims import services, tasks
from claims.choices import ClusterStatus
from claims.models import Claim, Cluster
from claims.services import rebuild, statuses
from claims.services.scoring import lock_clusters
from evaluation.bench_rebuild import fill
from tests.integration.test_stance_refresh import _statement_cluster

FORTY = "The floods in Derna killed 40 people on Monday."
SEVENTY_FIVE = "The floods in Derna killed 75 people on Monday."


def stored_statuses() -> dict[int, tuple]:
    return {pk: rest for pk, *rest in Cluster.objects.values_list("pk", "status", "status_reason", "claim_count")}


def fresh_statuses() -> dict[int, tuple]:
    """Every cluster's status as a refresh of all of them at once computes it now."""
    statuses.refresh_clusters(Cluster.objects.values_list("pk", flat=True))
    return stored_statuses()


@pytest.mark.django_db
def test_a_rebuild_leaves_no_stale_status_and_the_statuses_a_full_refresh_gives(settings, monkeypatch):
    settings.FACTCHECK_STANCE_CROSS_ENCODER = False
    fill(120, seed=3, index=False)
    monkeypatch.setattr(rebuild, "REFRESH_BATCH", 9)  # many batches
    seen: list[tuple[int, int]] = []
    report = services.recluster(status_progress=lambda done, total: seen.append((done, total)))
    assert report.refreshed == report.clusters > 1
    assert not Cluster.objects.filter(status_stale=True).exists()
    stored = stored_statuses()
    assert stored == fresh_statuses()
    assert sum(report.by_status.values()) == Cluster.objects.count()
    assert len(seen) > 1 and seen[-1] == (report.refreshed, report.refreshed)


@pytest.mark.django_db
def test_a_refresh_writes_every_field_it_computes_and_leaves_the_others(settings):
    settings.FACTCHECK_STANCE_CROSS_ENCODER = False
    cluster = _statement_cluster([FORTY, SEVENTY_FIVE, "Derna's floods killed 40 people on Monday, officials said."])
    Cluster.objects.filter(pk=cluster.pk).update(verdict_note="checked by hand", status_stale=True)
    before = Cluster.objects.get(pk=cluster.pk).updated_at
    statuses.refresh_clusters([cluster.pk])
    cluster.refresh_from_db()
    assert cluster.status == ClusterStatus.CONTRADICTION and "40" in cluster.status_reason
    assert (cluster.claim_count, cluster.source_count, cluster.status_stale) == (3, 3, False)
    members = list(cluster.claims.order_by("pk"))
    assert cluster.languages == ["en"] and cluster.label in {c.text for c in members}
    assert cluster.conflicts and len(cluster.source_independence) == 3
    assert [point["claim"] for point in cluster.timeline] == [c.pk for c in members]
    assert sorted(point["value"] for point in cluster.timeline) == [40.0, 40.0, 75.0]
    assert cluster.updated_at > before and cluster.verdict_note == "checked by hand"


@pytest.mark.django_db
def test_queued_statuses_are_refreshed_by_tasks_after_the_commit(settings, django_capture_on_commit_callbacks):
    settings.FACTCHECK_STANCE_CROSS_ENCODER = False
    fill(60, seed=4, index=False)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = services.recluster(statuses=rebuild.QUEUE)
    # Committed, nothing refreshed yet: every status waits for its task, with its claim count right.
    assert report.refreshed == Cluster.objects.filter(status_stale=True).count() == report.clusters
    assert all(c.claim_count == c.claims.count() for c in Cluster.objects.all())
    for callback in callbacks:  # no broker: the tasks run here
        callback()
    assert not Cluster.objects.filter(status_stale=True).exists()


@pytest.mark.django_db(transaction=True)
def test_statuses_are_refreshed_while_ingestion_can_take_the_cluster_lock(settings, monkeypatch):
    settings.FACTCHECK_STANCE_CROSS_ENCODER = False
    fill(60, seed=6, index=False)
    assessed = statuses._assess
    taken: list[bool] = []

    def assignment_takes_the_lock() -> None:
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '5s'")
                lock_clusters()  # as assigning a new article's claims does
                taken.append(True)
        finally:
            connection.close()

    def assess_beside_an_assignment(ids, **kwargs):
        if not taken:
            thread = threading.Thread(target=assignment_takes_the_lock)
            thread.start()
            thread.join(30)
        return assessed(ids, **kwargs)

    monkeypatch.setattr(statuses, "_assess", assess_beside_an_assignment)
    report = services.recluster()
    assert taken == [True]
    assert report.locked_seconds > 0 and report.status_seconds > 0
    assert not Cluster.objects.filter(status_stale=True).exists()
    connections.close_all()


@pytest.mark.django_db
def test_a_status_assessed_on_claims_that_moved_meanwhile_is_not_written(settings, monkeypatch):
    settings.FACTCHECK_EMBEDDING_MODEL = "builtin:use+e5"
    settings.FACTCHECK_STANCE_CROSS_ENCODER = False
    forty, seventy_five = FORTY, SEVENTY_FIVE
    cluster = _statement_cluster([forty, seventy_five])
    rebuild.mark_stale([cluster.pk])
    assessed = statuses._assess
    old: list[str] = []

    def assess_then_ingestion_moves_a_claim(ids, **kwargs):
        out = assessed(ids, **kwargs)
        if old:  # ingestion's own refresh, below
            return out
        old.append(out.results[cluster.pk].status)
        with transaction.atomic():  # ingestion, between the assessment and its write
            lock_clusters()
            moved = Claim.objects.get(cluster=cluster, text=seventy_five)
            moved.cluster = Cluster.objects.create()
            moved.save(update_fields=["cluster"])
            statuses.refresh_clusters([cluster.pk, moved.cluster_id])
        return out

    monkeypatch.setattr(statuses, "_assess", assess_then_ingestion_moves_a_claim)
    assert services.refresh_stale_statuses([cluster.pk]) == []
    cluster.refresh_from_db()
    assert old == [ClusterStatus.CONTRADICTION]  # what the two claims gave
    assert (cluster.status, cluster.claim_count, cluster.status_stale) == (ClusterStatus.SINGLE_SOURCE, 1, False)


@pytest.mark.django_db
def test_a_cluster_still_stale_after_it_changed_is_assessed_again_on_its_new_claims(settings, monkeypatch):
    settings.FACTCHECK_EMBEDDING_MODEL = "builtin:use+e5"
    settings.FACTCHECK_STANCE_CROSS_ENCODER = False
    forty, seventy_five = FORTY, SEVENTY_FIVE
    cluster = _statement_cluster([forty])
    other = _statement_cluster([seventy_five])
    rebuild.mark_stale([cluster.pk])
    assessed = statuses._assess
    rounds: list[int] = []

    def assess_then_a_claim_joins(ids, **kwargs):
        out = assessed(ids, **kwargs)
        rounds.append(len(out.members[cluster.pk]))
        if len(rounds) == 1:  # a claim joins, and the cluster is left stale (as a rebuild's commit does)
            Claim.objects.filter(cluster=other).update(cluster=cluster)
            rebuild.mark_stale([cluster.pk])
        return out

    monkeypatch.setattr(statuses, "_assess", assess_then_a_claim_joins)
    assert services.refresh_stale_statuses([cluster.pk]) == [cluster.pk]
    cluster.refresh_from_db()
    assert rounds == [1, 2]
    assert (cluster.status, cluster.claim_count, cluster.status_stale) == (ClusterStatus.CONTRADICTION, 2, False)


@pytest.mark.django_db(transaction=True)
def test_the_scheduled_rebuild_leaves_its_statuses_to_tasks_that_finish_them(settings):
    settings.FACTCHECK_STANCE_CROSS_ENCODER = False
    fill(40, seed=7, index=False)
    result = tasks.recluster_task.delay().get()  # no broker: it and its status tasks run here
    assert result["outcome"] == rebuild.RAN and result["clusters"] > 1
    assert not Cluster.objects.filter(status_stale=True).exists()
    assert stored_statuses() == fresh_statuses()
