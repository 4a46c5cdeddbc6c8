"""Pair features that travel across stories and languages, for article clauses.

The headline pair model (`pairscore`, trained on ANS) sees two standalone statements. Article
clauses are different: every clause of a story shares its names and topic, most have no partner,
and the same fact is often stated in two languages. What tells two clauses of one story apart,
whatever the language, is:

- the figures they give (numbers are language-independent: a shared value is strong evidence, and
  every pair of figures is compared, not just the first);
- what the figures count (dead, missing, injured, ...: `newsclaims.text.figures`) and where (`countries_of`),
  in the whole clause and next to its figure;
- the names both mention, across scripts (consonant skeletons: "Derna" / "درنة");
- how the pair ranks among the other clauses of each article (`margin`: a fact is stated once per
  article, so the partner is the closest clause of the other article, not merely a close one);
- the cosines of each encoder part and their hubness correction (CSLS), as for headlines.

`pair_vector` lays these out in `FEATURES` order; `python -m training.train_story_pairs` fits a
logistic regression on them, leave one story out. Pure Python and numpy: no Django.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import lru_cache

from newsclaims.matching.pairscore import FUNCTION_WORDS, shares_content, stem, text_evidence, word_features
from newsclaims.text.entities import countries_of, normalise, skeleton
from newsclaims.text.figures import METRIC_WORDS, figure_context, forms, metrics_of
from newsclaims.text.textnorm import normalize


@lru_cache(maxsize=65536)
def name_skeletons(text: str) -> frozenset[str]:
    """Consonant skeletons of a text's names: its capitalised Latin words, and (Arabic has no
    capitals) its Arabic content words of four letters or more, so a name matches across scripts."""
    found = set()
    for token in re.findall(r"[^\W\d_]+", normalize(text)):
        if token.isascii():
            names = [token] if token[:1].isupper() and len(token) >= 4 and token.lower() not in FUNCTION_WORDS else []
        else:
            content = [f for f in forms(normalise(token)) if len(f) >= 4 and stem(f) not in FUNCTION_WORDS]
            names = [f for f in content if f not in METRIC_WORDS]
        for form in names:
            key = skeleton(form)
            if len(key) >= 3:
                found.add(key)
    return frozenset(found)


def _figures(quantities: Sequence[dict] | None) -> list[tuple[str | None, float | None, float, float]]:
    out = []
    for q in quantities or ():
        low, high, value = q.get("low"), q.get("high"), q.get("value")
        if value is None and low is None and high is None:
            continue
        out.append((q.get("kind"), value, -math.inf if low is None else low, math.inf if high is None else high))
    return out


def number_features(qa: Sequence[dict] | None, qb: Sequence[dict] | None) -> tuple[float, float, float, float]:
    """(both give figures, they share a value, they share a year or date, every pair of figures is disjoint)."""
    fa, fb = _figures(qa), _figures(qb)
    va = [f for f in fa if f[0] not in ("year", "date")]
    vb = [f for f in fb if f[0] not in ("year", "date")]
    years_a = {f[1] for f in fa if f[0] in ("year", "date") and f[1]}
    years_b = {f[1] for f in fb if f[0] in ("year", "date") and f[1]}
    share, overlap = False, False
    for _, a, low_a, high_a in va:
        for _, b, low_b, high_b in vb:
            if a is not None and b is not None and abs(a - b) <= 0.02 * max(abs(a), abs(b), 1e-9):
                share = True
            overlap = overlap or (low_a <= high_b and low_b <= high_a)
    both = bool(va and vb)
    return float(both), float(share), float(bool(years_a & years_b)), float(both and not overlap)


FEATURES = (
    "cos_use", "cos_e5", "csls_use", "csls_e5", "same_lang", "stem_jaccard", "stem_overlap", "char4_jaccard",
    "shares_content", "both_figures", "share_value", "share_year", "figures_disjoint", "same_metric",
    "different_metric", "names_shared", "same_source", "same_country", "different_country", "margin_min",
    "margin_max", "country_equal", "no_figures", "cos_use_high", "cos_e5_high", "figure_metric_same",
    "figure_metric_different", "figure_country_same", "figure_country_different",
)  # fmt: skip

# A margin says how far the partner stands ahead of the next-closest clause of its article;
# clipped, so one article's odd clause cannot dominate.
MARGIN_CLIP = 0.3
# Cosines (USE, e5) past which a pair reads as a restatement or a translation: the hinge features
# let the model trust a near-paraphrase more than a line through the whole range would.
HIGH_COSINE = (0.6, 0.9)


def pair_vector(
    cosines: Sequence[float],
    csls: Sequence[float],
    language_a: str,
    language_b: str,
    text_a: str,
    text_b: str,
    quantities_a: Sequence[dict] | None,
    quantities_b: Sequence[dict] | None,
    same_source: bool,
    margins: tuple[float, float] = (MARGIN_CLIP, MARGIN_CLIP),
) -> list[float]:
    """One clause pair's inputs, in `FEATURES` order (cosines and CSLS per encoder part: USE, e5)."""
    same_language = bool(language_a) and language_a == language_b
    if same_language:
        ea, eb = text_evidence(text_a), text_evidence(text_b)
        words: tuple[float, float, float] = word_features(ea, eb)
        content = float(shares_content(ea, eb))
    else:
        words, content = (0.0, 0.0, 0.0), 0.0
    both, share, year, disjoint = number_features(quantities_a, quantities_b)
    ma, mb = metrics_of(text_a), metrics_of(text_b)
    ca, cb = countries_of(text_a), countries_of(text_b)
    na, nb = name_skeletons(text_a), name_skeletons(text_b)
    fa, fb = figure_context(text_a), figure_context(text_b)
    names = len(na & nb) / min(len(na), len(nb)) if na and nb else 0.0
    m1, m2 = (max(-MARGIN_CLIP, min(MARGIN_CLIP, m)) for m in margins)
    return [
        *cosines, *csls, float(same_language), *words, content, both, share, year, disjoint,
        float(bool(ma & mb)), float(bool(ma and mb) and not ma & mb), names, float(same_source),
        float(bool(ca & cb)), float(bool(ca and cb) and not ca & cb), min(m1, m2), max(m1, m2),
        float(bool(ca) and ca == cb), float(not _figures(quantities_a) and not _figures(quantities_b)),
        max(0.0, cosines[0] - HIGH_COSINE[0]), max(0.0, cosines[-1] - HIGH_COSINE[-1]),
        float(bool(fa[0] & fb[0])), float(bool(fa[0] and fb[0]) and not fa[0] & fb[0]),
        float(bool(fa[1] & fb[1])), float(bool(fa[1] and fb[1]) and not fa[1] & fb[1]),
    ]  # fmt: skip
