"""Ingest does not wait for a rebuild: the rebuild scores its pairs holding no cluster lock, an
article ingested meanwhile is assigned against the clusters as they are, and the rebuild's
commit places its claims (they keep a cluster that lives on, or join where their cluster's
claims went)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest
from django.db import connection, transaction

from claims import services
from claims.choices import LinkKind
from claims.models import Claim, ClaimLink, Cluster
from claims.services import rebuild
from evaluation.bench_rebuild import fill
from evaluation.gold import score_matching_gold
from newsclaims.matching.clustering import CANDIDATE_NEIGHBOURS, floor_of
from sources.models import Source
from tests.conftest import SEEDS

GOLD = Path(__file__).resolve().parent.parent / "data" / "seeds_matching_gold.json"
HELD_BACK = "001_92d40e5cc15f88f5.txt"  # in two of the gold's cross-article groups
PAUSE = 240.0  # longest the rebuild below stays paused in its scoring


@pytest.fixture
def four_seeds(transactional_db):
    """Every seed but one processed (tasks in-process) and committed, then clustered."""
    report = services.ingest_inputs([str(path) for path in sorted(SEEDS.glob("*.txt")) if path.name != HELD_BACK])
    assert not report.errors, report.errors
    services.recluster()


def test_an_ingest_during_a_rebuild_does_not_wait_for_it_and_its_claims_are_placed(four_seeds, monkeypatch):
    scoring, release = threading.Event(), threading.Event()
    score_here = rebuild._score_here

    def paused(plan, progress):  # the rebuild's long phase, held until the ingest below is done
        scoring.set()
        release.wait(timeout=PAUSE)
        return score_here(plan, progress)

    monkeypatch.setattr(rebuild, "_score_here", paused)
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["report"] = services.recluster()
        except BaseException as exc:  # reported by the test below
            outcome["error"] = exc
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=run)
    thread.start()
    try:
        assert scoring.wait(timeout=120), "the rebuild never reached its scoring"
        before = set(Claim.objects.values_list("id", flat=True))
        started = time.monotonic()
        ingested = services.ingest_inputs([str(SEEDS / HELD_BACK)])
        took = time.monotonic() - started
        assert not ingested.errors, ingested.errors
        # Done while the rebuild is still scoring: it did not wait for it.
        assert thread.is_alive() and not release.is_set()
        assert took < PAUSE / 2
        arrived = set(Claim.objects.values_list("id", flat=True)) - before
        assert arrived
        assert not Claim.objects.filter(pk__in=arrived, cluster=None).exists()  # assigned at once
    finally:
        release.set()
        thread.join(timeout=600)
    assert "error" not in outcome, outcome.get("error")
    report = outcome["report"]
    assert report.outcome == services.RAN
    assert report.arrived == len(arrived) and report.claims == len(before)
    assert not Claim.objects.filter(pk__in=arrived, cluster=None).exists()
    # The gold's groups across the held-back article and the others are together, with their statuses.
    assert score_matching_gold(GOLD).unexpected() == []
    # And a rebuild now, which clusters every claim from scratch, moves none of them.
    where = dict(Claim.objects.values_list("id", "cluster_id"))
    assert services.recluster().outcome == services.RAN
    assert dict(Claim.objects.values_list("id", "cluster_id")) == where


def copy_of(claim: Claim, cluster: Cluster | None, vector: np.ndarray | None = None) -> Claim:
    """The claim again (or another `vector`), in an article of its own, in `cluster`."""
    source = Source.objects.create(
        text=claim.text, content_hash=f"copy-{claim.pk}", language=claim.language, kind=claim.source.kind
    )
    fields = {
        f.name: getattr(claim, f.name)
        for f in Claim._meta.concrete_fields
        if f.name not in ("id", "source", "cluster", "start", "end", "created_at")
    }
    if vector is not None:
        fields["embedding"] = vector
    return Claim.objects.create(**fields, source=source, cluster=cluster, start=0, end=len(claim.text))


def test_claims_stored_while_a_rebuild_scored_keep_their_cluster_or_join_where_it_went(db, settings):
    settings.FACTCHECK_STANCE_CROSS_ENCODER = False  # statuses from the stance head alone: fast
    fill(240, seed=5, index=False)
    services.recluster()
    model = settings.FACTCHECK_EMBEDDING_MODEL
    rows = rebuild.read_claims(Claim.objects.filter(embedding__isnull=False, embedding_model=model), model)
    plan = rebuild.plan_rebuild(rows)
    values = rebuild.score_plan(plan)

    # Meanwhile, ingestion: x's copy arrived and the neighbourhood put x and its copy into a new
    # cluster K, away from the rest of x's cluster G; a claim like no other opened a cluster of its
    # own; a third arrived not yet assigned; and one claim was deleted.
    by_cluster: dict[int, list[int]] = {}
    for claim_id, cluster_id in Claim.objects.order_by("id").values_list("id", "cluster_id"):
        by_cluster.setdefault(cluster_id, []).append(claim_id)
    big = [members for _, members in sorted(by_cluster.items()) if len(members) >= 3]
    x = Claim.objects.get(pk=big[0][0])
    home = x.cluster_id
    k = Cluster.objects.create(label="K")
    moved_copy = copy_of(x, k)
    Claim.objects.filter(pk=x.pk).update(cluster=k)
    other = Claim.objects.get(pk=big[1][0])
    own = Cluster.objects.create(label="own")
    lonely = np.random.default_rng(0).standard_normal(len(other.embedding)).astype(np.float32)
    own_copy = copy_of(other, own, lonely / np.linalg.norm(lonely))
    unassigned = copy_of(Claim.objects.get(pk=big[2][0]), None)
    gone = big[3][0]
    Claim.objects.filter(pk=gone).delete()

    report = rebuild.ReclusterReport()
    with transaction.atomic():
        rebuild._commit(plan, rebuild.cluster_ahead(plan, values), report, all_statuses=False)
    assert report.claims == len(rows) - 1 and report.arrived == 3 and report.replaced == 1
    assert Claim.objects.get(pk=x.pk).cluster_id == home  # the rebuild put x back with its cluster...
    assert Claim.objects.get(pk=moved_copy.pk).cluster_id == home  # ...and its copy followed it there
    assert not Cluster.objects.filter(pk=k.pk).exists()  # K, left empty, went
    assert Claim.objects.get(pk=own_copy.pk).cluster_id == own.pk  # a cluster of arrivals only lives on
    assert Claim.objects.get(pk=unassigned.pk).cluster_id is None  # its processing assigns it
    # statuses refreshed where claims moved (the deleted claim may have held part of G to it)
    assert Cluster.objects.get(pk=home).claim_count == Claim.objects.filter(cluster_id=home).count()


def test_a_rebuild_stores_each_claims_nearest_cosines_over_the_archive_as_it_commits(db, settings):
    settings.FACTCHECK_STANCE_CROSS_ENCODER = False
    fill(120, seed=3, index=False)
    model = settings.FACTCHECK_EMBEDDING_MODEL
    rows = rebuild.read_claims(Claim.objects.filter(embedding__isnull=False, embedding_model=model), model)
    plan = rebuild.plan_rebuild(rows)
    values = rebuild.score_plan(plan)
    arrival = copy_of(Claim.objects.order_by("id").first(), None)  # stored while the rebuild scored
    with transaction.atomic():
        rebuild._commit(plan, rebuild.cluster_ahead(plan, values), rebuild.ReclusterReport(), all_statuses=False)
    claims = list(Claim.objects.order_by("id").values_list("id", "embedding", "candidate_floor"))
    unit = np.array([np.asarray(e, dtype=np.float64) for _, e, _ in claims])
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    stored = rebuild.read_tops([pk for pk, _, _ in claims])
    assert arrival.pk not in stored  # its assignment stores its own
    for k, (pk, _, _) in enumerate(claims):
        if pk == arrival.pk:
            continue
        want = np.sort(np.delete(unit @ unit[k], k))[::-1][:CANDIDATE_NEIGHBOURS]
        assert np.allclose(stored[pk], want, atol=1e-5), pk  # the arrival among them, where it comes
    first = claims[0][0]
    assert stored[first][0] == pytest.approx(1.0, abs=1e-5)  # its copy arrived: the nearest of all
    # A floor written with the plan is at most the list's: an assignment reads the list's.
    assert all(floor_of(stored[pk]) >= floor for pk, _, floor in claims if pk in stored)


def test_a_part_task_for_a_rebuild_that_is_over_does_nothing(db):
    assert services.score_rebuild_part("0" * 32, 0) is False


def test_nearest_cosines_ingestion_added_meanwhile_stay_in_the_rebuilt_lists():
    then = [[0.9, 0.5], [0.8]]
    now = [[0.9, 0.7], [0.8, 0.6]]  # a claim that arrived meanwhile, at 0.7 and 0.6, pushed 0.5 out
    assert rebuild._with_arrivals([[0.9, 0.5], [0.8]], then, now, 2) == now  # the rebuild agreed: kept
    assert rebuild._with_arrivals([[0.95, 0.4], [0.3]], then, now, 2) == [[0.95, 0.7], [0.6, 0.3]]
    assert rebuild._with_arrivals([[0.95, 0.4], [0.3]], then, then, 2) == [[0.95, 0.4], [0.3]]  # none arrived
    assert rebuild._with_arrivals([[0.95], [0.3]], None, [[0.2], [0.1]], 2) == [[0.95, 0.2], [0.3, 0.1]]


@pytest.fixture
def stored_rows(db, settings):
    """120 stored claims read as a rebuild reads them, with no worker's cache left from another test."""
    settings.FACTCHECK_STANCE_CROSS_ENCODER = False
    fill(120, seed=7, index=False)
    model = settings.FACTCHECK_EMBEDDING_MODEL
    rebuild._job_cache.clear()
    rebuild._rows_cache.clear()
    yield rebuild.read_claims(Claim.objects.filter(embedding__isnull=False, embedding_model=model), model)
    rebuild._job_cache.clear()
    rebuild._rows_cache.clear()


