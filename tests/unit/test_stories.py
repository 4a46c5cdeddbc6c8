"""Scoring system clusters against a news story's gold, as the newsclusters README defines it."""

import json

import numpy as np
import pytest

from evaluation.stories import Article, Story, StoryScore, SystemClaim, claims_digest, read_stories, score_story

STORY = Story(
    "flood",
    (
        Article("01", None, "", "en"),
        Article("02", None, "", "ar"),
        Article("03", None, "", "en"),
    ),
    {
        "deaths": {
            "status": "contradiction",
            "members": [["01", "killed 300 people"], ["02", "مقتل 300"], ["03", "killed 450 people"]],
        },
        "missing": {"status": "agreement", "members": [["01", "100 are missing"], ["02", "فقدان 100"]]},
        "dams": {"status": "agreement", "members": [["03", "two dams burst"], ["01", "the two dams   burst"]]},
    },
    (("deaths", "missing"),),
)


def claims(*rows):
    return [SystemClaim(k, article, text, cluster) for k, (article, text, cluster) in enumerate(rows)]


def test_a_perfect_clustering_scores_one_everywhere():
    found = claims(
        ("01", "The flood killed 300 people", 1), ("02", "أعلن مقتل 300", 1), ("03", "It killed 450 people", 1),
        ("01", "and 100 are missing", 2), ("02", "مع فقدان 100", 2),
        ("03", "after two dams burst", 3), ("01", "when the two dams burst at night", 3),
    )  # fmt: skip
    score = score_story(STORY, found, {1: "contradiction", 2: "agreement", 3: "agreement"})
    assert (score.found, score.members) == (7, 7)
    assert (score.precision, score.recall, score.f1, score.cross_recall) == (1, 1, 1, 1)
    assert (score.statuses_right, score.violations) == (3, 0)


def test_merging_cannot_linked_facts_costs_precision_and_counts_a_violation():
    found = claims(
        ("01", "The flood killed 300 people", 1), ("02", "أعلن مقتل 300", 1), ("03", "It killed 450 people", 1),
        ("01", "and 100 are missing", 1), ("02", "مع فقدان 100", 1),
    )  # fmt: skip
    score = score_story(STORY, found, {1: "contradiction"})
    assert score.found == 5 and score.members == 7
    assert score.tp == 4 and score.fp == 6 and score.fn == 0
    assert score.violations == 1
    # the two dams members were never found: each is missing, and the fact is lost, not split
    assert any(m.startswith("missing dams") for m in score.misses)
    assert "lost dams: none of its members was found" in score.misses
    assert not any(m.startswith("split dams") for m in score.misses)


def test_a_split_fact_loses_recall_cross_language_recall_and_its_status():
    found = claims(
        ("01", "The flood killed 300 people", 1),
        ("02", "أعلن مقتل 300", 2),
        ("03", "It killed 450 people", 1),
    )
    score = score_story(STORY, found, {1: "contradiction", 2: "single_source"})
    assert (score.tp, score.fn) == (1, 2)
    assert score.cross_recall == pytest.approx(0.0)
    assert score.statuses_right == 0


def test_a_timeline_is_right_with_any_status_but_contradiction():
    story = Story("s", STORY.articles, {"toll": {"status": "not_contradiction", "members": [["01", "300"]]}}, ())
    found = claims(("01", "300 dead", 1))
    assert score_story(story, found, {1: "single_source"}).statuses_right == 1
    assert score_story(story, found, {1: "contradiction"}).statuses_right == 0


def test_pooled_scores_add_counts_not_ratios():
    a, b = StoryScore("a", tp=1, fp=1, fn=0), StoryScore("b", tp=3, fp=0, fn=4)
    pooled = StoryScore("pooled")
    pooled.add(a)
    pooled.add(b)
    assert pooled.precision == pytest.approx(4 / 5) and pooled.recall == pytest.approx(4 / 8)


def test_stories_are_the_folders_with_a_gold_file(tmp_path):
    (tmp_path / "flood").mkdir()
    (tmp_path / "flood" / "01.json").write_text(json.dumps({"text": "x", "language": "en"}), encoding="utf-8")
    (tmp_path / "flood" / "gold.json").write_text(json.dumps({"clusters": {}}), encoding="utf-8")
    (tmp_path / "notes").mkdir()
    assert [s.name for s in read_stories(tmp_path)] == ["flood"]
    with pytest.raises(FileNotFoundError):
        read_stories(tmp_path / "absent")


