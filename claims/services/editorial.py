"""Editors' decisions: merge, split, same / not the same claim, lock, verdict.

Each decision is stored as data that `services.recluster` obeys (ClaimLink rows and the
cluster's `locked` flag), then applied to the current clusters at once, so an editor sees the
result immediately and it survives every later rebuild.

Every decision is written to the audit trail (claims.services.audit) in its transaction, so the
admin, the API and commands all leave the same record. A decision that reverses an earlier one
about the same pair of claims, overrides another editor's verdict or unlocks another editor's
lock raises ConflictingDecision (naming what it overrides) unless `confirm=True`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import combinations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from claims.choices import AuditAction, LinkKind, Verdict
from claims.models import Claim, ClaimLink, Cluster
from claims.services import events
from claims.services.audit import ConflictingDecision, record, who
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


def _reversed_links(pairs: Q, kind: str) -> list[str]:
    """Earlier decisions of `kind` about these pairs, described for the editor who reverses them."""
    earlier = (
        ClaimLink.objects.filter(pairs, kind=kind).select_related("created_by").order_by("claim_a_id", "claim_b_id")
    )
    said = _("the same claim") if kind == LinkKind.SAME else _("not the same claim")
    return [
        _("claims %(a)d and %(b)d were marked %(said)s by %(who)s on %(when)s")
        % {"a": link.claim_a_id, "b": link.claim_b_id, "said": said, "who": who(link.created_by),
           "when": timezone.localtime(link.created_at).strftime("%Y-%m-%d %H:%M")}
        for link in earlier
    ]  # fmt: skip


def _check(overrides: list[str], confirm: bool) -> list[str]:
    if overrides and not confirm:
        raise ConflictingDecision(overrides)
    return overrides


def _members(cluster_ids) -> dict[str, list[int]]:
    members: dict[str, list[int]] = {str(pk): [] for pk in sorted(set(cluster_ids) - {None})}
    rows = Claim.objects.filter(cluster_id__in=[int(k) for k in members]).order_by("id")
    for cluster_id, claim_id in rows.values_list("cluster_id", "pk"):
        members[str(cluster_id)].append(claim_id)
    return members


def mark_same(claim_ids: Sequence[int], user: AbstractBaseUser | None = None, *, confirm: bool = False) -> Cluster:
    """These claims state the same thing: link them and put them in the first one's cluster."""
    ids = sorted(set(claim_ids))
    if len(ids) < 2:
        raise ValidationError(_("Choose at least two claims that are the same claim."))
    with transaction.atomic():
        lock_clusters()
        claims = list(Claim.objects.select_for_update().filter(pk__in=ids).order_by("id"))
        if len(claims) != len(ids):
            raise ValidationError(_("Some of the claims no longer exist."))
        among = Q(claim_a_id__in=ids, claim_b_id__in=ids)
        overrides = _check(_reversed_links(among, LinkKind.DIFFERENT), confirm)
        before = _members({c.cluster_id for c in claims})
        ClaimLink.objects.filter(among, kind=LinkKind.DIFFERENT).delete()
        anchor = claims[0]
        for claim in claims[1:]:
            _link(anchor.pk, claim.pk, LinkKind.SAME, _user(user))
        target = anchor.cluster or Cluster.objects.create(label=anchor.text[:300])
        old = {c.cluster_id for c in claims}
        Claim.objects.filter(pk__in=ids).update(cluster=target)
        refresh_clusters(old | {target.pk})
        record(
            AuditAction.SAME, user,
            _("Marked claims %(claims)s as the same claim; they are in cluster %(cluster)d.")
            % {"claims": ", ".join(map(str, ids)), "cluster": target.pk},
            clusters=old | {target.pk}, claims=ids, before={"clusters": before},
            after={"clusters": _members(old | {target.pk})}, overrides=overrides,
        )  # fmt: skip
    return target


