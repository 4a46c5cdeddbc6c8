"""Slots, intervals and statuses: the judgement calls, tested without a database."""

import math
from dataclasses import replace

from newsclaims.matching.rules import (
    AGREEMENT,
    CONTRADICTION,
    SINGLE_SOURCE,
    ClaimSlots,
    cluster_status,
    conflict_reason,
    interval,
    slots_compatible,
    subject_key,
)


def q(value, qualifier="exact", unit="users", kind="count", low=None, high=None, raw=""):
    if low is None and high is None:
        low, high = {
            "exact": (value, value),
            "more_than": (value, None),
            "at_least": (value, None),
            "less_than": (None, value),
            "at_most": (None, value),
            "about": (value * 0.9, value * 1.1),
        }[qualifier]
    return {"value": value, "low": low, "high": high, "qualifier": qualifier, "unit": unit, "kind": kind, "raw": raw}


def claim(id, source, subject="whatsapp", quantity=None, polarity="positive"):
    return ClaimSlots(id=id, source_id=source, subject_key=subject, quantity=quantity, polarity=polarity)


def test_more_than_and_at_least_the_same_figure_overlap():
    assert interval(q(1e8, "more_than")).overlaps(interval(q(1e8, "at_least")))


def test_about_55_million_and_exactly_40_million_do_not_overlap():
    assert not interval(q(55e6, "about")).overlaps(interval(q(40e6)))


def test_an_exact_figure_allows_rounding_slack_but_a_year_does_not():
    assert interval(q(100e6)).overlaps(interval(q(101e6)))
    assert not interval(q(2024, kind="year", unit="year")).overlaps(interval(q(2025, kind="year", unit="year")))


def test_more_than_a_figure_excludes_it_so_a_range_ending_there_cannot_also_hold():
    beyond = interval(q(20_000, "more_than", unit="people"))
    up_to = interval(q(None, "range", unit="people", low=18_000, high=20_000))
    assert not beyond.overlaps(up_to) and not up_to.overlaps(beyond)
    assert interval(q(20_000, "at_least", unit="people")).overlaps(up_to)
    assert not interval(q(18_000, "less_than", unit="people")).overlaps(up_to)
    assert str(beyond).startswith("(20,000")


def test_more_than_a_figure_still_agrees_with_that_figure_as_reported_with_rounding_slack():
    assert interval(q(5_000, "more_than")).overlaps(interval(q(5_000)))
    assert interval(q(5_000, "more_than")).overlaps(interval(q(5_300)))


def test_a_vague_amount_gets_rounding_slack_at_its_edges_but_not_beyond():
    thousands = interval(q(None, "range", unit="people", low=1_000, high=9_999, raw="thousands of people"))
    assert thousands.overlaps(interval(q(10_000, "at_least", unit="people", raw="at least 10,000")))
    assert not thousands.overlaps(interval(q(170, "about", unit="people", raw="about 170")))
    written_out = interval(q(None, "range", unit="people", low=1_000, high=9_999, raw="1,000 to 9,999"))
    assert not written_out.overlaps(interval(q(10_000, "at_least", unit="people", raw="at least 10,000")))


def test_unbounded_sides_are_infinite():
    span = interval(q(1e8, "more_than"))
    assert span.low == 1e8 and math.isinf(span.high)


def test_different_subjects_are_never_compatible_however_similar_the_numbers():
    assert not slots_compatible(claim(1, 1, "whatsapp", q(1e8)), claim(2, 2, "telegram", q(1e8)))


def test_users_and_messages_are_different_facts():
    assert not slots_compatible(
        claim(1, 1, quantity=q(1e8, unit="users")), claim(2, 2, quantity=q(1e8, unit="messages"))
    )


def test_a_missing_subject_is_no_evidence_against():
    assert slots_compatible(claim(1, 1, None, q(1e8)), claim(2, 2, "whatsapp", q(1e8, "more_than")))


def test_disjoint_intervals_conflict_with_a_reason_that_names_both():
    reason = conflict_reason(
        claim(1, 1, quantity=q(55e6, "about", raw="نحو 55 مليون")), claim(2, 2, quantity=q(40e6, raw="40 million"))
    )
    assert reason and "نحو 55 مليون" in reason and "40 million" in reason


