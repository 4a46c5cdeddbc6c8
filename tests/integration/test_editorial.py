"""Editors' decisions: applied at once, and obeyed by every later re-clustering."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from claims import services
from claims.choices import LinkKind
from claims.models import Claim, ClaimLink, Cluster
from claims.services import editorial
from claims.services.audit import ConflictingDecision

pytestmark = pytest.mark.django_db


def hundred_million() -> list[Claim]:
    return [c for c in Claim.objects.order_by("id") if c.quantity and c.quantity.get("value") == 100_000_000]


def sixty_million() -> Claim:
    return next(c for c in Claim.objects.order_by("id") if c.quantity and c.quantity.get("value") == 60_000_000)


def cluster_of(claim: Claim) -> int:
    return Claim.objects.get(pk=claim.pk).cluster_id


def test_merging_two_clusters_survives_reclustering_and_keeps_the_lower_id(seeded, admin_user):
    a, b = hundred_million()[0], sixty_million()
    ids = sorted({a.cluster_id, b.cluster_id})
    merged = editorial.merge_clusters(ids, admin_user)
    assert merged.pk == ids[0] and cluster_of(a) == cluster_of(b) == ids[0]
    services.recluster()
    assert cluster_of(a) == cluster_of(b) == ids[0]


def test_splitting_claims_off_survives_reclustering(seeded, admin_user):
    first, *rest = hundred_million()
    new = editorial.split_claims([first.pk], admin_user)
    assert cluster_of(first) == new.pk and all(cluster_of(c) != new.pk for c in rest)
    services.recluster()
    assert all(cluster_of(c) != cluster_of(first) for c in rest)
    assert ClaimLink.objects.filter(kind=LinkKind.DIFFERENT).count() == len(rest)


def test_not_the_same_claim_separates_them_now_and_after_reclustering(seeded, admin_user):
    a, b = hundred_million()[:2]
    assert cluster_of(a) == cluster_of(b)
    editorial.mark_different([a.pk, b.pk], admin_user)
    assert cluster_of(a) != cluster_of(b)
    services.recluster()
    assert cluster_of(a) != cluster_of(b)


def test_the_same_claim_brings_them_together_now_and_after_reclustering(seeded, admin_user):
    a, b = hundred_million()[0], sixty_million()
    editorial.mark_same([a.pk, b.pk], admin_user)
    assert cluster_of(a) == cluster_of(b)
    services.recluster()
    assert cluster_of(a) == cluster_of(b)


def test_a_later_decision_about_a_pair_replaces_the_earlier_one_once_confirmed(seeded, admin_user):
    a, b = hundred_million()[:2]
    editorial.mark_different([a.pk, b.pk], admin_user)
    with pytest.raises(ConflictingDecision, match="not the same claim"):
        editorial.mark_same([a.pk, b.pk], admin_user)
    editorial.mark_same([a.pk, b.pk], admin_user, confirm=True)
    assert list(ClaimLink.objects.values_list("kind", flat=True)) == [LinkKind.SAME]


def test_a_locked_cluster_keeps_exactly_its_claims_and_its_id(seeded):
    claims = hundred_million()
    cluster_id = claims[0].cluster_id
    editorial.split_claims([claims[-1].pk])  # an editor's split leaves the cluster smaller
    editorial.set_locked([cluster_id], True)
    members = set(Claim.objects.filter(cluster_id=cluster_id).values_list("pk", flat=True))
    services.recluster()
    assert set(Claim.objects.filter(cluster_id=cluster_id).values_list("pk", flat=True)) == members


def test_a_verdict_stays_with_its_cluster_through_reclustering(seeded, admin_user):
    cluster = Cluster.objects.get(pk=hundred_million()[0].cluster_id)
    editorial.set_verdict(cluster, "true", "Confirmed by Meta's statement", admin_user)
    services.recluster()
    cluster.refresh_from_db()
    assert cluster.verdict == "true" and cluster.verdict_by == admin_user and cluster.verdict_at is not None
    assert cluster.claims.count() == len(hundred_million())


def test_cluster_ids_are_stable_when_nothing_changed(seeded):
    before = dict(Claim.objects.values_list("pk", "cluster_id"))
    services.recluster()
    assert dict(Claim.objects.values_list("pk", "cluster_id")) == before


def test_reprocessing_a_source_keeps_claim_ids_and_editors_links(
    seeded, admin_user, django_capture_on_commit_callbacks
):
    a, b = hundred_million()[:2]
    editorial.mark_different([a.pk, b.pk], admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        services.reprocess_sources([a.source_id])
    assert Claim.objects.filter(pk=a.pk).exists()
    assert ClaimLink.objects.filter(kind=LinkKind.DIFFERENT).count() == 1
    assert cluster_of(a) != cluster_of(b)


def test_editors_get_clear_refusals(seeded):
    only = hundred_million()[0]
    with pytest.raises(ValidationError, match="at least two clusters"):
        editorial.merge_clusters([only.cluster_id])
    with pytest.raises(ValidationError, match="at least two claims"):
        editorial.mark_same([only.pk])
    with pytest.raises(ValidationError, match="Unknown verdict"):
        editorial.set_verdict(only.cluster, "maybe")


def test_the_editor_merges_clusters_from_the_admin(seeded, admin_client):
    a, b = hundred_million()[0], sixty_million()
    response = admin_client.post(
        "/admin/claims/cluster/",
        {"action": "merge", "_selected_action": [a.cluster_id, b.cluster_id]},
        follow=True,
    )
    assert response.status_code == 200 and b"Merged into cluster" in response.content
    assert cluster_of(a) == cluster_of(b)


def test_the_editor_splits_claims_off_from_the_admin(seeded, admin_client):
    first = hundred_million()[0]
    response = admin_client.post(
        "/admin/claims/claim/", {"action": "split_off", "_selected_action": [first.pk]}, follow=True
    )
    assert b"Split into new cluster" in response.content
    assert all(cluster_of(c) != cluster_of(first) for c in hundred_million()[1:])


def test_the_editor_sets_a_verdict_on_the_cluster_page(seeded, admin_client, admin_user):
    cluster = Cluster.objects.get(pk=hundred_million()[0].cluster_id)
    response = admin_client.post(
        f"/admin/claims/cluster/{cluster.pk}/change/",
        {
            "label": cluster.label,
            "verdict": "misleading",
            "verdict_note": "Figure is from 2024",
            "locked": "on",
            "claims-TOTAL_FORMS": "0",
            "claims-INITIAL_FORMS": "0",
            "claims-MIN_NUM_FORMS": "0",
            "claims-MAX_NUM_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    cluster.refresh_from_db()
    assert (cluster.verdict, cluster.locked, cluster.verdict_by) == ("misleading", True, admin_user)
