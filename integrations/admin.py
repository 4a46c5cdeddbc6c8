"""Admin for webhook subscriptions (with their delivery log) and followed feeds ("poll now")."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from integrations import services
from integrations.models import Feed, FeedEntry, WebhookDelivery, WebhookEvent, WebhookSubscription


class WebhookSubscriptionForm(forms.ModelForm):
    # A URL typed without a scheme is taken as https (Django 6's default, stated now).
    url = forms.URLField(max_length=2000, assume_scheme="https")
    events = forms.MultipleChoiceField(choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = WebhookSubscription
        fields = ["url", "events", "description", "active"]


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = WebhookSubscriptionForm
    list_display = ["url", "events", "active", "created_by", "created_at"]
    list_filter = ["active"]

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        if not change:
            # The only time the secret is shown.
            self.message_user(
                request,
                _("Signing secret for %(url)s (shown once, keep it now): %(secret)s")
                % {"url": obj.url, "secret": obj.secret},
                messages.WARNING,
            )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "delivery_id", "event", "subscription", "cluster_id", "attempt", "state", "status_code", "error", "sent_at",
        "next_retry_at",
    ]  # fmt: skip
    list_filter = ["state", "event"]
    search_fields = ["delivery_id"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class FeedEntryInline(admin.TabularInline):
    model = FeedEntry
    extra = 0
    can_delete = False
    fields = ["title", "link", "seen_at", "source", "error", "recorded_at"]
    readonly_fields = fields
    ordering = ["-id"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class FeedForm(forms.ModelForm):
    url = forms.URLField(max_length=2000, assume_scheme="https")

    class Meta:
        model = Feed
        fields = ["url", "title", "active"]


@admin.register(Feed)
class FeedAdmin(admin.ModelAdmin):
    form = FeedForm
    list_display = ["__str__", "url", "active", "last_polled_at", "last_error"]
    list_filter = ["active"]
    fields = ["url", "title", "active", "etag", "modified", "last_polled_at", "last_error"]
    readonly_fields = ["etag", "modified", "last_polled_at", "last_error"]
    inlines = [FeedEntryInline]
    actions = ["poll_now"]

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=gettext_lazy("Poll the selected feeds now"))
    def poll_now(self, request, queryset) -> None:
        for feed in queryset:
            report = services.poll_feed(feed.pk)
            if report.error:
                self.message_user(request, f"{feed}: {report.error}", messages.ERROR)
            elif report.not_modified:
                self.message_user(request, _("%(feed)s: not modified since the last poll") % {"feed": feed})
            else:
                self.message_user(
                    request,
                    _("%(feed)s: %(new)d new entries ingested, %(failed)d failed, %(seen)d seen before")
                    % {
                        "feed": feed,
                        "new": len(report.ingested),
                        "failed": len(report.failed),
                        "seen": report.already_seen,
                    },
                )
