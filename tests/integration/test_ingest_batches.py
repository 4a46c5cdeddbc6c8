"""Articles processed in batches (`manage.py ingest`: ARTICLE_BATCH a task): a batch's new claims are
assigned together, so the neighbourhood they share is re-clustered once; a task for one article
takes the articles waiting in the queue with it; one bad article fails alone; re-processing a
source leaves its statuses to the status refresh job like assignment does."""

from __future__ import annotations

import pytest
from django.utils import timezone

from claims import services, tasks
from claims.choices import SourceStatus
from claims.models import Claim, Cluster
from claims.services import assign, ingest, statuses
from sources.models import Source
from sources.readers import SourceInput

pytestmark = pytest.mark.django_db

ARTICLES = [
    "The ministry said 4.2 million people were vaccinated last year. Officials added that 12 hospitals closed.",
    "Officials said 4.2 million people got vaccinated last year, according to the ministry.",
    "The central bank raised its main interest rate to 7.5 percent, the highest in 15 years.",
]


def stored(texts=ARTICLES) -> list[int]:
    """The articles stored, not processed yet (as `ingest_articles` leaves them before its task runs)."""
    return [
        services.ingest_source(SourceInput(text, f"batch-test:{k}"), enqueue=False).source.pk
        for k, text in enumerate(texts)
    ]


def test_ingesting_several_articles_queues_one_task_for_them_all(django_capture_on_commit_callbacks):
    items = [SourceInput(text, f"batch-test:{k}") for k, text in enumerate(ARTICLES)]
    with django_capture_on_commit_callbacks(execute=False) as queued:
        report = services.ingest_articles(items)
    assert len(report.created) == 3 and len(queued) == 1  # one processing task, not one per article


def test_a_batch_of_articles_is_assigned_in_one_call_and_re_clustered_once(monkeypatch):
    calls, rebuilds = [], []
    assign_claims, rebuild_rows = ingest.assign_claims, assign._rebuild_rows

    def counted_assign(claims):
        claims = list(claims)
        calls.append(len(claims))
        return assign_claims(claims)

    def counted_rebuild(rows, *args, **kwargs):
        rebuilds.append(len(rows))
        return rebuild_rows(rows, *args, **kwargs)

    monkeypatch.setattr(ingest, "assign_claims", counted_assign)
    monkeypatch.setattr(assign, "_rebuild_rows", counted_rebuild)
    ids = stored()
    counts = services.process_sources(ids)
    assert all(counts[pk] > 0 for pk in ids)
    assert calls == [sum(counts.values())]  # every new claim of the batch in one assignment
    assert len(rebuilds) == 1  # their neighbourhood re-clustered once, not once per article
    assert not Claim.objects.filter(cluster=None).exists()
    # The two articles stating the same figure share a cluster, as one at a time they would.
    same = Claim.objects.filter(text__contains="4.2 million").values_list("cluster_id", flat=True)
    assert len(same) == 2 and len(set(same)) == 1


def queued(ids: list[int]) -> None:
    Source.objects.filter(pk__in=ids).update(queued_at=timezone.now())


def counting_assignments(monkeypatch) -> list[int]:
    calls: list[int] = []
    assign_claims = ingest.assign_claims

    def counted(claims):
        claims = list(claims)
        calls.append(len(claims))
        return assign_claims(claims)

    monkeypatch.setattr(ingest, "assign_claims", counted)
    return calls


def test_the_task_for_one_article_takes_the_articles_waiting_in_the_queue_in_one_assignment(monkeypatch):
    ids = stored()
    queued(ids)
    calls = counting_assignments(monkeypatch)
    tasks.process_source_task.apply(args=(ids[2],)).get()
    assert len(calls) == 1  # the three articles embedded and assigned together
    assert set(Source.objects.filter(pk__in=ids).values_list("status", flat=True)) == {SourceStatus.PROCESSED}
    assert calls[0] == Claim.objects.filter(source_id__in=ids).count()
    for pk in ids[:2]:  # their own tasks, arriving later, find nothing to do
        tasks.process_source_task.apply(args=(pk,)).get()
    assert not any(calls[1:])