def test_a_clustering_level_is_chosen_on_a_plateau_not_on_a_lone_spike():
    from training.train_story_pairs import choose_level

    levels = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4)
    spike = [0.40, 0.40, 0.70, 0.40, 0.60, 0.60, 0.60]  # 0.15 is best alone, between two poor levels
    assert choose_level(spike, levels) == 0.3
    assert choose_level([0.5] * 7, levels) == 0.3  # no difference: merge least (the grid's end is no choice)


def test_a_clustering_level_is_chosen_on_scores_the_regression_did_not_see(monkeypatch):
    from training import train_story_pairs

    class Story:
        def __init__(self, name, best):
            self.name, self.best, self.scored_by = name, best, set()

        def score(self, regression, level):
            self.scored_by.add(regression)
            return StoryScore(self.name, tp=int(level == self.best), fn=int(level != self.best))

    monkeypatch.setattr(train_story_pairs, "regression", lambda stories: frozenset(s.name for s in stories))
    monkeypatch.setattr(train_story_pairs, "WINDOW", 0)
    stories = [Story("flood", 0.1), Story("quake", 0.1), Story("heat", 0.2)]
    regression, level, f1 = train_story_pairs.fit(stories)
    assert regression == {"flood", "quake", "heat"}  # what the service runs: every story
    for story in stories:  # each story's objective read through a regression fitted on the others
        assert story.scored_by == {frozenset({"flood", "quake", "heat"} - {story.name})}
    assert level == 0.1 and f1 == pytest.approx(2 / 3)


def test_the_ranking_figure_reads_pairs_of_gold_members_from_two_articles_only():
    from training.train_story_pairs import member_pair_precision

    labels = {0: "deaths", 1: "deaths", 2: "missing", 3: "missing"}
    sources = [1, 2, 2, 1, 3]  # claim 4 holds no gold anchor; claims 1 and 2 share an article
    asked: list[tuple[int, int]] = []

    def scores(order):
        def score(pairs):
            asked.extend(pairs)
            return np.array([order(i, j) for i, j in pairs], dtype=float)

        return score

    assert member_pair_precision(labels, sources, scores(lambda i, j: float(labels[i] == labels[j]))) == 1.0
    assert sorted(asked) == [(0, 1), (0, 2), (1, 3), (2, 3)]  # not (0, 3) nor (1, 2): one article each
    worst = member_pair_precision(labels, sources, scores(lambda i, j: float(labels[i] != labels[j])))
    assert worst == pytest.approx(0.5)  # the two positives ranked last of four
    assert member_pair_precision({0: "a", 1: "b"}, [1, 2], scores(lambda i, j: 1.0)) == 0.0


def test_a_split_is_put_down_to_a_claim_holding_two_facts_before_anything_else():
    from evaluation.stories import SHARED_CLAIM, split_causes

    found = claims(
        ("01", "The flood killed 300 people and 100 are missing", 1),
        ("02", "أعلن مقتل 300", 2),
        ("02", "فقدان 100", 1),
    )
    causes = split_causes(STORY, found, lambda i, j: 0.9, lambda a, b: True, 0.5)
    assert causes["deaths"] == SHARED_CLAIM


def test_a_split_is_put_down_to_the_pair_scores_the_linkage_or_the_slots():
    from evaluation.stories import LINKAGE, PAIR_SCORES, SLOTS_VETO, split_causes

    found = claims(
        ("01", "The flood killed 300 people", 1),
        ("02", "أعلن مقتل 300", 2),
        ("03", "It killed 450 people", 1),
        ("01", "the two dams burst", 3),
        ("03", "two dams burst", 4),
    )
    high = {(0, 1), (1, 2)}

    def score(i, j):
        return 0.8 if (i, j) in high else 0.01

    assert split_causes(STORY, found, score, lambda a, b: True, 0.5) == {"deaths": LINKAGE, "dams": PAIR_SCORES}
    veto = split_causes(STORY, found, score, lambda a, b: not ({1, 2} <= {*a, *b}), 0.5)
    assert veto["deaths"] == SLOTS_VETO
    assert split_causes(STORY, found, score, lambda a, b: True, 0.9)["deaths"] == PAIR_SCORES


def test_a_storys_claims_digest_changes_with_what_is_extracted_not_with_order_or_spacing():
    claims = [("01", "The floods killed 4,250 people"), ("02", "أودت بحياة 4250 شخصا")]
    assert claims_digest(claims) == claims_digest(reversed(claims))
    assert claims_digest(claims) == claims_digest([("01", "The floods  killed\n4,250 people"), claims[1]])
    assert claims_digest(claims) != claims_digest([("01", "The floods killed 4,250"), claims[1]])
    assert claims_digest(claims) != claims_digest([("03", claims[0][1]), claims[1]])
    assert claims_digest(claims) != claims_digest(claims[:1])
