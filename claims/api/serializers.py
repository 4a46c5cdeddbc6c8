"""Read-only representations. No logic here: the services compute, these only shape."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from claims.models import Claim, Cluster
from claims.reasons import worded
from sources.models import Source


class QuantitySerializer(serializers.Serializer):
    value = serializers.FloatField(allow_null=True)
    low = serializers.FloatField(allow_null=True)
    high = serializers.FloatField(allow_null=True)
    qualifier = serializers.CharField()
    unit = serializers.CharField(allow_null=True)
    raw = serializers.CharField()
    kind = serializers.CharField(required=False)


class SourceBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = ["id", "title", "url", "publisher", "published_at", "language"]


class SourceSerializer(serializers.ModelSerializer):
    claim_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Source
        fields = ["id", "title", "url", "publisher", "published_at", "language", "status", "claim_count"]


class ClaimSerializer(serializers.ModelSerializer):
    source = SourceBriefSerializer(read_only=True)
    quantity = serializers.SerializerMethodField()

    class Meta:
        model = Claim
        fields = [
            "id", "source", "text", "start", "end", "language", "claimant", "subject", "polarity",
            "quantity", "as_of", "as_of_source", "cluster", "checkworthiness", "reasons",
        ]  # fmt: skip

    @extend_schema_field(QuantitySerializer(allow_null=True))
    def get_quantity(self, claim: Claim) -> dict | None:
        return claim.quantity


class ReasonField(serializers.CharField):
    """A stored reason ({"reason": English text, "parts": ...}) in the language the client asks
    for (Accept-Language), or its English text when its parts are not kept."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, value: dict) -> str:
        return worded(value.get("parts"), value.get("reason", ""))


class ConflictSerializer(serializers.Serializer):
    claims = serializers.ListField(child=serializers.IntegerField(), min_length=2, max_length=2)
    reason = ReasonField()


class SourceVoteSerializer(serializers.Serializer):
    source = serializers.IntegerField()
    counted = serializers.BooleanField(help_text="Whether this source counts as an independent voice.")
    same_as = serializers.IntegerField(allow_null=True, help_text="The source whose voice it shares.")
    reason = ReasonField()


class TimelinePointSerializer(serializers.Serializer):
    as_of = serializers.DateField(allow_null=True)
    value = serializers.FloatField(allow_null=True)
    low = serializers.FloatField(allow_null=True)
    high = serializers.FloatField(allow_null=True)
    qualifier = serializers.CharField()
    unit = serializers.CharField(allow_null=True)
    claim = serializers.IntegerField()
    source = serializers.IntegerField()


class ClusterSerializer(serializers.ModelSerializer):
    conflicts = ConflictSerializer(many=True, read_only=True)
    sources = SourceVoteSerializer(source="source_independence", many=True, read_only=True)
    timeline = TimelinePointSerializer(many=True, read_only=True)
    status_reason = serializers.CharField(
        source="status_reason_text", read_only=True, help_text="Why this status, in the language the client asks for."
    )

    class Meta:
        model = Cluster
        fields = [
            "id", "label", "status", "status_reason", "status_stale", "source_count", "independent_source_count",
            "sources", "claim_count", "languages", "conflicts", "timeline", "verdict", "verdict_note", "locked",
            "updated_at",
        ]  # fmt: skip


class ClusterDetailSerializer(ClusterSerializer):
    claims = ClaimSerializer(many=True, read_only=True)

    class Meta(ClusterSerializer.Meta):
        fields = [*ClusterSerializer.Meta.fields, "claims"]
