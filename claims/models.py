from django.contrib.postgres.fields import ArrayField
from django.db import models
from pgvector.django import VectorField

from claims.choices import ClusterStatus, Language, Polarity


class Cluster(models.Model):
    """Claims from any sources and languages that state the same thing.

    Counts, languages and conflicts are kept on the row (refreshed by `claims.services`) so the
    cluster list needs no aggregation per row.
    """

    label = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=16, choices=ClusterStatus.choices, default=ClusterStatus.SINGLE_SOURCE)
    status_reason = models.TextField(blank=True)
    source_count = models.PositiveIntegerField(default=0)
    claim_count = models.PositiveIntegerField(default=0)
    languages = ArrayField(models.CharField(max_length=8), default=list, blank=True)
    # [{"claims": [id, id], "reason": "..."}]: each conflicting pair and why.
    conflicts = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return self.label or f"Cluster {self.pk}"


class Claim(models.Model):
    """One check-worthy statement in a source: its exact span, who said it and what it quantifies.

    `text == source.text[start:end]` always holds. `match_text` is the claim with its subject
    carried in, which is what gets embedded and compared.
    """

    source = models.ForeignKey("sources.Source", on_delete=models.CASCADE, related_name="claims")
    cluster = models.ForeignKey(Cluster, on_delete=models.SET_NULL, null=True, blank=True, related_name="claims")
    text = models.TextField()
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    language = models.CharField(max_length=8, choices=Language.choices)
    claimant = models.CharField(max_length=300, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    polarity = models.CharField(max_length=8, choices=Polarity.choices, default=Polarity.POSITIVE)
    # {value, low, high, qualifier, unit, raw, kind} or null; see claims.quantities.Quantity.
    quantity = models.JSONField(null=True, blank=True)
    checkworthiness = models.FloatField(default=0.0)
    reasons = models.JSONField(default=list, blank=True)
    match_text = models.TextField(blank=True)
    # Untyped so that the model is a setting: any dimension fits; claims.services keeps an HNSW
    # index per dimension in use.
    embedding = VectorField(null=True, blank=True)
    embedding_model = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["source_id", "start", "id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "start", "end"], name="claim_unique_span"),
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="claim_span_not_empty"),
        ]

    def __str__(self) -> str:
        return self.text[:80]
