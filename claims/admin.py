"""Editors' views of clusters and claims. Every action calls claims.services.editorial or claims.services."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from claims import admin_display, services
from claims.login_throttle import ThrottledAdminAuthenticationForm
from claims.models import Claim, ClaimLink, Cluster
from claims.services import editorial

# Failed logins are throttled per username and address; the form says so when a pair is locked.
admin.site.login_form = ThrottledAdminAuthenticationForm
# No app list down the side of every page: the change lists get the width (the index has the list).
admin.site.enable_nav_sidebar = False


def report(model_admin: admin.ModelAdmin, request, action) -> None:
    """Run an editorial action, turning its refusal into a message for the editor."""
    try:
        text = action()
    except ValidationError as exc:
        model_admin.message_user(request, " ".join(exc.messages), messages.ERROR)
        return
    model_admin.message_user(request, text, messages.SUCCESS)


@admin.register(Cluster)
class ClusterAdmin(admin_display.ClusterDisplay, admin.ModelAdmin):
    list_display = ["id", "short_label", "status", "counts", "language_list", "verdict", "locked", "updated"]
    list_display_links = ["id", "short_label"]
    list_filter = ["status", "verdict", "locked", "independent_source_count"]
    search_fields = ["label", "claims__text", "claims__claimant"]
    # Status, conflicts, independence, the claims and the timeline plot are drawn above the form
    # (templates/admin/claims/cluster/change_form.html, claims.admin_display.cluster_panel).
    readonly_fields = ["verdict_by", "verdict_at", "created_at", "updated_at"]
    fields = ["label", "verdict", "verdict_note", "locked", *readonly_fields]
    formfield_overrides = {  # Arabic or English, each laid out its own way
        models.CharField: {"widget": forms.TextInput(attrs={"dir": "auto", "class": "vTextField"})},
        models.TextField: {"widget": forms.Textarea(attrs={"dir": "auto", "class": "vLargeTextField"})},
    }
    actions = ["merge", "lock", "unlock", "refresh_status"]

    def get_search_results(self, request, queryset, search_term):
        queryset, _ = super().get_search_results(request, queryset, search_term)
        return queryset.distinct(), False

    def save_model(self, request, obj: Cluster, form, change) -> None:
        super().save_model(request, obj, form, change)
        if {"verdict", "verdict_note"} & set(form.changed_data):
            editorial.set_verdict(obj, obj.verdict, obj.verdict_note, request.user)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "locked":  # the model's help text, in the editor's language
            field.help_text = gettext_lazy("Keep exactly these claims when re-clustering.")
        return field

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["panel"] = admin_display.cluster_panel(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.action(description=gettext_lazy("Merge selected clusters (their claims become the same claim)"))
    def merge(self, request, queryset: QuerySet[Cluster]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        report(
            self,
            request,
            lambda: _("Merged into cluster %(id)d.") % {"id": editorial.merge_clusters(ids, request.user).pk},
        )

    @admin.action(description=gettext_lazy("Lock selected clusters (re-clustering keeps exactly their claims)"))
    def lock(self, request, queryset: QuerySet[Cluster]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        report(self, request, lambda: _("Locked %(count)d cluster(s).") % {"count": editorial.set_locked(ids, True)})

    @admin.action(description=gettext_lazy("Unlock selected clusters"))
    def unlock(self, request, queryset: QuerySet[Cluster]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        report(self, request, lambda: _("Unlocked %(count)d cluster(s).") % {"count": editorial.set_locked(ids, False)})

    @admin.action(description=gettext_lazy("Refresh status of selected clusters"))
    def refresh_status(self, request, queryset: QuerySet[Cluster]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        services.refresh_clusters(ids)
        self.message_user(request, _("Refreshed %(count)d cluster(s).") % {"count": len(ids)}, messages.SUCCESS)


@admin.register(Claim)
class ClaimAdmin(admin_display.ClaimDisplay, admin.ModelAdmin):
    list_display = [
        "id", "short_text", "source_title", "language", "claimant_text", "quantity_display", "as_of", "polarity",
        "cluster_label", "checkworthiness",
    ]  # fmt: skip
    list_filter = ["language", "polarity", "cluster__status", "as_of_source"]
    search_fields = ["text", "claimant", "subject"]
    list_select_related = ["source", "cluster"]
    # Read-only, and only what an editor judges by: the vector, the nearest cosines, the match
    # text and the offsets are the service's own and never shown. Claims come from sources, so
    # there is no "Add claim".
    readonly_fields = [
        "in_sentence", "figure", "source_link", "cluster_link", "neighbours", "claimant", "subject", "language",
        "polarity", "as_of", "as_of_source", "checkworthiness", "why_check_worthy", "created_at",
    ]  # fmt: skip
    fields = readonly_fields
    actions = ["split_off", "mark_same", "mark_different"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("embedding", "nearest_cosines", "match_text", "source__text")

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:  # the page shows the claim in its sentence: the source's text around it
            return admin_display.with_context(Claim.objects.filter(pk=obj.pk)).select_related("cluster").first()
        return obj

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=gettext_lazy("text"))
    def short_text(self, claim: Claim) -> SafeString:
        return format_html('<span dir="auto">{}</span>', claim.text[:120])

    @admin.display(description=gettext_lazy("quantity"))
    def quantity_display(self, claim: Claim) -> str:
        return admin_display.format_figure(claim.quantity)

    @admin.action(description=gettext_lazy("Split selected claims off into a new cluster"))
    def split_off(self, request, queryset: QuerySet[Claim]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        report(
            self,
            request,
            lambda: _("Split into new cluster %(id)d.") % {"id": editorial.split_claims(ids, request.user).pk},
        )

    @admin.action(description=gettext_lazy("Mark selected claims as the same claim"))
    def mark_same(self, request, queryset: QuerySet[Claim]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        report(
            self,
            request,
            lambda: _("Linked; they are now in cluster %(id)d.") % {"id": editorial.mark_same(ids, request.user).pk},
        )

    @admin.action(description=gettext_lazy("Mark selected claims as not the same claim"))
    def mark_different(self, request, queryset: QuerySet[Claim]) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        report(
            self,
            request,
            lambda: (
                _("Recorded; moved to %(count)d new cluster(s).")
                % {"count": len(editorial.mark_different(ids, request.user))}
            ),
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
