"""Editors' view of sources and the claims read from them."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from claims import services
from claims.admin_display import format_figure
from claims.models import Claim
from sources import validation
from sources.models import Source


class SourceClaimInline(admin.TabularInline):
    model = Claim
    fk_name = "source"
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ["claim_text", "claimant", "figure", "cluster"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return (
            super().get_queryset(request).defer("embedding", "nearest_cosines", "match_text").select_related("cluster")
        )

    @admin.display(description=gettext_lazy("text"))
    def claim_text(self, claim: Claim):
        return format_html('<span dir="auto">{}</span>', claim.text)

    @admin.display(description=gettext_lazy("figure"))
    def figure(self, claim: Claim) -> str:
        return format_figure(claim.quantity, claim.as_of)


class SourceForm(forms.ModelForm):
    """The editor's form, held to the same schema as every input (sources.validation): a date
    Python cannot read back, or a `javascript:` URL, would break every page listing the source."""

    # A URL typed without a scheme is taken as https (Django 6's default, stated now).
    url = forms.URLField(max_length=2000, required=False, assume_scheme="https")

    class Meta:
        model = Source
        fields = ["kind", "title", "url", "publisher", "published_at", "language"]  # the admin adds the rest

    def clean(self):
        cleaned = super().clean()
        for name in validation.FIELDS:
            if name in cleaned and name != "text":
                try:
                    validation.clean_fields({name: cleaned[name]}, required=())
                except validation.InvalidInput as exc:
                    self.add_error(name, str(exc))
        return cleaned


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    form = SourceForm
    list_display = ["id", "__str__", "publisher", "published_at", "language", "status", "claim_count", "created_at"]
    list_filter = ["status", "language", "publisher"]
    search_fields = ["title", "url", "publisher", "origin"]
    readonly_fields = [
        "origin", "status", "error", "processing_started_at", "attempts", "created_at", "processed_at",
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
