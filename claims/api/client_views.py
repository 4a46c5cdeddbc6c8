"""The clients' API views outside the three viewsets: check-worthiness of any text, and exports of
claims and clusters as CSV or JSON Lines (streamed, the list filters honoured)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator

from django.conf import settings
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.api import client_serializers as bodies
from claims.api import serializers
from claims.api.actions import LimitedJSONParser
from claims.api.views import ClaimFilter, ClusterFilter
from claims.models import Claim, Cluster
from claims.selectors import claims_with_source
from claims.services import detect_language
from newsclaims.text.extraction import extract_claims

EXPORT_CHUNK = 2000
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class CheckworthinessView(APIView):
    """Score any text: the claims extraction finds in it, with their check-worthiness, reasons, exact
    span and quantity. Nothing is stored."""

    parser_classes = [LimitedJSONParser]

    @extend_schema(
        summary="Score a text's claims for check-worthiness",
        request=bodies.CheckworthinessRequestSerializer,
        responses={
            200: bodies.CheckworthinessSerializer,
            413: OpenApiResponse(bodies.ErrorSerializer, description="The body is larger than the limit."),
        },
    )
    def post(self, request):
        body = bodies.CheckworthinessRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        text = body.validated_data["text"]
        found = extract_claims(text, published_at=body.validated_data["published_at"])
        minimum = settings.FACTCHECK_MIN_CHECKWORTHINESS
        claims = [
            {
                "text": c.text,
                "start": c.start,
                "end": c.end,
                "language": c.language,
                "checkworthiness": round(float(c.checkworthiness), 4),
                "check_worthy": c.checkworthiness >= minimum,
                "reasons": list(c.reasons),
                "quantity": c.quantity.to_dict() if c.quantity else None,
                "claimant": c.claimant,
                "subject": c.subject,
                "polarity": c.polarity,
                "as_of": c.as_of,
            }
            for c in found
        ]
        answer = {"language": detect_language(text), "claims": claims}
        return Response(bodies.CheckworthinessSerializer(answer).data)


def safe_cell(value: object) -> object:
    """A value for a CSV cell: text a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: Iterable[list[object]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([safe_cell(value) for value in row])


def jsonl_lines(records: Iterable[dict]) -> Iterator[str]:
    for record in records:
        yield json.dumps(record, ensure_ascii=False, default=str) + "\n"


CLAIM_COLUMNS = [
    "id", "text", "language", "claimant", "subject", "polarity", "checkworthiness", "quantity_value",
    "quantity_low", "quantity_high", "quantity_unit", "as_of", "cluster", "source", "source_title", "source_url",
    "publisher", "published_at",
]  # fmt: skip
CLUSTER_COLUMNS = [
    "id", "label", "status", "status_reason", "claim_count", "source_count", "independent_source_count",
    "languages", "verdict", "verdict_note", "locked", "updated_at",
]  # fmt: skip


def _claim_row(claim: Claim) -> list[object]:
    q = claim.quantity or {}
    s = claim.source
    return [
        claim.pk, claim.text, claim.language, claim.claimant, claim.subject, claim.polarity, claim.checkworthiness,
        q.get("value"), q.get("low"), q.get("high"), q.get("unit"), claim.as_of, claim.cluster_id, s.pk, s.title,
        s.url, s.publisher, s.published_at.isoformat() if s.published_at else "",
    ]  # fmt: skip


def _cluster_row(cluster: Cluster) -> list[object]:
    return [
        cluster.pk, cluster.label, cluster.status, cluster.status_reason_text, cluster.claim_count,
        cluster.source_count, cluster.independent_source_count, ";".join(cluster.languages), cluster.verdict,
        cluster.verdict_note, cluster.locked, cluster.updated_at.isoformat(),
    ]  # fmt: skip


class _ExportView(generics.GenericAPIView):
    """GET: every row the list filters select, streamed in id order (no pagination)."""

    filter_backends = [DjangoFilterBackend]
    pagination_class = None
    export_format = "csv"
    name_stem = ""
    columns: list[str] = []
    row: Callable[[object], list[object]]
    serializer_class: type

    def stream(self, queryset: QuerySet) -> Iterator[str]:
        rows = queryset.iterator(chunk_size=EXPORT_CHUNK)
        if self.export_format == "csv":
            return csv_lines(self.columns, (type(self).row(obj) for obj in rows))
        serializer = self.get_serializer_class()
        return jsonl_lines(serializer(obj).data for obj in rows)

    def get(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        content_type = "text/csv; charset=utf-8" if self.export_format == "csv" else "application/jsonl; charset=utf-8"
        response = StreamingHttpResponse(self.stream(queryset), content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{self.name_stem}.{self.export_format}"'
        return response


def _export_schema(what: str, fmt: str):
    media = "text/csv" if fmt == "csv" else "application/jsonl"
    return extend_schema(
        operation_id=f"{what}_export_{fmt}",
        summary=f"Export {what} as {'CSV' if fmt == 'csv' else 'JSON Lines'}",
        description=f"Every {what[:-1]} the list's filters select, in id order, streamed. "
        + (
            "Text cells a spreadsheet would read as a formula (starting with = + - @) begin with an apostrophe."
            if fmt == "csv"
            else "One JSON object a line, as the list serves it."
        ),
        filters=True,
        responses={(200, media): OpenApiResponse(OpenApiTypes.STR, description=f"{what} as {fmt}")},
    )


class ClaimExportView(_ExportView):
    filterset_class = ClaimFilter
    serializer_class = serializers.ClaimSerializer
    columns = CLAIM_COLUMNS
    row = staticmethod(_claim_row)
    name_stem = "claims"

    def get_queryset(self):
        return claims_with_source().order_by("id")


class ClusterExportView(_ExportView):
    filterset_class = ClusterFilter
    serializer_class = serializers.ClusterSerializer
    columns = CLUSTER_COLUMNS
    row = staticmethod(_cluster_row)
    name_stem = "clusters"

    def get_queryset(self):
        return Cluster.objects.order_by("id")


class ClaimCSVExportView(ClaimExportView):
    export_format = "csv"

    @_export_schema("claims", "csv")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ClaimJSONLExportView(ClaimExportView):
    export_format = "jsonl"

    @_export_schema("claims", "jsonl")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ClusterCSVExportView(ClusterExportView):
    export_format = "csv"

    @_export_schema("clusters", "csv")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ClusterJSONLExportView(ClusterExportView):
    export_format = "jsonl"

    @_export_schema("clusters", "jsonl")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
