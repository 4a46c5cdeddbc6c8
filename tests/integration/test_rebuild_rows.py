"""The lean rebuild (claims read as rows, changed rows written in one statement per batch) gives
the clusters, ids, nearest cosines and statuses the rebuild over model objects gave, and writes
only the rows whose values changed."""

from __future__ import annotations

import math

import numpy as np
import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from claims import services
from claims.choices import LinkKind
from claims.models import Claim, ClaimLink, Cluster
from claims.services import rebuild
from claims.services.rebuild import REBUILD_ORDER, editor_constraints
from claims.services.scoring import _claim_scorer, _matcher, slots_of
from claims.services.statuses import refresh_clusters
from evaluation.bench_rebuild import fill
from newsclaims.matching.clustering import cluster_all, stable_ids
from newsclaims.matching.rules import same_figure

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(db, settings):
    """240 synthetic claims (evaluation.bench_rebuild: topics, paraphrase groups, both languages,
    articles and standalone statements), never clustered."""
    settings.FACTCHECK_STANCE_CROSS_ENCODER = False  # statuses from the stance head alone: fast
    fill(240, seed=5, index=False)  # (an index cannot be built in a test's transaction)
    return list(Claim.objects.order_by("id").values_list("id", flat=True))


def reference_recluster() -> None:
    """The rebuild as it was before it read rows: every claim as a model object (with its source),
    scored, clustered, kept ids by overlap, `bulk_update`d, then every status refreshed at once."""
    model_name = django_settings.FACTCHECK_EMBEDDING_MODEL
    claims = list(
        Claim.objects.filter(embedding__isnull=False, embedding_model=model_name)
        .select_related("source")
        .order_by(*REBUILD_ORDER)
    )
    vectors = np.stack([np.asarray(c.embedding, dtype=np.float32) for c in claims])
    slots = [slots_of(c) for c in claims]
    before = [(c.cluster_id, c.nearest_cosines) for c in claims]
    matcher = _matcher()
    claim_scorer = _claim_scorer(claims, vectors, matcher.pair_model, stored_neighbours=False)
    for claim, top in zip(claims, claim_scorer.neighbour_cosines, strict=True):
        claim.nearest_cosines = top

    def scorer(i: int, j: int, cosine: float) -> float:
        return claim_scorer.score(i, j, same_figure(slots[i], slots[j]))

    result = cluster_all(slots, vectors, matcher.threshold, None, editor_constraints([c.pk for c in claims]), scorer)
    groups = [[claims[i] for i in group] for group in result.groups()]
    old_cluster_of = {c.pk: c.cluster_id for c in claims if c.cluster_id not in result.locked_labels.values()}
    free = [label for label in range(len(groups)) if label not in result.locked_labels]
    kept = dict(zip(free, stable_ids([[c.pk for c in groups[label]] for label in free], old_cluster_of), strict=True))
    kept.update(result.locked_labels)
    existing = set(Cluster.objects.filter(pk__in=[k for k in kept.values() if k]).values_list("pk", flat=True))
    final_ids = []
    for label, group in enumerate(groups):
        cluster_id = kept.get(label)
        if cluster_id is None or cluster_id not in existing:
            cluster_id = Cluster.objects.create(label=group[0].text[:300]).pk
        final_ids.append(cluster_id)
        for claim in group:
            claim.cluster_id = cluster_id
    dirty = [c for c, old in zip(claims, before, strict=True) if (c.cluster_id, c.nearest_cosines) != old]
    Claim.objects.bulk_update(dirty, ["cluster_id", "nearest_cosines"], batch_size=1000)
    Cluster.objects.exclude(pk__in=final_ids).filter(claims__isnull=True).delete()
    refresh_clusters(final_ids)


def state(old_ids: set[int]) -> tuple[dict, dict]:
    """Each claim's cluster and nearest cosines, and each cluster's status, reason, counts and
    label, with clusters made by the rebuild named by their first claim (their ids differ
    between two runs) and clusters that existed before by their id."""
    rows = list(Claim.objects.order_by("id").values_list("id", "cluster_id", "nearest_cosines"))
    first: dict[int, int] = {}
    for claim_id, cluster_id, _ in rows:
        first.setdefault(cluster_id, claim_id)

    def name(cluster_id):
        return ("kept", cluster_id) if cluster_id in old_ids else ("new", first.get(cluster_id))

    claims = {claim_id: (name(cluster_id), top) for claim_id, cluster_id, top in rows}
    clusters = {
        name(pk): rest
        for pk, *rest in Cluster.objects.values_list(
            "pk", "status", "status_reason", "conflicts", "claim_count", "source_count", "languages", "label"
        )
    }
    return claims, clusters


def both_ways() -> tuple[tuple[dict, dict], tuple[dict, dict]]:
    """The state after the reference rebuild (rolled back) and after `recluster`."""
    old_ids = set(Cluster.objects.values_list("pk", flat=True))
    with transaction.atomic():
        reference_recluster()
        want = state(old_ids)
        transaction.set_rollback(True)
    report = services.recluster()
    assert report.outcome == rebuild.RAN
    return want, state(old_ids)


def test_from_scratch_the_rows_rebuild_gives_the_object_rebuilds_clusters_and_statuses(corpus, monkeypatch):
    monkeypatch.setattr(rebuild, "REFRESH_BATCH", 7)  # statuses refreshed in many small batches
    monkeypatch.setattr(rebuild, "READ_BATCH", 50)  # claims streamed in several round trips
    want, got = both_ways()
    assert got == want
    assert len({cluster for cluster, _ in got[0].values()}) > 20  # a real clustering, not one blob


