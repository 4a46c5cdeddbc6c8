"""Editors' view of sources and the claims read from them."""

from django.contrib import admin, messages
from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from claims import services
from claims.models import Claim
from sources.models import Source


class SourceClaimInline(admin.TabularInline):
    model = Claim
    fk_name = "source"
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["text", "start", "end", "claimant", "quantity", "cluster"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).defer("embedding")


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["id", "__str__", "publisher", "published_at", "language", "status", "claim_count", "created_at"]
    list_filter = ["status", "language", "publisher"]
    search_fields = ["title", "url", "publisher", "origin"]
    readonly_fields = [
        "content_hash", "origin", "status", "error", "processing_started_at", "attempts", "created_at", "processed_at",
        "text",
    ]  # fmt: skip
    inlines = [SourceClaimInline]
    actions = ["reprocess"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(claim_total=Count("claims"))

    @admin.display(description="claims", ordering="claim_total")
    def claim_count(self, source: Source) -> int:
        return source.claim_total

    @admin.action(description=gettext_lazy("Re-process selected sources (extract, embed, cluster)"))
    def reprocess(self, request, queryset) -> None:
        report = services.reprocess_sources(queryset.values_list("pk", flat=True))
        if report.queued:
            count = len(report.queued)
            self.message_user(
                request,
                ngettext("Queued %(count)d source for processing.", "Queued %(count)d sources for processing.", count)
                % {"count": count},
                messages.SUCCESS,
            )
        if report.busy:
            self.message_user(
                request,
                _("Skipped, being processed right now: source(s) %(ids)s.")
                % {"ids": ", ".join(str(pk) for pk in report.busy)},
                messages.WARNING,
            )
