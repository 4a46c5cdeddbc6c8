"""Reads the API and the admin share, so both show claims through the same query.

May import Django and claims.models.
"""

from __future__ import annotations

from datetime import date

from django.db.models import BooleanField, Case, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Value, When

from claims.choices import ClusterStatus
from claims.models import AuditEntry, Claim, Cluster


def claims_with_source(queryset: QuerySet[Claim] | None = None) -> QuerySet[Claim]:
    """Claims with their source joined, without the heavy columns (the vector, the article text)."""
    claims = Claim.objects.all() if queryset is None else queryset
    return claims.select_related("source").defer("embedding", "source__text")


def audit_for_cluster(cluster_id: int) -> QuerySet[AuditEntry]:
    """The audit entries that involve a cluster, newest first, with their editor joined."""
    return AuditEntry.objects.filter(cluster_ids__contains=[cluster_id]).select_related("user")


def audit_for_claim(claim_id: int) -> QuerySet[AuditEntry]:
    """The audit entries that involve a claim, newest first, with their editor joined."""
    return AuditEntry.objects.filter(claim_ids__contains=[claim_id]).select_related("user")


# The review queue's order: what needs a human first.
CONTRADICTION_UNREVIEWED, CHANGED_SINCE_VERDICT, AGREEMENT_UNREVIEWED, NO_REVIEW_NEEDED = range(4)


def review_queue(
    *,
    published_from: date | None = None,
    published_to: date | None = None,
    language: str = "",
    publisher: str = "",
    status: str = "",
    verdict: str | None = None,
    reviewed: bool | None = False,
) -> QuerySet[Cluster]:
    """Clusters for the editors' review queue, most urgent first: contradictions without a
    verdict, clusters whose claims changed since their verdict, multi-source agreements without a
    verdict. Reviewed means a verdict that no later change has put in question. `published_*`
    (the story period), `language` and `publisher` keep clusters with a source that matches."""
    reviewed_q = ~Q(verdict="") & Q(needs_review=False)
    clusters = Cluster.objects.annotate(
        priority=Case(
            When(Q(status=ClusterStatus.CONTRADICTION) & ~reviewed_q, then=Value(CONTRADICTION_UNREVIEWED)),
            When(needs_review=True, then=Value(CHANGED_SINCE_VERDICT)),
            When(status=ClusterStatus.AGREEMENT, verdict="", then=Value(AGREEMENT_UNREVIEWED)),
            default=Value(NO_REVIEW_NEEDED),
        ),
        is_reviewed=ExpressionWrapper(reviewed_q, output_field=BooleanField()),
    )
    sources = Claim.objects.filter(cluster_id=OuterRef("pk"))
    if published_from:
        sources = sources.filter(source__published_at__date__gte=published_from)
    if published_to:
        sources = sources.filter(source__published_at__date__lte=published_to)
    if publisher:
        sources = sources.filter(source__publisher=publisher)
    if published_from or published_to or publisher:
        clusters = clusters.filter(Exists(sources))
    if language:
        clusters = clusters.filter(languages__contains=[language])
    if status:
        clusters = clusters.filter(status=status)
    if verdict is not None:
        clusters = clusters.filter(verdict=verdict)
    if reviewed is False:
        clusters = clusters.filter(priority__lt=NO_REVIEW_NEEDED)
    elif reviewed is True:
        clusters = clusters.filter(reviewed_q)
    return clusters.order_by("priority", "-source_count", "-updated_at", "id")