def test_a_figure_the_other_claim_also_gives_is_no_conflict_with_its_main_figure():
    provinces = replace(
        claim(1, 1, None, q(10, unit=None, raw="10")), text="Prosecutors in the 10 provinces opened special offices"
    )
    warrants = replace(
        claim(2, 2, None, q(29, unit=None, raw="29")),
        text="Diyarbakir, one of the 10 provinces hit, issued 29 warrants",
    )
    other = replace(warrants, text="The prosecutor in Diyarbakir issued 29 warrants")
    assert conflict_reason(provinces, warrants, similarity=0.95) is None
    assert conflict_reason(provinces, other, similarity=0.95).startswith("quantity")


def test_times_of_day_never_conflict_for_they_carry_no_time_zone():
    local = replace(claim(1, 1, None, q(257, unit=None, kind="time", raw="4:17am")), text="It struck at 4:17am")
    gmt = replace(claim(2, 2, None, q(77, unit=None, kind="time", raw="01:17 GMT")), text="It struck at 01:17 GMT")
    assert conflict_reason(local, gmt, similarity=0.99) is None


def test_opposite_polarity_conflicts():
    assert conflict_reason(claim(1, 1), claim(2, 2, polarity="negative"), similarity=0.9).startswith("polarity")


def test_opposite_polarity_between_merely_related_claims_is_no_conflict():
    assert conflict_reason(claim(1, 1), claim(2, 2, polarity="negative"), similarity=0.5) is None


def test_one_source_is_single_source_even_with_two_languages():
    assert cluster_status([claim(1, 7), claim(2, 7)]).status == SINGLE_SOURCE


def test_two_sources_that_concur_agree():
    result = cluster_status([claim(1, 1, quantity=q(1e8, "more_than")), claim(2, 2, quantity=q(1e8, "at_least"))])
    assert result.status == AGREEMENT and result.conflicts == []


def test_two_sources_with_incompatible_figures_contradict_and_store_the_pair():
    result = cluster_status([claim(1, 1, quantity=q(55e6, "about")), claim(2, 2, quantity=q(40e6))])
    assert result.status == CONTRADICTION
    assert result.conflicts[0]["claims"] == [1, 2]


def test_a_source_contradicting_itself_is_not_a_cross_source_contradiction():
    result = cluster_status([claim(1, 1, quantity=q(55e6, "about")), claim(2, 1, quantity=q(40e6)), claim(3, 2)])
    assert result.status == AGREEMENT


def dated(id, source, value, day, qualifier="exact"):
    from datetime import date

    return ClaimSlots(id=id, source_id=source, subject_key="x", quantity=q(value, qualifier), as_of=date(2026, 1, day))


def test_figures_months_apart_are_a_timeline_not_a_contradiction():
    from datetime import date

    a = ClaimSlots(1, 1, "x", q(50e6), as_of=date(2025, 1, 1))
    b = ClaimSlots(2, 2, "x", q(80e6), as_of=date(2026, 1, 1))
    assert conflict_reason(a, b) is None
    assert cluster_status([a, b]).status == AGREEMENT


def test_figures_from_one_day_that_disagree_contradict_and_name_their_dates():
    reason = conflict_reason(dated(1, 1, 50e6, 1), dated(2, 2, 80e6, 2))
    assert reason and "2026-01-01" in reason and "2026-01-02" in reason


def test_a_toll_that_rose_over_days_is_a_timeline():
    assert conflict_reason(dated(1, 1, 371, 6), dated(2, 2, 1414, 12)) is None
    # unless the window says otherwise
    assert conflict_reason(dated(1, 1, 371, 6), dated(2, 2, 1414, 12), max_days=31) is not None


def test_a_magnitude_reported_days_apart_is_one_moment_but_a_toll_is_a_timeline():
    from datetime import date

    def report(k: int, text: str, value: float, day: int) -> ClaimSlots:
        quantity = {"value": value, "qualifier": "exact", "kind": "count", "raw": str(value)}
        return ClaimSlots(id=k, source_id=k, subject_key="x", quantity=quantity, text=text, as_of=date(2026, 3, day))

    monday = report(1, "The tremor had a magnitude of 6.4, the observatory said", 6.4, 2)
    thursday = report(2, "The agency later put the quake's magnitude at 6.2", 6.2, 5)
    # a quake's magnitude does not move with the days: two figures for it disagree
    assert "do not overlap" in conflict_reason(monday, thursday, similarity=0.9)
    # the same figure restated is no conflict
    assert conflict_reason(monday, report(3, "a magnitude 6.4 quake", 6.4, 5), similarity=0.9) is None
    # a toll that rose between the same days is a timeline
    toll_monday = report(4, "The quake killed 120 people", 120, 2)
    toll_thursday = report(5, "The quake has killed 480 people", 480, 5)
    assert conflict_reason(toll_monday, toll_thursday, similarity=0.9) is None
    # and the same reservoir's capacity given on two days is one fact
    capacity = report(6, "The reservoir has a capacity of 18 million cubic metres", 18e6, 2)
    smaller = report(7, "its capacity was 1.5 million cubic metres", 1.5e6, 9)
    assert conflict_reason(capacity, smaller, similarity=0.9) is not None


