"""Pair features that travel across stories and languages, for article clauses.

The headline pair model (`pairscore`, trained on ANS) sees two standalone statements. Article
clauses are different: every clause of a story shares its names and topic, most have no partner,
and the same fact is often stated in two languages. What tells two clauses of one story apart,
whatever the language, is:

- the figures they give (numbers are language-independent: a shared value is strong evidence, and
  every pair of figures is compared, not just the first);
- what the figures count (dead, missing, injured, ...: `newsclaims.text.figures`) and where (`countries_of`),
  in the whole clause and next to its figure, including a scope that only partly matches (one
  country's toll against the toll of that country and another), and both together: one metric in
  one scope, the quantity a timeline or a contradiction is about, whatever the values;
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
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from newsclaims.matching.pairscore import (
    FUNCTION_WORDS,
    TextEvidence,
    shares_content,
    stem,
    text_evidence,
    text_figures,
    word_features,
)
from newsclaims.text.entities import countries_of, normalise, skeleton
from newsclaims.text.figures import METRIC_WORDS, counts_elsewhere, figure_context, forms, metrics_of, without_credit
from newsclaims.text.quantities import CALENDAR_KINDS
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


@dataclass(frozen=True)
class ClauseText:
    """The pieces of one claim's text the clause features compare, computed once per claim (a
    rebuild meets each claim in ~80 pairs): per pair only set intersections remain."""

    language: str
    evidence: TextEvidence
    values: tuple  # its figures other than years and dates, as `_figures` gives them
    years: frozenset
    has_figures: bool
    metrics: frozenset[str]
    countries: frozenset[str]
    skeletons: frozenset[str]
    figure_context: tuple[frozenset[str], frozenset[str]]
    # The countries of the clause's own words, in the whole clause and next to its figure: what
    # `_partial` compares. The text matched (`match_text`) carries a guessed subject in, and a
    # guessed place must not widen or narrow a figure's scope.
    own_countries: frozenset[str] = frozenset()
    own_figure_countries: frozenset[str] = frozenset()
    # Whether the clause counts "elsewhere" / "outside" a place (`figures.counts_elsewhere`).
    own_elsewhere: bool = False


def clause_text(text: str, language: str, quantities: Sequence[dict] | None, own_text: str | None = None) -> ClauseText:
    """A claim's `ClauseText` from its text (what was embedded), language and figures
    (`pairscore.text_figures`); `own_text`: the clause as extracted, when the text carries more."""
    figures = _figures(quantities)
    # The clause's own words, after any dateline or credit that opens them: "ANKARA (Reuters) –"
    # places the report, not the figure. (Without them, the text as matched, subject carried in.)
    own = text if own_text is None else without_credit(own_text)
    return ClauseText(
        language=language,
        evidence=text_evidence(text),
        values=tuple(f for f in figures if f[0] not in CALENDAR_KINDS),
        years=frozenset(f[1] for f in figures if f[0] in CALENDAR_KINDS and f[1]),
        has_figures=bool(figures),
        metrics=metrics_of(text),
        countries=countries_of(text),
        skeletons=name_skeletons(text),
        figure_context=figure_context(text),
        own_countries=countries_of(own),
        own_figure_countries=figure_context(own)[1],
        own_elsewhere=counts_elsewhere(own),
    )


@lru_cache(maxsize=16384)
def clause_text_of(text: str, language: str, own_text: str) -> ClauseText:
    """`clause_text` of a claim's text with the figures it gives (`text_figures`), kept per
    process: a new claim's neighbours are met again by each scorer that follows (the
    neighbourhood's re-clustering, the status refresh, the next article's assignment)."""
    return clause_text(text, language, text_figures(text), own_text)


def clause_texts_of(texts: Sequence[str], languages: Sequence[str], own_texts: Sequence[str]) -> list[ClauseText]:
    """`clause_text_of` of every claim, in order (what `ClaimScorer` reads per claim): a rebuild
    computes them while its neighbour search runs. Each claim's word evidence is read with them."""
    out = []
    for text, language, own in zip(texts, languages, own_texts, strict=True):
        out.append(clause_text_of(text or "", language, own or ""))
    return out


def _number_features(a: ClauseText, b: ClauseText) -> tuple[float, float, float, float]:
    share, overlap = False, False
    for _, x, low_a, high_a in a.values:
        for _, y, low_b, high_b in b.values:
            if x is not None and y is not None and abs(x - y) <= 0.02 * max(abs(x), abs(y), 1e-9):
                share = True
            overlap = overlap or (low_a <= high_b and low_b <= high_a)
    both = bool(a.values and b.values)
    return float(both), float(share), float(bool(a.years & b.years)), float(both and not overlap)


def number_features(qa: Sequence[dict] | None, qb: Sequence[dict] | None) -> tuple[float, float, float, float]:
    """(both give figures, they share a value, they share a year or date, every pair of figures is disjoint)."""
    return _number_features(clause_text("", "", qa), clause_text("", "", qb))


FEATURES = (
    "cos_use", "cos_e5", "csls_use", "csls_e5", "same_lang", "stem_jaccard", "stem_overlap", "char4_jaccard",
    "shares_content", "both_figures", "share_value", "share_year", "figures_disjoint", "same_metric",
    "different_metric", "names_shared", "same_source", "same_country", "different_country", "margin_min",
    "margin_max", "country_equal", "no_figures", "cos_use_high", "cos_e5_high", "figure_metric_same",
    "figure_metric_different", "figure_country_same", "figure_country_different", "figure_country_partial",
    "country_partial", "figure_scope_same",
)  # fmt: skip
# The features of the two texts alone (`text_row`), in `FEATURES` order; the others are numeric
# (cosines, CSLS, same source, margins, hinges) and filled a column at a time (`pair_matrix`).
TEXT_FEATURES = (
    "same_lang", "stem_jaccard", "stem_overlap", "char4_jaccard", "shares_content", "both_figures", "share_value",
    "share_year", "figures_disjoint", "same_metric", "different_metric", "names_shared", "same_country",
    "different_country", "country_equal", "no_figures", "figure_metric_same", "figure_metric_different",
    "figure_country_same", "figure_country_different", "figure_country_partial", "country_partial",
    "figure_scope_same",
)  # fmt: skip
_TEXT_COLUMNS = [FEATURES.index(name) for name in TEXT_FEATURES]

