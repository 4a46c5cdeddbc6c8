"""The clause pair features: evidence that two clauses of news state one fact, in any language."""

from newsclaims.matching.pairfeatures import (
    FEATURES,
    TEXT_FEATURES,
    clause_text,
    clause_text_of,
    metrics_of,
    name_skeletons,
    number_features,
    pair_vector,
    text_row,
)
from newsclaims.matching.pairscore import shares_content, word_features
from newsclaims.text.entities import countries_of
from newsclaims.text.quantities import find_quantities, quantities_in


def figures(text):
    return [q.to_dict() for q in find_quantities(text)]


def test_a_death_count_reads_as_dead_in_both_languages_and_apart_from_the_missing():
    assert metrics_of("At least 300 people were killed") == {"dead"}
    assert metrics_of("ارتفعت حصيلة القتلى إلى 300") == {"dead"}
    assert metrics_of("and another 200 were reported missing") == {"missing"}
    assert metrics_of("ما زال 200 في عداد المفقودين") == {"missing"}


def test_countries_are_read_from_names_and_demonyms_with_arabic_clitics():
    assert countries_of("40 Ghanaian traders") == set()  # not in the table: no guess
    assert countries_of("At least 12 Egyptian fishermen drowned off Greece") == {"egypt", "greece"}
    assert countries_of("وغرق 12 صيادا مصريًا") == {"egypt"}
    assert countries_of("وقالت السلطات في تركيا") == {"turkey"}


def test_a_name_matches_across_scripts_by_its_consonant_skeleton():
    assert name_skeletons("Floods hit Benghazi on Sunday") & name_skeletons("فيضانات في بنغازي")


def test_a_figure_shared_across_languages_is_one_value():
    both, share, _, disjoint = number_features(figures("4,250 people died"), figures("لقي 4250 شخصا حتفهم"))
    assert (both, share, disjoint) == (1.0, 1.0, 0.0)


def test_every_figure_is_compared_not_only_the_first():
    # the conversion in brackets is the one to compare with the other claim's dollars
    fine = figures("a fine of 9 million roubles ($120,000)")
    _, share, _, disjoint = number_features(fine, figures("fined $120,000"))
    assert share == 1.0 and disjoint == 0.0
    _, share, _, disjoint = number_features(fine, figures("fined $15,500"))
    assert share == 0.0 and disjoint == 1.0


def test_hedged_figures_that_overlap_are_not_disjoint():
    *_, disjoint = number_features(figures("more than 5,000 injured"), figures("5,383 injured"))
    assert disjoint == 0.0


def test_a_pair_vector_has_one_value_per_feature_and_no_word_evidence_across_languages():
    row = pair_vector(
        [0.8, 0.7], [0.1, 0.1], "en", "ar", "300 killed in the quake", "مقتل 300 في الزلزال",
        figures("300 killed"), figures("مقتل 300"), False, (0.1, 0.05),
    )  # fmt: skip
    assert len(row) == len(FEATURES)
    named = dict(zip(FEATURES, row, strict=True))
    assert named["same_lang"] == 0.0 and named["stem_jaccard"] == 0.0
    assert named["share_value"] == 1.0 and named["same_metric"] == 1.0
    assert (named["margin_min"], named["margin_max"]) == (0.05, 0.1)


def test_margins_are_clipped():
    row = pair_vector([0.9, 0.9], [0, 0], "en", "en", "a", "b", [], [], False, (2.0, -2.0))
    named = dict(zip(FEATURES, row, strict=True))
    assert (named["margin_min"], named["margin_max"]) == (-0.3, 0.3)


def test_what_a_figure_counts_and_where_is_read_next_to_it():
    from newsclaims.text.figures import figure_context

    clause = "وفي سوريا قتل 237 شخصا على الأقل نتيجة الزلزال الذي يقع مركزه في جنوب شرق تركيا"
    assert figure_context(clause) == ({"dead"}, {"syria"})
    assert figure_context("and another 10,100 were reported missing") == ({"missing"}, set())
    assert figure_context("The quake struck the south of the country") == (set(), set())


