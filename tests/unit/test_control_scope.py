"""Whose territory a figure was counted in, where a country is split between a government and its
armed opponents: the ministry's toll of the areas it holds, a rescue service's toll of the areas
outside its control, and the whole country's toll are three quantities naming one country.
Example sentences of our own."""

import pytest

from newsclaims.matching.rules import ClaimSlots, conflict_reason, slots_compatible
from newsclaims.text.figures import GOVERNMENT_HELD, OPPOSITION_HELD, control_scope


def clause(k: int, text: str, value: float) -> ClaimSlots:
    quantity = {"value": value, "low": value, "high": value, "qualifier": "exact", "unit": "people",
                "kind": "count", "raw": f"{value:,.0f}"}  # fmt: skip
    return ClaimSlots(id=k, source_id=k, quantity=quantity, text=text)


@pytest.mark.parametrize(
    ("text", "side"),
    [
        ("The ministry said 640 people were killed in government-held areas", GOVERNMENT_HELD),
        ("the toll in parts of the country controlled by the government rose to 812", GOVERNMENT_HELD),
        ("in regime-controlled provinces, 300 died", GOVERNMENT_HELD),
        ("في المناطق الخاضعة لسيطرة النظام قتل 400 شخص", GOVERNMENT_HELD),
        ("قتل 512 شخصا في مناطق سيطرة الحكومة", GOVERNMENT_HELD),
        ("in areas outside the control of the rebels, 90 died", GOVERNMENT_HELD),
        ("Rescuers said 950 died in areas held by rebel forces", OPPOSITION_HELD),
        ("in rebel-held towns of the north 430 bodies were recovered", OPPOSITION_HELD),
        ("in opposition-controlled areas the toll reached 700", OPPOSITION_HELD),
        ("in areas outside government control, 500 died", OPPOSITION_HELD),
        ("الدفاع المدني في المناطق الخارجة عن سيطرة العاصمة أعلن مقتل 221 شخصا", OPPOSITION_HELD),
        ("قتل 300 شخص في مناطق سيطرة المعارضة", OPPOSITION_HELD),
        ("قتل 300 شخص في المناطق التي تسيطر عليها الفصائل المسلحة", OPPOSITION_HELD),
    ],
)
def test_control_scope_reads_whose_territory_a_figure_was_counted_in(text, side):
    assert control_scope(text) == side


@pytest.mark.parametrize(
    "text",
    [
        "The storm killed 3,000 people in the city",
        "The government said 300 people died",  # the government speaks; it does not scope the count
        "قالت الحكومة إن 300 شخص لقوا حتفهم",
        "the fire was out of control for 12 hours",
        "State-run media said 300 people had died",  # who runs an outlet, not an area
        "government-controlled television put the toll at 300",
        "تمت السيطرة على الحريق بعد مقتل 3 أشخاص",  # control of a fire, not of territory
    ],
)
def test_control_scope_is_none_where_no_side_holds_the_area(text):
    assert control_scope(text) is None


def test_tolls_of_the_two_sides_of_one_country_do_not_merge():
    government = clause(1, "the toll in government-held areas of the country rose to 1,200", 1200)
    rebels = clause(2, "the toll in areas held by rebel forces rose to 1,150", 1150)
    arabic_rebels = clause(3, "وأعلن الدفاع المدني في المناطق الخارجة عن سيطرة الحكومة مقتل 1150 شخصا", 1150)
    assert not slots_compatible(government, rebels)
    assert not slots_compatible(government, arabic_rebels)
    assert slots_compatible(rebels, arabic_rebels)


def test_the_whole_country_toll_may_still_join_either_side():
    # The scope of a figure that names no side is unknown, not "the whole country": no veto.
    plain = clause(1, "the toll rose to 1,200 people", 1200)
    government = clause(2, "the toll in government-held areas rose to 1,200", 1200)
    assert slots_compatible(plain, government)


def test_one_sides_figures_are_not_read_as_the_same_quantity_as_the_others():
    # Two clauses the pair model holds apart (similarity 0) conflict only as the same quantity:
    # the two sides' tolls of one day are not.
    government = clause(1, "The ministry said 640 people were killed in government-held areas", 640)
    rebels = clause(2, "Rescuers said 950 people were killed in rebel-held areas", 950)
    assert conflict_reason(government, rebels, similarity=0.0) is None
    same_side = clause(3, "Officials said 700 people were killed in government-held areas", 700)
    assert conflict_reason(government, same_side, similarity=0.0) is not None
