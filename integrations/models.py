"""What clients registered (webhook subscriptions, feeds to follow) and what the service did for
them (each delivery attempt, each feed entry seen)."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from claims.services.events import CONTRADICTION, STATUS_CHANGED, VERDICT_SET
from sources.validation import MAX_TITLE, MAX_URL, InvalidInput, clean_url


class WebhookEvent(models.TextChoices):
    STATUS_CHANGED = STATUS_CHANGED, _("A cluster's status changed")
    VERDICT_SET = VERDICT_SET, _("An editor set a cluster's verdict")
    CONTRADICTION = CONTRADICTION, _("A cluster became a contradiction")


def new_secret() -> str:
    """A signing secret: 32 random bytes, URL-safe text."""
    return "whsec_" + secrets.token_urlsafe(32)


def validate_http_url(value: str) -> None:
    """The one validation schema's URL rule (sources.validation.clean_url): absolute http(s)."""
    try:
        clean_url(value, "url")
    except InvalidInput as exc:
        raise ValidationError(str(exc)) from None


class WebhookSubscription(models.Model):
    """A client's URL and the events it wants POSTed to it, signed with `secret`.

    The secret signs every delivery (integrations.signing); it is shown once, when the
    subscription is created, and cannot be read back through the API.
    """

    url = models.URLField(max_length=MAX_URL, validators=[validate_http_url])
    events = ArrayField(models.CharField(max_length=32, choices=WebhookEvent.choices))
    secret = models.CharField(max_length=100, default=new_secret, editable=False)
    active = models.BooleanField(default=True)
    description = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("webhook subscription")

    def __str__(self) -> str:
        return self.url

    def clean(self) -> None:
        unknown = set(self.events or []) - set(WebhookEvent.values)
        if unknown or not self.events:
            raise ValidationError({"events": _("Choose one or more of %(events)s.") % {"events": WebhookEvent.values}})


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One attempt to POST one event to one subscription.

    Attempts of the same delivery share `delivery_id` (the X-Factcheck-Delivery header, so a
    receiver can drop duplicates) and `body` (the exact bytes signed); a failed attempt with a
    retry due names it in `next_retry_at`, and the next attempt is its own row.
    """

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    delivery_id = models.UUIDField(default=uuid.uuid4, db_index=True)
    event = models.CharField(max_length=32, choices=WebhookEvent.choices)
    cluster_id = models.BigIntegerField(null=True, blank=True)
    body = models.TextField()
    attempt = models.PositiveIntegerField(default=1)
    state = models.CharField(max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    next_retry_at = models.DateTimeField(null=True, blank=True)
    # When this attempt is due (now for a first attempt, after the backoff for a retry) and when a
    # task took it: a pending attempt long overdue (a broker that was down) or one taken and never
    # finished (a worker killed mid-send) is queued again (services.requeue_stalled_deliveries).
    due_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["state", "due_at"])]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["delivery_id", "attempt"], name="webhookdelivery_one_row_per_attempt")
        ]

    def __str__(self) -> str:
        return f"{self.event} -> {self.subscription_id} #{self.attempt} ({self.state})"


class Feed(models.Model):
    """An RSS or Atom feed the service follows: polled on a schedule, each new entry's page ingested.

    `etag` and `modified` are the validators of the last answer, sent back so that an unchanged
    feed answers 304 and costs nothing.
    """

    url = models.URLField(max_length=MAX_URL, unique=True, validators=[validate_http_url])
    title = models.CharField(max_length=MAX_TITLE, blank=True)
    etag = models.CharField(max_length=500, blank=True)
    modified = models.CharField(max_length=100, blank=True, help_text=_("The last Last-Modified header."))
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("feed")

    def __str__(self) -> str:
        return self.title or self.url


class FeedEntry(models.Model):
    """An entry of a feed, seen once: the unique (feed, guid) makes each entry ingested once, however
    often or concurrently the feed is polled. `source` is the article stored from its page, or
    empty with `error` saying why not; `recorded_at` says when the poll that took the entry
    recorded which. An entry taken by a poll that died before recording it is taken again by the
    next poll of its feed (`services.poll_feed`)."""

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="entries")
    guid = models.CharField(max_length=500)
    link = models.URLField(max_length=MAX_URL, blank=True)
    title = models.CharField(max_length=MAX_TITLE, blank=True)
    seen_at = models.DateTimeField(auto_now_add=True)
    source = models.ForeignKey("sources.Source", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    error = models.TextField(blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("feed entry")
        verbose_name_plural = _("feed entries")
        constraints = [models.UniqueConstraint(fields=["feed", "guid"], name="feedentry_once_per_feed")]

    def __str__(self) -> str:
        return self.title or self.link or self.guid
