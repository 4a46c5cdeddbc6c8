"""Bodies and answers of the clients' API (writes, search, check-worthiness, editorial actions).

Request bodies are checked by the one schema every input goes through (`sources.validation`),
field by field, so a bad body is a 400 naming each bad field with the schema's reason. The DRF
fields below describe the bodies in the OpenAPI schema; the schema module decides what is valid.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import serializers

from claims.api.serializers import ClaimSerializer, QuantitySerializer
from claims.choices import ClusterStatus, Language, SourceStatus, Verdict
from sources.models import Source
from sources.validation import InvalidInput, clean_fields, clean_string


def _checked_object(data: object, allowed: Mapping[str, str]) -> tuple[dict[str, object], dict[str, list[str]]]:
    """`data` (a JSON object whose keys are `allowed`'s, renamed to the schema's field names) checked
    field by field through sources.validation: (cleaned fields, errors by the body's field name)."""
    if not isinstance(data, Mapping):
        raise serializers.ValidationError(
            {"non_field_errors": [_("Expected a JSON object, got %(type)s.") % {"type": type(data).__name__}]}
        )
    errors: dict[str, list[str]] = {}
    for name in data:
        if name not in allowed:
            errors[str(name)[:100]] = [_("Unknown field; allowed: %(fields)s.") % {"fields": ", ".join(allowed)}]
    cleaned: dict[str, object] = {}
    for name, schema_name in allowed.items():
        if name not in data:
            continue
        try:
            cleaned.update(clean_fields({schema_name: data[name]}, required=(), labels={schema_name: name}))
        except InvalidInput as exc:
            errors[name] = [str(exc)]
    return cleaned, errors


def _text_errors(text: str) -> list[str]:
    limit = settings.FACTCHECK_MAX_SOURCE_BYTES
    size = len(text.encode("utf-8"))
    if size > limit:
        return [_("Too large (%(size)s bytes of UTF-8; the limit is %(limit)s).") % {"size": size, "limit": limit}]
    return []


class SourceSubmitSerializer(serializers.Serializer):
    """An article: its `text` with what is known about it, or a `url` the worker fetches it from."""

    text = serializers.CharField(required=False, help_text="The article's text. Give this or `url`.")
    url = serializers.URLField(
        required=False, max_length=2000, help_text="Where it was published; without `text`, fetched from there."
    )
    title = serializers.CharField(required=False, max_length=500)
    publisher = serializers.CharField(required=False, max_length=200)
    published_at = serializers.DateTimeField(required=False, help_text="ISO 8601; a date alone is midnight UTC.")
    language = serializers.ChoiceField(choices=Language.choices, required=False)

    FIELDS = {"text": "text", "url": "url", "title": "title", "publisher": "publisher",
              "published_at": "published_at", "language": "language"}  # fmt: skip

    def to_internal_value(self, data: object) -> dict[str, object]:
        cleaned, errors = _checked_object(data, self.FIELDS)
        text = cleaned.get("text") or ""
        if "text" not in errors:
            if text.strip():
                if problems := _text_errors(text):
                    errors["text"] = problems
            elif not cleaned.get("url") and "url" not in errors:
                errors["text"] = [_("Give the article's text, or a url to fetch it from.")]
        if errors:
            raise serializers.ValidationError(errors)
        cleaned["text"] = text if text.strip() else ""
        return cleaned


class ClaimImportItemSerializer(serializers.Serializer):
    """One claim a fact-checker already holds: the fields of an `import_claims` JSONL line."""

    text = serializers.CharField(help_text="The claim, one statement.")
    source_url = serializers.URLField(required=False, max_length=2000)
    publisher = serializers.CharField(required=False, max_length=200)
    published_at = serializers.DateTimeField(required=False)
    language = serializers.ChoiceField(choices=Language.choices, required=False)

    FIELDS = {"text": "text", "source_url": "url", "publisher": "publisher", "published_at": "published_at",
              "language": "language"}  # fmt: skip

    def to_internal_value(self, data: object) -> dict[str, object]:
        cleaned, errors = _checked_object(data, self.FIELDS)
        text = (cleaned.get("text") or "").strip()
        if "text" not in errors:
            if not text:
                errors["text"] = [_("This field is required and may not be blank.")]
            elif len(text) > settings.FACTCHECK_MAX_CLAIM_LINE_CHARS:
                errors["text"] = [
                    _("Too long (%(n)s characters; the limit is %(limit)s).")
                    % {"n": len(text), "limit": settings.FACTCHECK_MAX_CLAIM_LINE_CHARS}
                ]
        if errors:
            raise serializers.ValidationError(errors)
        cleaned["text"] = text
        return cleaned


class ClaimImportSerializer(serializers.ListSerializer):
    child = ClaimImportItemSerializer()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("child", ClaimImportItemSerializer())
        kwargs.setdefault("allow_empty", False)
        kwargs.setdefault("max_length", settings.FACTCHECK_API_MAX_IMPORT_ITEMS)
        super().__init__(*args, **kwargs)


class SourceBatchSerializer(serializers.ListSerializer):
    """Several articles, each as POST /sources/ takes one; at most FACTCHECK_API_MAX_BATCH_ARTICLES."""

    child = SourceSubmitSerializer()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("child", SourceSubmitSerializer())
        kwargs.setdefault("allow_empty", False)
        kwargs.setdefault("max_length", settings.FACTCHECK_API_MAX_BATCH_ARTICLES)
        super().__init__(*args, **kwargs)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class SourceAcceptedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=SourceStatus.choices)
    created = serializers.BooleanField(help_text="False when the same article (or URL) was already stored.")
    queued = serializers.BooleanField(help_text="Whether processing (or fetching) was queued by this request.")
    status_url = serializers.URLField(help_text="GET it to follow the source's status.")


