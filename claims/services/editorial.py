"""Editors' decisions: merge, split, same / not the same claim, lock, verdict.

Each decision is stored as data that `services.recluster` obeys (ClaimLink rows and the
cluster's `locked` flag), then applied to the current clusters at once, so an editor sees the
result immediately and it survives every later rebuild.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import combinations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from claims.choices import LinkKind, Verdict
from claims.models import Claim, ClaimLink, Cluster
from claims.services import events
from claims.services.scoring import lock_clusters
from claims.services.statuses import refresh_clusters


def _link(a: int, b: int, kind: str, user: AbstractBaseUser | None) -> None:
    """Record one decision about a pair, replacing any earlier decision about it."""
    low, high = sorted((a, b))
    if low == high:
        return
    ClaimLink.objects.update_or_create(claim_a_id=low, claim_b_id=high, defaults={"kind": kind, "created_by": user})


def _user(user: AbstractBaseUser | None) -> AbstractBaseUser | None:
    return user if user is not None and user.is_authenticated else None


def mark_same(claim_ids: Sequence[int], user: AbstractBaseUser | None = None) -> Cluster:
    """These claims state the same thing: link them and put them in the first one's cluster."""
    ids = sorted(set(claim_ids))
    if len(ids) < 2:
        raise ValidationError("Choose at least two claims that are the same claim.")
    with transaction.atomic():
        lock_clusters()
        claims = list(Claim.objects.select_for_update().filter(pk__in=ids).order_by("id"))
        if len(claims) != len(ids):
            raise ValidationError("Some of the claims no longer exist.")
        ClaimLink.objects.filter(kind=LinkKind.DIFFERENT, claim_a_id__in=ids, claim_b_id__in=ids).delete()
        anchor = claims[0]
        for claim in claims[1:]:
            _link(anchor.pk, claim.pk, LinkKind.SAME, _user(user))
        target = anchor.cluster or Cluster.objects.create(label=anchor.text[:300])
        old = {c.cluster_id for c in claims}
        Claim.objects.filter(pk__in=ids).update(cluster=target)
        refresh_clusters(old | {target.pk})
    return target


def merge_clusters(cluster_ids: Sequence[int], user: AbstractBaseUser | None = None) -> Cluster:
    """Merge clusters into the lowest id: every claim becomes the same claim as the first."""
    ids = sorted(set(cluster_ids))
    if len(ids) < 2:
        raise ValidationError("Choose at least two clusters to merge.")
    claim_ids = list(Claim.objects.filter(cluster_id__in=ids).order_by("id").values_list("pk", flat=True))
    if not claim_ids:
        raise ValidationError("The chosen clusters have no claims.")
    with transaction.atomic():
        # Earlier "not the same" decisions among them are overruled by the merge.
        ClaimLink.objects.filter(kind=LinkKind.DIFFERENT, claim_a_id__in=claim_ids, claim_b_id__in=claim_ids).delete()
        anchor = Claim.objects.get(pk=claim_ids[0])
        target_id = ids[0]
        for claim_id in claim_ids[1:]:
            _link(anchor.pk, claim_id, LinkKind.SAME, _user(user))
        Claim.objects.filter(pk__in=claim_ids).update(cluster_id=target_id)
        refresh_clusters(ids)
    return Cluster.objects.get(pk=target_id)


def split_claims(claim_ids: Sequence[int], user: AbstractBaseUser | None = None) -> Cluster:
    """Move these claims out of their cluster(s) into a new cluster of their own.

    They are linked as the same claim among themselves and as not the same claim as every
    claim they leave behind, and earlier "same" links across the split are dropped.
    """
    ids = sorted(set(claim_ids))
    if not ids:
        raise ValidationError("Choose the claims to split off.")
    with transaction.atomic():
        lock_clusters()
        claims = list(Claim.objects.select_for_update().filter(pk__in=ids).order_by("id"))
        old = {c.cluster_id for c in claims if c.cluster_id}
        remaining = list(Claim.objects.filter(cluster_id__in=old).exclude(pk__in=ids).values_list("pk", flat=True))
        if not remaining:
            raise ValidationError("Those claims are their whole cluster already; there is nothing to split.")
        crossing = Q(claim_a_id__in=ids, claim_b_id__in=remaining) | Q(claim_a_id__in=remaining, claim_b_id__in=ids)
        ClaimLink.objects.filter(crossing, kind=LinkKind.SAME).delete()
        for a, b in combinations(ids, 2):
            _link(a, b, LinkKind.SAME, _user(user))
        for moved in ids:
            for stay in remaining:
                _link(moved, stay, LinkKind.DIFFERENT, _user(user))
        target = Cluster.objects.create(label=claims[0].text[:300])
        Claim.objects.filter(pk__in=ids).update(cluster=target)
        refresh_clusters(old | {target.pk})
    return target


def mark_different(claim_ids: Sequence[int], user: AbstractBaseUser | None = None) -> set[int]:
    """No two of these claims are the same claim; any sharing a cluster are separated now."""
    ids = sorted(set(claim_ids))
    if len(ids) < 2:
        raise ValidationError("Choose at least two claims that are not the same claim.")
    moved_to: set[int] = set()
    with transaction.atomic():
        lock_clusters()
        claims = list(Claim.objects.select_for_update().filter(pk__in=ids).order_by("id"))
        for a, b in combinations([c.pk for c in claims], 2):
            _link(a, b, LinkKind.DIFFERENT, _user(user))
        seen: set[int] = set()
        touched: set[int] = set()
        for claim in claims:
            if claim.cluster_id in seen:
                cluster = Cluster.objects.create(label=claim.text[:300])
                touched.add(claim.cluster_id)
                Claim.objects.filter(pk=claim.pk).update(cluster=cluster)
                moved_to.add(cluster.pk)
            elif claim.cluster_id:
                seen.add(claim.cluster_id)
        refresh_clusters(touched | moved_to)
    return moved_to


def set_locked(cluster_ids: Iterable[int], locked: bool) -> int:
    """Lock clusters (re-clustering keeps exactly their claims) or unlock them."""
    return Cluster.objects.filter(pk__in=list(cluster_ids)).update(locked=locked, updated_at=timezone.now())


def set_verdict(cluster: Cluster, verdict: str, note: str = "", user: AbstractBaseUser | None = None) -> Cluster:
    """Record an editor's verdict on a cluster; it stays with the cluster's id through rebuilds."""
    if verdict not in Verdict.values:
        raise ValidationError(f"Unknown verdict {verdict!r}; choose one of {[v for v in Verdict.values if v]}.")
    cluster.verdict = verdict
    cluster.verdict_note = note
    cluster.verdict_by = _user(user)
    cluster.verdict_at = timezone.now() if verdict else None
    cluster.save(update_fields=["verdict", "verdict_note", "verdict_by", "verdict_at", "updated_at"])
    if verdict:  # clearing a verdict (back to unreviewed) is not a verdict set
        events.emit(events.VERDICT_SET, [cluster.pk])
    return cluster
