"""The whole pipeline on the five seeds: extraction, embedding, clustering, statuses."""

from __future__ import annotations

import pytest

from claims import services
from claims.choices import ClusterStatus, SourceStatus
from claims.models import Claim, Cluster
from claims.services.scoring import vector_index_name
from sources.models import Source
from tests.conftest import SEEDS

pytestmark = pytest.mark.django_db

SEED = {n: f"00{n}_" for n in range(5)}


def source(n: int) -> Source:
    return Source.objects.get(origin__contains=SEED[n])


def hundred_million_claims() -> list[Claim]:
    return [
        c
        for c in Claim.objects.select_related("source")
        if c.quantity and c.quantity.get("value") == 100_000_000 and c.quantity.get("unit") == "users"
    ]


def claims_with_value(value: float) -> list[Claim]:
    return [c for c in Claim.objects.all() if c.quantity and c.quantity.get("value") == value]


def test_all_five_seeds_are_ingested_and_processed(seeded):
    assert len(seeded.created) == 5
    assert set(Source.objects.values_list("status", flat=True)) == {SourceStatus.PROCESSED}
    assert all(source(n).claims.exists() for n in range(5))


def test_the_manifest_gives_each_seed_its_language(seeded):
    assert source(0).language == "ar"
    assert source(2).language == "mixed"


def test_every_claim_span_is_an_exact_slice_of_its_source(seeded):
    for claim in Claim.objects.select_related("source"):
        assert claim.source.text[claim.start : claim.end] == claim.text


def test_the_100_million_whatsapp_users_claim_is_found_in_seeds_000_001_002_in_both_languages(seeded):
    found = hundred_million_claims()
    by_source = {}
    for claim in found:
        by_source.setdefault(claim.source.origin.rsplit("/", 1)[-1][:3], set()).add(
            (claim.language, claim.quantity["qualifier"])
        )
    assert {"000", "001", "002"} <= set(by_source)
    assert ("ar", "more_than") in by_source["000"] and ("ar", "at_least") in by_source["000"]
    assert ("ar", "more_than") in by_source["001"]
    assert {("ar", "more_than"), ("en", "more_than")} <= by_source["002"]


def test_the_100_million_claims_form_one_agreeing_cluster_of_three_sources(seeded):
    clusters = {c.cluster_id for c in hundred_million_claims()}
    assert len(clusters) == 1
    cluster = Cluster.objects.get(pk=clusters.pop())
    assert cluster.status == ClusterStatus.AGREEMENT
    assert cluster.source_count == 3
    assert set(cluster.languages) == {"ar", "en"}


def test_the_100_million_cluster_holds_no_telegram_or_max_figure(seeded):
    cluster_id = hundred_million_claims()[0].cluster_id
    telegram = claims_with_value(60_000_000)
    max_users = claims_with_value(55_000_000)
    assert telegram and max_users
    assert all(c.cluster_id != cluster_id for c in telegram + max_users)


def test_the_arabic_and_english_halves_of_seed_002_meet_in_the_same_clusters(seeded):
    seed = source(2)
    arabic = [c for c in seed.claims.all() if c.language == "ar" and c.quantity]
    english = [c for c in seed.claims.all() if c.language == "en" and c.quantity]
    assert arabic and english
    assert {c.cluster_id for c in arabic} & {c.cluster_id for c in english}


def test_reingesting_the_seeds_creates_nothing(seeded, django_capture_on_commit_callbacks):
    counts = (Source.objects.count(), Claim.objects.count(), Cluster.objects.count())
    with django_capture_on_commit_callbacks(execute=True):
        report = services.ingest_inputs([str(SEEDS)])
    assert len(report.created) == 0 and len(report.existing) == 5
    assert (Source.objects.count(), Claim.objects.count(), Cluster.objects.count()) == counts


