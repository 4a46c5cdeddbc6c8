"""The admin's search box for claims and clusters: words (Arabic spelling variants folded on both
sides, in SQL) together with meaning (claims.services.search over the embeddings)."""

from __future__ import annotations

import re

from django.conf import settings
from django.db.models import Exists, F, Func, OuterRef, Q, QuerySet, TextField, Value
from django.db.models.functions import Lower

from claims.models import Claim
from newsclaims.text import textnorm

# The characters textnorm folds one to one, and those it drops, for PostgreSQL's translate() and
# regexp_replace(): stored text is compared in the same form as the query, with no extra column.
_FROM = "".join(k for k, v in textnorm._ONE_TO_ONE.items() if len(k) == 1 and len(v) == 1)
_TO = "".join(v for k, v in textnorm._ONE_TO_ONE.items() if len(k) == 1 and len(v) == 1)
_DROPPED = f"[{textnorm._COMBINING}{textnorm._CONTROLS}]"

# A ya inside a word is spelled or left out freely in transliterated names (تيليجرام / تليجرام):
# word search drops it on both sides.
_MEDIAL_YA_SQL = r"(\S)ي(?=\S)"
_MEDIAL_YA = re.compile(r"(\S)ي(?=\S)")

# How many claims closest in meaning join the word matches: the model's cosines are compressed
# (unrelated claims of one language score 0.6-0.7), so a hit must reach MIN_SIMILARITY and be
# within MARGIN of the best one.
MEANING_LIMIT = 20
MEANING_MIN_SIMILARITY = getattr(settings, "FACTCHECK_ADMIN_MEANING_MIN_SIMILARITY", 0.7)
MEANING_MARGIN = 0.06


def folded(field: str) -> Func:
    """`field` in textnorm's matching form (alef, ya, ta marbuta, digits folded; marks dropped), lower
    case, ya inside words dropped."""
    text = TextField()
    translated = Func(F(field), Value(_FROM), Value(_TO), function="translate", output_field=text)
    bare = Func(translated, Value(_DROPPED), Value(""), Value("g"), function="regexp_replace", output_field=text)
    return Lower(
        Func(bare, Value(_MEDIAL_YA_SQL), Value("\\1"), Value("g"), function="regexp_replace", output_field=text)
    )


def fold(text: str) -> str:
    """The query in the form `folded` gives stored text."""
    return _MEDIAL_YA.sub(r"\1", textnorm.normalize(text)).lower()


def word_filter(search_term: str, fields: list[str]) -> Q:
    """Every word of the term appears (folded) in one of `fields`."""
    condition = Q()
    for word in fold(search_term).split():
        any_field = Q()
        for field in fields:
            any_field |= Q(**{f"{field}__contains": word})
        condition &= any_field
    return condition


def meaning_matches(search_term: str) -> list[tuple[int, int | None]]:
    """(claim id, cluster id) of the claims closest in meaning to the term."""
    from claims.services.search import search_claims

    hits = search_claims(search_term, limit=MEANING_LIMIT)
    if not hits:
        return []
    floor = max(MEANING_MIN_SIMILARITY, hits[0].similarity - MEANING_MARGIN)
    return [(hit.claim.pk, hit.claim.cluster_id) for hit in hits if hit.similarity >= floor]


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