def test_years_that_are_the_fact_conflict_whatever_the_publication_dates():
    from datetime import date

    a = ClaimSlots(1, 1, "x", q(2024, kind="year", unit="year"), as_of=date(2020, 1, 1))
    b = ClaimSlots(2, 2, "x", q(2025, kind="year", unit="year"), as_of=date(2026, 1, 1))
    assert conflict_reason(a, b) is not None


def test_the_timeline_orders_figures_by_date_and_leaves_undated_ones_last():
    from newsclaims.matching.rules import timeline

    points = timeline([dated(3, 1, 70e6, 20), ClaimSlots(4, 2, "x", q(60e6)), dated(5, 3, 50e6, 2)])
    assert [p["claim"] for p in points] == [5, 3, 4]


def test_agreement_needs_two_independent_voices():
    members = [claim(1, 1, quantity=q(1e8)), claim(2, 2, quantity=q(1e8))]
    assert cluster_status(members, voice_of={1: 1, 2: 1}).status == SINGLE_SOURCE
    assert cluster_status(members, voice_of={1: 1, 2: 2}).status == AGREEMENT


def test_the_stance_model_can_flag_a_contradiction_between_statements():
    members = [replace(claim(1, 1), standalone=True), replace(claim(2, 2), standalone=True)]
    result = cluster_status(members, similarity=lambda a, b: 0.9, stance=lambda a, b: ("disagree", 0.9))
    assert result.status == CONTRADICTION and "stance" in result.reason


def test_between_article_clauses_opposite_statements_need_polarity_and_stance_to_agree():
    same, opposite = [claim(1, 1), claim(2, 2)], [claim(1, 1), claim(2, 2, polarity="negative")]
    disagree, agree = (lambda a, b: ("disagree", 0.9)), (lambda a, b: ("agree", 0.9))
    assert cluster_status(same, similarity=lambda a, b: 0.9, stance=disagree).status == AGREEMENT
    assert cluster_status(opposite, similarity=lambda a, b: 0.9, stance=agree).status == AGREEMENT
    result = cluster_status(opposite, similarity=lambda a, b: 0.9, stance=disagree)
    assert result.status == CONTRADICTION and "polarity" in result.reason and "stance" in result.reason
    # and only on a pair the pair model is sure of
    assert cluster_status(opposite, similarity=lambda a, b: 0.4, stance=disagree, paraphrase=0.15).status == AGREEMENT


def test_one_text_never_contradicts_itself():
    members = [replace(claim(k, k), text="و3 سنغاليين", standalone=True) for k in (1, 2)]
    result = cluster_status(members, similarity=lambda a, b: 1.0, stance=lambda a, b: ("disagree", 0.93))
    assert result.status == AGREEMENT


def test_a_figure_conflicts_only_with_a_clause_that_matches_it_as_the_same_fact():
    members = [claim(1, 1, quantity=q(12, unit="people")), claim(2, 2, quantity=q(173_000))]
    assert cluster_status(members, similarity=lambda a, b: 0.05, paraphrase=0.15).status == AGREEMENT
    assert cluster_status(members, similarity=lambda a, b: 0.5, paraphrase=0.15).status == CONTRADICTION


def test_a_time_of_day_is_not_compared_with_a_depth():
    time_of_day = claim(1, 1, quantity=q(4.17, unit=None))
    depth = claim(2, 2, quantity=q(17.9, unit="km", kind="dimension"))
    assert cluster_status([time_of_day, depth], similarity=lambda a, b: 0.9).status == AGREEMENT


def test_the_stance_model_is_not_asked_about_merely_related_claims():
    members = [claim(1, 1), claim(2, 2)]
    result = cluster_status(members, similarity=lambda a, b: 0.6, stance=lambda a, b: ("disagree", 0.9))
    assert result.status == AGREEMENT


