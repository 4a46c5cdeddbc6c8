"""The matching benchmark's scoring: B-cubed and the ANS gold groups (Django loaded, no database)."""

import pytest

from claims.bench_matching import ans_gold, bcubed


def test_bcubed_is_perfect_for_the_gold_partition_and_drops_when_everything_is_merged():
    gold = {"a": 1, "b": 1, "c": 2, "d": 3}
    assert bcubed(dict(gold), gold) == (1.0, 1.0, 1.0)
    precision, recall, f1 = bcubed(dict.fromkeys(gold, 0), gold)
    assert recall == 1.0 and precision == pytest.approx((2 / 4 * 2 + 1 / 4 + 1 / 4) / 4) and f1 < 1


def test_ans_groups_put_agree_and_disagree_with_their_headline_and_other_elsewhere(tmp_path):
    (tmp_path / "ans").mkdir()
    (tmp_path / "ans" / "stance_dev.csv").write_text(
        "s1,s2,stance\nH,H agrees,agree\nH,H denied,disagree\nH,unrelated,other\nK,K too,agree\n", encoding="utf-8"
    )
    headlines, group_of, disagree = ans_gold(tmp_path / "ans" / "stance_dev.csv")
    assert group_of["H"] == group_of["H agrees"] == group_of["H denied"] != group_of["unrelated"]
    assert disagree[group_of["H"]] is True and disagree[group_of["K"]] is False
    assert len(headlines) == 6
