"""The pair model: evidence of two claims stating one fact, and the committed model file."""

import numpy as np
import pytest

from evaluation.ans import bcubed, read_split
from newsclaims.matching import pairscore
from newsclaims.matching.pairscore import ClaimScorer, Logistic, PairModel


def toy_model(**overrides) -> PairModel:
    fields = {
        "model_name": "toy",
        "bounds": (2, 4),
        "same_language": Logistic(
            ("cos", "csls", "stem_jaccard", "stem_overlap", "char4_jaccard"), (2, 2, 1, 1, 1, 1, 3), -6
        ),
        "cross_language": Logistic(("cos", "csls"), (2, 2, 1, 1), -5),
        "threshold": 0.5,
        "density_k": 2,
        "same_figure_logit": 2.0,
    }
    fields.update(overrides)
    return PairModel(**fields)


def unit(*xs):
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_the_pair_probability_is_symmetric_and_rises_with_shared_words():
    vectors = np.stack([np.r_[unit(1, 0.1), unit(1, 0.2)], np.r_[unit(1, 0.2), unit(1, 0.1)]])
    scorer = ClaimScorer(toy_model(), vectors, ["النفط يرتفع اليوم", "النفط يرتفع اليوم"], ["ar", "ar"], [1, 2])
    other = ClaimScorer(toy_model(), vectors, ["النفط يرتفع اليوم", "الذهب يهبط بقوة"], ["ar", "ar"], [1, 2])
    assert scorer.score(0, 1) == pytest.approx(scorer.score(1, 0))
    assert scorer.score(0, 1) > other.score(0, 1)


def test_words_are_ignored_between_languages():
    vectors = np.stack([np.r_[unit(1, 0), unit(1, 0)], np.r_[unit(1, 0.1), unit(1, 0.1)]])
    shared = ClaimScorer(toy_model(), vectors, ["Telegram 2013", "Telegram 2013"], ["en", "ar"], [1, 2])
    different = ClaimScorer(toy_model(), vectors, ["Telegram 2013", "تلغرام"], ["en", "ar"], [1, 2])
    assert shared.score(0, 1) == pytest.approx(different.score(0, 1))


def test_one_figure_of_one_subject_raises_the_probability():
    vectors = np.stack([np.r_[unit(1, 0), unit(1, 0)], np.r_[unit(1, 1), unit(1, 1)]])
    scorer = ClaimScorer(toy_model(), vectors, ["a", "b"], ["en", "en"], [1, 2])
    assert scorer.score(0, 1, same_figure=True) > scorer.score(0, 1)


def test_a_crowded_neighbourhood_lowers_the_probability():
    model = toy_model()
    lone = model.probability([0.8, 0.8], [0.2, 0.2], [0.2, 0.2], None, None, same_language=False)
    crowded = model.probability([0.8, 0.8], [0.8, 0.8], [0.8, 0.8], None, None, same_language=False)
    assert lone > crowded


def test_density_skips_claims_of_the_same_source():
    parts = [np.stack([unit(1, 0), unit(1, 0), unit(0, 1)])]
    # Claims 0 and 1 are identical but one source: each one's only other-source neighbour is
    # claim 2, at cosine 0. Counting the same source would give 1.
    dens = pairscore.densities(parts, [7, 7, 8], k=1)
    assert dens[0, 0] == pytest.approx(0.0, abs=1e-6) and dens[1, 0] == pytest.approx(0.0, abs=1e-6)
    assert pairscore.densities(parts, [7, 8, 9], k=1)[0, 0] == pytest.approx(1.0)


def test_many_densities_at_once_are_each_claims_density_bit_for_bit():
    rng = np.random.default_rng(5)
    tops = [None, [[], []], [[0.5], []]] + [
        [[round(float(x), 5) for x in rng.uniform(-0.1, 1, rng.integers(0, 6))] for _ in range(2)] for _ in range(200)
    ]
    one_by_one = np.array(
        [[float(np.mean(v)) if len(v) else 0.0 for v in t] if t else [0.0, 0.0] for t in tops], dtype=np.float32
    )
    assert pairscore.densities_of(tops, 2).tobytes() == one_by_one.tobytes()
    assert pairscore.densities_of(tops, 2)[2].tolist() == [0.5, 0.0]


def test_a_model_survives_a_round_trip_and_unknown_features_are_refused():
    model = toy_model()
    assert PairModel.from_dict(model.to_dict()) == model
    data = model.to_dict()
    data["same_language"]["features"] = ["cos", "magic"]
    with pytest.raises(ValueError, match="magic"):
        PairModel.from_dict(data)


def test_the_committed_model_is_for_the_default_embedding_model_with_its_evidence():
    model = pairscore.load_model()
    assert model is not None and model.model_name == "builtin:use+e5"
    assert model.bounds == (512, 896)
    assert 0 < model.threshold < 1 and "threshold" in model.chosen_by


