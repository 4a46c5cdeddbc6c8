"""The clients' API actions the viewsets mix in: posting articles and claims (write scope), editorial
decisions (editor scope) and search. Views stay thin: each parses its body with a serializer from
client_serializers and calls a service (claims.services, clients.submissions); editorial actions go
through the same functions as the admin's (claims.services.editorial)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, parsers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from claims import services
from claims.api import client_serializers as bodies
from claims.api import serializers
from claims.choices import SourceKind, SourceStatus
from claims.models import Claim
from claims.services import editorial
from claims.services.audit import ConflictingDecision
from claims.services.search import search_claims
from clients import services as client_services
from clients import submissions
from clients.permissions import CanEdit, CanWrite, token_of
from sources.models import Source
from sources.readers import ReadError, SourceInput


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _lazy("The body is too large.")
    default_code = "payload_too_large"


class LimitedJSONParser(parsers.JSONParser):
    """JSON bodies up to FACTCHECK_API_MAX_BODY_BYTES (DRF reads the stream itself, past Django's
    DATA_UPLOAD_MAX_MEMORY_SIZE check); a larger body is a 413 before it is read."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.FACTCHECK_API_MAX_BODY_BYTES
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and str(declared).isdigit() and int(declared) > limit:
            raise PayloadTooLarge(_("The body is larger than %(limit)s bytes.") % {"limit": limit})
        return super().parse(stream, media_type, parser_context)


IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Sending the same key with the same body again returns the first answer instead of acting "
    "twice; the same key with another body is a 422. Kept for FACTCHECK_IDEMPOTENCY_HOURS (24 h).",
)
ERROR_422 = OpenApiResponse(bodies.ErrorSerializer, description="The Idempotency-Key was used for another request.")
ERROR_409 = OpenApiResponse(
    bodies.ErrorSerializer,
    description="It overrides an earlier decision (named in `detail`); send the body again with "
    '`"confirm": true` to go ahead.',
)
ERROR_413 = OpenApiResponse(bodies.ErrorSerializer, description="The body is larger than the limit.")


def idempotent(handler: Callable) -> Callable:
    """Honour `Idempotency-Key` on a write: the same key and body replay the stored answer (with
    `Idempotent-Replayed: true`), the same key with another body is a 422; only successes are kept."""

    @functools.wraps(handler)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        token = token_of(request)
        if key is None or token is None:
            return handler(self, request, *args, **kwargs)
        key = key.strip()
        if not key or len(key) > client_services.MAX_IDEMPOTENCY_KEY or not key.isprintable():
            raise exceptions.ValidationError({"Idempotency-Key": [_("Give 1 to 255 printable characters.")]})
        fingerprint = client_services.request_fingerprint(request.method, request.path, request.data)
        try:
            record = client_services.replay(token, key, fingerprint)
        except client_services.IdempotencyConflict:
            return Response(
                {"detail": _("This Idempotency-Key was already used for a different request.")},
                status=status.HTTP_422_UNPROCESSABLE_ENTITY,
            )
        if record is not None:
            response = Response(record.response_body, status=record.status_code)
            response["Idempotent-Replayed"] = "true"
            return response
        response = handler(self, request, *args, **kwargs)
        if 200 <= response.status_code < 300:
            client_services.remember(
                token, key, fingerprint, request.method, request.path, response.status_code, response.data
            )
        return response

    return wrapper


def _validation_error(exc: DjangoValidationError) -> exceptions.ValidationError:
    return exceptions.ValidationError({"detail": exc.messages})