def test_with_editors_decisions_and_drifted_ids_the_rows_rebuild_gives_the_same_result(corpus, monkeypatch):
    services.recluster()
    by_cluster: dict[int, list[int]] = {}
    for claim_id, cluster_id in Claim.objects.order_by("id").values_list("id", "cluster_id"):
        by_cluster.setdefault(cluster_id, []).append(claim_id)
    big = [members for members in by_cluster.values() if len(members) >= 3]
    # An editor locks one cluster, says two claims of different clusters are the same and two of
    # one cluster are not; meanwhile ingestion left a few claims in other clusters.
    Cluster.objects.filter(pk=Claim.objects.get(pk=big[0][0]).cluster_id).update(locked=True)
    same = sorted([big[1][0], big[2][0]])
    ClaimLink.objects.create(claim_a_id=same[0], claim_b_id=same[1], kind=LinkKind.SAME)
    ClaimLink.objects.create(claim_a_id=big[3][0], claim_b_id=big[3][1], kind=LinkKind.DIFFERENT)
    target = Claim.objects.get(pk=big[5][0]).cluster_id
    Claim.objects.filter(pk__in=[big[4][0], big[6][0]]).update(cluster_id=target)
    Claim.objects.filter(pk=big[7][0]).update(nearest_cosines=None)
    monkeypatch.setattr(rebuild, "REFRESH_BATCH", 5)
    want, got = both_ways()
    assert got == want


def ctids() -> dict[int, str]:
    """Where each claim's row version sits: an UPDATE (HOT or not) writes a new version elsewhere."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, ctid::text FROM claims_claim")
        return dict(cursor.fetchall())


def rebuild_updates(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "claims_claim" AS c SET')]


def test_a_rebuild_writes_only_changed_rows_one_statement_per_batch(corpus, monkeypatch):
    monkeypatch.setattr(rebuild, "WRITE_BATCH", 100)
    with CaptureQueriesContext(connection) as queries:
        services.recluster()  # from scratch: every claim gets a cluster and its nearest cosines
    assert len(rebuild_updates(queries)) == math.ceil(len(corpus) / 100)
    settled = ctids()

    with CaptureQueriesContext(connection) as queries:
        services.recluster()  # nothing changed since: nothing is written
    assert rebuild_updates(queries) == [] and ctids() == settled

    # Drift: two claims moved into another cluster, one claim's nearest cosines lost.
    by_cluster: dict[int, list[int]] = {}
    for claim_id, cluster_id in Claim.objects.order_by("id").values_list("id", "cluster_id"):
        by_cluster.setdefault(cluster_id, []).append(claim_id)
    big = [members for cluster_id, members in sorted(by_cluster.items()) if len(members) >= 3]
    home = dict(Claim.objects.values_list("id", "cluster_id"))
    moved = [big[0][0], big[1][0]]
    Claim.objects.filter(pk__in=moved).update(cluster_id=home[big[2][0]])
    lost = big[3][0]
    Claim.objects.filter(pk=lost).update(nearest_cosines=None)
    drifted = ctids()
    monkeypatch.setattr(rebuild, "WRITE_BATCH", 2)
    with CaptureQueriesContext(connection) as queries:
        services.recluster()
    after = ctids()
    assert {pk for pk in after if after[pk] != drifted[pk]} == {*moved, lost}  # exactly the changed rows
    assert len(rebuild_updates(queries)) == 2  # 3 rows, 2 a statement
    assert dict(Claim.objects.values_list("id", "cluster_id")) == home
    assert Claim.objects.get(pk=lost).nearest_cosines is not None


def test_write_rows_stores_clusters_nearest_cosines_as_the_json_field_does_and_candidate_floors(corpus):
    a, b = corpus[:2]
    cluster = Cluster.objects.create(label="x")
    rebuild.write_rows([a, b], [cluster.pk, cluster.pk], [[[0.5, 0.25], [0.125]], None], [0.4375, None])
    assert Claim.objects.get(pk=a).nearest_cosines == [[0.5, 0.25], [0.125]]
    assert Claim.objects.get(pk=a).candidate_floor == 0.4375
    assert Claim.objects.filter(
        pk=b, nearest_cosines__isnull=True, candidate_floor__isnull=True, cluster_id=cluster.pk
    ).exists()  # SQL NULL


def test_claims_read_as_rows_carry_the_model_objects_vectors_and_slots(corpus, monkeypatch):
    monkeypatch.setattr(rebuild, "READ_BATCH", 64)
    queryset = Claim.objects.filter(embedding__isnull=False)
    rows = rebuild.read_claims(queryset, django_settings.FACTCHECK_EMBEDDING_MODEL)
    objects = list(queryset.select_related("source").order_by(*REBUILD_ORDER))
    assert rows.ids == [c.pk for c in objects]
    assert rows.vectors.dtype == np.float32
    assert np.array_equal(rows.vectors, np.stack([np.asarray(c.embedding, dtype=np.float32) for c in objects]))
    assert rows.slots == [slots_of(c) for c in objects]
    assert rows.texts == [c.match_text or c.text for c in objects]
    assert any(s.standalone for s in rows.slots) and not all(s.standalone for s in rows.slots)