def test_a_figures_breakdown_is_not_its_scope() -> None:
    from newsclaims.text.figures import counted_context, figure_context

    # Who makes up a total is not where it was counted: the world's toll stays unscoped.
    assert figure_context("The tally put the toll at 2,210, more than half of them from Morocco") == ({"dead"}, set())
    assert figure_context("Officials reported 917 deaths in all, including 410 Moroccans") == ({"dead"}, set())
    assert counted_context("ارتفع عدد القتلى إلى 870 معظمهم من المغرب")[1] == set()
    # A scope named before the breakdown still counts.
    assert figure_context("At least 870 people died in Morocco, most of them in the mountains")[1] == {"morocco"}


def test_a_forecast_figure_is_told_from_a_reported_one() -> None:
    from newsclaims.text.figures import is_projection

    assert is_projection("The toll in the province could reach 9,000, the governor warned")
    assert is_projection("توقع المحافظ ارتفاع عدد القتلى في المدينة إلى أكثر من 9 آلاف")
    assert not is_projection("The governor said 4,200 people have died in the province")
    assert not is_projection("and 3,000 or more people may be missing")
    assert is_projection("It can reach 8,000 to 9,000 deaths in the valley, the governor said")
    assert is_projection("Officials said the number may rise to 500")


def test_a_forecast_and_a_reported_count_are_never_one_fact() -> None:
    from newsclaims.matching.rules import ClaimSlots, slots_compatible

    def clause(k: int, text: str, value: float) -> ClaimSlots:
        return ClaimSlots(id=k, source_id=k, quantity={"value": value, "kind": "count"}, text=text)

    forecast = clause(1, "The toll in the province could reach 9,000, the governor warned", 9000)
    reported = clause(2, "The governor said 4,200 people have died in the province", 4200)
    another = clause(3, "Officials expect the toll in the province is likely to exceed 8,000", 8000)
    assert not slots_compatible(forecast, reported)
    assert slots_compatible(forecast, another)


def test_a_text_row_given_the_pairs_word_evidence_is_the_row_computed_from_the_texts():
    first, second = "The flood killed 4,250 people in the city", "Floods killed 4,250 people, officials said"
    a, b = clause_text(first, "en", figures(first)), clause_text(second, "en", figures(second))
    words = (word_features(a.evidence, b.evidence), float(shares_content(a.evidence, b.evidence)))
    assert text_row(a, b, words) == text_row(a, b)


def test_the_figures_of_a_text_are_read_once_and_shared():
    assert quantities_in("4,250 people died") is quantities_in("4,250 people died")
    assert list(quantities_in("4,250 people died")) == find_quantities("4,250 people died")


def test_a_clause_text_kept_for_the_process_is_the_one_computed_from_the_text():
    text, own = "In Libya, the flood killed 4,250 people in Derna", "the flood killed 4,250 people in Derna"
    kept = clause_text_of(text, "en", own)
    assert kept == clause_text(text, "en", figures(text), own)
    assert clause_text_of(text, "en", own) is kept
    assert clause_text_of(text, "en", text) != kept  # the clause's own words are part of what is kept


def _features(text_a, text_b, own_a=None, own_b=None, language="en"):
    a = clause_text(text_a, language, figures(text_a), own_a)
    b = clause_text(text_b, language, figures(text_b), own_b)
    return dict(zip([f for f in FEATURES if f in TEXT_FEATURES], text_row(a, b), strict=True))


def test_one_countrys_toll_against_a_toll_of_it_and_another_is_a_partial_scope():
    named = _features("In Greece, 900 people died in the floods", "In Greece and Germany, 1,400 people died")
    assert named["figure_country_partial"] == 1.0 and named["country_partial"] == 1.0
    same = _features("In Greece, 900 people died in the floods", "Floods killed 1,400 people in Greece")
    assert same["figure_country_partial"] == 0.0 and same["country_partial"] == 0.0


