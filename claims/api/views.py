"""Read-only JSON API, open to anonymous readers."""

from django import forms
from django.db.models import Count, Prefetch
from django_filters import rest_framework as filters
from rest_framework import viewsets

from claims.api import serializers
from claims.api.actions import ClaimActionsMixin, ClusterActionsMixin, SourceSubmitMixin
from claims.choices import ClusterStatus
from claims.models import Claim, Cluster
from claims.selectors import claims_with_source
from sources.models import Source

MAX_ID = 2**63 - 1  # bigint primary keys


class SourceViewSet(SourceSubmitMixin, viewsets.ReadOnlyModelViewSet):
    """Articles the service has read; clients with a write token post new ones (SourceSubmitMixin)."""

    serializer_class = serializers.SourceSerializer
    queryset = Source.objects.annotate(claim_count=Count("claims")).order_by("id")
    filterset_fields = ["status", "language", "publisher"]


class IdFilter(filters.NumberFilter):
    """A row id: a whole number, so `?source=1.5` is a 400 rather than source 1."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=MAX_ID, **kwargs)


class ClaimFilter(filters.FilterSet):
    cluster = IdFilter(field_name="cluster_id")
    source = IdFilter(field_name="source_id")

    class Meta:
        model = Claim
        fields = ["cluster", "source", "language", "polarity"]


class ClaimViewSet(ClaimActionsMixin, viewsets.ReadOnlyModelViewSet):
    """Check-worthy statements with their exact spans and normalised quantities (search, import and
    editors' links: ClaimActionsMixin)."""

    serializer_class = serializers.ClaimSerializer
    queryset = claims_with_source().order_by("id")
    filterset_class = ClaimFilter


class ClusterFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ClusterStatus.choices)

    class Meta:
        model = Cluster
        fields = ["status"]


class ClusterViewSet(ClusterActionsMixin, viewsets.ReadOnlyModelViewSet):
    """Claims grouped across sources and languages, with a status and its reason (verdicts: ClusterActionsMixin)."""

    queryset = Cluster.objects.order_by("id")
    filterset_class = ClusterFilter

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "retrieve":
            claims = claims_with_source().order_by("id")
            queryset = queryset.prefetch_related(Prefetch("claims", queryset=claims))
        return queryset

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.ClusterDetailSerializer
        return serializers.ClusterSerializer
