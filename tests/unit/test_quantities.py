"""Unit tests for newsclaims.text.quantities and newsclaims.text.textnorm (pure, no Django)."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsclaims.text.quantities import ABOUT_TOLERANCE, QUALIFIERS, Quantity, find_quantities, parse_number
from newsclaims.text.textnorm import normalize, normalize_with_map

SEEDS = sorted((Path(__file__).resolve().parents[2] / "seeds").glob("*.txt"))


def only(text: str) -> Quantity:
    qs = find_quantities(text)
    assert len(qs) == 1, [q.raw for q in qs]
    return qs[0]


# --- textnorm ----------------------------------------------------------------


def test_normalize_unifies_alef_forms_ya_and_ta_marbuta() -> None:
    assert normalize("أإآٱ ى ة") == "اااا ي ه"


def test_normalize_strips_harakat_and_tatweel_and_converts_digits() -> None:
    assert normalize("حساباً لـأكثر ١٢٣ ۴۵۶ ١٨٫٢") == "حسابا لاكثر 123 456 18.2"


def test_normalized_spans_map_back_to_exact_original_slices() -> None:
    text = "حجب ٧٨ حساباً لـأكثر"
    nt = normalize_with_map(text)
    i = nt.norm.index("78 حسابا")
    s, e = nt.to_original(i, i + len("78 حسابا"))
    assert text[s:e] == "٧٨ حساباً"


# --- the seed figures --------------------------------------------------------


def test_more_than_100_million_users_in_arabic_is_more_than_with_unit_users() -> None:
    q = only("قال متحدث إن محاولة عزل أكثر من 100 مليون مستخدم عن وسائل اتصال")
    assert (q.value, q.low, q.high) == (100_000_000, 100_000_000, None)
    assert q.qualifier == "more_than"
    assert q.unit == "users"
    assert q.kind == "count"
    assert q.raw == "أكثر من 100 مليون مستخدم"


def test_at_least_100_million_users_in_arabic_is_at_least() -> None:
    q = only("يمتلك واتساب ما لا يقل عن 100 مليون مستخدم في روسيا")
    assert q.qualifier == "at_least"
    assert q.unit == "users"
    assert (q.low, q.high) == (100_000_000, None)


def test_hedge_with_lam_prefix_is_recognised_and_left_out_of_the_span() -> None:
    text = "الخاصة والآمنة لأكثر من 100 مليون مستخدم تعد خطوة"
    q = only(text)
    assert q.qualifier == "more_than"
    assert q.raw == "أكثر من 100 مليون مستخدم"
    assert text[q.start : q.end] == q.raw


def test_more_than_100_million_russian_users_in_english_prefers_head_noun_users() -> None:
    q = only("Russia is trying to block it from more than 100 million Russian users.")
    assert q.qualifier == "more_than"
    assert q.value == 100_000_000
    assert q.unit == "users"


def test_telegram_60_million_russians_has_unit_russians() -> None:
    q = only("تطبيق تيليجرام، الذي يستخدمه أكثر من 60 مليون روسي يوميًا")
    assert (q.value, q.qualifier, q.unit) == (60_000_000, "more_than", "russians")


def test_max_about_55_million_users_is_about_with_ten_percent_interval() -> None:
    q = only("حيث يبلغ عدد مستخدميه نحو 55 مليون مستخدم داخل روسيا")
    assert q.qualifier == "about"
    assert q.unit == "users"
    assert q.low == pytest.approx(55e6 * (1 - ABOUT_TOLERANCE))
    assert q.high == pytest.approx(55e6 * (1 + ABOUT_TOLERANCE))


def test_every_quantity_span_in_the_seeds_is_an_exact_slice() -> None:
    for path in SEEDS:
        text = path.read_text(encoding="utf-8")
        for q in find_quantities(text):
            assert text[q.start : q.end] == q.raw
            assert q.qualifier in QUALIFIERS


# --- digits, separators, decimals ---------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("١٠٠", 100),
        ("۱۲۳", 123),
        ("1,000", 1000),
        ("١٬٠٠٠", 1000),
        ("18.2", 18.2),
        ("١٨٫٢", 18.2),
        ("2.5 مليار", 2.5e9),
        ("3 آلاف", 3000),
        ("1.5 billion", 1.5e9),
        ("10k", 10_000),
        ("100m", 100e6),
    ],
)
def test_digits_in_both_scripts_with_separators_decimals_and_scales(text: str, value: float) -> None:
    assert parse_number(text) == pytest.approx(value)


def test_eastern_arabic_digits_keep_original_offsets() -> None:
    text = "حجب ٧٨ حساباً مرتبطاً"
    q = only(text)
    assert q.value == 78
    assert q.unit == "accounts"
    assert text[q.start : q.end] == "٧٨ حساباً"


# --- number words -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("منذ أربع سنوات", 4, "years"),
        ("قبل ثماني سنوات", 8, "years"),
        ("لمدة ثلاث سنوات", 3, "years"),
        ("أكثر من مائة تهديد عنيف", 100, "threats"),
        ("خمسة وعشرون شخصا", 25, "people"),
        ("ثلاثة آلاف مستخدم", 3000, "users"),
        ("twelve languages", 12, "languages"),
        ("a dozen accounts", 12, "accounts"),
        ("two hundred thousand users", 200_000, "users"),
        ("على مدار عامين", 2, "years"),
    ],
)
def test_number_words_in_arabic_and_english(text: str, value: float, unit: str) -> None:
    q = only(text)
    assert q.value == value
    assert q.unit == unit


def test_durations_are_kind_duration() -> None:
    assert only("لمدة ثلاث سنوات").kind == "duration"
    assert only("لأكثر من 24 ساعة").kind == "duration"


def test_lone_one_without_a_counted_noun_is_not_a_quantity() -> None:
    assert find_quantities("في وقت واحد") == []
    assert find_quantities("one of the largest platforms") == []
    assert find_quantities("على أحد مواقع الشبكة") == []


# --- hedges -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "qualifier"),
    [
        ("more than 100 users", "more_than"),
        ("over 100 users", "more_than"),
        ("at least 100 users", "at_least"),
        ("about 100 users", "about"),
        ("around 100 users", "about"),
        ("nearly 100 users", "about"),
        ("roughly 100 users", "about"),
        ("approximately 100 users", "about"),
        ("less than 100 users", "less_than"),
        ("fewer than 100 users", "less_than"),
        ("under 100 users", "less_than"),
        ("at most 100 users", "at_most"),
        ("up to 100 users", "at_most"),
        ("حوالي 100 مستخدم", "about"),
        ("قرابة 100 مستخدم", "about"),
        ("100 مستخدم تقريبا", "about"),
        ("ما يزيد على 100 مستخدم", "more_than"),
        ("ما يزيد عن 100 مستخدم", "more_than"),
        ("أقل من 100 مستخدم", "less_than"),
        ("لا يزيد عن 100 مستخدم", "at_most"),
        ("100 users or more", "at_least"),
    ],
)
def test_english_and_arabic_hedges(text: str, qualifier: str) -> None:
    q = only(text)
    assert q.qualifier == qualifier
    assert q.value == 100


def test_hedge_intervals_follow_the_documented_semantics() -> None:
    assert (only("less than 100 users").low, only("less than 100 users").high) == (None, 100)
    assert (only("at least 100 users").low, only("at least 100 users").high) == (100, None)
    assert (only("100 users").low, only("100 users").high) == (100, 100)


# --- percentages, money, ranges, vague amounts ------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [("50%", 50), ("١٨٫٢٪", 18.2), ("30 في المئة", 30), ("30 بالمئة", 30), ("12 percent", 12)],
)
def test_percentages(text: str, value: float) -> None:
    q = only(text)
    assert q.kind == "percent"
    assert q.unit == "percent"
    assert q.value == pytest.approx(value)


def test_money_with_symbol_and_arabic_currency_word() -> None:
    assert (only("$5bn").value, only("$5bn").unit, only("$5bn").kind) == (5e9, "USD", "money")
    assert only("10 دولارات").unit == "USD"


def test_year_range_between_2015_and_2021_in_arabic() -> None:
    text = "زار روسيا أكثر من 50 مرة بين عامي 2015 و2021."
    times, years = find_quantities(text)
    assert (times.value, times.qualifier, times.unit) == (50, "more_than", "times")
    assert years.qualifier == "range"
    assert (years.low, years.high, years.value) == (2015, 2021, None)
    assert years.kind == "year"
    assert years.raw == "بين عامي 2015 و2021"


def test_percent_range_70_to_80_percent() -> None:
    q = only("70 to 80 percent")
    assert (q.qualifier, q.low, q.high, q.unit) == ("range", 70, 80, "percent")


def test_scale_is_shared_in_between_2_and_3_million() -> None:
    q = only("between 2 and 3 million users")
    assert (q.low, q.high, q.unit) == (2e6, 3e6, "users")


@pytest.mark.parametrize(
    ("text", "low", "high", "unit"),
    [
        ("مئات الدعوات العامة للعنف", 100, 999, "calls"),
        ("عشرات الآلاف من المشتركين", 10_000, 99_999, "subscribers"),
        ("ملايين المستخدمين", 1e6, 1e7 - 1, "users"),
        ("millions of harmful messages", 1e6, 1e7 - 1, "messages"),
        ("hundreds of accounts", 100, 999, "accounts"),
    ],
)
def test_vague_amounts_are_ranges(text: str, low: float, high: float, unit: str) -> None:
    q = only(text)
    assert q.qualifier == "range"
    assert q.value is None
    assert (q.low, q.high, q.unit) == (low, high, unit)


# --- years and dates ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "raw", "year"),
    [
        ("غادر روسيا في عام 2014 وانتقل", "عام 2014", 2014),
        ("لأوكرانيا في فبراير 2022.", "فبراير 2022", 2022),
        ("In August 2024, he was arrested", "August 2024", 2024),
        ("released in 2013", "2013", 2013),
    ],
)
def test_years_are_kind_year(text: str, raw: str, year: int) -> None:
    q = only(text)
    assert (q.kind, q.raw, q.value, q.unit) == ("year", raw, year, "year")


def test_full_date_is_kind_date_and_day_is_not_a_count() -> None:
    q = only("الأربعاء 18 نوفمبر/تشرين الثاني 2015")
    assert q.kind == "date"
    assert q.value == 2015
    assert q.raw == "18 نوفمبر/تشرين الثاني 2015"


def test_to_dict_is_json_ready() -> None:
    d = only("أكثر من 100 مليون مستخدم").to_dict()
    assert d == {
        "value": 1e8,
        "low": 1e8,
        "high": None,
        "qualifier": "more_than",
        "unit": "users",
        "raw": "أكثر من 100 مليون مستخدم",
        "kind": "count",
    }


# --- breadth beyond the seeds ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("أكثر من 10 وأقل من 20", 10, 20),
        ("more than 1000 and less than 1500", 1000, 1500),
        ("at most 100 and at least 20 apples", 20, 100),
        ("من 200 إلى 300 شخص", 200, 300),
    ],
)
def test_paired_bounds_and_from_to_become_one_range(text: str, low: float, high: float) -> None:
    q = only(text)
    assert (q.qualifier, q.low, q.high) == ("range", low, high)


def test_a_change_from_a_percent_to_an_amount_is_not_a_range() -> None:
    qs = find_quantities("sales rose 6.2% to $1.45 billion.")
    assert [(q.kind, q.value) for q in qs] == [("percent", 6.2), ("money", 1.45e9)]


def test_or_equal_hedges_and_comparison_symbols() -> None:
    assert only("less than or equal to 30").qualifier == "at_most"
    assert only("أكبر من أو يساوي 30").qualifier == "at_least"
    assert only("x >= 30").qualifier == "at_least"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("نصف", 0.5),
        ("ثلاثة أرباع", 0.75),
        ("three quarters", 0.75),
        ("one and a half", 1.5),
        ("3/4", 0.75),
        ("twenty and three fifths", 20.6),
    ],
)
def test_fractions(text: str, value: float) -> None:
    assert only(text).value == pytest.approx(value)


def test_million_and_a_half_in_arabic() -> None:
    assert only("مليون ونصف مستخدم").value == pytest.approx(1.5e6)


def test_arabic_and_decimal_comma_separators_and_negatives() -> None:
    assert parse_number("١،٢٣٤،٥٦٧") == 1_234_567
    assert parse_number("٤,٨") == pytest.approx(4.8)
    assert parse_number("-5") == -5
    assert [q.value for q in find_quantities("2015-2021")] == [None]  # a range, not -2021


def test_dotted_sequences_are_separate_integers_and_urls_are_ignored() -> None:
    assert [q.value for q in find_quantities("192.168.1.2")] == [192, 168, 1, 2]
    assert find_quantities("see https://example.com/search?q=30%25%2020%") == []


def test_currency_prefixes_and_words() -> None:
    assert only("a US$ 150 million loan").unit == "USD"
    assert only("about C$ 300 million").unit == "CAD"
    assert only("528 million francs").value == 528e6
    assert only("10 €").unit == "EUR"


def test_dimensions() -> None:
    q = only("مسافة 200 كيلومتر")
    assert (q.kind, q.unit, q.value) == ("dimension", "km", 200)


# --- number words, compounds and spoken forms ------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("a fifth", 0.2),
        ("one eighth", 0.125),
        ("three twenty-firsts", 3 / 21),
        ("two and fifty-four hundredths", 2.54),
        ("two hundred point zero three", 200.03),
        ("three hundred and two dozens", 324),
        ("3 million and a half", 3.5e6),
        ("٤ آلاف ٣ مائة و ٢١", 4321),
        ("I can give you 3 hundred and 21 yuan", 321),
        ("بألفين ومائتين درهم", 2200),
        ("ثلاث مائة ودزينتين", 324),
        ("the result is ¾", 0.75),
        ("40 000", 40_000),
        ("12،220,13", 12220.13),
        ("13 lakh", 1.3e6),
    ],
)
def test_number_words_compounds_and_spoken_forms(text: str, value: float) -> None:
    assert only(text).value == pytest.approx(value)


@pytest.mark.parametrize(("text", "value"), [("سالب ٥", -5), ("minus five point five", -5.5), ("-4/5", -0.8)])
def test_negative_numbers_in_words_and_signs(text: str, value: float) -> None:
    assert only(text).value == pytest.approx(value)


def test_explicit_equality_and_closing_hedges_are_qualifiers() -> None:
    assert only("يساوي ٢٠").qualifier == "exact"
    assert (only("more than 5000 or equal to").qualifier, only("اكثر من ٥٠٠٠ او يساوي").qualifier) == (
        "at_least",
        "at_least",
    )
    assert [q.qualifier for q in find_quantities("equal to 5000 or less than 6000")] == ["exact", "less_than"]


def test_between_with_number_words_is_a_range_not_a_sum() -> None:
    q = only("بين عشرة و خمسة عشر")
    assert (q.qualifier, q.low, q.high) == ("range", 10, 15)


def test_the_verb_reach_is_not_the_hedge_up_to() -> None:
    q = only("كان من الممكن أن تصل إلى عشرات الآلاف من المشتركين")
    assert (q.qualifier, q.low, q.high, q.unit) == ("range", 10_000, 99_999, "subscribers")
    assert only("ما يصل إلى 700 عامل").qualifier == "at_most"


def test_percent_written_before_the_figure() -> None:
    assert (only("نسبة ١٠").kind, only("per cent of 210").value) == ("percent", 210)


def test_phone_numbers_are_not_ranges() -> None:
    assert all(q.qualifier != "range" for q in find_quantities("+1-222-2222-2222 هو رقم هاتف"))


# --- figures as real news writes them ------------------------------------------


@pytest.mark.parametrize(
    "text", ["the toll exceeded 1,000", "deaths surpassed 1,000", "the count topped 1,000", "تخطى 1000"]
)
def test_verbs_of_exceeding_are_more_than(text: str) -> None:
    q = only(text)
    assert (q.value, q.qualifier, q.low, q.high) == (1000, "more_than", 1000, None)


def test_an_arabic_verb_of_exceeding_before_its_subject_is_more_than() -> None:
    # verb, subject, figure: "the number of deaths exceeded 1000"
    q = only("تجاوز عدد الوفيات 1000")
    assert (q.value, q.qualifier) == (1000, "more_than")
    assert only("بلغ عدد الوفيات 1000").qualifier == "exact"


def test_indian_digit_grouping_is_one_number() -> None:
    assert only("8,28,000 pilgrims").value == 828_000


def test_a_time_of_day_is_one_time_not_two_counts() -> None:
    assert [(q.kind, q.value) for q in find_quantities("The quake struck at 11:11 p.m. local time")] == [("time", 1391)]
    assert [q.value for q in find_quantities("at 4:17am (01:17 GMT)")] == [257, 77]
    assert [(q.kind, q.value) for q in find_quantities("at 4.30 pm")] == [("time", 990)]
    assert [(q.kind, q.value) for q in find_quantities("وقع الزلزال الساعة 4,17 صباحا")] == [("time", 257)]
    # Without a clock's context, digits around a colon or comma stay numbers.
    assert [q.value for q in find_quantities("the ratio was 10:30")] == [10, 30]
    assert [q.value for q in find_quantities("ارتفع بنسبة 3,15")] == [3.15]


def test_four_digits_before_a_time_zone_are_a_time_of_day_but_a_count_is_not() -> None:
    assert [(q.kind, q.value) for q in find_quantities("the second shock came at around 1340 UTC")] == [("time", 820)]
    assert [(q.kind, q.value) for q in find_quantities("rescuers reached 1340 families")] == [("count", 1340)]


def test_the_dual_of_million_and_billion_in_construct_is_two_of_them() -> None:
    assert only("شارك مليونا شخص").value in (1e6, 2e6)  # "مليونا" is also the accusative of one million
    assert only("حضر مليوني زائر").value == 2_000_000
    assert only("خسائر بقيمة ملياري دولار").value == 2_000_000_000
    assert only("نحو مليونَيْ مشجع").value == 2_000_000


def test_thousands_grouped_with_dots_are_one_number_but_one_group_of_digits_stays_a_decimal() -> None:
    assert only("والمفقودين نحو 100.000").value == 100_000
    assert only("reached 1.250.000 people").value == 1_250_000
    assert only("بقوة 4.800").value == 4.8
    assert [q.value for q in find_quantities("192.168.1.2")] == [192, 168, 1, 2]


def test_a_bare_scale_word_joins_the_digits_after_it() -> None:
    assert only("ارتفعت الحصيلة إلى ألف و301 حاج").value == 1301
    assert only("بلغ مليونا و833 ألفًا و164 حاجًا").value == 1_833_164


def test_a_hedge_covers_a_compound_figure_whole() -> None:
    q = only("أكثر من 5 آلاف و814 شخصاً")
    assert (q.value, q.qualifier, q.low, q.high) == (5814, "more_than", 5814, None)


def test_a_year_and_the_figure_after_it_are_not_a_range() -> None:
    figures = [(q.kind, q.value) for q in find_quantities("ارتفعت حصيلة موسم 2024 إلى ألف و301 حاج")]
    assert figures == [("year", 2024), ("count", 1301)]


def test_four_digits_before_others_are_people_not_a_year() -> None:
    assert only("وأصيب 2000 آخرون").kind == "count"
    assert only("injuring 2000 others").kind == "count"


def test_a_case_of_death_is_a_death_and_pilgrims_are_people() -> None:
    from newsclaims.matching.rules import unit_family

    assert [q.unit for q in find_quantities("سجلت 212 حالة وفاة في المدينة")] == ["deaths"]
    assert [q.unit for q in find_quantities("212 cases of death were recorded")] == ["deaths"]
    assert [q.unit for q in find_quantities("4,000 new cases were recorded")] == ["cases"]
    assert unit_family(find_quantities("توفي 41 حاجا")[0].unit) == unit_family("people")


def test_a_date_in_digits_is_one_date_not_three_counts() -> None:
    for text in ("أعلنت السلطات الثلاثاء 12-9-2023 ارتفاع الحصيلة إلى 2800", "On 12/09/2023 the toll rose to 2,800"):
        qs = find_quantities(text)
        assert [(q.kind, q.value) for q in qs] == [("date", 2023.0), ("count", 2800.0)]
        assert qs[0].raw in ("12-9-2023", "12/09/2023")
    assert only("The report is dated 2023-09-12").raw == "2023-09-12"
    assert only("بتاريخ ١٢/٠٩/٢٠٢٣").kind == "date"


def test_a_score_a_span_of_years_or_an_impossible_day_is_not_a_date() -> None:
    assert [q.kind for q in find_quantities("The match ended 3-1")] == ["count", "count"]
    assert all(q.kind != "date" for q in find_quantities("between 2011-2012"))
    assert all(q.kind != "date" for q in find_quantities("code 45-13-2023 was issued"))


def test_a_magnitude_joined_by_a_hyphen_is_a_figure_but_a_model_name_is_not() -> None:
    assert [q.value for q in find_quantities("a magnitude-7.8 earthquake struck")] == [7.8]
    assert find_quantities("an F-16 and a Su-35 flew over") == []