def scores_here(plan: rebuild.RebuildPlan, clause_texts=None) -> np.ndarray:
    """The plan's pair scores in this process, with these read texts (None: read pair by pair)."""
    from newsclaims.matching.clustering import score_list

    return score_list(plan.pairs, rebuild._pair_scorer(plan.rows, plan.nearest, clause_texts))


def test_the_plan_reads_each_claims_text_once_and_its_scores_are_those_read_pair_by_pair(stored_rows):
    from newsclaims.matching.pairfeatures import clause_text_of

    rows = stored_rows
    plan = rebuild.plan_rebuild(rows)
    assert plan.clause_texts == [
        clause_text_of(text, s.language, s.text) for text, s in zip(rows.texts, rows.slots, strict=True)
    ]
    assert np.array_equal(scores_here(plan, plan.clause_texts), scores_here(plan))  # the same bits


def test_a_rebuilds_job_carries_the_read_texts_to_its_workers_and_an_unreadable_copy_is_read_again(stored_rows):
    from claims.models import RebuildJob
    from newsclaims.matching.clustering import score_list

    plan = rebuild.plan_rebuild(stored_rows)
    here = scores_here(plan, plan.clause_texts)
    job = rebuild.write_job(plan, rebuild._cut(plan.pairs, 2))
    assert rebuild._job_clause_texts(RebuildJob.objects.get(pk=job.pk)) == plan.clause_texts
    assert np.array_equal(score_list(plan.pairs, rebuild._job_scorer(job.id)), here)

    # Written by another version of the code (or damaged): the worker reads the texts itself.
    RebuildJob.objects.filter(pk=job.pk).update(clause_texts=b"not a pickle")
    assert rebuild._job_clause_texts(RebuildJob.objects.get(pk=job.pk)) is None
    rebuild._job_cache.clear()
    assert np.array_equal(score_list(plan.pairs, rebuild._job_scorer(job.id)), here)


