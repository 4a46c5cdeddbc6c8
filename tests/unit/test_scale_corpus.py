"""The scale benchmark's synthetic archive (evaluation.scale_corpus): facts of 2 to 6 claims, both
languages, figures changed where a contradiction or a timeline is meant, exact spans, and the
same archive for the same seed. Pure: a handful of hand-written families (the ANS / STS reader
is checked on ../shared/bench when it is there)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path

import pytest

from evaluation import scale_corpus as sc

FAMILIES = [
    sc.Family(
        0, ("الجيش المصري: مقتل 71 مسلحا في سيناء", "مقتل 71 مسلحا في عملية للجيش المصري بسيناء"),
        ("الجيش المصري ينفي مقتل مسلحين في سيناء",), "ans",
    ),
    sc.Family(1, ("Floods in Derna killed 11,300 people", "الفيضانات في درنة قتلت 11,300 شخص"), (), "sts-ar-en"),
    sc.Family(2, ("A man is playing a guitar.",), (), "sts-en-en"),
    sc.Family(2, ("A woman is slicing an onion.",), (), "sts-en-en"),
    sc.Family(
        3, ("ارتفاع أسعار النفط لأعلى مستوى في ٦ أشهر", "النفط يرتفع لأعلى مستوى منذ ٦ أشهر"),
        ("انخفاض أسعار النفط لأدنى مستوى في ٦ أشهر",), "ans",
    ),
    sc.Family(4, ("ليبيا تصدر حكما بإعدام 45 شخصا متهمين بقتل متظاهرين عام 2011",), (), "ans"),
    sc.Family(5, ("The ministry said 250 people were displaced in Sudan",), (), "sts-en-en"),
]  # fmt: skip
BENCH = Path(__file__).resolve().parents[2].parent / "shared" / "bench"


def figures_of(text: str) -> list[str]:
    return [m.group() for m in sc._NUMBER.finditer(text)]


def without_figures(text: str) -> str:
    return sc._NUMBER.sub("#", text)


@pytest.mark.parametrize("n", [2, 3, 7, 50, 400])
def test_exactly_n_claims_in_facts_of_two_to_six(n: int) -> None:
    corpus = sc.build_corpus(FAMILIES, n, seed=n, newcomers=4, articles=2)
    assert len(corpus.claims) == n
    sizes = Counter(c.fact for c in corpus.claims)
    assert set(sizes.values()) <= set(range(2, 7)), sizes
    texts = [c.text for c in corpus.claims] + [c.text for c in corpus.newcomers]
    assert len(set(texts)) == len(texts)  # a copy is an edit, never the same text


def test_both_languages_spans_and_articles() -> None:
    corpus = sc.build_corpus(FAMILIES, 400, seed=1, article_share=0.5)
    assert {c.language for c in corpus.claims} == {"ar", "en"}
    assert any(c.role == sc.TRANSLATION for c in corpus.claims)
    by_source = defaultdict(list)
    for claim in corpus.claims:
        source = corpus.sources[claim.source]
        assert source.text[claim.start : claim.end] == claim.text
        by_source[claim.source].append(claim)
    for index, members in by_source.items():
        source = corpus.sources[index]
        if source.kind == sc.ARTICLE:
            assert 2 <= len(members) <= 4
            assert len({c.fact for c in members}) == len(members)  # a fact is stated once in an article
            assert {c.language for c in members} == {source.language}
        else:
            assert len(members) == 1 and source.text == members[0].text
    dates = [s.published_at for s in corpus.sources]
    assert dates == sorted(dates)
    assert len({s.publisher for s in corpus.sources}) > 20


def test_figures_change_where_a_contradiction_or_a_timeline_is_meant() -> None:
    corpus = sc.build_corpus(FAMILIES, 600, seed=2)
    originals = {c.fact: c for c in corpus.claims if c.role == sc.ORIGINAL}
    changed = [c for c in corpus.claims if c.role in (sc.FIGURE_CHANGED, sc.LATER_FIGURE)]
    assert {c.role for c in changed} == {sc.FIGURE_CHANGED, sc.LATER_FIGURE}
    for claim in changed:
        original = originals[claim.fact]
        assert without_figures(claim.text) == without_figures(original.text)  # only the figure moved
        old, new = figures_of(original.text), figures_of(claim.text)
        assert old != new
        for a, b in zip(old, new, strict=True):
            if not re.fullmatch(r"(19|20)\d\d", a):
                low, high = sorted(float(x.replace(",", "")) for x in (a, b))
                assert high / low >= 1.5  # disjoint intervals, whatever the hedge
    dates = {c.fact: [] for c in changed}
    for claim in corpus.claims:
        if claim.fact in dates:
            dates[claim.fact].append((claim.role, corpus.sources[claim.source].published_at))
    for claim in changed:
        if claim.role == sc.LATER_FIGURE:
            first = min(d for role, d in dates[claim.fact] if role != sc.LATER_FIGURE)
            later = max(d for role, d in dates[claim.fact] if role == sc.LATER_FIGURE)
            assert later - first >= timedelta(days=8)
        else:  # the same moment: as-of dates within FACTCHECK_SAME_MOMENT_DAYS of every other member's
            moment = corpus.sources[claim.source].published_at.date()
            assert all(abs((d.date() - moment).days) <= 1 for role, d in dates[claim.fact] if role != sc.LATER_FIGURE)
    # Other members keep the fact's figure (near-duplicates may switch its digit script only).
    for claim in corpus.claims:
        if claim.role == sc.NEAR_DUPLICATE and claim.fact in originals:
            digits = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")
            assert set(figures_of(claim.text.translate(digits))) <= set(
                figures_of(originals[claim.fact].text.translate(digits))
            )


def test_change_figures_keeps_years_and_digit_script() -> None:
    assert sc.change_figures("مقتل ٢٠ شخصا عام 2011", 2.0) == "مقتل ٤٠ شخصا عام 2011"
    assert sc.change_figures("11,300 people died", 0.5) == "5650 people died"
    assert not sc.has_figure("في عام 2018") and sc.has_figure("منذ ٦ أشهر")
    rng = __import__("random").Random(0)
    swapped = sc.swap_name("هدوء الاشتباكات في طرابلس", rng)
    assert swapped and "طرابلس" not in swapped and swapped.startswith("هدوء الاشتباكات في ")
    assert sc.swap_name("لا اسم هنا", rng) is None


def test_the_same_seed_gives_the_same_archive() -> None:
    one = sc.build_corpus(FAMILIES, 300, seed=5)
    two = sc.build_corpus(FAMILIES, 300, seed=5)
    other = sc.build_corpus(FAMILIES, 300, seed=6)
    assert (one.claims, one.sources, one.newcomers, one.articles) == (two.claims, two.sources, two.newcomers,
                                                                      two.articles)  # fmt: skip
    assert one.claims != other.claims


def test_newcomers_and_articles_are_held_out() -> None:
    corpus = sc.build_corpus(FAMILIES, 200, seed=3, newcomers=10, articles=4)
    archived = {c.text for c in corpus.claims}
    facts = {c.fact for c in corpus.claims}
    assert len(corpus.newcomers) == 10
    assert not archived & {c.text for c in corpus.newcomers}
    assert sum(c.fact in facts for c in corpus.newcomers) == 5  # half restate an archived fact
    for claim in corpus.newcomers:
        assert corpus.newcomer_sources[claim.source].text == claim.text
    assert len(corpus.articles) == 4
    for article in corpus.articles:
        assert 2 <= len(article.sentences) <= 4
        assert all(sc.has_figure(s) for s in article.sentences)
        assert not archived & set(article.sentences)


@pytest.mark.skipif(not (BENCH / "ans").is_dir(), reason=f"no ANS / STS benchmark at {BENCH}")
def test_the_benchmark_families() -> None:
    families = sc.read_families(BENCH)
    assert len(families) > 2000
    assert {sc.language_of(s) for f in families for s in f.sentences} == {"ar", "en"}
    assert any(f.contradictions for f in families)
    corpus = sc.build_corpus(families, 1000, seed=0)
    assert set(Counter(c.fact for c in corpus.claims).values()) <= set(range(2, 7))
    assert Counter(c.role for c in corpus.claims)[sc.CONTRADICTION] > 0


def test_claims_whose_article_would_repeat_an_earlier_one_word_for_word_stand_alone() -> None:
    import random
    from datetime import UTC, datetime

    noon = datetime(2026, 3, 2, 12, tzinfo=UTC)

    def draft(text: str, fact: int, minutes: int) -> sc._Draft:
        return sc._Draft(text, "en", fact, fact, sc.ORIGINAL, noon + timedelta(minutes=minutes), "outlet")

    # "Rain fell" and "Rain fell." close to one article text ("Rain fell. Wind rose."): two articles
    # of it, seven hours apart (past the window one article's claims share).
    later = 7 * 60
    drafts = [draft("Rain fell", 1, 0), draft("Wind rose", 2, 1)]
    drafts += [draft("Rain fell.", 3, later), draft("Wind rose.", 4, later + 1)]
    claims, sources = sc._place(drafts, random.Random(0), article_share=1.0)
    articles = [s.text for s in sources if s.kind == sc.ARTICLE]
    assert len(articles) == len(set(articles))  # each article is stored once (its text is its key)
    assert len(claims) == len(drafts)
    for claim in claims:
        assert sources[claim.source].text[claim.start : claim.end] == claim.text