def test_a_source_not_queued_or_failed_before_is_not_taken_along():
    ids = stored([*ARTICLES, "The council approved 3 new schools on Tuesday, the mayor said."])
    queued([ids[0]])
    Source.objects.filter(pk=ids[1]).update(status=SourceStatus.FAILED, queued_at=timezone.now())
    services.process_source_and_backlog(ids[2])
    status = dict(Source.objects.filter(pk__in=ids).values_list("pk", "status"))
    assert status == {
        ids[0]: SourceStatus.PROCESSED,  # queued and waiting: taken along
        ids[1]: SourceStatus.FAILED,  # its own task retries it
        ids[2]: SourceStatus.PROCESSED,
        ids[3]: SourceStatus.PENDING,  # stored, never queued
    }
    assert not Claim.objects.filter(source_id__in=[ids[1], ids[3]]).exists()


def test_an_article_taken_along_that_fails_fails_alone_and_the_tasks_own_article_goes_in(monkeypatch):
    ids = stored()
    queued(ids)
    write_claims = ingest._write_claims

    def refusing(part):
        if part.source.pk == ids[0]:
            raise ValueError("the database refused a row")
        return write_claims(part)

    monkeypatch.setattr(ingest, "_write_claims", refusing)
    count = services.process_source_and_backlog(ids[2])
    assert count == Claim.objects.filter(source_id=ids[2]).count() > 0
    failed = Source.objects.get(pk=ids[0])
    assert failed.status == SourceStatus.FAILED and "refused" in failed.error
    assert Source.objects.get(pk=ids[1]).status == SourceStatus.PROCESSED


def test_an_article_whose_claims_cannot_be_written_fails_alone_and_the_others_go_in(monkeypatch):
    ids = stored()
    bad = ids[1]
    write_claims = ingest._write_claims

    def refusing(part):
        if part.source.pk == bad:
            raise ValueError("the database refused a row")
        return write_claims(part)

    monkeypatch.setattr(ingest, "_write_claims", refusing)
    with pytest.raises(ValueError, match="refused"):
        services.process_sources(ids)
    assert Source.objects.get(pk=bad).status == SourceStatus.FAILED
    assert "refused" in Source.objects.get(pk=bad).error
    assert not Claim.objects.filter(source_id=bad).exists()
    for pk in (ids[0], ids[2]):
        assert Source.objects.get(pk=pk).status == SourceStatus.PROCESSED
        assert Claim.objects.filter(source_id=pk).exclude(cluster=None).exists()


def test_an_article_that_breaks_the_batchs_assignment_fails_alone_and_the_others_go_in(monkeypatch):
    ids = stored()
    bad = ids[2]
    assign_claims = ingest.assign_claims

    def breaking(claims):
        claims = list(claims)
        if any(c.source_id == bad for c in claims):
            raise RuntimeError("assignment broke")
        return assign_claims(claims)

    monkeypatch.setattr(ingest, "assign_claims", breaking)
    with pytest.raises(RuntimeError, match="assignment broke"):
        services.process_sources(ids)
    assert Source.objects.get(pk=bad).status == SourceStatus.FAILED
    assert not Claim.objects.filter(source_id=bad).exists()  # its writes rolled back with it
    for pk in ids[:2]:
        assert Source.objects.get(pk=pk).status == SourceStatus.PROCESSED
        assert Claim.objects.filter(source_id=pk).exclude(cluster=None).exists()
    # Ingesting it again (the fault gone) processes it.
    monkeypatch.setattr(ingest, "assign_claims", assign_claims)
    assert services.process_sources([bad])[bad] > 0


