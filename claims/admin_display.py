"""How the admin shows claims to an editor: figures as a person reads them, a claim inside its
sentence, and a cluster's figures plotted against time. Everything returned is escaped.

May import Django, claims.models and claims.selectors.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.contrib import admin
from django.db.models import F, Value
from django.db.models.functions import Greatest, Substr
from django.urls import reverse
from django.utils import formats
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from claims.models import Claim, Cluster
from claims.reasons import checkworthiness_reason, worded

# How much of the article on each side of a claim is read to find its sentence.
CONTEXT_CHARS = 400
# Where a sentence ends: Latin and Arabic full stops, question and exclamation marks, line breaks.
SENTENCE_END = re.compile(r"[.!?؟۔\n]+\s*")

QUALIFIERS = {
    "about": gettext_lazy("about %(figure)s"),
    "more_than": gettext_lazy("more than %(figure)s"),
    "at_least": gettext_lazy("at least %(figure)s"),
    "less_than": gettext_lazy("less than %(figure)s"),
    "at_most": gettext_lazy("at most %(figure)s"),
}
UNITS = {
    "percent": gettext_lazy("percent"),
    "users": gettext_lazy("users"),
    "year": gettext_lazy("year"),
}


def format_number(value: float) -> str:
    """A number as a person says it: 100 million, 2.5 billion, 78, 18.2 (in the active language)."""
    for scale, name in ((1e9, "billion"), (1e6, "million")):
        if abs(value) >= scale:
            scaled = value / scale
            shown = formats.number_format(round(scaled, 2), decimal_pos=None if scaled % 1 else 0, use_l10n=True)
            count = round(scaled) if scaled >= 1 else 1
            if name == "billion":
                return ngettext("%(number)s billion", "%(number)s billion", count) % {"number": shown}
            return ngettext("%(number)s million", "%(number)s million", count) % {"number": shown}
    if float(value).is_integer():
        return formats.number_format(int(value), force_grouping=True, use_l10n=True)
    return formats.number_format(round(value, 2), use_l10n=True)


def format_date(day: dt.date | str | None) -> str:
    if not day:
        return ""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return formats.date_format(day, "j M Y")


def format_figure(quantity: dict | None, as_of: dt.date | str | None = None) -> str:
    """ "more than 100 million users, as of 12 Feb 2026"; "—" when the claim states no figure."""
    if not quantity:
        return "—"
    value, low, high = quantity.get("value"), quantity.get("low"), quantity.get("high")
    qualifier = quantity.get("qualifier") or "exact"
    if quantity.get("kind") == "time" and value is not None:
        # A time of day is stored as minutes after midnight (newsclaims.text.quantities): shown as a clock.
        return _dated(f"{int(value) // 60:02d}:{int(value) % 60:02d}", as_of)
    if value is None and low is not None and high is not None:
        number = _("between %(low)s and %(high)s") % {"low": format_number(low), "high": format_number(high)}
    elif value is None:
        return quantity.get("raw") or "—"
    else:
        number = format_number(value)
    unit = quantity.get("unit") or ""
    if unit == "percent":
        figure = _("%(number)s%%") % {"number": number}
    elif unit and unit != "year":
        figure = pgettext("figure and its unit", "%(number)s %(unit)s") % {
            "number": number,
            "unit": UNITS.get(unit, unit),
        }
    else:
        figure = number
    if qualifier in QUALIFIERS and value is not None:
        figure = QUALIFIERS[qualifier] % {"figure": figure}
    return _dated(figure, as_of)


def _dated(figure: str, as_of: dt.date | str | None) -> str:
    """ "<figure>, as of 12 Feb 2026" when the date is known."""
    return _("%(figure)s, as of %(date)s") % {"figure": figure, "date": format_date(as_of)} if as_of else figure


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around text[start:end]: from after the last sentence end before it to the
    first sentence end after it (the span itself may hold full stops: "3.5 million")."""
    left = 0
    for match in SENTENCE_END.finditer(text, 0, start):
        left = match.end()
    found = SENTENCE_END.search(text, end)
    right = found.end() if found else len(text)
    return left, right