def test_a_worker_asked_ahead_holds_the_rebuilds_claims_when_its_first_part_comes(
    stored_rows, django_assert_num_queries
):
    import uuid

    from claims.models import RebuildJob
    from newsclaims.matching.clustering import score_list

    rows = stored_rows
    # As `announce_job` does before planning: the job holds the claims, and a worker reads them.
    job = RebuildJob.objects.create(id=uuid.uuid4(), claim_ids=np.asarray(rows.ids, dtype="<i8").tobytes())
    assert rebuild.warm_rebuild_job(str(job.id))
    assert not rebuild.warm_rebuild_job(str(job.id))  # held already: asked twice, read once
    plan = rebuild.plan_rebuild(rows)
    rebuild.write_job(plan, rebuild._cut(plan.pairs, 2), job)
    with django_assert_num_queries(1):  # the job's row; the claims were read ahead
        scorer = rebuild._job_scorer(job.id)
    assert np.array_equal(score_list(plan.pairs, scorer), scores_here(plan, plan.clause_texts))
    # A job that is over (gone) is not read.
    rebuild._job_cache.clear()
    rebuild._rows_cache.clear()
    RebuildJob.objects.all().delete()
    assert not rebuild.warm_rebuild_job(str(job.id))


def _planned(settings, count: int, seed: int):
    """A rebuild of `count` stored claims planned and scored, and its clustering done ahead."""
    settings.FACTCHECK_STANCE_CROSS_ENCODER = False  # statuses from the stance head alone: fast
    fill(count, seed=seed, index=False)
    services.recluster()
    model = settings.FACTCHECK_EMBEDDING_MODEL
    rows = rebuild.read_claims(Claim.objects.filter(embedding__isnull=False, embedding_model=model), model)
    plan = rebuild.plan_rebuild(rows)
    ahead = rebuild.cluster_ahead(plan, rebuild.score_plan(plan))
    return plan, ahead