@pytest.mark.django_db(transaction=True)  # no transaction around the ingest: its tasks run as it queues them
def test_ingest_reports_an_article_whose_processing_failed_in_process_as_an_error(monkeypatch):
    write_claims = ingest._write_claims

    def refusing(part):
        if "central bank" in part.source.text:
            raise ValueError("the database refused a row")
        return write_claims(part)

    monkeypatch.setattr(ingest, "_write_claims", refusing)
    heard = []
    items = [SourceInput(text, f"batch-test:{k}") for k, text in enumerate(ARTICLES)]
    report = services.ingest_articles(items, lambda item, result: heard.append(result))  # tasks run here
    assert len(report.created) == 2 and len(report.errors) == 1
    assert "processing failed" in report.errors[0].reason and "refused" in report.errors[0].reason
    assert heard[2] is None  # heard of once its batch was processed, with what became of it
    assert all(Source.objects.get(pk=r.source.pk).status == SourceStatus.PROCESSED for r in heard[:2])


def test_reprocessing_a_source_leaves_its_clusters_statuses_to_the_job_queued_on_commit(
    monkeypatch, django_capture_on_commit_callbacks
):
    ids = stored()
    with django_capture_on_commit_callbacks(execute=True):
        services.process_sources(ids)
    assert not Cluster.objects.filter(status_stale=True).exists()
    computed = []
    refresh_clusters = statuses.refresh_clusters

    def spy(cluster_ids, *, wait_for_stance=True):
        computed.append(set(cluster_ids))
        return refresh_clusters(cluster_ids, wait_for_stance=wait_for_stance)

    monkeypatch.setattr(statuses, "refresh_clusters", spy)
    kept = set(Claim.objects.filter(source_id=ids[0]).values_list("cluster_id", flat=True))
    with django_capture_on_commit_callbacks(execute=False):
        report = services.reprocess_sources([ids[0]])
        assert report.queued == [ids[0]]
    with django_capture_on_commit_callbacks(execute=False) as queued:
        services.process_sources([ids[0]], force=True)
    assert computed == []  # no status computed inline
    stale = set(Cluster.objects.filter(status_stale=True).values_list("pk", flat=True))
    assert kept & set(Cluster.objects.values_list("pk", flat=True)) <= stale and stale
    for callback in queued:
        callback()
    assert not Cluster.objects.filter(status_stale=True).exists()


def test_the_pair_memo_answers_a_pair_seen_before_and_scores_it_again_when_its_inputs_change():
    from types import SimpleNamespace

    import numpy as np

    from newsclaims.matching.rules import ClaimSlots

    def rows_of(nearest_of_first):
        rows = SimpleNamespace(
            ids=[1, 2, 3],
            vectors=np.eye(3, dtype=np.float32),
            texts=["a", "b", "c"],
            slots=[ClaimSlots(id=1, source_id=10), ClaimSlots(id=2, source_id=20), ClaimSlots(id=3, source_id=20)],
        )
        return rows, [nearest_of_first, [[0.5]], [[0.4]]]

    scored = []

    def score(i, j, cosine):
        scored.append((i, j))
        return float(i + j) / 10

    memo = assign._PairMemo()
    first = memo.scorer(*rows_of([[0.3]]), score)
    assert first(0, 1, 0.0) == 0.1 and first(0, 1, 0.0) == 0.1
    assert scored == [(0, 1)]
    again = memo.scorer(*rows_of([[0.3]]), score)  # the same rows in a later re-clustering
    assert again(0, 1, 0.0) == 0.1 and scored == [(0, 1)]
    moved = memo.scorer(*rows_of([[0.9]]), score)  # the first claim's nearest cosines took a newcomer in
    assert moved(0, 1, 0.0) == 0.1 and scored == [(0, 1), (0, 1)]
    rows, nearest = rows_of([[0.3]])
    rows.ids, rows.vectors, rows.texts, rows.slots = rows.ids[:2], rows.vectors[:2], rows.texts[:2], rows.slots[:2]
    fewer = memo.scorer(rows, nearest[:2], score)  # claim 2's source no longer held whole: its margins differ
    assert fewer(0, 1, 0.0) == 0.1 and scored == [(0, 1), (0, 1), (0, 1)]
