"""Claims' vectors are copied to a table of their own, which carries the HNSW index: every way of
storing a vector copies it, moving a claim to another cluster writes nothing there (no insertion
into the HNSW graph), and the migration copies an existing archive's vectors."""

from __future__ import annotations

import numpy as np
import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from claims.models import Claim, ClaimVector, Cluster
from claims.services.rebuild import write_rows
from claims.services.scoring import vector_index_name
from evaluation.bench_rebuild import fill

pytestmark = pytest.mark.django_db


def copies() -> dict[int, tuple[str, list[float]]]:
    """claim id -> (model, vector) as the indexed table holds them."""
    return {row.claim_id: (row.embedding_model, [float(x) for x in row.embedding]) for row in ClaimVector.objects.all()}


def writes_to_the_copies() -> int:
    """Rows inserted, updated or deleted in the indexed table in this transaction so far."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables "
            "WHERE relname = 'claims_claimvector'"
        )
        return cursor.fetchone()[0]


def hnsw_indexes() -> list[tuple[str, str]]:
    """(table, index) of every HNSW index."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename, indexname FROM pg_indexes WHERE indexdef LIKE '%%USING hnsw%%' ORDER BY 2")
        return cursor.fetchall()


def test_every_stored_vector_is_copied_to_the_indexed_table_with_its_model():
    fill(60, seed=3, index=False)
    stored = {c.pk: (c.embedding_model, [float(x) for x in c.embedding]) for c in Claim.objects.all()}
    assert len(stored) == 60
    assert copies() == stored


def test_moving_claims_to_other_clusters_writes_nothing_to_the_indexed_table():
    fill(60, seed=3, index=False)
    ids = list(Claim.objects.order_by("id").values_list("id", flat=True))
    cluster = Cluster.objects.create()
    with transaction.atomic():
        before = writes_to_the_copies()
        write_rows(ids, [cluster.pk] * len(ids), [[[0.5]]] * len(ids), [0.2] * len(ids))  # a rebuild's write
        claim = Claim.objects.get(pk=ids[0])
        claim.cluster = None
        claim.save()  # the ORM names every column, the vector's included
        assert writes_to_the_copies() == before
    assert set(Claim.objects.filter(cluster=cluster).values_list("id", flat=True)) == set(ids[1:])


def test_a_changed_vector_is_copied_again_and_a_removed_one_or_deleted_claim_leaves_the_index():
    fill(20, seed=4, index=False)
    first, second, third = Claim.objects.order_by("id")[:3]
    first.embedding = np.ones(len(first.embedding), dtype=np.float32)
    first.embedding_model = "another-model"
    first.save()
    second.embedding = None
    second.save()
    third.delete()
    held = copies()
    assert held[first.pk] == ("another-model", [1.0] * len(first.embedding))
    assert second.pk not in held and third.pk not in held
    assert len(held) == 18


def test_the_migration_copies_an_archives_vectors_and_moves_the_hnsw_index_to_the_copies(transactional_db):
    fill(30, seed=6)  # the index built, as an archive has it
    dimension = len(Claim.objects.first().embedding)
    executor = MigrationExecutor(connection)
    executor.migrate([("claims", "0015_claim_fillfactor")])
    assert hnsw_indexes() == [("claims_claim", f"claims_claim_embedding_hnsw_{dimension}")]  # as it was
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    stored = {c.pk: (c.embedding_model, [float(x) for x in c.embedding]) for c in Claim.objects.all()}
    assert copies() == stored and len(stored) == 30
    assert hnsw_indexes() == [("claims_claimvector", vector_index_name(dimension))]