def highlight_span(text: str, start: int, end: int) -> SafeString:
    """The claim's sentence from `text`, the claim itself in <mark>; every character escaped."""
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    left, right = sentence_bounds(text, start, end)
    return format_html("{}<mark>{}</mark>{}", text[left:start].lstrip(), text[start:end], text[end:right].rstrip())


def in_context(claim: Claim) -> SafeString:
    """The claim highlighted in its sentence; reads only `claim.context` (see `with_context`) when
    it is there, else the source's text."""
    window = getattr(claim, "context", None)
    if window is None:
        return highlight_span(claim.source.text, claim.start, claim.end)
    offset = max(claim.start - CONTEXT_CHARS, 0)
    return highlight_span(window, claim.start - offset, claim.end - offset)


def with_context(queryset):
    """Claims with their source and the article text around each one, not the whole article."""
    return (
        queryset.select_related("source")
        .defer("embedding", "nearest_cosines", "match_text", "source__text")
        .annotate(
            context=Substr(
                "source__text",
                Greatest(F("start") - CONTEXT_CHARS + 1, Value(1)),
                F("end") - Greatest(F("start") - CONTEXT_CHARS, Value(0)) + CONTEXT_CHARS,
            )
        )
    )


def source_line(source) -> str:
    """ "Title — publisher, 12 Feb 2026" with what the source states."""
    parts = [str(source)]
    details = [d for d in (source.publisher, format_date(source.published_at and source.published_at.date())) if d]
    if details:
        parts.append(", ".join(details))
    return " — ".join(parts)


@dataclass
class Mark:
    x: float
    y: float
    low: float | None
    high: float | None
    title: str


def _nice_ceiling(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def timeline_svg(points: list[dict], titles: dict[int, str] | None = None) -> SafeString:
    """The cluster's figures against their dates, drawn server-side: one circle per dated figure
    (a bar for its interval when it has one), axes with labels, a <title> on every mark.

    `points` are Cluster.timeline entries; `titles` name each source (by id) in the marks' titles.
    Undated figures are left out (the claims list shows them); with none dated, nothing is drawn.
    """
    titles = titles or {}
    dated = [p for p in points if p.get("as_of") and (p.get("value") is not None or p.get("high") is not None)]
    if not dated:
        return mark_safe("")
    width, height, left, right, top, bottom = 680, 260, 90, 60, 20, 50
    days = [dt.date.fromisoformat(p["as_of"]) for p in dated]
    first, last = min(days), max(days)
    span = max((last - first).days, 1)
    highest = _nice_ceiling(max(max(p.get("high") or 0, p.get("value") or 0) for p in dated) * 1.05)

    def x_of(day: dt.date) -> float:
        if first == last:
            return left + (width - left - right) / 2
        return left + (day - first).days / span * (width - left - right)

    def y_of(value: float) -> float:
        return top + (1 - value / highest) * (height - top - bottom)

    parts = [
        format_html(
            '<svg xmlns="http://www.w3.org/2000/svg" class="timeline-plot" viewBox="0 0 {} {}" width="{}" height="{}"'
            ' role="img" aria-label="{}" direction="ltr">',
            width,
            height,
            width,
            height,
            _("The figure over time"),
        ),
        format_html("<title>{}</title>", _("The figure over time")),
        format_html(
            '<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}" stroke="#444"/>',
            left,
            height - bottom,
            width - right,
            height - bottom,
        ),
        format_html(
            '<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}" stroke="#444"/>', left, top, left, height - bottom
        ),
    ]
    for tick in (0, highest / 2, highest):
        y = y_of(tick)
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end" font-size="11" fill="#333">{}</text>'
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#ddd"/>',
                left - 6,
                round(y + 4, 1),
                format_number(tick),
                left,
                round(y, 1),
                width - right,
                round(y, 1),
            )
        )
    for day in sorted({first, last}):
        parts.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="middle" font-size="11" fill="#333">{}</text>',
                round(x_of(day), 1),
                height - bottom + 16,
                format_date(day),
            )
        )
    parts.append(
        format_html(
            '<text x="{}" y="{}" text-anchor="middle" font-size="12" fill="#333">{}</text>',
            left + (width - left - right) / 2,
            height - 8,
            _("as-of date"),
        )
    )
    for point, day in zip(dated, days, strict=True):
        x = round(x_of(day), 1)
        title = format_figure(point, point["as_of"])
        if point.get("source") in titles:
            title = f"{titles[point['source']]}: {title}"
        low, high = point.get("low"), point.get("high")
        bar = SafeString("")
        if low is not None and high is not None and low != high:
            bar = format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#417690" stroke-width="4" stroke-linecap="round"/>',
                x,
                round(y_of(high), 1),
                x,
                round(y_of(low), 1),
            )
        value = point.get("value") if point.get("value") is not None else (low + high) / 2
        parts.append(
            format_html(
                '<g class="mark" data-claim="{}"><title>{}</title>{}'
                '<circle cx="{}" cy="{}" r="6" fill="#ba2121" stroke="#fff" stroke-width="1.5"/></g>',
                point.get("claim"),
                title,
                bar,
                x,
                round(y_of(value), 1),
            )
        )
    parts.append(SafeString("</svg>"))
    return mark_safe("".join(parts))  # noqa: S308 - every piece above is format_html-escaped