def test_the_same_text_from_another_file_is_the_same_source(seeded, tmp_path, django_capture_on_commit_callbacks):
    copy = tmp_path / "copy.txt"
    copy.write_text(source(3).text + "\n\n", encoding="utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        report = services.ingest_inputs([str(copy)])
    assert report.existing == [source(3)]


def test_recluster_is_deterministic_and_keeps_cluster_ids(seeded):
    before = dict(Claim.objects.values_list("id", "cluster_id"))
    report = services.recluster()
    assert report.claims == Claim.objects.count()
    after = dict(Claim.objects.values_list("id", "cluster_id"))
    # Ingestion re-clusters each newcomer's neighbourhood by the rebuild's rule, so on the seeds
    # a full rebuild regroups nothing and every cluster keeps its id.
    assert after == before
    again = services.recluster()
    assert dict(Claim.objects.values_list("id", "cluster_id")) == after and again.kept_ids == again.clusters


def test_a_rebuild_recomputes_statuses_only_where_claims_moved_unless_asked_for_all(seeded):
    services.recluster()
    cluster = Cluster.objects.filter(claims__isnull=False).first()
    right = (cluster.status, cluster.status_reason)
    Cluster.objects.filter(pk=cluster.pk).update(status=ClusterStatus.CONTRADICTION, status_reason="stale")
    quiet = services.recluster()
    assert quiet.refreshed == 0  # nothing moved: no status to recompute
    assert Cluster.objects.get(pk=cluster.pk).status_reason == "stale"
    everything = services.recluster(all_statuses=True)
    assert everything.refreshed == everything.clusters
    cluster.refresh_from_db()
    assert (cluster.status, cluster.status_reason) == right


def test_a_claim_moved_by_a_rebuild_has_both_its_clusters_statuses_recomputed(seeded):
    services.recluster()
    moved = Claim.objects.filter(cluster__isnull=False).order_by("id").first()
    old_cluster = moved.cluster_id
    lone = Cluster.objects.create(label="parked by hand")
    Claim.objects.filter(pk=moved.pk).update(cluster=lone)
    Cluster.objects.filter(pk=old_cluster).update(status_reason="stale")
    report = services.recluster()
    assert report.refreshed >= 1
    assert Cluster.objects.get(pk=Claim.objects.get(pk=moved.pk).cluster_id).status_reason != "stale"


def test_incremental_assignment_and_a_rebuild_agree_on_the_key_cluster(seeded):
    services.recluster()
    clusters = {c.cluster_id for c in hundred_million_claims()}
    assert len(clusters) == 1


def test_processing_a_source_twice_does_nothing_the_second_time(seeded):
    seed = source(1)
    ids = set(seed.claims.values_list("id", flat=True))
    assert services.process_source(seed.pk) == len(ids)
    assert set(seed.claims.values_list("id", flat=True)) == ids


def test_claims_are_stored_with_vectors_in_pgvector_behind_an_hnsw_index(seeded):
    from django.db import connection

    claim = Claim.objects.first()
    dim = len(claim.embedding)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'claims_claimvector' AND indexname = %s",
            [vector_index_name(dim)],
        )
        (indexdef,) = cursor.fetchone()
        assert "hnsw" in indexdef
        cursor.execute("SET LOCAL enable_seqscan = off")
        literal = "[" + ",".join(str(float(x)) for x in claim.embedding) + "]"
        cursor.execute(
            f"EXPLAIN SELECT claim_id FROM claims_claimvector WHERE vector_dims(embedding) = {dim} "
            f"ORDER BY (embedding::vector({dim})) <=> %s::vector({dim}) LIMIT 5",
            [literal],
        )
        plan = " ".join(row[0] for row in cursor.fetchall())
    assert vector_index_name(dim) in plan


def test_a_claims_nearest_neighbour_through_the_index_is_itself(seeded):
    import numpy as np

    claim = Claim.objects.exclude(cluster=None).first()
    [(nearest_id, cluster_id, similarity), *_] = services.nearest_clustered(
        np.asarray(claim.embedding, dtype=np.float32), claim.embedding_model
    )
    assert nearest_id == claim.pk and cluster_id == claim.cluster_id and similarity > 0.999


def test_nearest_clustered_claims_are_read_through_the_hnsw_index_even_with_statistics_from_before_clustering(
    seeded,
):
    """Statistics taken while every claim was unclustered (an import before the first build) must
    not send the kNN query through the cluster_id index, which reads every clustered claim."""
    import numpy as np
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    claim = Claim.objects.exclude(cluster=None).first()
    dim = len(claim.embedding)
    columns = [f.column for f in Claim._meta.concrete_fields if f.column not in ("id", "start", "end", "cluster_id")]
    listed = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        # An archive of a few thousand claims, all unclustered when the statistics are taken.
        cursor.execute(
            f'INSERT INTO claims_claim ({listed}, "start", "end", cluster_id) '
            f'SELECT {listed}, "start" + 100000 * g, "end" + 100000 * g, NULL '
            "FROM claims_claim CROSS JOIN generate_series(1, 40) AS g"
        )
        cursor.execute("UPDATE claims_claim SET cluster_id = NULL")
        cursor.execute("ANALYZE claims_claim")  # the planner now believes no claim is clustered
        cursor.execute("ANALYZE claims_claimvector")
        cursor.execute("UPDATE claims_claim SET cluster_id = %s", [claim.cluster_id])  # then the first build
        with CaptureQueriesContext(connection) as queries:
            services.nearest_clustered(np.asarray(claim.embedding, dtype=np.float32), claim.embedding_model)
        [knn] = [q["sql"] for q in queries.captured_queries if "<=>" in q["sql"]]
        cursor.execute(f"EXPLAIN {knn}")
        plan = " ".join(row[0] for row in cursor.fetchall())
    assert vector_index_name(dim) in plan
    assert "cluster_id_" not in plan
