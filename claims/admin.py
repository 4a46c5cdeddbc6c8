"""Editors' views of clusters and claims. Actions call claims.services, nothing else."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.utils.html import format_html, format_html_join

from claims import services
from claims.models import Claim, Cluster


def format_quantity(quantity: dict | None) -> str:
    if not quantity:
        return "—"
    value = quantity.get("value")
    shown = f"{value:,.0f}" if isinstance(value, (int, float)) and float(value).is_integer() else value
    unit = quantity.get("unit") or ""
    return f"{quantity.get('qualifier', '')} {shown} {unit}".strip()


class ClaimInline(admin.TabularInline):
    model = Claim
    fk_name = "cluster"
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["text", "source", "language", "span", "claimant", "quantity_display", "polarity"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source").defer("embedding", "source__text")

    @admin.display(description="span")
    def span(self, claim: Claim) -> str:
        return f"{claim.start}–{claim.end}"

    @admin.display(description="quantity")
    def quantity_display(self, claim: Claim) -> str:
        return format_quantity(claim.quantity)


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    list_display = ["id", "label", "status", "source_count", "claim_count", "language_list", "updated_at"]
    list_filter = ["status", "source_count"]
    search_fields = ["label", "claims__text", "claims__claimant"]
    readonly_fields = [
        "status",
        "status_reason",
        "conflict_list",
        "source_count",
        "claim_count",
        "languages",
        "created_at",
        "updated_at",
    ]
    fields = ["label", *readonly_fields]
    inlines = [ClaimInline]
    actions = ["refresh_status"]

    def get_search_results(self, request, queryset, search_term):
        queryset, _ = super().get_search_results(request, queryset, search_term)
        return queryset.distinct(), False

    @admin.display(description="languages")
    def language_list(self, cluster: Cluster) -> str:
        return ", ".join(cluster.languages)

    @admin.display(description="conflicts")
    def conflict_list(self, cluster: Cluster) -> str:
        if not cluster.conflicts:
            return "—"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>claims {} and {}: {}</li>",
                ((c["claims"][0], c["claims"][1], c["reason"]) for c in cluster.conflicts),
            ),
        )

    @admin.action(description="Refresh status of selected clusters")
    def refresh_status(self, request, queryset: QuerySet[Cluster]) -> None:
        services.refresh_clusters(queryset.values_list("pk", flat=True))
        self.message_user(request, f"Refreshed {queryset.count()} cluster(s).", messages.SUCCESS)


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "short_text",
        "source",
        "language",
        "claimant",
        "quantity_display",
        "cluster",
        "checkworthiness",
    ]
    list_filter = ["language", "polarity", "cluster__status"]
    search_fields = ["text", "claimant", "subject"]
    list_select_related = ["source", "cluster"]
    raw_id_fields = ["source", "cluster"]
    readonly_fields = [
        "source",
        "text",
        "start",
        "end",
        "language",
        "claimant",
        "subject",
        "polarity",
        "quantity",
        "checkworthiness",
        "reasons",
        "match_text",
        "embedding_model",
        "created_at",
    ]
    exclude = ["embedding"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("embedding", "source__text")

    @admin.display(description="text")
    def short_text(self, claim: Claim) -> str:
        return claim.text[:120]

    @admin.display(description="quantity")
    def quantity_display(self, claim: Claim) -> str:
        return format_quantity(claim.quantity)