def cluster_panel(cluster: Cluster) -> dict:
    """Everything the cluster page shows above its form, in a fixed number of queries (two)."""
    claims = list(with_context(Claim.objects.filter(cluster=cluster)).order_by("source_id", "start", "id"))
    by_id = {c.pk: c for c in claims}
    sources = {c.source_id: c.source for c in claims}
    missing = {v["source"] for v in cluster.source_independence} - set(sources)
    if missing:  # a status computed before the last edit names sources that have left
        sources.update({s.pk: s for s in sources_without_text(missing)})
    titles = {pk: str(s) for pk, s in sources.items()}

    def claim_name(pk: int) -> str:
        claim = by_id.get(pk)
        return f"#{pk} {titles.get(claim.source_id, '')}".strip() if claim else f"#{pk}"

    return {
        "claims": [
            {
                "claim": c,
                "in_context": in_context(c),
                "figure": format_figure(c.quantity, c.as_of) if c.quantity else "",
                "source": c.source,
                "source_date": format_date(c.source.published_at and c.source.published_at.date()),
            }
            for c in claims
        ],
        "conflicts": [
            {
                "pair": [by_id.get(pk) or pk for pk in conflict["claims"]],
                "names": [claim_name(pk) for pk in conflict["claims"]],
                "reason": worded(conflict.get("parts"), conflict.get("reason", "")),
            }
            for conflict in cluster.conflicts
        ],
        "independence": [
            {
                "source": sources.get(vote["source"]),
                "line": source_line(sources[vote["source"]]) if vote["source"] in sources else f"#{vote['source']}",
                "counted": vote["counted"],
                "same_as": titles.get(vote.get("same_as"), vote.get("same_as")),
                "reason": worded(vote.get("parts"), vote.get("reason", "")),
            }
            for vote in cluster.source_independence
        ],
        "timeline_svg": timeline_svg(cluster.timeline, titles),
        "undated": [
            {"figure": format_figure(p), "source": titles.get(p.get("source"), "")}
            for p in cluster.timeline
            if not p.get("as_of")
        ],
    }


def sources_without_text(ids):
    from sources.models import Source

    return Source.objects.filter(pk__in=ids).defer("text")


def _change_link(obj, text: str) -> SafeString:
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}" dir="auto">{}</a>', url, text)