# A margin says how far the partner stands ahead of the next-closest clause of its article;
# clipped, so one article's odd clause cannot dominate.
MARGIN_CLIP = 0.3
# Cosines (USE, e5) past which a pair reads as a restatement or a translation: the hinge features
# let the model trust a near-paraphrase more than a line through the whole range would.
HIGH_COSINE = (0.6, 0.9)


def text_row(
    a: ClauseText, b: ClauseText, word_evidence: tuple[tuple[float, float, float], float] | None = None
) -> tuple[float, ...]:
    """The `TEXT_FEATURES` of a pair of texts. `word_evidence`: the pair's `word_features` and
    `shares_content` (as 0.0 / 1.0) when the caller has them (both are in one language)."""
    same_language = bool(a.language) and a.language == b.language
    if same_language and word_evidence is not None:
        words, content = word_evidence
    elif same_language:
        words = word_features(a.evidence, b.evidence)
        content = float(shares_content(a.evidence, b.evidence))
    else:
        words, content = (0.0, 0.0, 0.0), 0.0
    ma, mb, ca, cb, na, nb = a.metrics, b.metrics, a.countries, b.countries, a.skeletons, b.skeletons
    fa, fb = a.figure_context, b.figure_context
    names = len(na & nb) / min(len(na), len(nb)) if na and nb else 0.0
    return (
        float(same_language), *words, content, *_number_features(a, b),
        float(bool(ma & mb)), float(bool(ma and mb) and not ma & mb), names,
        float(bool(ca & cb)), float(bool(ca and cb) and not ca & cb),
        float(bool(ca) and ca == cb), float(not a.has_figures and not b.has_figures),
        float(bool(fa[0] & fb[0])), float(bool(fa[0] and fb[0]) and not fa[0] & fb[0]),
        float(bool(fa[1] & fb[1])), float(bool(fa[1] and fb[1]) and not fa[1] & fb[1]),
        _partial(a.own_figure_countries, b.own_figure_countries), _partial(a.own_countries, b.own_countries),
        _same_scope(a, b),
    )  # fmt: skip


def _same_scope(a: ClauseText, b: ClauseText) -> float:
    """1.0 when both give figures of one metric and the places next to those figures are the same,
    none on both counting as the same (the event's whole toll, read on two days): one quantity
    whatever its value, which a timeline or a contradiction differs in. A figure counted
    "elsewhere" or "outside" a place is of another scope than one that is not
    (`figures.counts_elsewhere`).

    The features above say "a metric in common" and "a country in common" apart; their product is
    what a fact is (the newsclusters convention: one subject, metric and scope), which a weighted
    sum of the two cannot say. Leave one story out, the average precision of the held-out pair
    scores among gold members' pairs went 0.648 -> 0.665 (derna 0.80 -> 0.81, hajj 0.62 -> 0.64,
    quake 0.52 -> 0.55) and quake's F1 0.70 -> 0.77."""
    metric = bool(a.values and b.values) and bool(a.figure_context[0] & b.figure_context[0])
    scope_a, scope_b = (a.own_figure_countries, a.own_elsewhere), (b.own_figure_countries, b.own_elsewhere)
    return float(metric and scope_a == scope_b)


def _partial(a: frozenset[str], b: frozenset[str]) -> float:
    """1.0 when both name places, some in common but not the same ones: a scope wider than the other
    ("in Turkey" against "in Turkey and Syria": one country's toll and the combined one)."""
    return float(bool(a & b) and a != b)


def pair_matrix(
    cosines: np.ndarray, csls: np.ndarray, text_rows: np.ndarray, same_source: np.ndarray, margins: np.ndarray
) -> np.ndarray:
    """Many clause pairs' inputs, a row each in `FEATURES` order: `cosines` and `csls` (pairs,
    encoder parts: USE, e5), `text_rows` (pairs, `TEXT_FEATURES`), `same_source` (pairs,) and
    `margins` (pairs, 2). Every value of a row comes from that row's inputs alone, so a pair
    gets the same bits in any batch."""
    out = np.empty((len(cosines), len(FEATURES)), dtype=np.float64)
    out[:, 0:2] = cosines
    out[:, 2:4] = csls
    out[:, _TEXT_COLUMNS] = text_rows
    out[:, 16] = same_source
    clipped = np.clip(margins, -MARGIN_CLIP, MARGIN_CLIP)
    out[:, 19] = clipped.min(axis=1)
    out[:, 20] = clipped.max(axis=1)
    out[:, 23] = np.maximum(0.0, cosines[:, 0] - HIGH_COSINE[0])
    out[:, 24] = np.maximum(0.0, cosines[:, -1] - HIGH_COSINE[-1])
    return out


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
    row = text_row(clause_text(text_a, language_a, quantities_a), clause_text(text_b, language_b, quantities_b))
    return pair_matrix(
        np.array([cosines], dtype=np.float64),
        np.array([csls], dtype=np.float64),
        np.array([row], dtype=np.float64),
        np.array([float(same_source)]),
        np.array([margins], dtype=np.float64),
    )[0].tolist()
