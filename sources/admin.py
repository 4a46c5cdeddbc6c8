"""Editors' view of sources and the claims read from them."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from claims import services
from claims.admin_display import format_figure
from claims.choices import Language
from claims.models import Claim
from clients import submissions
from sources import validation
from sources.models import Source
from sources.readers import SourceInput


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


class SourceAddForm(SourceForm):
    """Adding an article: its text, or a URL the worker fetches, with its metadata. Saving goes
    through the ingest service (SourceAdmin.save_model), never straight to the table."""

    text = forms.CharField(
        required=False,
        label=gettext_lazy("Text"),
        widget=forms.Textarea(attrs={"rows": 14, "dir": "auto"}),
        help_text=gettext_lazy("The article's text; or leave it empty and give its URL, which is fetched for you."),
    )
    language = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Language"),
        choices=[("", gettext_lazy("Detect from the text")), *Language.choices],
    )

    class Meta(SourceForm.Meta):
        fields = ["text", "url", "title", "publisher", "published_at", "language"]

    def clean(self):
        cleaned = super().clean()
        text = cleaned.get("text") or ""
        if not text.strip() and not cleaned.get("url") and "url" not in self.errors:
            raise forms.ValidationError(_("Give the article's text or its URL."), code="required")
        if text.strip():
            try:
                cleaned["text"] = validation.clean_fields({"text": text}, required=("text",))["text"]
            except validation.InvalidInput as exc:
                self.add_error("text", str(exc))
        return cleaned

    def _post_clean(self):
        # The model's own checks (an empty text, no content hash) do not apply: ingesting fills them.
        pass


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    form = SourceForm
    add_form = SourceAddForm
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

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return list(SourceAddForm.Meta.fields)
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def get_inlines(self, request, obj):
        return [] if obj is None else self.inlines

    def save_model(self, request, obj: Source, form, change) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        item = SourceInput(
            text=data.get("text") or "",
            origin=data.get("url") or f"admin:{request.user.get_username()}",
            title=data.get("title") or "",
            url=data.get("url") or "",
            publisher=data.get("publisher") or "",
            published_at=data.get("published_at"),
            language=data.get("language") or None,
        )
        result = services.ingest_source(item) if item.text else submissions.submit_url(item)
        # The add view goes on with the stored source (its page, its log entry).
        obj.pk = result.source.pk
        obj._state.adding = False
        obj._ingested = result

    def save_related(self, request, form, formsets, change) -> None:
        if change:
            super().save_related(request, form, formsets, change)

    def log_addition(self, request, obj, message):
        if getattr(obj, "_ingested", None) is not None and not obj._ingested.created:
            return None
        return super().log_addition(request, obj, message)

    def response_add(self, request, obj: Source, post_url_continue=None):
        result = getattr(obj, "_ingested", None)
        if result is not None and not result.created:
            text = _("This article is already stored as source %(id)d.") % {"id": result.source.pk}
            self.message_user(request, text, messages.WARNING)
        elif result is not None and not result.source.text:
            self.message_user(request, _("Stored; its page is fetched and processed on the worker."), messages.SUCCESS)
        else:
            self.message_user(request, _("Stored; its claims appear here once it is processed."), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:sources_source_change", args=[obj.pk]))

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
