"""The models' and fields' names as the admin shows them, in the editor's language.

Set at start-up (ClaimsConfig.ready) rather than in the models' Meta and fields: Django keeps a
field's declared name for its migrations (`Field._verbose_name`) and a model's Meta as declared
(`Options.original_attrs`), so these labels change no migration state. Every name is marked for
translation (locale/ar).
"""

from __future__ import annotations

from django.apps import apps
from django.utils.translation import gettext_lazy as _

MODELS = {
    "claims.Cluster": (_("cluster"), _("clusters")),
    "claims.Claim": (_("claim"), _("claims")),
    "claims.ClaimLink": (_("editor's link"), _("editors' links")),
    "sources.Source": (_("source"), _("sources")),
}

FIELDS = {
    "claims.Cluster": {
        "label": _("label"),
        "status": _("status"),
        "status_reason": _("why this status"),
        "status_reason_parts": _("why this status, in parts a reader's language can word"),
        "status_stale": _("status awaits the stance model"),
        "source_count": _("sources"),
        "claim_count": _("claims"),
        "languages": _("languages"),
        "conflicts": _("conflicts"),
        "independent_source_count": _("independent sources"),
        "source_independence": _("independence of sources"),
        "timeline": _("timeline"),
        "locked": _("locked"),
        "verdict": _("verdict"),
        "verdict_note": _("verdict note"),
        "verdict_by": _("verdict by"),
        "verdict_at": _("verdict given at"),
        "created_at": _("created at"),
        "updated_at": _("updated at"),
    },
    "claims.Claim": {
        "source": _("source"),
        "cluster": _("cluster"),
        "text": _("text"),
        "language": _("language"),
        "claimant": _("claimant"),
        "subject": _("subject"),
        "polarity": _("polarity"),
        "quantity": _("figure"),
        "as_of": _("as of"),
        "as_of_source": _("date taken from"),
        "checkworthiness": _("check-worthiness"),
        "reasons": _("why check-worthy"),
        "created_at": _("created at"),
    },
    "claims.ClaimLink": {
        "claim_a": _("first claim"),
        "claim_b": _("second claim"),
        "kind": _("decision"),
        "created_by": _("decided by"),
        "created_at": _("created at"),
    },
    "sources.Source": {
        "kind": _("kind"),
        "title": _("title"),
        "url": _("URL"),
        "publisher": _("publisher"),
        "published_at": _("published at"),
        "language": _("language"),
        "text": _("text"),
        "origin": _("read from"),
        "status": _("status"),
        "error": _("error"),
        "attempts": _("attempts"),
        "created_at": _("created at"),
        "processed_at": _("processed at"),
    },
}


def apply() -> None:
    for label, (singular, plural) in MODELS.items():
        meta = apps.get_model(label)._meta
        meta.verbose_name, meta.verbose_name_plural = singular, plural
    for label, names in FIELDS.items():
        meta = apps.get_model(label)._meta
        for name, text in names.items():
            meta.get_field(name).verbose_name = text
