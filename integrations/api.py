"""The ClaimReview endpoints (anonymous, like the rest of the API), and the webhook subscriptions'
and followed feeds' API: for tokens with the editor scope and for staff signed in to the admin
(what a subscription or a feed makes the worker fetch is an editor's decision)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, mixins, permissions, serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims.api.pagination import PAGINATION_PARAMETERS, KeysetPagination, paginated_schema
from claims.models import Cluster
from clients.permissions import CanEdit
from integrations import services
from integrations.models import Feed, WebhookEvent, WebhookSubscription


def _cluster_url(request: Request, cluster_id: int) -> str:
    return request.build_absolute_uri(services.cluster_path(cluster_id))


class ClaimReviewView(APIView):
    """A reviewed cluster as a schema.org ClaimReview (JSON-LD)."""

    @extend_schema(
        operation_id="clusters_claimreview_retrieve",
        responses={200: OpenApiTypes.OBJECT, 404: OpenApiResponse(description="No such cluster, or no verdict yet.")},
    )
    def get(self, request: Request, pk: int) -> Response:
        cluster = get_object_or_404(Cluster, pk=pk)
        try:
            return Response(services.claimreview_for(cluster, _cluster_url(request, cluster.pk)))
        except services.NoVerdict as exc:
            raise NotFound(str(exc)) from None


class ReviewPagination(KeysetPagination):
    """Latest verdict first: keyset pages on (verdict_at, id), which the reviewed clusters have an index on
    (claims.Cluster.Meta)."""

    ordering = ("-verdict_at", "-id")


class ClaimReviewListView(generics.GenericAPIView):
    """Every reviewed cluster as a schema.org ClaimReview (JSON-LD), most recently reviewed first."""

    # A verdict always has its time (editorial.set_verdict); a row without one would have no place in the order.
    queryset = Cluster.objects.exclude(verdict="").filter(verdict_at__isnull=False).order_by("-verdict_at", "-id")
    filter_backends = []
    pagination_class = ReviewPagination

    def get_queryset(self):
        return super().get_queryset().prefetch_related(services.review_claims())

    @extend_schema(
        operation_id="claimreview_list",
        parameters=PAGINATION_PARAMETERS,
        responses={
            200: OpenApiResponse(
                response=paginated_schema({"type": "array", "items": {"type": "object", "additionalProperties": {}}}),
                description="A page of ClaimReview objects.",
            )
        },
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        reviews = [services.claimreview_for(c, _cluster_url(request, c.pk)) for c in page]
        return self.get_paginated_response(reviews)


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices), min_length=1)

    class Meta:
        model = WebhookSubscription
        fields = ["id", "url", "events", "description", "active", "created_at"]
        read_only_fields = ["id", "active", "created_at"]

    def create(self, validated_data: dict) -> WebhookSubscription:
        from django.core.exceptions import ValidationError as DjangoValidationError

        try:
            return services.create_subscription(user=self.context["request"].user, **validated_data)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None


class CreatedWebhookSubscriptionSerializer(WebhookSubscriptionSerializer):
    secret = serializers.CharField(
        read_only=True, help_text=_("The signing secret. Shown in this answer only: keep it now.")
    )

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields, "secret"]


class WebhookSubscriptionViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Webhook subscriptions: create (the answer shows the signing secret, once), list, delete."""

    queryset = WebhookSubscription.objects.order_by("id")
    permission_classes = [CanEdit | permissions.IsAdminUser]
    filter_backends = []

    def get_serializer_class(self):
        return CreatedWebhookSubscriptionSerializer if self.action == "create" else WebhookSubscriptionSerializer

    @extend_schema(responses={201: CreatedWebhookSubscriptionSerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        return super().create(request, *args, **kwargs)


class FeedSerializer(serializers.ModelSerializer):
    class Meta:
        model = Feed
        fields = ["id", "url", "title", "active", "last_polled_at", "last_error", "created_at"]
        read_only_fields = ["id", "title", "active", "last_polled_at", "last_error", "created_at"]
        # follow_feed says whether a URL is already followed (and reactivates it): no uniqueness 400.
        extra_kwargs = {"url": {"validators": []}}

    def create(self, validated_data: dict) -> Feed:
        try:
            feed, _created = services.follow_feed(validated_data["url"], user=self.context["request"].user)
        except services.FeedError as exc:
            raise serializers.ValidationError({"url": [str(exc)]}) from None
        return feed


class FeedViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Followed feeds: register one (fetched once and parsed first, like `manage.py follow`), list,
    stop following (delete). Editor tokens and staff."""

    queryset = Feed.objects.order_by("id")
    serializer_class = FeedSerializer
    permission_classes = [CanEdit | permissions.IsAdminUser]
    filter_backends = []
