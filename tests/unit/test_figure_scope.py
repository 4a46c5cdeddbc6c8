"""Where a figure was counted is read next to it, not from who reports it: a dateline, an outlet's
credit or a country that announces a figure is not the figure's scope, and a clause that lists
several countries has none of them as its subject. Example sentences of our own."""

from newsclaims.matching.rules import ClaimSlots, slots_compatible
from newsclaims.text.extraction import extract_claims
from newsclaims.text.figures import counted_context


def clause(k: int, text: str, value: float) -> ClaimSlots:
    quantity = {"value": value, "low": value, "high": value, "qualifier": "exact", "unit": None, "kind": "count",
                "raw": str(value)}  # fmt: skip
    return ClaimSlots(id=k, source_id=k, quantity=quantity, text=text)


def test_a_country_that_announces_a_figure_is_not_where_it_was_counted():
    assert not counted_context("Egypt said that more than 2,100 people died during the festival")[1]
    assert not counted_context("أعلنت مصر وفاة أكثر من 2100 شخص خلال المهرجان")[1]
    # A country named as where the figure was counted stays.
    assert counted_context("more than 2,100 people died in Egypt during the festival")[1] == frozenset({"egypt"})
    assert counted_context("the agency said 2,100 people died in Egypt")[1] == frozenset({"egypt"})


def test_an_outlets_credit_gives_neither_the_figure_nor_its_place():
    # "24" is the outlet's name, not the figure; its place is where the report was filed.
    metrics, countries = counted_context("القاهرة (مصر24)- تجاوز عدد الوفيات بين الزوار هذا العام الألفين")
    assert metrics == frozenset({"dead"})
    assert not countries


def test_a_toll_announced_by_one_country_meets_the_same_toll_reported_from_another():
    announced = clause(1, "CAIRO: Egypt said that more than 2,100 people died during the festival", 2100)
    reported = clause(2, "عمّان (الأردن24)- تجاوز عدد الوفيات خلال المهرجان ألفين", 2000)
    assert slots_compatible(announced, reported)
    # Counted in two countries, they stay apart.
    assert not slots_compatible(
        clause(3, "2,100 people died in Egypt during the festival", 2100),
        clause(4, "2,100 people died in Jordan during the festival", 2100),
    )


def test_a_clause_listing_several_countries_passes_none_of_them_on_as_subject():
    text = (
        "وأبلغت دول أخرى، بما في ذلك مصر والأردن وتونس والمغرب، عن وفيات بين زوارها. "
        "وبلغ العدد الإجمالي للوفيات خلال المهرجان 922 شخصا على الأقل."
    )
    claims = extract_claims(text)
    total = next(c for c in claims if c.quantity and c.quantity.value == 922)
    assert total.subject is None
