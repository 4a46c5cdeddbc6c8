"""The audit trail: every editor's decision and every rebuild that changed a cluster with a verdict
is written as an AuditEntry, in the transaction that made it (claims.services.editorial, .rebuild,
.assign call these). A decision that overrides an earlier one raises ConflictingDecision unless the
caller confirms it.

May import Django and claims.models.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from claims.choices import AuditAction
from claims.models import AuditEntry, Claim, Cluster


class ConflictingDecision(ValidationError):
    """The decision overrides an earlier one (another editor's verdict or lock, an earlier decision
    about the same pair of claims); `overrides` says what, for the editor to confirm."""

    def __init__(self, overrides: list[str]):
        self.overrides = list(overrides)
        super().__init__(self.describe())

    def describe(self) -> str:
        return _("This overrides: %(what)s. Confirm to go ahead.") % {"what": "; ".join(self.overrides)}


def record(
    action: str,
    user: AbstractBaseUser | None,
    summary: str,
    *,
    clusters: Iterable[int] = (),
    claims: Iterable[int] = (),
    before: dict | None = None,
    after: dict | None = None,
    overrides: Iterable[str] = (),
) -> AuditEntry:
    return AuditEntry.objects.create(
        action=action,
        user=user if user is not None and user.is_authenticated else None,
        summary=summary,
        cluster_ids=sorted({int(c) for c in clusters if c}),
        claim_ids=sorted({int(c) for c in claims if c}),
        before=before or {},
        after=after or {},
        overrides="; ".join(overrides),
    )


def who(user: AbstractBaseUser | None) -> str:
    return user.get_username() if user is not None else _("someone")


def verdict_memberships(cluster_ids: Iterable[int] | None = None) -> dict[int, set[int]]:
    """The claim ids of each cluster that has a verdict (of `cluster_ids`, or all)."""
    rows = Claim.objects.exclude(cluster__verdict="").filter(cluster__isnull=False)
    if cluster_ids is not None:
        rows = rows.filter(cluster_id__in=list(cluster_ids))
    members: dict[int, set[int]] = defaultdict(set)
    for cluster_id, claim_id in rows.values_list("cluster_id", "pk"):
        members[cluster_id].add(claim_id)
    return dict(members)


def flag_changed_verdicts(before: dict[int, set[int]]) -> list[int]:
    """Compare clusters with a verdict to their members `before` a rebuild or an assignment: each
    whose claims changed is flagged for review and the change written to the trail (user None)."""
    if not before:
        return []
    now_members: dict[int, set[int]] = defaultdict(set)
    for cluster_id, claim_id in Claim.objects.filter(cluster_id__in=list(before)).values_list("cluster_id", "pk"):
        now_members[cluster_id].add(claim_id)
    changed = []
    for cluster_id, old in sorted(before.items()):
        new = now_members.get(cluster_id, set())
        if old == new:
            continue
        changed.append(cluster_id)
        record(
            AuditAction.RECLUSTER_CHANGED,
            None,
            _(
                "Re-clustering changed the claims of cluster %(cluster)d, which has a verdict: %(added)d joined, "
                "%(left)d left."
            )
            % {"cluster": cluster_id, "added": len(new - old), "left": len(old - new)},
            clusters=[cluster_id],
            claims=old ^ new,
            before={"members": sorted(old)},
            after={"members": sorted(new)},
        )
    if changed:
        Cluster.objects.filter(pk__in=changed).update(
            needs_review=True, changed_since_verdict_at=timezone.now(), updated_at=timezone.now()
        )
    return changed
