"""The editors' review queue (an admin view; ClusterAdmin.get_urls mounts it at
/admin/claims/cluster/review/): the clusters that need a human first."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.paginator import Paginator
from django.db.models import Count
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from claims.choices import ClusterStatus, Language, Verdict
from claims.models import Cluster
from claims.selectors import (
    AGREEMENT_UNREVIEWED,
    CHANGED_SINCE_VERDICT,
    CONTRADICTION_UNREVIEWED,
    review_queue,
)
from sources.models import Source

PAGE_SIZE = 50
REASONS = {
    CONTRADICTION_UNREVIEWED: gettext_lazy("Contradiction, not reviewed"),
    CHANGED_SINCE_VERDICT: gettext_lazy("Claims changed since its verdict"),
    AGREEMENT_UNREVIEWED: gettext_lazy("Several sources agree, not reviewed"),
}


class QueueFilters(forms.Form):
    published_from = forms.DateField(
        required=False, label=gettext_lazy("Published from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    published_to = forms.DateField(
        required=False, label=gettext_lazy("Published to"), widget=forms.DateInput(attrs={"type": "date"})
    )
    language = forms.ChoiceField(
        required=False, label=gettext_lazy("Language"), choices=[("", gettext_lazy("Any")), *Language.choices]
    )
    publisher = forms.ChoiceField(required=False, label=gettext_lazy("Publisher"))
    status = forms.ChoiceField(
        required=False, label=gettext_lazy("Status"), choices=[("", gettext_lazy("Any")), *ClusterStatus.choices]
    )
    verdict = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Verdict"),
        choices=[("any", gettext_lazy("Any")), *[(v or "none", label) for v, label in Verdict.choices]],
    )
    reviewed = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Reviewed"),
        choices=[("no", gettext_lazy("Needs review")), ("yes", gettext_lazy("Reviewed")), ("all", gettext_lazy("All"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        publishers = Source.objects.exclude(publisher="").order_by("publisher").values_list("publisher", flat=True)
        self.fields["publisher"].choices = [("", _("Any")), *((p, p) for p in publishers.distinct())]

    def queue_arguments(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        verdict = data.get("verdict") or "any"
        reviewed = data.get("reviewed") or "no"
        return {
            "published_from": data.get("published_from"),
            "published_to": data.get("published_to"),
            "language": data.get("language") or "",
            "publisher": data.get("publisher") or "",
            "status": data.get("status") or "",
            "verdict": None if verdict == "any" else ("" if verdict == "none" else verdict),
            "reviewed": {"no": False, "yes": True}.get(reviewed),
        }


def review_queue_view(request):
    """The clusters that need a human, most urgent first, with counts by status and verdict."""
    if not request.user.has_perm("claims.view_cluster"):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    filters = QueueFilters(request.GET or None)
    clusters = review_queue(**filters.queue_arguments())
    page = Paginator(clusters.select_related("verdict_by"), PAGE_SIZE).get_page(request.GET.get("page"))
    status_labels, verdict_labels = dict(ClusterStatus.choices), dict(Verdict.choices)
    counted = clusters.order_by()
    by_status = [
        (status_labels.get(row["status"], row["status"]), row["n"])
        for row in counted.values("status").annotate(n=Count("id")).order_by("status")
    ]
    by_verdict = [
        (verdict_labels.get(row["verdict"], row["verdict"]), row["n"])
        for row in counted.values("verdict").annotate(n=Count("id")).order_by("verdict")
    ]
    rows = [(cluster, REASONS.get(cluster.priority, "")) for cluster in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        **admin.site.each_context(request),
        "title": _("Review queue"),
        "opts": Cluster._meta,
        "filters": filters,
        "page": page,
        "rows": rows,
        "by_status": by_status,
        "by_verdict": by_verdict,
        "total": page.paginator.count,
        "query": query.urlencode(),
    }
    return TemplateResponse(request, "admin/claims/review_queue.html", context)
