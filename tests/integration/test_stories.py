"""`evaluate stories` on a small story of our own: ingested through the service into the real
database, clustered by the real model, scored against its gold, leave one story out."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from evaluation import stories
from newsclaims.matching import pairscore

# Real commits, as under `manage.py evaluate`: processing runs on commit, before the scoring reads.
pytestmark = pytest.mark.django_db(transaction=True)

ARTICLES = {
    "01": ("en", "Floods swept through the port city on Monday. The floods killed 4,250 people in the port city, "
                 "the health ministry said. The central bank raised its interest rate to 12 percent last month."),
    "02": ("ar", "اجتاحت الفيضانات المدينة الساحلية يوم الاثنين. وقالت وزارة الصحة إن الفيضانات أودت بحياة 4250 "
                 "شخصا في المدينة الساحلية. وافتتح وزير الثقافة معرضا للكتاب يضم 300 دار نشر."),
}  # fmt: skip
GOLD = {
    "clusters": {
        "flood_deaths": {
            "status": "agreement",
            "kind": "quantity",
            "members": [["01", "The floods killed 4,250 people"], ["02", "أودت بحياة 4250 شخصا"]],
        },
        "book_fair": {"status": "single_source", "kind": "quantity", "members": [["02", "معرضا للكتاب يضم 300"]]},
    },
    "cannot_link": [["flood_deaths", "book_fair"]],
}


@pytest.fixture
def story_dir(tmp_path):
    folder = tmp_path / "portflood"
    folder.mkdir()
    for number, (language, text) in ARTICLES.items():
        data = {"text": text, "language": language, "publisher": f"paper {number}", "published_at": "2031-03-04"}
        (folder / f"{number}.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    (folder / "gold.json").write_text(json.dumps(GOLD, ensure_ascii=False), encoding="utf-8")
    (folder / "README.md").write_text("not an article", encoding="utf-8")
    return tmp_path


def test_a_story_is_ingested_clustered_and_scored_across_languages(story_dir):
    scores, protocol = stories.run_stories(story_dir, progress=lambda line: None)
    [score] = scores
    assert (score.found, score.members) == (3, 3)
    assert score.cross_pairs == 1 and score.cross_joined == 1
    assert score.violations == 0
    assert score.statuses_right == 2
    assert score.articles == 2 and score.seconds > 0
    assert protocol == ["portflood: the full clause model (never saw this story)"]


def test_a_story_the_model_was_fitted_without_uses_that_fold():
    model = pairscore.load_model()
    fold_name = next(iter(model.clause_folds))
    with pairscore.held_out(fold_name) as how:
        assert "fitted without it" in how
        assert pairscore.model_for(model.model_name).clause_model == model.with_fold(fold_name).clause_model


def test_articles_arriving_one_at_a_time_are_scored_before_any_rebuild(story_dir, monkeypatch):
    from claims import services

    def no_rebuild(*args, **kwargs):
        raise AssertionError("scored after a rebuild")

    monkeypatch.setattr(services, "recluster", no_rebuild)
    scores, _ = stories.run_stories(story_dir, progress=lambda line: None, arrivals=stories.ONE_AT_A_TIME)
    [score] = scores
    assert (score.found, score.members) == (3, 3)
    assert score.cross_joined == 1 and score.violations == 0
    assert score.statuses_right == 2  # the status job's work finished before scoring
    assert score.moved == 0  # the Arabic article joined the English one's cluster; nothing stored moved
    assert "stored claims moved by later articles 0" in score.line()


def test_an_unknown_way_of_arriving_is_refused(story_dir):
    with pytest.raises(ValueError, match="arrivals"):
        stories.run_stories(story_dir, progress=lambda line: None, arrivals="all at once")


def test_a_fold_fitted_on_another_extraction_of_the_story_is_said(story_dir, monkeypatch):
    from claims.models import Claim

    model = pairscore.load_model()

    def fitted_on(digest):
        chosen_by = {**model.chosen_by, "clause_extraction": {"portflood": digest}}
        monkeypatch.setattr(pairscore, "get_model", lambda: replace(model, chosen_by=chosen_by))

    fitted_on("0" * 16)  # the code extracts other claims than the folds were fitted on
    _, [line] = stories.run_stories(story_dir, progress=lambda line: None)
    assert stories.STALE_FOLD in line
    now = stories.claims_digest((Path(o).stem, t) for o, t in Claim.objects.values_list("source__origin", "text"))
    fitted_on(now)
    _, [line] = stories.run_stories(story_dir, progress=lambda line: None)
    assert stories.STALE_FOLD not in line