def test_the_stance_model_must_be_surer_about_article_clauses_than_about_statements():
    clauses = [claim(1, 1), claim(2, 2)]
    statements = [replace(c, standalone=True) for c in clauses]
    judge = lambda a, b: ("disagree", 0.8)  # noqa: E731
    assert cluster_status(clauses, similarity=lambda a, b: 0.95, stance=judge).status == AGREEMENT
    assert cluster_status(statements, similarity=lambda a, b: 0.95, stance=judge).status == CONTRADICTION


def test_agreeing_figures_do_not_shield_two_statements_from_the_stance_model():
    """ "Backs away from the plan to deport tens of thousands" / "approves the plan to deport tens
    of thousands": same figure, opposite events. Clauses with the same figures still need 0.9."""
    figures = [claim(1, 1, quantity=q(1e8, "more_than")), claim(2, 2, quantity=q(1e8, "at_least"))]
    statements = [replace(c, standalone=True) for c in figures]
    judge = lambda a, b: ("disagree", 0.8)  # noqa: E731
    assert cluster_status(statements, similarity=lambda a, b: 0.95, stance=judge).status == CONTRADICTION
    assert cluster_status(figures, similarity=lambda a, b: 0.95, stance=judge).status == AGREEMENT


def test_two_different_years_are_not_the_same_figure_though_close_as_numbers():
    from newsclaims.matching.rules import same_figure

    year = {"kind": "year", "unit": "year"}
    assert not same_figure(claim(1, 1, "x", q(2013, **year)), claim(2, 2, "x", q(2022, **year)))
    assert same_figure(claim(1, 1, "x", q(2022, **year)), claim(2, 2, "x", q(2022, **year)))


def test_figures_of_one_subject_and_unit_within_half_again_are_the_same_figure():
    from newsclaims.matching.rules import same_figure

    assert same_figure(claim(1, 1, quantity=q(100e6, "more_than")), claim(2, 2, quantity=q(120e6)))
    assert not same_figure(claim(1, 1, quantity=q(100e6)), claim(2, 2, quantity=q(20e6)))


def clause(id, source, subject=None, quantity=None):
    return ClaimSlots(id=id, source_id=source, subject_key=subject, quantity=quantity, standalone=False)


def statement(id, source, subject=None, quantity=None):
    return ClaimSlots(id=id, source_id=source, subject_key=subject, quantity=quantity, standalone=True)


def test_a_guessed_subject_does_not_keep_two_clauses_apart():
    # "~trng" is the consonant skeleton of whatever word opened the clause ("Trying ...")
    assert slots_compatible(clause(1, 1, "~trng", q(300.0)), clause(2, 2, "~drn", q(300.0)))
    assert not slots_compatible(statement(1, 1, "~trng", q(300.0)), statement(2, 2, "~drn", q(300.0)))


def test_two_known_subjects_keep_clauses_apart():
    assert not slots_compatible(clause(1, 1, "whatsapp", q(1e8)), clause(2, 2, "telegram", q(1e8)))


def test_people_persons_and_the_dead_are_one_unit_between_clauses():
    assert slots_compatible(clause(1, 1, quantity=q(300, unit="people")), clause(2, 2, quantity=q(300, unit="deaths")))
    assert not slots_compatible(
        clause(1, 1, quantity=q(300, unit="people")), clause(2, 2, quantity=q(300, unit="messages"))
    )


def test_what_a_figure_counts_is_read_before_the_next_figure_of_its_clause():
    # "buildings" counts the second figure ("thousands of buildings"), not the contractors
    held = "Police detained about 12 contractors after thousands of buildings fell"
    arrests = replace(clause(1, 1, quantity=q(12, unit=None)), text=held)
    collapsed = replace(clause(2, 2, quantity=q(6000, unit=None)), text="At least 6,000 buildings collapsed")
    assert not slots_compatible(arrests, collapsed)
    more = replace(clause(3, 3, quantity=q(14, unit=None)), text="Police detained 14 contractors on Friday")
    assert slots_compatible(arrests, more)
    arabic_text = "أوقفت السلطات نحو 12 مقاولا بعد انهيار آلاف المباني"
    arabic = replace(clause(4, 4, quantity=q(12, unit=None)), text=arabic_text)
    assert not slots_compatible(arabic, collapsed)