def test_a_place_carried_into_the_matched_text_does_not_change_a_figures_scope():
    # the embedded text carries a guessed subject in ("Germany: ..."); the scope is read from the clause itself
    carried = _features(
        "Germany: and another 1,400 people died in Greece",
        "In Greece, 900 people died in the floods",
        own_a="and another 1,400 people died in Greece",
    )
    assert carried["country_partial"] == 0.0 and carried["figure_country_partial"] == 0.0
    guessed = _features("Germany: and another 1,400 people died in Greece", "In Greece, 900 people died in the floods")
    assert guessed["country_partial"] == 1.0


def test_degrees_alone_name_neither_a_magnitude_nor_a_temperature():
    from newsclaims.text.figures import figure_context

    assert metrics_of("سجلت 44 درجة في المدينة") == set()
    assert metrics_of("the mercury reached 44 degrees") == set()
    assert metrics_of("ضرب زلزال بقوة 6.4 درجات") == {"magnitude"}
    assert metrics_of("44 degrees Celsius") == {"temperature"}
    assert figure_context("بلغت الحرارة 44 درجة مئوية")[0] == {"temperature"}


def test_two_tolls_of_one_scope_are_one_quantity_whatever_their_values_and_another_places_is_not():
    later = _features("In Greece, 900 people died in the floods", "The death toll in Greece rose to 1,400")
    assert later["figure_scope_same"] == 1.0 and later["share_value"] == 0.0
    whole = _features("At least 900 people have died in the floods", "The death toll has risen to 1,400")
    assert whole["figure_scope_same"] == 1.0  # no place on either side: the event's whole toll
    elsewhere = _features("In Greece, 900 people died in the floods", "In Germany, 1,400 people died in the floods")
    assert elsewhere["figure_scope_same"] == 0.0
    missing = _features("In Greece, 900 people died in the floods", "In Greece, 1,400 people are still missing")
    assert missing["figure_scope_same"] == 0.0
    no_figure = _features("In Greece, 900 people died in the floods", "People died in the floods in Greece")
    assert no_figure["figure_scope_same"] == 0.0


def test_a_toll_counted_elsewhere_is_not_the_places_own_toll():
    from newsclaims.text.figures import counts_elsewhere

    assert counts_elsewhere("The storm also killed about 170 people elsewhere in the country")
    assert counts_elsewhere("أودت الفيضانات بحياة 170 شخصاً في أماكن أخرى خارج المدينة")
    assert not counts_elsewhere("The storm killed 3,000 people in the city")
    apart = _features("The storm killed 3,000 people", "The storm also killed 170 people elsewhere in the country")
    assert apart["figure_scope_same"] == 0.0
    both = _features("About 170 people died elsewhere", "170 more people were killed outside the city")
    assert both["figure_scope_same"] == 1.0


def test_a_dateline_or_an_outlets_credit_does_not_widen_a_figures_scope():
    from newsclaims.text.figures import without_credit

    assert without_credit("ATHENS (Reuters) – At least 900 people died") == "At least 900 people died"
    assert without_credit("LARISSA, Greece -- The toll rose to 900") == "The toll rose to 900"
    assert without_credit("(Agency) — Floods killed 900 people") == "Floods killed 900 people"
    assert without_credit("وكالة الأخبار - موقع الخليج: وأضافت أن 900 لقوا حتفهم") == "وأضافت أن 900 لقوا حتفهم"
    assert without_credit("The minister said: 900 people died") == "The minister said: 900 people died"
    assert without_credit("وقال الوزير: 900 لقوا حتفهم") == "وقال الوزير: 900 لقوا حتفهم"
    dateline = "SOFIA, Bulgaria (AP) — 900 people died in Greece"
    credited = _features(dateline, "In Greece, 1,400 people died", own_a=dateline)
    assert credited["country_partial"] == 0.0 and credited["figure_scope_same"] == 1.0