def test_a_headline_in_two_ans_rows_joins_their_groups(tmp_path):
    path = tmp_path / "ans.csv"
    path.write_text("s1,s2,stance\nA,B,agree\nB,C,disagree\nD,E,other\nD,F,agree\n", encoding="utf-8")
    split = read_split(path)
    group = dict(zip(split.headlines, split.group, strict=True))
    assert group["A"] == group["B"] == group["C"]
    assert group["D"] == group["F"] != group["E"]
    assert group["A"] in split.disagree_groups and group["D"] not in split.disagree_groups


def test_bcubed_is_perfect_only_for_the_gold_partition():
    assert bcubed([0, 0, 1], [5, 5, 6]) == (1.0, 1.0, 1.0)
    precision, recall, _ = bcubed([0, 0, 0], [5, 5, 6])
    assert recall == 1.0 and precision < 1.0


def test_a_pair_involving_an_article_clause_needs_more_evidence_than_two_statements():
    model = toy_model(clause_logit=-2.0)
    vectors = np.stack([np.r_[unit(1, 0.1), unit(1, 0.2)], np.r_[unit(1, 0.2), unit(1, 0.1)]])
    args = (model, vectors, ["a b c", "a b d"], ["en", "en"], [1, 2])
    statements = ClaimScorer(*args, standalone=[True, True]).score(0, 1)
    mixed = ClaimScorer(*args, standalone=[True, False]).score(0, 1)
    clauses = ClaimScorer(*args).score(0, 1)
    assert statements > mixed == pytest.approx(clauses)


def shares(a: str, b: str) -> bool:
    return pairscore.shares_content(pairscore.text_evidence(a), pairscore.text_evidence(b))


def test_names_function_words_and_generic_nouns_are_not_shared_content():
    assert not shares("Russia blocked WhatsApp last year", "WhatsApp says it has 100 million users in Russia")
    assert not shares("حظرت السلطات الروسية تطبيق واتساب في موسكو", "وينتقد مستخدمو واتساب في موسكو الشركة")
    assert not shares("قال إن الشركة كانت في روسيا", "وقال إنها كانت في روسيا")
    assert not shares("حظرت روسيا التطبيق", "أطلقت الشركة التطبيق في روسيا")


def test_a_capitalised_first_word_is_not_taken_for_a_name():
    assert shares("Critics accuse Russia", "Critics praise Russia")  # "critics" is what they share
    assert not shares("Critics accuse Durov", "Users praise Durov")


def test_a_shared_verb_object_or_figure_is_shared_content():
    assert shares("Russia blocked WhatsApp last year", "Moscow blocked the app in December")
    assert shares("حظرت السلطات الروسية تطبيق واتساب", "وحظرت روسيا أيضا تطبيق تيليجرام")
    assert shares("WhatsApp has 100 million users", "Telegram: 100 million")


def test_clauses_in_one_language_sharing_only_names_are_held_to_more_evidence():
    vectors = np.stack([np.r_[unit(1, 0.1), unit(1, 0.2)], np.r_[unit(1, 0.2), unit(1, 0.1)]])
    names_only = ["Moscow ordered Max installed", "after Moscow launched its war"]
    one_verb = ["Moscow ordered Max installed", "Russia ordered the app installed"]
    plain, strict = toy_model(clause_logit=-2.0), toy_model(clause_logit=-2.0, no_content_logit=-1.5)

    def score(model, texts, languages=("en", "en"), standalone=None):
        return ClaimScorer(model, vectors, texts, list(languages), [1, 2], standalone=standalone).score(0, 1)

    assert score(strict, names_only) < score(plain, names_only)
    assert score(strict, one_verb) == pytest.approx(score(plain, one_verb))
    # Two standalone statements, and pairs across languages (no word evidence), are left alone.
    assert score(strict, names_only, standalone=[True, True]) == pytest.approx(
        score(plain, names_only, standalone=[True, True])
    )
    assert score(strict, names_only, ("en", "ar")) == pytest.approx(score(plain, names_only, ("en", "ar")))


def test_the_names_only_offset_survives_a_round_trip_and_older_files_load_without_it():
    model = toy_model(no_content_logit=-1.5)
    assert PairModel.from_dict(model.to_dict()) == model
    data = model.to_dict()
    del data["no_content_logit"]
    assert PairModel.from_dict(data).no_content_logit == 0.0


def test_the_committed_model_holds_name_only_clause_pairs_to_more_than_other_clause_pairs():
    model = pairscore.load_model()
    assert model.no_content_logit < 0 and "no_content_logit" in model.chosen_by