class ClaimDisplay:
    """The claim page's read-only fields: the claim in its sentence, its figure, its source, its
    cluster and its neighbours. Internal fields (the vector, nearest cosines, match text) have none."""

    @admin.display(description=gettext_lazy("claim in its sentence"))
    def in_sentence(self, claim: Claim) -> SafeString:
        return format_html('<p class="claim-context" dir="auto">{}</p>', in_context(claim))

    @admin.display(description=gettext_lazy("figure"))
    def figure(self, claim: Claim) -> str:
        return format_figure(claim.quantity, claim.as_of)

    @admin.display(description=gettext_lazy("source"))
    def source_link(self, claim: Claim) -> SafeString:
        link = _change_link(claim.source, source_line(claim.source))
        if claim.source.url:
            return format_html(
                '{} · <a href="{}" rel="noopener noreferrer">{}</a>', link, claim.source.url, _("original")
            )
        return link

    @admin.display(description=gettext_lazy("cluster"))
    def cluster_link(self, claim: Claim) -> SafeString | str:
        if claim.cluster is None:
            return "—"
        cluster = claim.cluster
        return format_html("{} ({})", _change_link(cluster, str(cluster)), cluster.get_status_display())

    @admin.display(description=gettext_lazy("source"), ordering="source")
    def source_title(self, claim: Claim) -> SafeString:
        return format_html('<span dir="auto">{}</span>', str(claim.source))

    @admin.display(description=gettext_lazy("claimant"), ordering="claimant")
    def claimant_text(self, claim: Claim) -> SafeString:
        return format_html('<span dir="auto">{}</span>', claim.claimant)

    @admin.display(description=gettext_lazy("cluster"), ordering="cluster")
    def cluster_label(self, claim: Claim) -> SafeString | str:
        if claim.cluster is None:
            return "—"
        label = str(claim.cluster)
        return format_html('<span class="cluster-label" dir="auto" title="{}">{}</span>', label, label[:60])

    @admin.display(description=gettext_lazy("why check-worthy"))
    def why_check_worthy(self, claim: Claim) -> str:
        return ", ".join(checkworthiness_reason(reason) for reason in claim.reasons or []) or "—"

    @admin.display(description=gettext_lazy("other claims of its cluster"))
    def neighbours(self, claim: Claim) -> SafeString | str:
        if claim.cluster_id is None:
            return "—"
        others = (
            Claim.objects.filter(cluster_id=claim.cluster_id)
            .exclude(pk=claim.pk)
            .select_related("source")
            .only("pk", "text", "quantity", "as_of", "source__title", "source__origin")[:50]
        )
        if not others:
            return "—"
        return format_html(
            '<ul class="claim-neighbours">{}</ul>',
            format_html_join(
                "",
                '<li>{} <span class="quiet" dir="auto">({})</span></li>',
                ((_change_link(o, o.text[:160]), str(o.source)) for o in others),
            ),
        )


class ClusterDisplay:
    """The cluster list's columns that fit a 1,400 px screen: the label cut short (whole in its
    title), one column for the counts."""

    @admin.display(description=gettext_lazy("label"), ordering="label")
    def short_label(self, cluster: Cluster) -> SafeString:
        label = str(cluster)
        shown = label if len(label) <= 90 else label[:89] + "…"
        return format_html('<span class="cluster-label" dir="auto" title="{}">{}</span>', label, shown)

    @admin.display(description=gettext_lazy("sources · claims"), ordering="independent_source_count")
    def counts(self, cluster: Cluster) -> SafeString:
        """ "2/3 · 5": 2 independent of 3 sources, 5 claims (said in full in its title)."""
        return format_html(
            '<span title="{}">{}/{} · {}</span>',
            _("%(independent)d independent of %(sources)d sources; %(claims)d claims")
            % {
                "independent": cluster.independent_source_count,
                "sources": cluster.source_count,
                "claims": cluster.claim_count,
            },
            cluster.independent_source_count,
            cluster.source_count,
            cluster.claim_count,
        )

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def status_shown(self, cluster: Cluster) -> SafeString:
        """The status, and "updating" while the status refresh job has yet to recompute it after
        the cluster's claims changed (ingestion places claims first; their statuses follow)."""
        status = cluster.get_status_display()
        if not cluster.status_stale:
            return format_html("{}", status)
        return format_html(
            '{} <span class="status-updating" title="{}">({})</span>',
            status,
            _("Its claims changed; the status refresh job has yet to recompute this status."),
            _("updating"),
        )

    @admin.display(description=gettext_lazy("updated"), ordering="updated_at")
    def updated(self, cluster: Cluster) -> str:
        return format_date(cluster.updated_at.date()) if cluster.updated_at else ""

    @admin.display(description=gettext_lazy("languages"))
    def language_list(self, cluster: Cluster) -> str:
        return ", ".join(cluster.languages)
