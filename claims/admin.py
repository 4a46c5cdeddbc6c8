"""Editors' views of clusters and claims. Every action calls claims.services.editorial or claims.services."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.html import format_html, format_html_join

from claims import services
from claims.login_throttle import ThrottledAdminAuthenticationForm
from claims.models import Claim, ClaimLink, Cluster
from claims.selectors import claims_with_source
from claims.services import editorial

# Failed logins are throttled per username and address; the form says so when a pair is locked.
admin.site.login_form = ThrottledAdminAuthenticationForm


def format_quantity(quantity: dict | None) -> str:
    if not quantity:
        return "—"
    value = quantity.get("value")
    if value is None:
        shown = f"{quantity.get('low')}–{quantity.get('high')}"
    else:
        shown = f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"
    unit = quantity.get("unit") or ""
    return f"{quantity.get('qualifier', '')} {shown} {unit}".strip()


def report(model_admin: admin.ModelAdmin, request, action) -> None:
    """Run an editorial action, turning its refusal into a message for the editor."""
    try:
        text = action()
    except ValidationError as exc:
        model_admin.message_user(request, " ".join(exc.messages), messages.ERROR)
        return
    model_admin.message_user(request, text, messages.SUCCESS)


class ClaimInline(admin.TabularInline):
    model = Claim
    fk_name = "cluster"
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["text", "source", "language", "span", "claimant", "quantity_display", "as_of", "polarity"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return claims_with_source(super().get_queryset(request))

    @admin.display(description="span")
    def span(self, claim: Claim) -> str:
        return f"{claim.start}–{claim.end}"

    @admin.display(description="quantity")
    def quantity_display(self, claim: Claim) -> str:
        return format_quantity(claim.quantity)


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    list_display = [
        "id", "label", "status", "independent_source_count", "source_count", "claim_count", "language_list",
        "verdict", "locked", "updated_at",
    ]  # fmt: skip
    list_filter = ["status", "verdict", "locked", "independent_source_count"]
    search_fields = ["label", "claims__text", "claims__claimant"]
    readonly_fields = [
        "status", "status_reason", "conflict_list", "independence", "timeline_table", "source_count",
        "independent_source_count", "claim_count", "languages", "verdict_by", "verdict_at", "created_at", "updated_at",
    ]  # fmt: skip
    fields = ["label", "verdict", "verdict_note", "locked", *readonly_fields]
    inlines = [ClaimInline]
    actions = ["merge", "lock", "unlock", "refresh_status"]

    def get_search_results(self, request, queryset, search_term):
        queryset, _ = super().get_search_results(request, queryset, search_term)
        return queryset.distinct(), False

    def save_model(self, request, obj: Cluster, form, change) -> None:
        super().save_model(request, obj, form, change)
        if {"verdict", "verdict_note"} & set(form.changed_data):
            editorial.set_verdict(obj, obj.verdict, obj.verdict_note, request.user)

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

    @admin.display(description="sources")
    def independence(self, cluster: Cluster) -> str:
        if not cluster.source_independence:
            return "—"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>source {}: {}</li>",
                ((v["source"], "counts" if v["counted"] else v["reason"]) for v in cluster.source_independence),
            ),
        )

    @admin.display(description="timeline")
    def timeline_table(self, cluster: Cluster) -> str:
        if not cluster.timeline:
            return "—"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{}: {} (claim {}, source {})</li>",
                ((p["as_of"] or "undated", format_quantity(p), p["claim"], p["source"]) for p in cluster.timeline),
            ),
        )

    @admin.action(description="Merge selected clusters (their claims become the same claim)")
    def merge(self, request, queryset: QuerySet[Cluster]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        report(self, request, lambda: f"Merged into cluster {editorial.merge_clusters(ids, request.user).pk}.")

    @admin.action(description="Lock selected clusters (re-clustering keeps exactly their claims)")
    def lock(self, request, queryset: QuerySet[Cluster]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        report(self, request, lambda: f"Locked {editorial.set_locked(ids, True)} cluster(s).")

    @admin.action(description="Unlock selected clusters")
    def unlock(self, request, queryset: QuerySet[Cluster]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        report(self, request, lambda: f"Unlocked {editorial.set_locked(ids, False)} cluster(s).")

    @admin.action(description="Refresh status of selected clusters")
    def refresh_status(self, request, queryset: QuerySet[Cluster]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        services.refresh_clusters(ids)
        self.message_user(request, f"Refreshed {len(ids)} cluster(s).", messages.SUCCESS)


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = [
        "id", "short_text", "source", "language", "claimant", "quantity_display", "as_of", "polarity", "cluster",
        "checkworthiness",
    ]  # fmt: skip
    list_filter = ["language", "polarity", "cluster__status", "as_of_source"]
    search_fields = ["text", "claimant", "subject"]
    list_select_related = ["source", "cluster"]
    raw_id_fields = ["source", "cluster"]
    readonly_fields = [
        "source", "cluster", "text", "start", "end", "language", "claimant", "subject", "polarity", "quantity",
        "as_of", "as_of_source", "checkworthiness", "reasons", "match_text", "embedding_model", "created_at",
    ]  # fmt: skip
    exclude = ["embedding"]
    actions = ["split_off", "mark_same", "mark_different"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("embedding", "source__text")

    @admin.display(description="text")
    def short_text(self, claim: Claim) -> str:
        return claim.text[:120]

    @admin.display(description="quantity")
    def quantity_display(self, claim: Claim) -> str:
        return format_quantity(claim.quantity)

    @admin.action(description="Split selected claims off into a new cluster")
    def split_off(self, request, queryset: QuerySet[Claim]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        report(self, request, lambda: f"Split into new cluster {editorial.split_claims(ids, request.user).pk}.")

    @admin.action(description="Mark selected claims as the same claim")
    def mark_same(self, request, queryset: QuerySet[Claim]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        report(self, request, lambda: f"Linked; they are now in cluster {editorial.mark_same(ids, request.user).pk}.")

    @admin.action(description="Mark selected claims as not the same claim")
    def mark_different(self, request, queryset: QuerySet[Claim]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        report(
            self,
            request,
            lambda: f"Recorded; moved to {len(editorial.mark_different(ids, request.user))} new cluster(s).",
        )


@admin.register(ClaimLink)
class ClaimLinkAdmin(admin.ModelAdmin):
    """Editors' same / not-the-same decisions; deleting one undoes it at the next re-clustering."""

    list_display = ["id", "claim_a", "kind", "claim_b", "created_by", "created_at"]
    list_filter = ["kind"]
    raw_id_fields = ["claim_a", "claim_b"]
    readonly_fields = ["created_by", "created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("claim_a", "claim_b", "created_by")

    def save_model(self, request, obj: ClaimLink, form, change) -> None:
        obj.created_by = request.user
        super().save_model(request, obj, form, change)
