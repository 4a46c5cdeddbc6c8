"""Regression guard for extraction quality: the benchmark figures must stay at or over target.

Reads the Recognizers-Text specs from ../shared/bench beside the repository (as CI has it) and
the hand-written seed gold in tests/data/seeds_gold.json. Pure Python, no Django; runs in well
under a second.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evaluation.bench_extraction import TARGETS, main, run, score_seeds, score_spec_file

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO.parent / "shared" / "bench" / "numbers"
SEEDS = REPO / "seeds"
GOLD = REPO / "tests" / "data" / "seeds_gold.json"
TARGET_FILES = [
    f"{lang}/{model}.json"
    for lang in ("Arabic", "English")
    for model in ("NumberModel", "PercentModel", "NumberRangeModel")
]

needs_bench = pytest.mark.skipif(not BENCH.is_dir(), reason="shared/bench is not beside the repository")


@pytest.fixture(scope="module")
def seed_scores() -> dict:
    return score_seeds(SEEDS, GOLD)


def test_the_gold_file_documents_its_format_and_slices_the_seeds_exactly() -> None:
    data = json.loads(GOLD.read_text(encoding="utf-8"))
    assert "offsets" in data["about"]
    assert len(data["claims"]) >= 90
    for claim in data["claims"]:
        text = (SEEDS / claim["file"]).read_text(encoding="utf-8")
        assert text[claim["start"] : claim["end"]] == claim["text"]
        q = claim["quantity"]
        if q is not None:
            assert claim["start"] <= q["start"] < q["end"] <= claim["end"]
            assert text[q["start"] : q["end"]] == q["text"]


def test_claims_are_found_in_the_seed_articles_as_a_careful_reader_finds_them(seed_scores) -> None:
    assert seed_scores["recall"] >= TARGETS["recall"]
    assert seed_scores["precision"] >= TARGETS["precision"]


def test_seed_claim_figures_keep_their_value_hedge_unit_and_date(seed_scores) -> None:
    fields = seed_scores["fields"]
    for name in ("value", "qualifier", "unit", "as_of"):
        accuracy, n = fields[name]
        assert n > 0
        assert accuracy >= 0.95, name


def test_seed_claimants_subjects_and_polarity_stay_at_their_measured_level(seed_scores) -> None:
    fields = seed_scores["fields"]
    assert fields["claimant"][0] >= 0.80
    assert fields["subject"][0] >= 0.80
    assert fields["polarity"][0] >= 0.95


@needs_bench
@pytest.mark.parametrize("name", TARGET_FILES)
def test_number_percent_and_range_specs_meet_the_span_and_value_targets(name: str) -> None:
    result = score_spec_file(BENCH / name)
    assert result["gold"] > 0
    assert result["span_f1"] >= TARGETS["span_f1"], result["span_f1"]
    assert result["value_acc"] >= TARGETS["value_acc"], result["value_acc"]


@needs_bench
def test_exclusions_stay_few_and_every_one_has_a_reason() -> None:
    for name in TARGET_FILES:
        result = score_spec_file(BENCH / name)
        assert len(result["excluded"]) <= 0.4 * (result["gold"] + len(result["excluded"])), name
        assert all(x["reason"] for x in result["excluded"])


@needs_bench
def test_run_returns_every_figure_and_main_prints_them(capsys) -> None:
    result = run(BENCH.parent, SEEDS, GOLD, speed_seconds=0.05)
    assert {r["model"] for r in result["specs"]} >= {"number", "percent", "range"}
    assert result["speed"]["sentences_per_s"] > 0
    assert main(["--bench-dir", str(BENCH.parent), "--seeds-dir", str(SEEDS), "--gold", str(GOLD)]) == 0
    out = capsys.readouterr().out
    assert "recall" in out and "sentences/s" in out and "Arabic/NumberModel.json" in out