def clause_model(**overrides) -> PairModel:
    from newsclaims.matching.pairfeatures import FEATURES

    coef = [0.0] * len(FEATURES)
    coef[FEATURES.index("share_value")] = 4.0
    clause = Logistic(FEATURES, tuple(coef), -2.0)
    return toy_model(clause_model=clause, clause_threshold=0.5, **overrides)


def test_the_clause_model_scores_article_clauses_and_leaves_standalone_statements_to_the_headline_model():
    vectors = np.stack([np.r_[unit(1, 0), unit(1, 0)], np.r_[unit(1, 0.1), unit(1, 0.1)]])
    texts = ["The flood killed 4,250 people", "قتلت الفيضانات 4250 شخصا"]
    clauses = ClaimScorer(clause_model(), vectors, texts, ["en", "ar"], [1, 2])
    statements = ClaimScorer(clause_model(), vectors, texts, ["en", "ar"], [1, 2], standalone=[True, True])
    headline_only = ClaimScorer(toy_model(), vectors, texts, ["en", "ar"], [1, 2], standalone=[True, True])
    # sigmoid(4 - 2) with the clause model's threshold (0.5) already at the service's (0.5)
    assert clauses.score(0, 1) == pytest.approx(1 / (1 + np.exp(-2.0)))
    assert statements.score(0, 1) == pytest.approx(headline_only.score(0, 1))


def test_the_clause_models_own_threshold_is_mapped_onto_the_clustering_threshold():
    data = clause_model(threshold=0.15).to_dict()
    model = PairModel.from_dict({**data, "clause_model": {**data["clause_model"], "threshold": 0.07}})
    vectors = np.stack([np.r_[unit(1, 0), unit(1, 0)], np.r_[unit(0, 1), unit(0, 1)]])
    scorer = ClaimScorer(model, vectors, ["a", "b"], ["en", "en"], [1, 2])
    raw = 1 / (1 + np.exp(-scorer.clause_model.logit(scorer.clause_features(0, 1))))
    # a pair exactly at the clause model's own level lands exactly on the service's level
    shifted = 1 / (1 + np.exp(-(np.log(0.07 / 0.93) + model.clause_shift)))
    assert shifted == pytest.approx(0.15)
    assert (raw >= 0.07) == (scorer.score(0, 1) >= 0.15)


def test_the_margin_says_whether_a_claim_is_the_closest_of_its_article():
    vectors = np.stack(
        [np.r_[unit(1, 0), unit(1, 0)], np.r_[unit(1, 0.1), unit(1, 0.1)], np.r_[unit(1, 1), unit(1, 1)]]
    )
    scorer = ClaimScorer(clause_model(), vectors, ["a", "b", "c"], ["en"] * 3, [1, 2, 2])
    assert scorer.margin(0, 1) > 0 > scorer.margin(0, 2)


def test_a_held_out_story_is_scored_by_the_fold_that_did_not_see_it(monkeypatch):
    from newsclaims.matching.pairfeatures import FEATURES

    fold = {"features": list(FEATURES), "coef": [0.0] * len(FEATURES), "intercept": 3.0, "threshold": 0.2,
            "trained_on": ["other"]}  # fmt: skip
    model = clause_model(clause_folds={"flood": fold}, chosen_by={"clause_stories": ["flood", "other"]})
    monkeypatch.setattr(pairscore, "get_model", lambda: model)
    with pairscore.held_out("flood") as how:
        assert pairscore.model_for("toy").clause_model.intercept == 3.0
        assert "without it" in how
    assert pairscore.model_for("toy").clause_model.intercept == -2.0
    with pairscore.held_out("quake") as how:
        assert "never saw" in how


def test_a_clause_model_over_other_features_is_refused():
    data = clause_model().to_dict()
    data["clause_model"]["features"] = ["cos_use"]
    with pytest.raises(ValueError, match="retrain"):
        PairModel.from_dict(data)


def test_the_committed_model_has_a_clause_model_and_one_fold_per_story():
    model = pairscore.load_model()
    assert model.clause_model is not None
    assert 0 < model.clause_threshold < 1
    for name, fold in model.clause_folds.items():
        assert name not in fold["trained_on"]


def test_word_features_are_the_stem_jaccard_and_overlap_and_the_four_gram_jaccard():
    a = pairscore.TextEvidence(frozenset({"oil", "rise", "today"}), frozenset({"abcd", "bcde", "cdef"}))
    b = pairscore.TextEvidence(frozenset({"oil", "fall"}), frozenset({"bcde", "wxyz"}))
    assert pairscore.word_features(a, b) == (1 / 4, 1 / 2, 1 / 4)
    assert pairscore.word_features(a, pairscore.TextEvidence(frozenset(), frozenset())) == (0.0, 0.0, 0.0)