class SourceDetailSerializer(serializers.ModelSerializer):
    claim_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Source
        fields = [
            "id", "title", "url", "publisher", "published_at", "language", "status", "claim_count", "error",
            "created_at", "processed_at",
        ]  # fmt: skip


class ImportItemResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    result = serializers.ChoiceField(choices=["created", "existing", "error"])
    source = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)


class ImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    existing = serializers.IntegerField()
    errors = serializers.IntegerField()
    results = ImportItemResultSerializer(many=True)


class BatchItemResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The article's position in the list, from 0.")
    result = serializers.ChoiceField(choices=["created", "existing", "error"])
    source = serializers.IntegerField(allow_null=True, help_text="The stored source's id (null for an error).")
    queued = serializers.BooleanField(help_text="Whether processing (or fetching) was queued by this request.")
    reason = serializers.CharField(allow_blank=True, help_text="Why an `error` was not stored (or not processed).")


class BatchResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    existing = serializers.IntegerField()
    errors = serializers.IntegerField()
    results = BatchItemResultSerializer(many=True)


class VerdictSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=Verdict.choices, help_text="Empty: back to unreviewed.")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)
    confirm = serializers.BooleanField(
        required=False, default=False, help_text="Override another editor's verdict (otherwise a 409 names it)."
    )

    def validate_note(self, value: str) -> str:
        try:
            return clean_string(value, "note")
        except InvalidInput as exc:
            raise serializers.ValidationError(str(exc)) from None


class OtherClaimSerializer(serializers.Serializer):
    claim = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="The other claim's id.")
    confirm = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Reverse an earlier decision about the pair (otherwise a 409 names it).",
    )


class ClaimPlacementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    cluster = serializers.IntegerField(allow_null=True)


class LinkResultSerializer(serializers.Serializer):
    claims = ClaimPlacementSerializer(many=True, help_text="Both claims and the cluster each is in now.")


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(max_length=1000, help_text="What to look for, in any language.")
    language = serializers.ChoiceField(choices=Language.choices, required=False, help_text="The claim's language.")
    publisher = serializers.CharField(required=False, max_length=200)
    max_age_days = serializers.IntegerField(
        required=False, min_value=1, max_value=73_000, help_text="Only claims published (or read) this recently."
    )
    status = serializers.ChoiceField(choices=ClusterStatus.choices, required=False, help_text="The cluster's status.")
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=100, default=20)


class SearchHitSerializer(ClaimSerializer):
    similarity = serializers.FloatField(help_text="Cosine similarity of meaning to the query (-1..1).")
    cluster_status = serializers.ChoiceField(choices=ClusterStatus.choices, allow_null=True)
    cluster_verdict = serializers.ChoiceField(choices=Verdict.choices, allow_null=True)

    class Meta(ClaimSerializer.Meta):
        fields = [*ClaimSerializer.Meta.fields, "similarity", "cluster_status", "cluster_verdict"]


class SearchResultSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = SearchHitSerializer(many=True)


class CheckworthinessRequestSerializer(serializers.Serializer):
    text = serializers.CharField(help_text="Any text; nothing is stored.")
    published_at = serializers.DateTimeField(required=False, help_text="Resolves relative dates in the text.")

    def to_internal_value(self, data: object) -> dict[str, object]:
        cleaned, errors = _checked_object(data, {"text": "text", "published_at": "published_at"})
        text = cleaned.get("text") or ""
        limit = settings.FACTCHECK_API_MAX_CHECK_CHARS
        if "text" not in errors:
            if not text.strip():
                errors["text"] = [_("This field is required and may not be blank.")]
            elif len(text) > limit:
                reason = _("Too long (%(n)s characters; the limit is %(limit)s).") % {"n": len(text), "limit": limit}
                errors["text"] = [reason]
        if errors:
            raise serializers.ValidationError(errors)
        return {"text": text, "published_at": cleaned.get("published_at")}


class ScoredClaimSerializer(serializers.Serializer):
    text = serializers.CharField()
    start = serializers.IntegerField()
    end = serializers.IntegerField()
    language = serializers.CharField()
    checkworthiness = serializers.FloatField()
    check_worthy = serializers.BooleanField(help_text="Whether the service would store it as a claim.")
    reasons = serializers.ListField(child=serializers.CharField())
    quantity = QuantitySerializer(allow_null=True)
    claimant = serializers.CharField(allow_null=True)
    subject = serializers.CharField(allow_null=True)
    polarity = serializers.CharField()
    as_of = serializers.DateField(allow_null=True)


class CheckworthinessSerializer(serializers.Serializer):
    language = serializers.ChoiceField(choices=Language.choices)
    claims = ScoredClaimSerializer(many=True)
