"""Editors' views of clusters and claims. Every action calls claims.services.editorial or claims.services."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from claims import admin_display, services
from claims.admin_search import meaning_and_words
from claims.admin_views import review_queue_view
from claims.choices import AuditAction, LinkKind
from claims.login_throttle import ThrottledAdminAuthenticationForm
from claims.models import AuditEntry, Claim, ClaimLink, Cluster
from claims.selectors import audit_for_claim, audit_for_cluster
from claims.services import editorial
from claims.services.audit import ConflictingDecision, record

# Failed logins are throttled per username and address; the form says so when a pair is locked.
admin.site.login_form = ThrottledAdminAuthenticationForm
# The admin index leads editors to the review queue first.
admin.site.index_template = "admin/claims/index_with_queue.html"

# No app list down the side of every page: the change lists get the width (the index has the list).
admin.site.enable_nav_sidebar = False


CONFIRM_FIELD = "confirm_override"


def report(model_admin: admin.ModelAdmin, request, action, queryset: QuerySet | None = None):
    """Run an editorial action, turning its refusal into a message for the editor. An action that
    overrides an earlier decision (ConflictingDecision) first shows a page that says what it
    overrides; its "Yes, override" posts the action again, confirmed. `action` takes `confirm`."""
    confirm = request.POST.get(CONFIRM_FIELD) == "yes"
    try:
        text = action(confirm)
    except ConflictingDecision as exc:
        if queryset is None:
            model_admin.message_user(request, exc.describe(), messages.ERROR)
            return None
        opts = model_admin.model._meta
        context = {
            **model_admin.admin_site.each_context(request),
            "title": _("Override an earlier decision?"),
            "overrides": exc.overrides,
            "action_name": request.POST.get("action", ""),
            "selected": [str(pk) for pk in queryset.values_list("pk", flat=True)],
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "confirm_field": CONFIRM_FIELD,
            "opts": opts,
            "cancel_url": request.get_full_path(),
        }
        return TemplateResponse(request, "admin/claims/confirm_override.html", context)
    except ValidationError as exc:
        model_admin.message_user(request, " ".join(exc.messages), messages.ERROR)
        return None
    model_admin.message_user(request, text, messages.SUCCESS)
    return None


def audit_block(entries, cluster_id: int | None = None) -> str:
    """The audit entries as the cluster and claim pages show them (admin/claims/_audit_entries.html)."""
    context = {"audit_entries": list(entries[:50]), "audit_cluster_id": cluster_id}
    return render_to_string("admin/claims/_audit_entries.html", context)


@admin.register(Cluster)
class ClusterAdmin(admin_display.ClusterDisplay, admin.ModelAdmin):
    list_display = ["id", "short_label", "status_shown", "counts", "language_list", "verdict", "locked", "updated"]
    list_display_links = ["id", "short_label"]
    list_filter = ["status", "status_stale", "verdict", "needs_review", "locked", "independent_source_count"]
    search_fields = ["label", "claims__text", "claims__claimant"]
    # Status, conflicts, independence, the claims and the timeline plot are drawn above the form
    # (templates/admin/claims/cluster/change_form.html, claims.admin_display.cluster_panel).
    readonly_fields = ["verdict_by", "verdict_at", "created_at", "updated_at"]
    readonly_fields += ["needs_review", "changed_since_verdict_at", "status_stale", "locked_by", "audit_history"]
    fields = ["label", "verdict", "verdict_note", "locked", *readonly_fields]
    formfield_overrides = {  # Arabic or English, each laid out its own way
        models.CharField: {"widget": forms.TextInput(attrs={"dir": "auto", "class": "vTextField"})},
        models.TextField: {"widget": forms.Textarea(attrs={"dir": "auto", "class": "vLargeTextField"})},
    }
    actions = ["merge", "lock", "unlock", "refresh_status"]

    def get_urls(self):
        queue = path("review/", self.admin_site.admin_view(review_queue_view), name="claims_review_queue")
        return [queue, *super().get_urls()]

    def get_search_results(self, request, queryset, search_term):
        return meaning_and_words(queryset, search_term, cluster=True), False

    @admin.display(description=gettext_lazy("history"))
    def audit_history(self, cluster: Cluster) -> str:
        return audit_block(audit_for_cluster(cluster.pk), cluster.pk) if cluster.pk else "—"

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """A verdict or an unlock that overrides another editor's first asks for confirmation: the page says
        what it overrides and "Yes, override" posts the same form again, confirmed."""
        if request.method == "POST" and object_id and request.POST.get(CONFIRM_FIELD) != "yes":
            cluster = self.get_object(request, object_id)
            if cluster is not None and self.has_change_permission(request, cluster):
                verdict, note = request.POST.get("verdict", cluster.verdict), request.POST.get("verdict_note", "")
                conflict = []
                if (verdict, note.strip()) != (cluster.verdict, cluster.verdict_note):
                    conflict += editorial.verdict_conflict(cluster, verdict, note.strip(), request.user)
                if cluster.locked and "locked" not in request.POST:
                    conflict += editorial.unlock_conflict([cluster], request.user)
                if conflict:
                    context = {
                        **self.admin_site.each_context(request),
                        "title": _("Override an earlier decision?"),
                        "overrides": conflict,
                        "posted": [
                            (key, value)
                            for key, values in request.POST.lists()
                            for value in values
                            if key != "csrfmiddlewaretoken"
                        ],
                        "confirm_field": CONFIRM_FIELD,
                        "opts": self.model._meta,
                        "cancel_url": request.get_full_path(),
                    }
                    return TemplateResponse(request, "admin/claims/confirm_override.html", context)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj: Cluster, form, change) -> None:
        # The verdict and the lock are saved by the editorial service (audit trail, conflicts), not by the form.
        confirm = request.POST.get(CONFIRM_FIELD) == "yes"
        if not change:
            super().save_model(request, obj, form, change)
            if obj.verdict:
                editorial.set_verdict(obj, obj.verdict, obj.verdict_note, request.user)
            return
        verdict, note, locked = obj.verdict, obj.verdict_note, obj.locked
        stored = Cluster.objects.get(pk=obj.pk)
        obj.verdict, obj.verdict_note, obj.locked = stored.verdict, stored.verdict_note, stored.locked
        super().save_model(request, obj, form, change)
        if "locked" in form.changed_data:
            editorial.set_locked([obj.pk], locked, request.user, confirm=confirm)
            obj.locked = locked
        if {"verdict", "verdict_note"} & set(form.changed_data):
            editorial.set_verdict(obj, verdict, note, request.user, confirm=confirm)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "locked":  # the model's help text, in the editor's language
            field.help_text = gettext_lazy("Keep exactly these claims when re-clustering.")
        return field

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["panel"] = admin_display.cluster_panel(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.action(
        description=gettext_lazy("Merge selected clusters (their claims become the same claim)"), permissions=["change"]
    )
    def merge(self, request, queryset: QuerySet[Cluster]):
        ids = list(queryset.values_list("pk", flat=True))
        return report(
            self,
            request,
            lambda confirm: (
                _("Merged into cluster %(cluster)d.")
                % {"cluster": editorial.merge_clusters(ids, request.user, confirm=confirm).pk}
            ),
            queryset,
        )

    @admin.action(
        description=gettext_lazy("Lock selected clusters (re-clustering keeps exactly their claims)"),
        permissions=["change"],
    )
    def lock(self, request, queryset: QuerySet[Cluster]):
        ids = list(queryset.values_list("pk", flat=True))
        return report(
            self,
            request,
            lambda confirm: (
                _("Locked %(count)d cluster(s).") % {"count": editorial.set_locked(ids, True, request.user)}
            ),
            queryset,
        )

    @admin.action(description=gettext_lazy("Unlock selected clusters"), permissions=["change"])
    def unlock(self, request, queryset: QuerySet[Cluster]):
        ids = list(queryset.values_list("pk", flat=True))
        return report(
            self,
            request,
            lambda confirm: (
                _("Unlocked %(count)d cluster(s).")
                % {"count": editorial.set_locked(ids, False, request.user, confirm=confirm)}
            ),
            queryset,
        )

    @admin.action(description=gettext_lazy("Refresh status of selected clusters"), permissions=["change"])
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
    readonly_fields += ["audit_history"]
    fields = readonly_fields
    actions = ["split_off", "mark_same", "mark_different"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("embedding", "nearest_cosines", "match_text", "source__text")

    def get_search_results(self, request, queryset, search_term):
        return meaning_and_words(queryset, search_term, cluster=False), False

    @admin.display(description=gettext_lazy("history"))
    def audit_history(self, claim: Claim) -> str:
        return audit_block(audit_for_claim(claim.pk)) if claim.pk else "—"

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

    @admin.action(description=gettext_lazy("Split selected claims off into a new cluster"), permissions=["change"])
    def split_off(self, request, queryset: QuerySet[Claim]):
        ids = list(queryset.values_list("pk", flat=True))
        return report(
            self,
            request,
            lambda confirm: (
                _("Split into new cluster %(cluster)d.")
                % {"cluster": editorial.split_claims(ids, request.user, confirm=confirm).pk}
            ),
            queryset,
        )

    @admin.action(description=gettext_lazy("Mark selected claims as the same claim"), permissions=["change"])
    def mark_same(self, request, queryset: QuerySet[Claim]):
        ids = list(queryset.values_list("pk", flat=True))
        return report(
            self,
            request,
            lambda confirm: (
                _("Linked; they are now in cluster %(cluster)d.")
                % {"cluster": editorial.mark_same(ids, request.user, confirm=confirm).pk}
            ),
            queryset,
        )

    @admin.action(description=gettext_lazy("Mark selected claims as not the same claim"), permissions=["change"])
    def mark_different(self, request, queryset: QuerySet[Claim]):
        ids = list(queryset.values_list("pk", flat=True))
        return report(
            self,
            request,
            lambda confirm: (
                _("Recorded; moved to %(count)d new cluster(s).")
                % {"count": len(editorial.mark_different(ids, request.user, confirm=confirm))}
            ),
            queryset,
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
        action = AuditAction.SAME if obj.kind == LinkKind.SAME else AuditAction.NOT_SAME
        summary = _("Recorded by hand that claims %(a)d and %(b)d are %(kind)s.") % {
            "a": obj.claim_a_id,
            "b": obj.claim_b_id,
            "kind": obj.get_kind_display(),
        }
        record(action, request.user, summary, claims=[obj.claim_a_id, obj.claim_b_id], after={"link": obj.kind})

    def delete_model(self, request, obj: ClaimLink) -> None:
        self.delete_queryset(request, ClaimLink.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset) -> None:
        for link in queryset:
            summary = _("Deleted the decision that claims %(a)d and %(b)d are %(kind)s (undone at the next rebuild).")
            action = AuditAction.SAME if link.kind == LinkKind.SAME else AuditAction.NOT_SAME
            summary %= {"a": link.claim_a_id, "b": link.claim_b_id, "kind": link.get_kind_display()}
            claims = [link.claim_a_id, link.claim_b_id]
            record(action, request.user, summary, claims=claims, before={"link": link.kind}, after={"link": None})
        queryset.delete()


class ClusterIdFilter(admin.SimpleListFilter):
    """?cluster=ID: the entries that involve a cluster (linked from the cluster's page)."""

    title = gettext_lazy("cluster")
    parameter_name = "cluster"

    def lookups(self, request, model_admin):
        return []

    def queryset(self, request, queryset):
        value = self.value()
        if value and value.isdigit():
            return queryset.filter(cluster_ids__contains=[int(value)])
        return queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit trail: read-only, never changed or deleted."""

    list_display = ["created_at", "user", "action", "summary", "cluster_links", "overrides"]
    list_filter = ["action", ("user", admin.RelatedOnlyFieldListFilter), "created_at", ClusterIdFilter]
    search_fields = ["summary", "overrides", "user__username"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    readonly_fields = [
        "created_at", "user", "action", "summary", "cluster_ids", "claim_ids", "before", "after", "overrides",
    ]  # fmt: skip
    fields = readonly_fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=gettext_lazy("clusters"))
    def cluster_links(self, entry: AuditEntry) -> str:
        links = ((reverse("admin:claims_cluster_change", args=[pk]), pk) for pk in entry.cluster_ids)
        return format_html_join(", ", '<a href="{}">{}</a>', links) or "—"