def test_a_toll_dated_years_before_is_another_events_and_stays_apart():
    from datetime import date

    def dated_clause(k: int, text: str, value: float, as_of: date) -> ClaimSlots:
        return replace(clause(k, k, quantity=q(value, unit=None)), text=text, as_of=as_of)

    now = dated_clause(1, "The flood has killed more than 4,000 people", 4000, date(2026, 5, 3))
    later = dated_clause(2, "The death toll from the flood rose to 6,100", 6100, date(2026, 5, 20))
    recalled = dated_clause(3, "In 2009 a flood in the same valley killed 5,000", 5000, date(2009, 1, 1))
    # the toll moving over weeks is one event's timeline
    assert slots_compatible(now, later)
    # a toll of years before, recalled in the report, is another event's
    assert not slots_compatible(now, recalled)
    # what does not belong to one event may move over years: a figure of users is a timeline
    users_then = dated_clause(4, "The app had 80,000 users in 2021", 8e4, date(2021, 1, 1))
    users_now = dated_clause(5, "The app now has 100,000 users", 1e5, date(2026, 5, 3))
    assert slots_compatible(users_then, users_now)


def test_a_unit_vetoes_only_when_no_figure_of_either_clause_counts_the_same_thing():
    # The main figure here counts countries; its other figure counts the dead, as the other clause's does.
    tally = replace(
        clause(1, 1, quantity=q(12, unit="countries")), text="Some 12 countries have reported 2,040 deaths so far"
    )
    pilgrims = replace(clause(2, 2, quantity=q(2100, unit="pilgrims")), text="More than 2,100 pilgrims have died")
    messages = replace(clause(3, 3, quantity=q(2100, unit="messages")), text="It deleted 2,100 messages")
    assert slots_compatible(tally, pilgrims)
    assert not slots_compatible(pilgrims, messages)


def test_clauses_whose_figures_count_different_things_or_places_never_merge():
    dead = replace(clause(1, 1, quantity=q(300, unit="people")), text="The flood killed 300 people in Libya")
    missing = replace(clause(2, 2, quantity=q(300, unit="people")), text="and another 300 were reported missing")
    elsewhere = replace(clause(3, 3, quantity=q(300, unit="people")), text="In Egypt 300 people died")
    assert not slots_compatible(dead, missing)
    assert not slots_compatible(dead, elsewhere)
    assert slots_compatible(dead, replace(clause(4, 4, quantity=q(310)), text="قتل 310 أشخاص في ليبيا"))


def test_a_figure_given_to_a_tenth_is_read_to_that_precision() -> None:
    from newsclaims.matching.rules import interval

    first, second = (interval({"value": v, "qualifier": "exact", "kind": "count"}) for v in (6.1, 6.2))
    assert not first.overlaps(second)  # two magnitudes a tenth apart are two readings
    rounded = interval({"value": 38.0, "qualifier": "exact", "kind": "count"})
    assert rounded.overlaps(interval({"value": 37.8, "qualifier": "exact", "kind": "count"}))


def test_a_sum_given_in_a_second_currency_is_compared_too() -> None:
    from newsclaims.matching.rules import ClaimSlots, conflict_reason

    def clause(k: int, text: str, value: float, unit: str) -> ClaimSlots:
        return ClaimSlots(id=k, source_id=k, quantity={"value": value, "unit": unit, "kind": "money"}, text=text)

    both = clause(1, "A court fined the firm 50 million roubles ($650,000) for the breach", 50e6, "RUB")
    dollars = clause(2, "The firm was fined $71,000 for the breach", 71e3, "USD")
    same = clause(3, "The firm was fined $650,000 for the breach", 65e4, "USD")
    assert "$71,000" in conflict_reason(both, dollars, similarity=0.9)
    assert conflict_reason(both, same, similarity=0.9) is None
    assert conflict_reason(both, dollars, similarity=0.1) is None  # not matched as one fact: no verdict


