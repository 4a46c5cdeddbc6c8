"""The admin's search box for claims and clusters: words (Arabic spelling variants folded on both
sides, in SQL) together with meaning (claims.services.search over the embeddings)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Exists, F, Func, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Lower

from claims.models import Claim
from newsclaims.text import textnorm

# The characters textnorm folds one to one, and those it drops, for PostgreSQL's translate() and
# regexp_replace(): stored text is compared in the same form as the query, with no extra column.
_FROM = "".join(k for k, v in textnorm._ONE_TO_ONE.items() if len(k) == 1 and len(v) == 1)
_TO = "".join(v for k, v in textnorm._ONE_TO_ONE.items() if len(k) == 1 and len(v) == 1)
_DROPPED = f"[{textnorm._COMBINING}{textnorm._CONTROLS}]"

# How many claims closest in meaning join the word matches, and how close they must be.
MEANING_LIMIT = 20
MEANING_MIN_SIMILARITY = getattr(settings, "FACTCHECK_ADMIN_MEANING_MIN_SIMILARITY", 0.6)


def folded(field: str) -> Func:
    """`field` in textnorm's matching form (alef, ya, ta marbuta, digits folded; marks dropped), lower case."""
    translated = Func(F(field), Value(_FROM), Value(_TO), function="translate")
    return Lower(Func(translated, Value(_DROPPED), Value(""), Value("g"), function="regexp_replace"))


def word_filter(search_term: str, fields: list[str]) -> Q:
    """Every word of the term appears (folded) in one of `fields`."""
    condition = Q()
    for word in textnorm.normalize(search_term).lower().split():
        any_field = Q()
        for field in fields:
            any_field |= Q(**{f"{field}__contains": word})
        condition &= any_field
    return condition


def meaning_matches(search_term: str) -> list[tuple[int, int | None]]:
    """(claim id, cluster id) of the claims closest in meaning to the term."""
    from claims.services.search import search_claims

    hits = search_claims(search_term, limit=MEANING_LIMIT)
    return [(hit.claim.pk, hit.claim.cluster_id) for hit in hits if hit.similarity >= MEANING_MIN_SIMILARITY]


def meaning_and_words(queryset: QuerySet, search_term: str, *, cluster: bool) -> QuerySet:
    """Claims (or clusters, `cluster=True`) whose words match the term, or whose claims are among
    the closest in meaning to it."""
    term = search_term.strip()
    if not term:
        return queryset
    fields = {"f_text": folded("text"), "f_claimant": folded("claimant"), "f_subject": folded("subject")}
    words = word_filter(term, list(fields))
    matching_claims = Claim.objects.annotate(**fields).filter(words)
    meaning = meaning_matches(term)
    if cluster:
        by_words = Exists(matching_claims.filter(cluster_id=OuterRef("pk")))
        label = queryset.annotate(f_label=folded("label")).filter(word_filter(term, ["f_label"])).values("pk")
        found = by_words | Q(pk__in=label) | Q(pk__in=[c for _, c in meaning if c])
    else:
        found = Q(pk__in=matching_claims.values("pk")) | Q(pk__in=[c for c, _ in meaning])
    return queryset.filter(found)
