"""Reads the API and the admin share, so both show claims through the same query.

May import Django and claims.models.
"""

from __future__ import annotations

from django.db.models import QuerySet

from claims.models import Claim


def claims_with_source(queryset: QuerySet[Claim] | None = None) -> QuerySet[Claim]:
    """Claims with their source joined, without the heavy columns (the vector, the article text)."""
    claims = Claim.objects.all() if queryset is None else queryset
    return claims.select_related("source").defer("embedding", "source__text")