def merge_clusters(
    cluster_ids: Sequence[int], user: AbstractBaseUser | None = None, *, confirm: bool = False
) -> Cluster:
    """Merge clusters into the lowest id: every claim becomes the same claim as the first."""
    ids = sorted(set(cluster_ids))
    if len(ids) < 2:
        raise ValidationError(_("Choose at least two clusters to merge."))
    claim_ids = list(Claim.objects.filter(cluster_id__in=ids).order_by("id").values_list("pk", flat=True))
    if not claim_ids:
        raise ValidationError(_("The chosen clusters have no claims."))
    with transaction.atomic():
        # Earlier "not the same" decisions among them are overruled by the merge, once confirmed.
        among = Q(claim_a_id__in=claim_ids, claim_b_id__in=claim_ids)
        overrides = _check(_reversed_links(among, LinkKind.DIFFERENT), confirm)
        before = _members(ids)
        ClaimLink.objects.filter(among, kind=LinkKind.DIFFERENT).delete()
        anchor = Claim.objects.get(pk=claim_ids[0])
        target_id = ids[0]
        for claim_id in claim_ids[1:]:
            _link(anchor.pk, claim_id, LinkKind.SAME, _user(user))
        Claim.objects.filter(pk__in=claim_ids).update(cluster_id=target_id)
        refresh_clusters(ids)
        record(
            AuditAction.MERGE, user,
            _("Merged clusters %(clusters)s into cluster %(target)d.")
            % {"clusters": ", ".join(map(str, ids)), "target": target_id},
            clusters=ids, claims=claim_ids, before={"clusters": before}, after={"clusters": _members([target_id])},
            overrides=overrides,
        )  # fmt: skip
    return Cluster.objects.get(pk=target_id)


def split_claims(claim_ids: Sequence[int], user: AbstractBaseUser | None = None, *, confirm: bool = False) -> Cluster:
    """Move these claims out of their cluster(s) into a new cluster of their own.

    They are linked as the same claim among themselves and as not the same claim as every
    claim they leave behind, and earlier "same" links across the split are dropped.
    """
    ids = sorted(set(claim_ids))
    if not ids:
        raise ValidationError(_("Choose the claims to split off."))
    with transaction.atomic():
        lock_clusters()
        claims = list(Claim.objects.select_for_update().filter(pk__in=ids).order_by("id"))
        old = {c.cluster_id for c in claims if c.cluster_id}
        remaining = list(Claim.objects.filter(cluster_id__in=old).exclude(pk__in=ids).values_list("pk", flat=True))
        if not remaining:
            raise ValidationError(_("Those claims are their whole cluster already; there is nothing to split."))
        crossing = Q(claim_a_id__in=ids, claim_b_id__in=remaining) | Q(claim_a_id__in=remaining, claim_b_id__in=ids)
        overrides = _check(_reversed_links(crossing, LinkKind.SAME), confirm)
        before = _members(old)
        ClaimLink.objects.filter(crossing, kind=LinkKind.SAME).delete()
        for a, b in combinations(ids, 2):
            _link(a, b, LinkKind.SAME, _user(user))
        for moved in ids:
            for stay in remaining:
                _link(moved, stay, LinkKind.DIFFERENT, _user(user))
        target = Cluster.objects.create(label=claims[0].text[:300])
        Claim.objects.filter(pk__in=ids).update(cluster=target)
        refresh_clusters(old | {target.pk})
        record(
            AuditAction.SPLIT, user,
            _("Split claims %(claims)s off into new cluster %(cluster)d.")
            % {"claims": ", ".join(map(str, ids)), "cluster": target.pk},
            clusters=old | {target.pk}, claims=ids, before={"clusters": before},
            after={"clusters": _members(old | {target.pk})}, overrides=overrides,
        )  # fmt: skip
    return target


def mark_different(
    claim_ids: Sequence[int], user: AbstractBaseUser | None = None, *, confirm: bool = False
) -> set[int]:
    """No two of these claims are the same claim; any sharing a cluster are separated now."""
    ids = sorted(set(claim_ids))
    if len(ids) < 2:
        raise ValidationError(_("Choose at least two claims that are not the same claim."))
    moved_to: set[int] = set()
    with transaction.atomic():
        lock_clusters()
        claims = list(Claim.objects.select_for_update().filter(pk__in=ids).order_by("id"))
        overrides = _check(_reversed_links(Q(claim_a_id__in=ids, claim_b_id__in=ids), LinkKind.SAME), confirm)
        before = _members({c.cluster_id for c in claims})
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
        record(
            AuditAction.NOT_SAME, user,
            _("Marked claims %(claims)s as not the same claim; %(moved)d moved to a new cluster.")
            % {"claims": ", ".join(map(str, ids)), "moved": len(moved_to)},
            clusters=set(map(int, before)) | moved_to, claims=ids, before={"clusters": before},
            after={"clusters": _members(set(map(int, before)) | moved_to)}, overrides=overrides,
        )  # fmt: skip
    return moved_to


def unlock_conflict(clusters: Iterable[Cluster], user: AbstractBaseUser | None) -> list[str]:
    """What unlocking these clusters overrides: the locks other editors set."""
    editor = getattr(_user(user), "pk", None)
    return [
        _("cluster %(cluster)d was locked by %(who)s") % {"cluster": c.pk, "who": who(c.locked_by)}
        for c in clusters
        if c.locked and c.locked_by_id is not None and c.locked_by_id != editor
    ]


