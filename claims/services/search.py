"""Search claims by meaning: the query is embedded with the model the claims were embedded with and
the claims are ranked by pgvector cosine distance (through the HNSW index, as scoring.py's kNN), so
a query in one language finds claims in the other."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from claims.models import Claim
from claims.selectors import claims_with_source
from claims.services.ingest import embed
from claims.services.scoring import read_index_until_limit, vector_literal


@dataclass(frozen=True)
class SearchHit:
    claim: Claim
    similarity: float


def search_claims(
    query: str,
    *,
    language: str | None = None,
    publisher: str | None = None,
    max_age_days: int | None = None,
    status: str | None = None,
    limit: int = 20,
) -> list[SearchHit]:
    """The `limit` claims closest in meaning to `query`, most similar first, optionally only those
    in `language`, from `publisher`, published (or, undated, read) within `max_age_days`, or in a
    cluster of `status`. Each claim comes with its source and cluster joined."""
    vector = embed([query])[0]
    dimension = int(vector.shape[0])
    literal = vector_literal(vector)
    conditions = [f"vector_dims(v.embedding) = {dimension:d}", "v.embedding_model = %s"]
    params: list[object] = [literal, settings.FACTCHECK_EMBEDDING_MODEL]
    if language:
        conditions.append("c.language = %s")
        params.append(language)
    if publisher:
        conditions.append("s.publisher = %s")
        params.append(publisher)
    if max_age_days:
        conditions.append("COALESCE(s.published_at, s.created_at) >= %s")
        params.append(timezone.now() - timedelta(days=max_age_days))
    if status:
        conditions.append("k.status = %s")
        params.append(status)
    params += [literal, limit]
    sql = (
        f"SELECT c.id, 1 - ((v.embedding::vector({dimension:d})) <=> %s::vector({dimension:d})) "
        # The vectors' own table carries the HNSW index (ClaimVector).
        f"FROM claims_claimvector v JOIN claims_claim c ON c.id = v.claim_id "
        f"JOIN sources_source s ON s.id = c.source_id "
        f"LEFT JOIN claims_cluster k ON k.id = c.cluster_id "
        f"WHERE {' AND '.join(conditions)} "
        f"ORDER BY (v.embedding::vector({dimension:d})) <=> %s::vector({dimension:d}) LIMIT %s"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        read_index_until_limit(cursor)  # the filters come after the scan
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    claims = claims_with_source().select_related("cluster").in_bulk([pk for pk, _ in rows])
    hits = [SearchHit(claims[pk], float(similarity)) for pk, similarity in rows if pk in claims]
    return sorted(hits, key=lambda hit: (-hit.similarity, hit.claim.pk))
