"""Rewriting a claim's nearest cosines (what assignment and rebuilds write most) keeps the row on
its page (a HOT update): no index is touched, the HNSW index over the vectors included."""

from __future__ import annotations

from django.db import connection, transaction

from claims.models import Claim
from evaluation.bench_rebuild import fill


def updates_here() -> tuple[int, int]:
    """(updates, HOT updates) of the claims table in this transaction so far."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = 'claims_claim'")
        return cursor.fetchone()


def test_a_claims_nearest_cosines_are_rewritten_in_place_without_touching_an_index(transactional_db):
    fill(200, seed=2)  # pages filled as an archive's are, the HNSW index built
    # Claims of far-apart pages, as an assignment's neighbours are.
    ids = list(Claim.objects.order_by("id").values_list("id", flat=True))[::10]
    with transaction.atomic():
        before = updates_here()
        for pk in ids:
            Claim.objects.filter(pk=pk).update(nearest_cosines=[[0.9, 0.8]], candidate_floor=0.3)
        updated, hot = (now - then for now, then in zip(updates_here(), before, strict=True))
    assert updated == len(ids)
    assert hot == len(ids)
