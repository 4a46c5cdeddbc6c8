"""`ClaimScorer.score_many` scores pairs in batches; these tests hold it to the per-pair definition
(`PairModel.probability` and `pairfeatures.pair_vector`, pair by pair), to `score`, and to giving a
pair the same bits whatever else is in its batch or in the scorer."""

import math

import numpy as np
import pytest

from newsclaims.matching.pairfeatures import pair_vector
from newsclaims.matching.pairscore import ClaimScorer, get_model, text_evidence, text_figures

# Real news clauses of two stories in English and Arabic: figures, metrics, places, names, dates.
CLAUSES = [
    ("The floods in Derna killed at least 4,000 people, the Red Crescent said.", "en", 1),
    ("Some 10,000 people are still missing in Derna after the dams burst.", "en", 1),
    ("Libya's eastern government declared three days of mourning on September 12.", "en", 1),
    ("أودت الفيضانات في درنة بحياة 4000 شخص على الأقل بحسب الهلال الأحمر", "ar", 2),
    ("لا يزال نحو 10 آلاف شخص في عداد المفقودين في درنة", "ar", 2),
    ("The earthquake in Morocco killed 2,946 people and injured 5,674.", "en", 3),
    ("Rescuers in Marrakesh searched collapsed buildings for survivors.", "en", 3),
    ("قتل الزلزال في المغرب 2946 شخصا وأصاب 5674 آخرين", "ar", 4),
    ("أعلنت الحكومة الليبية الحداد ثلاثة أيام", "ar", 4),
    ("At least 4,000 people died in the Libyan floods, officials said.", "en", 5),
]


def scorer(clause_model: bool = True, standalone=None) -> ClaimScorer:
    model = get_model()
    assert model is not None and model.clause_model is not None
    if not clause_model:
        from dataclasses import replace

        model = replace(model, clause_model=None)
    texts, languages, sources = zip(*CLAUSES, strict=True)
    standalone = standalone if standalone is not None else [k % 3 == 0 for k in range(len(CLAUSES))]
    return ClaimScorer(model, vectors(model.bounds[-1]), texts, languages, sources, standalone=standalone)


def vectors(dimension: int) -> np.ndarray:
    """Vectors of one topic, clause 9 a close restatement of clause 0."""
    rng = np.random.default_rng(3)
    topic = rng.standard_normal(dimension)
    out = np.stack([topic + 0.8 * rng.standard_normal(dimension) for _ in CLAUSES]).astype(np.float32)
    out[9] = out[0] + 0.2 * rng.standard_normal(dimension)
    return out


def every_pair(n: int) -> list[tuple[int, int]]:
    return [(i, j) for i in range(n) for j in range(n) if i != j]


def per_pair_reference(s: ClaimScorer, i: int, j: int, same_figure: bool) -> float:
    """The pair's probability from the single-pair definitions, float by float."""
    cosines = [float(p[i].astype(np.float64) @ p[j].astype(np.float64)) for p in s.parts]
    same_language = bool(s.languages[i]) and s.languages[i] == s.languages[j]
    clause = not (s.standalone[i] and s.standalone[j])
    headline = s.model.probability(
        cosines,
        s.densities[i].astype(np.float64),
        s.densities[j].astype(np.float64),
        text_evidence(s.texts[i]),
        text_evidence(s.texts[j]),
        same_language,
        same_figure,
        clause=clause,
    )
    if s.clause_model is None or not clause:
        return headline
    density_i, density_j = s.densities[i].astype(np.float64), s.densities[j].astype(np.float64)
    csls = [2 * c - a - b for c, a, b in zip(cosines, density_i, density_j, strict=True)]
    x = pair_vector(
        cosines,
        csls,
        s.languages[i],
        s.languages[j],
        s.texts[i],
        s.texts[j],
        text_figures(s.texts[i]),
        text_figures(s.texts[j]),
        s.source_ids[i] == s.source_ids[j],
        (s.margin(i, j), s.margin(j, i)),
    )
    z = s.clause_model.logit(x) + s.clause_shift
    return max(headline, 1 / (1 + math.exp(-max(-60.0, min(60.0, z)))))


@pytest.mark.parametrize("clause_model", [True, False])
@pytest.mark.parametrize("standalone", [None, [True] * len(CLAUSES), [False] * len(CLAUSES)])
def test_batched_scores_agree_with_the_per_pair_definition_and_with_score(clause_model, standalone):
    s = scorer(clause_model, standalone)
    pairs = every_pair(len(CLAUSES))
    flags = [(i + j) % 4 == 0 for i, j in pairs]
    batched = s.score_many(pairs, flags)
    reference = np.array([per_pair_reference(s, i, j, f) for (i, j), f in zip(pairs, flags, strict=True)])
    single = np.array([s.score(i, j, f) for (i, j), f in zip(pairs, flags, strict=True)])
    assert np.abs(batched - reference).max() <= 1e-9
    assert np.array_equal(batched, single)
    assert batched.min() > 0.0 and batched.max() < 1.0


def test_a_pair_gets_the_same_bits_in_any_batch_and_any_scorer_holding_its_sources():
    s = scorer()
    pairs = every_pair(len(CLAUSES))
    whole = s.score_many(pairs)
    assert np.array_equal(s.score_many(pairs[::-1])[::-1], whole)
    assert np.array_equal(np.concatenate([s.score_many(pairs[:7]), s.score_many(pairs[7:])]), whole)
    # A scorer holding only the claims of sources 1 and 2 (whole, in order), same densities.
    keep = [k for k, (_, _, source) in enumerate(CLAUSES) if source in (1, 2)]
    part = ClaimScorer(
        s.model,
        vectors(s.model.bounds[-1])[keep],
        [s.texts[k] for k in keep],
        [s.languages[k] for k in keep],
        [s.source_ids[k] for k in keep],
        [s.neighbour_cosines[k] for k in keep],
        [s.standalone[k] for k in keep],
        source_margins=True,
    )
    inside = every_pair(len(keep))
    expected = s.score_many([(keep[a], keep[b]) for a, b in inside])
    assert np.array_equal(part.score_many(inside), expected)


def test_no_pairs_score_to_an_empty_array():
    assert scorer().score_many([]).shape == (0,)


def test_a_figures_scope_is_read_from_the_claims_own_words_not_from_the_subject_carried_in():
    from newsclaims.matching.pairfeatures import FEATURES

    model = get_model()
    embedded = ["Greece: 1,400 people died in the floods", "In Greece and Germany, 1,400 people died in the floods"]
    own = ["1,400 people died in the floods", embedded[1]]
    args = (model, vectors(model.bounds[-1])[:2], embedded, ["en", "en"], [1, 2])
    partial = FEATURES.index("country_partial")
    assert ClaimScorer(*args).clause_features(0, 1)[partial] == 1.0
    assert ClaimScorer(*args, claim_texts=own).clause_features(0, 1)[partial] == 0.0
