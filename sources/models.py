from django.db import models

from claims.choices import Language, SourceKind, SourceStatus


class Source(models.Model):
    """One news article the service has read, stored verbatim so claim offsets always resolve.

    `content_hash` identifies the article by its normalised text, so ingesting the same article
    again (from another path or URL) finds this row instead of creating a new one. A source of
    kind "claim" is one statement imported from a fact-checker's records (`import_claims`).
    """

    kind = models.CharField(max_length=8, choices=SourceKind.choices, default=SourceKind.ARTICLE)
    title = models.CharField(max_length=500, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    publisher = models.CharField(max_length=200, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.OTHER)
    text = models.TextField()
    content_hash = models.CharField(max_length=64, unique=True)
    origin = models.CharField(max_length=2000, blank=True, help_text="The file or URL it was read from.")
    status = models.CharField(max_length=16, choices=SourceStatus.choices, default=SourceStatus.PENDING)
    error = models.TextField(blank=True)
    # The claim on a source being processed: when the run that holds it started (its lease;
    # claims.services.ingest), and how many runs have claimed it since it was last processed.
    processing_started_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # When its processing was last queued: a source still pending long after that lost its message
    # (the broker was down at commit, say), and the reaper queues it again.
    queued_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["status"]), models.Index(fields=["publisher"])]

    def __str__(self) -> str:
        return self.title or self.origin or f"Source {self.pk}"