def test_figures_that_count_one_thing_in_one_place_conflict_however_the_wording_scored() -> None:
    from newsclaims.matching.rules import ClaimSlots, conflict_reason

    def clause(k: int, text: str, value: float, qualifier: str = "exact") -> ClaimSlots:
        quantity = {"value": value, "qualifier": qualifier, "unit": "people", "kind": "count", "raw": f"{value:,.0f}"}
        return ClaimSlots(id=k, source_id=k, quantity=quantity, text=text)

    residents = clause(1, "The town of Marsa has 60,000 inhabitants, officials say", 60e3)
    fewer = clause(2, "Before the storm, Marsa, a port on the coast, had about 30,000 inhabitants", 30e3, "about")
    killed = clause(3, "Marsa's hospital said 30,000 people were killed in the storm", 30e3)
    vague = replace(fewer, quantity={**fewer.quantity, "raw": "tens of thousands of inhabitants"})
    # the wording scored low (0.05), but both figures count inhabitants, in no other place: one quantity
    assert "do not overlap" in conflict_reason(residents, fewer, similarity=0.05)
    # what a figure counts differs: not one quantity, so a low score leaves it without a verdict
    assert conflict_reason(residents, killed, similarity=0.05) is None
    # nor is a figure given only in words ("tens of thousands"), or one whose counted unit is unknown
    assert conflict_reason(residents, vague, similarity=0.05) is None
    unitless = replace(fewer, quantity={**fewer.quantity, "unit": None})
    assert conflict_reason(residents, unitless, similarity=0.05) is None


def test_a_temperature_in_bare_degrees_and_one_in_celsius_may_be_one_fact():
    bare = replace(clause(1, 1, quantity=q(44, unit=None)), text="وفي المدينة سجلت 44 درجة")
    celsius = replace(
        clause(2, 2, quantity=q(43.8, unit=None)), text="Temperatures in the city hit 43.8 degrees Celsius"
    )
    quake = replace(clause(3, 3, quantity=q(6.4, unit=None)), text="ضرب زلزال بقوة 6.4 درجات")
    assert slots_compatible(bare, celsius)
    assert not slots_compatible(quake, celsius)  # a magnitude is not a temperature


def test_an_amount_in_words_gives_no_figure_conflict_between_clauses() -> None:
    def clause_with(k: int, text: str, value: float, raw: str, qualifier: str = "exact") -> ClaimSlots:
        low, high = (value * 0.9, value * 1.1) if qualifier == "about" else (value, value)
        quantity = {"value": value, "low": low, "high": high, "qualifier": qualifier, "unit": "people",
                    "kind": "count", "raw": raw}  # fmt: skip
        return ClaimSlots(id=k, source_id=k, quantity=quantity, text=text, standalone=False)

    elsewhere = clause_with(
        1, "The storm also killed about 170 people elsewhere in the country", 170, "about 170", "about"
    )
    thousands = clause_with(2, "Thousands of people were killed in the port city", 3000, "thousands")
    hundreds = clause_with(3, "The storm killed 900 people elsewhere in the country", 900, "900")
    # matched as one fact (0.9), yet "thousands" says too little about which count it is
    assert conflict_reason(elsewhere, thousands, similarity=0.9) is None
    assert "do not overlap" in conflict_reason(elsewhere, hundreds, similarity=0.9)
    # between standalone statements an amount in words is still a figure
    as_statements = [replace(c, standalone=True) for c in (elsewhere, thousands)]
    assert "do not overlap" in conflict_reason(*as_statements, similarity=0.9)


def test_a_country_named_as_a_subject_is_a_place_not_whose_fact_it_is():
    # "Turkey declares mourning" and "Erdogan declares mourning" may be one statement: a country
    # named as the subject does not keep them apart; the entity the text names decides.
    assert subject_key("تركيا", "تركيا تعلن الحداد ثلاثة أيام", None) is None
    assert subject_key("Libya", "Libya closes its border with Egypt", None) is None
    assert subject_key("تركيا", "تركيا تحظر واتساب", None) == "whatsapp"
    # an organisation named after its country keeps its own key
    assert subject_key("Egyptian Red Crescent", "The Egyptian Red Crescent sent 20 trucks", None) is not None


def test_a_hedge_or_an_adverb_opening_a_statement_is_no_subject_to_keep_it_apart():
    from newsclaims.text.extraction import extract_claims

    texts = ("Almost 3,700 deaths have been confirmed in the region.", "Nearly 3,700 people have died in the region.")
    statements = []
    for k, text in enumerate(texts, start=1):
        (c,) = extract_claims(text)
        key = subject_key(c.subject, text, c.claimant)
        statements.append(
            ClaimSlots(id=k, source_id=k, subject_key=key, quantity=q(3700, unit="people"), standalone=True)
        )
    assert slots_compatible(*statements)
    assert subject_key("Regrettably", "Regrettably, the toll reached 1,301.", None) is None
    # a name that opens the sentence stays its subject, one ending in -ly too
    assert subject_key("Telegram", "Telegram has 900 million users.", None) == "telegram"
    assert subject_key("Donnelly", "Donnelly said 300 people died.", None) is not None