class Conflict(exceptions.APIException):
    """The decision overrides an earlier one; send it again with `"confirm": true` to go ahead."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflicting_decision"


def _confirmed(request) -> bool:
    return isinstance(request.data, dict) and request.data.get("confirm") in (True, "true")


def _conflict(exc: ConflictingDecision) -> Conflict:
    return Conflict({"detail": exc.describe(), "overrides": exc.overrides})


class ScopedActionsMixin:
    """`scoped_permissions` names the permission classes of the actions that need a scope."""

    scoped_permissions: dict[str, list] = {}

    def get_permissions(self):
        required = self.scoped_permissions.get(getattr(self, "action", None))
        if required is not None:
            return [permission() for permission in required]
        return super().get_permissions()

    def get_parsers(self):
        return [LimitedJSONParser()]


class SourceSubmitMixin(ScopedActionsMixin):
    """POST /sources/: an article's text (stored now) or a URL (fetched on the worker); POST
    /sources/batch/: a list of them, processed in batches."""

    scoped_permissions = {"create": [CanWrite], "batch": [CanWrite]}

    def get_serializer_class(self):
        if getattr(self, "action", None) == "retrieve":
            return bodies.SourceDetailSerializer
        return super().get_serializer_class()

    @extend_schema(
        summary="Post an article",
        description="Store an article and process it on the worker: `text` (with its metadata), or `url` alone to "
        "have the worker fetch it. The same text (or URL) again returns the stored source with 200. "
        "Needs a token with the write scope.",
        request=bodies.SourceSubmitSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={
            202: OpenApiResponse(bodies.SourceAcceptedSerializer, description="Stored; processing queued."),
            200: OpenApiResponse(bodies.SourceAcceptedSerializer, description="Already stored; nothing queued."),
            413: ERROR_413,
            422: ERROR_422,
        },
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        body = bodies.SourceSubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        fields = body.validated_data
        token = token_of(request)
        item = SourceInput(origin=fields.get("url") or f"api:{token.prefix}", **fields)
        before = self._stored_status(item)
        result = submissions.submit_url(item) if not item.text else services.ingest_source(item)
        source = result.source
        source.refresh_from_db(fields=["status"])
        queued = result.created or before == SourceStatus.FAILED
        status_url = request.build_absolute_uri(reverse("source-detail", args=[source.pk]))
        answer = {
            "id": source.pk,
            "status": source.status,
            "created": result.created,
            "queued": queued,
            "status_url": status_url,
        }
        response = Response(answer, status=status.HTTP_202_ACCEPTED if queued else status.HTTP_200_OK)
        response["Location"] = status_url
        return response

    @extend_schema(
        summary="Post several articles",
        description="A JSON list of articles, each as `POST /sources/` takes one (at most "
        "FACTCHECK_API_MAX_BATCH_ARTICLES, and the body within the same size limit). Every item is checked first: "
        "one bad item is a 400 (errors listed by position) and nothing is stored. Then each is `created`, "
        "`existing` or an `error` with its reason (one the database refuses fails alone); texts are processed on "
        "the worker in batches, URLs fetched there. Needs a token with the write scope.",
        request=bodies.SourceSubmitSerializer(many=True),
        parameters=[IDEMPOTENCY_KEY],
        responses={
            202: OpenApiResponse(bodies.BatchResultSerializer, description="Stored; processing queued."),
            200: OpenApiResponse(bodies.BatchResultSerializer, description="Nothing queued (all already stored)."),
            413: ERROR_413,
            422: ERROR_422,
        },
    )
    @action(detail=False, methods=["post"], url_path="batch", filter_backends=[], pagination_class=None)
    @idempotent
    def batch(self, request, *args, **kwargs):
        body = _valid_list(bodies.SourceBatchSerializer(data=request.data))
        origin = f"api:{token_of(request).prefix}"
        items = [
            SourceInput(origin=fields.get("url") or f"{origin}[{n}]", **fields)
            for n, fields in enumerate(body.validated_data)
        ]
        results = submissions.submit_articles(items)
        counts = {kind: sum(r.result == kind for r in results) for kind in ("created", "existing", "error")}
        answer = {
            "created": counts["created"],
            "existing": counts["existing"],
            "errors": counts["error"],
            "results": [
                {"index": r.index, "result": r.result, "source": r.source, "queued": r.queued, "reason": r.reason}
                for r in results
            ],
        }
        queued = any(r.queued for r in results)
        return Response(answer, status=status.HTTP_202_ACCEPTED if queued else status.HTTP_200_OK)

    @staticmethod
    def _stored_status(item: SourceInput) -> str | None:
        if item.text:
            found = Source.objects.filter(content_hash=services.content_hash(item.text))
        else:
            found = Source.objects.filter(url=item.url, kind=SourceKind.ARTICLE).order_by("id")
        return found.values_list("status", flat=True).first()


def _valid_list(body):
    """`body` (a list serializer) once valid; else a 400 listing the bad items by position."""
    if not body.is_valid():
        errors = body.errors
        if isinstance(errors, list):  # one entry per item: keep the bad ones, by position
            errors = {str(n): error for n, error in enumerate(errors) if error}
        raise exceptions.ValidationError(errors)
    return body


class ClaimActionsMixin(ScopedActionsMixin):
    """POST /claims/import/ (write), /claims/{id}/same/ and /not-same/ (editor), GET /claims/search/."""

    scoped_permissions = {"import_claims": [CanWrite], "same": [CanEdit], "not_same": [CanEdit]}

    @extend_schema(
        summary="Import claims",
        description="Claims fact-checkers already hold, as `import_claims` reads them from JSONL: each becomes a "
        "one-claim source, matched and clustered on the worker. Every item is checked first: one bad item is a "
        "400 (errors listed by position) and nothing is stored. Needs a token with the write scope.",
        request=bodies.ClaimImportItemSerializer(many=True),
        parameters=[IDEMPOTENCY_KEY],
        responses={
            202: OpenApiResponse(bodies.ImportResultSerializer, description="Stored; processing queued."),
            200: OpenApiResponse(bodies.ImportResultSerializer, description="All already stored."),
            413: ERROR_413,
            422: ERROR_422,
        },
    )
    @action(detail=False, methods=["post"], url_path="import", filter_backends=[], pagination_class=None)
    @idempotent
    def import_claims(self, request, *args, **kwargs):
        body = _valid_list(bodies.ClaimImportSerializer(data=request.data))
        origin = f"api:{token_of(request).prefix}"
        items = [SourceInput(origin=f"{origin}[{n}]", **fields) for n, fields in enumerate(body.validated_data)]
        results: list[dict] = []

        def on_item(item: SourceInput | ReadError, result: services.IngestResult | None) -> None:
            entry = {"index": len(results), "result": "error", "source": None, "reason": ""}
            if result is None:
                entry["reason"] = item.reason if isinstance(item, ReadError) else ""
            else:
                entry.update(result="created" if result.created else "existing", source=result.source.pk)
            results.append(entry)

        report = services.import_statements(items, on_item)
        answer = {
            "created": len(report.created),
            "existing": len(report.existing),
            "errors": len(report.errors),
            "results": results,
        }
        return Response(answer, status=status.HTTP_202_ACCEPTED if report.created else status.HTTP_200_OK)

    def _link(self, request, decide: Callable[[list[int]], object]) -> Response:
        claim = self.get_object()
        body = bodies.OtherClaimSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        other = body.validated_data["claim"]
        if other == claim.pk:
            raise exceptions.ValidationError({"claim": [_("Give another claim than this one.")]})
        if not Claim.objects.filter(pk=other).exists():
            raise exceptions.ValidationError({"claim": [_("No claim has this id.")]})
        try:
            decide([claim.pk, other])
        except ConflictingDecision as exc:
            raise _conflict(exc) from None
        except DjangoValidationError as exc:
            raise _validation_error(exc) from None
        placed = Claim.objects.filter(pk__in=[claim.pk, other]).order_by("id").values("id", "cluster")
        return Response({"claims": list(placed)})

    @extend_schema(
        summary="Mark two claims as the same claim",
        description="The editor's must-link decision, as in the admin: both claims end up in one cluster and stay "
        "together through every re-clustering. Needs a token with the editor scope.",
        request=bodies.OtherClaimSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: bodies.LinkResultSerializer, 409: ERROR_409, 422: ERROR_422},
    )
    @action(detail=True, methods=["post"], url_path="same", filter_backends=[])
    @idempotent
    def same(self, request, *args, **kwargs):
        return self._link(request, lambda ids: editorial.mark_same(ids, request.user, confirm=_confirmed(request)))

    @extend_schema(
        summary="Mark two claims as not the same claim",
        description="The editor's cannot-link decision, as in the admin: if they share a cluster, the second "
        "leaves it, and re-clustering never joins them. Needs a token with the editor scope.",
        request=bodies.OtherClaimSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: bodies.LinkResultSerializer, 409: ERROR_409, 422: ERROR_422},
    )
    @action(detail=True, methods=["post"], url_path="not-same", filter_backends=[])
    @idempotent
    def not_same(self, request, *args, **kwargs):
        return self._link(request, lambda ids: editorial.mark_different(ids, request.user, confirm=_confirmed(request)))

    @extend_schema(
        operation_id="claims_search",
        summary="Search claims by meaning",
        description="Claims ranked by similarity of meaning to `q` (the service's multilingual embedding model; an "
        "Arabic query finds English claims and the reverse), each with its cluster's status and verdict.",
        parameters=[bodies.SearchQuerySerializer],
        responses={200: bodies.SearchResultSerializer},
    )
    @action(detail=False, methods=["get"], url_path="search", filter_backends=[], pagination_class=None)
    def search(self, request, *args, **kwargs):
        params = bodies.SearchQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        query = params.validated_data
        q = query["q"].strip()
        if not q:
            raise exceptions.ValidationError({"q": [_("This field may not be blank.")]})
        hits = search_claims(
            q,
            language=query.get("language"),
            publisher=query.get("publisher"),
            max_age_days=query.get("max_age_days"),
            status=query.get("status"),
            limit=query["page_size"],
        )
        results = []
        for hit in hits:
            hit.claim.similarity = round(hit.similarity, 6)
            cluster = hit.claim.cluster
            hit.claim.cluster_status = cluster.status if cluster else None
            hit.claim.cluster_verdict = cluster.verdict if cluster else None
            results.append(hit.claim)
        return Response({"count": len(results), "results": bodies.SearchHitSerializer(results, many=True).data})


class ClusterActionsMixin(ScopedActionsMixin):
    """POST /clusters/{id}/verdict/ (editor)."""

    scoped_permissions = {"verdict": [CanEdit]}

    @extend_schema(
        summary="Give a cluster a verdict",
        description="The editor's verdict (true, false, misleading, unproven; empty for unreviewed) with a note, "
        "as in the admin; it stays with the cluster's id through rebuilds. Needs a token with the editor scope.",
        request=bodies.VerdictSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: serializers.ClusterSerializer, 409: ERROR_409, 422: ERROR_422},
    )
    @action(detail=True, methods=["post"], url_path="verdict", filter_backends=[])
    @idempotent
    def verdict(self, request, *args, **kwargs):
        cluster = self.get_object()
        body = bodies.VerdictSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            cluster = editorial.set_verdict(
                cluster,
                body.validated_data["verdict"],
                body.validated_data["note"],
                request.user,
                confirm=_confirmed(request),
            )
        except ConflictingDecision as exc:
            raise _conflict(exc) from None
        except DjangoValidationError as exc:
            raise _validation_error(exc) from None
        return Response(serializers.ClusterSerializer(cluster).data)