def test_a_rebuild_commits_the_clustering_it_did_before_the_lock_when_nothing_changed_meanwhile(db, settings):
    plan, ahead = _planned(settings, 160, seed=7)
    report = rebuild.ReclusterReport()
    with transaction.atomic():
        rebuild._commit(plan, ahead, report, all_statuses=False)
    assert report.clustered_ahead
    cluster_of = dict(Claim.objects.values_list("id", "cluster_id"))
    want = {frozenset(plan.rows.ids[i] for i in group) for group in ahead.result.groups()}
    got: dict[int, set[int]] = {}
    for claim_id, cluster_id in cluster_of.items():
        got.setdefault(cluster_id, set()).add(claim_id)
    assert {frozenset(g) for g in got.values()} == want


def test_an_editors_split_made_while_a_rebuild_clustered_is_obeyed_by_its_commit(db, settings):
    plan, ahead = _planned(settings, 160, seed=7)
    together = next(group for group in ahead.result.groups() if len(group) >= 2)
    a, b = sorted(plan.rows.ids[i] for i in together[:2])
    ClaimLink.objects.create(claim_a_id=a, claim_b_id=b, kind=LinkKind.DIFFERENT)  # after the clustering
    report = rebuild.ReclusterReport()
    with transaction.atomic():
        rebuild._commit(plan, ahead, report, all_statuses=False)
    assert not report.clustered_ahead  # clustered again, under the lock, with the editor's split
    assert Claim.objects.get(pk=a).cluster_id != Claim.objects.get(pk=b).cluster_id
