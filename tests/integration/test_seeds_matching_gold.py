"""The seeds' matching gold holds on the real pipeline (embedded PostgreSQL, the default model).

Every group the gold says is one claim shares a cluster with the gold status, every pair it says
differ sits apart; the only failures allowed are the gold's recorded known misses, and a known
miss that starts passing must be dropped from the gold.
"""

from pathlib import Path

from claims import services
from evaluation.gold import score_matching_gold

GOLD = Path(__file__).resolve().parent.parent / "data" / "seeds_matching_gold.json"


def test_after_ingesting_the_seeds_only_the_recorded_misses_fail(seeded):
    report = score_matching_gold(GOLD)
    assert report.unexpected() == []
    assert report.fixed() == []


def test_a_rebuild_keeps_the_seeds_gold(seeded):
    services.recluster()
    report = score_matching_gold(GOLD)
    assert report.unexpected() == []
    assert report.fixed() == []
    assert report.groups_together >= report.groups_total - 1 and report.pairs_total == 13