def verdict_conflict(cluster: Cluster, verdict: str, note: str, user: AbstractBaseUser | None) -> list[str]:
    """What giving `cluster` this verdict overrides: another editor's different verdict or note."""
    editor = getattr(_user(user), "pk", None)
    if not cluster.verdict or cluster.verdict_by_id is None or cluster.verdict_by_id == editor:
        return []
    if (cluster.verdict, cluster.verdict_note) == (verdict, note):
        return []
    when = timezone.localtime(cluster.verdict_at).strftime("%Y-%m-%d %H:%M") if cluster.verdict_at else ""
    return [
        _("the verdict %(verdict)s given by %(who)s on %(when)s")
        % {"verdict": cluster.get_verdict_display(), "who": who(cluster.verdict_by), "when": when}
    ]


def set_locked(
    cluster_ids: Iterable[int], locked: bool, user: AbstractBaseUser | None = None, *, confirm: bool = False
) -> int:
    """Lock clusters (re-clustering keeps exactly their claims) or unlock them. Unlocking a
    cluster another editor locked needs `confirm`."""
    ids = sorted(set(cluster_ids))
    editor = _user(user)
    with transaction.atomic():
        clusters = list(Cluster.objects.select_for_update(of=("self",)).filter(pk__in=ids).select_related("locked_by"))
        conflicts = {c.pk: unlock_conflict([c], user) for c in clusters} if not locked else {}
        _check([text for texts in conflicts.values() for text in texts], confirm)
        changing = [c for c in clusters if c.locked != locked]
        for cluster in changing:
            record(
                AuditAction.LOCK if locked else AuditAction.UNLOCK,
                user,
                (_("Locked cluster %(cluster)d.") if locked else _("Unlocked cluster %(cluster)d."))
                % {"cluster": cluster.pk},
                clusters=[cluster.pk],
                claims=cluster.claims.values_list("pk", flat=True),
                before={"locked": cluster.locked, "locked_by": cluster.locked_by_id},
                after={"locked": locked, "locked_by": getattr(editor, "pk", None) if locked else None},
                overrides=conflicts.get(cluster.pk, []),
            )
        Cluster.objects.filter(pk__in=[c.pk for c in changing]).update(
            locked=locked, locked_by=editor if locked else None, updated_at=timezone.now()
        )
    return len(clusters)


def set_verdict(
    cluster: Cluster, verdict: str, note: str = "", user: AbstractBaseUser | None = None, *, confirm: bool = False
) -> Cluster:
    """Record an editor's verdict on a cluster; it stays with the cluster's id through rebuilds.
    Overriding another editor's verdict needs `confirm`; any verdict clears the review flag."""
    if verdict not in Verdict.values:
        raise ValidationError(
            _("Unknown verdict %(verdict)r; choose one of %(choices)s.")
            % {"verdict": verdict, "choices": [v for v in Verdict.values if v]}
        )
    editor = _user(user)
    with transaction.atomic():
        stored = Cluster.objects.select_for_update(of=("self",)).select_related("verdict_by").get(pk=cluster.pk)
        overrides = verdict_conflict(stored, verdict, note, user)
        _check(overrides, confirm)
        only_note = stored.verdict == verdict and stored.verdict_note != note
        before = {"verdict": stored.verdict, "note": stored.verdict_note, "by": stored.verdict_by_id,
                  "needs_review": stored.needs_review}  # fmt: skip
        cluster.verdict = verdict
        cluster.verdict_note = note
        cluster.verdict_by = editor
        cluster.verdict_at = timezone.now() if verdict else None
        cluster.needs_review = False
        cluster.changed_since_verdict_at = None
        cluster.save(
            update_fields=[
                "verdict", "verdict_note", "verdict_by", "verdict_at", "needs_review", "changed_since_verdict_at",
                "updated_at",
            ]
        )  # fmt: skip
        label = cluster.get_verdict_display()
        record(
            AuditAction.NOTE if only_note else AuditAction.VERDICT,
            user,
            (_("Changed the verdict note of cluster %(cluster)d.") if only_note
             else _("Set the verdict of cluster %(cluster)d to %(verdict)s."))
            % {"cluster": cluster.pk, "verdict": label},
            clusters=[cluster.pk],
            claims=Claim.objects.filter(cluster_id=cluster.pk).values_list("pk", flat=True),
            before=before,
            after={"verdict": verdict, "note": note, "by": getattr(editor, "pk", None), "needs_review": False},
            overrides=overrides,
        )  # fmt: skip
    if verdict:  # clearing a verdict (back to unreviewed) is not a verdict set
        events.emit(events.VERDICT_SET, [cluster.pk])
    return cluster
