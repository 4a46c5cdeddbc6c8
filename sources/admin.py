"""Editors' view of sources and the claims read from them."""

from django.contrib import admin, messages
from django.db.models import Count

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
    readonly_fields = ["content_hash", "origin", "status", "error", "created_at", "processed_at", "text"]
    inlines = [SourceClaimInline]
    actions = ["reprocess"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(claim_total=Count("claims"))

    @admin.display(description="claims", ordering="claim_total")
    def claim_count(self, source: Source) -> int:
        return source.claim_total

    @admin.action(description="Re-process selected sources (extract, embed, cluster)")
    def reprocess(self, request, queryset) -> None:
        count = services.reprocess_sources(queryset.values_list("pk", flat=True))
        self.message_user(request, f"Queued {count} source(s) for processing.", messages.SUCCESS)
