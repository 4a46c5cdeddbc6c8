"""Vetoes between article clauses that read alike but are different facts: an event's ordinal in a
series of like events, damaged buildings against collapsed ones, and a count over part of an event
against its running total. Example sentences of our own."""

from newsclaims.matching.rules import ClaimSlots, slots_compatible
from newsclaims.text.figures import LATER, counts_damaged, event_ordinal, other_event_in_series


def clause(k: int, text: str, value: float, unit: str | None = None) -> ClaimSlots:
    quantity = {"value": value, "low": value, "high": value, "qualifier": "exact", "unit": unit, "kind": "count",
                "raw": str(value)}  # fmt: skip
    return ClaimSlots(id=k, source_id=k, quantity=quantity, text=text)


def test_event_ordinal_reads_the_ordinal_of_an_event_noun_only():
    assert event_ordinal("The first blast at the port measured 3.3 on the seismic scale") == 1
    assert event_ordinal("Two hours on, a second strong 6.1 magnitude quake shook the valley") == 2
    assert event_ordinal("It was followed by another strong quake of magnitude 6.0") == LATER
    assert event_ordinal("and a second, minutes afterwards, reached 6.1") == 2
    assert event_ordinal("ضربت هزة ثانية بقوة 6.1 درجة الوادي") == 2
    assert event_ordinal("وقع زلزال قوي آخر بعد ساعتين") == LATER
    # An ordinal of something else, or of two events at once, says nothing of which event.
    assert event_ordinal("the first trucks of food reached the valley") is None
    assert event_ordinal("another 300 people are missing") is None
    assert event_ordinal("the first quake measured 6.4 and the second quake 6.1") is None


def test_first_and_second_event_of_a_series_do_not_merge():
    first = clause(1, "The first quake, before dawn, measured 6.4 on the Richter scale", 6.4)
    second = clause(2, "Two hours on, a second strong 6.1 magnitude quake shook the valley", 6.1)
    another = clause(3, "It was followed by another strong quake of magnitude 6.0", 6.0)
    plain = clause(4, "a 6.4-magnitude quake shook the valley before dawn", 6.4)
    elliptic = clause(5, "and a second, minutes afterwards, reached 6.1", 6.1)
    assert other_event_in_series(first.text, second.text)
    assert not slots_compatible(first, second)
    assert not slots_compatible(first, another)
    assert not slots_compatible(second, plain)  # the quake named plainly is the first
    assert not slots_compatible(plain, elliptic)
    assert slots_compatible(second, another)  # "another" may be the second
    assert slots_compatible(second, elliptic)
    assert slots_compatible(first, plain)


def test_damaged_buildings_are_not_collapsed_buildings():
    collapsed = clause(1, "At least 900 buildings collapsed in the province", 900)
    damaged = clause(2, "The governor said 3,200 buildings were destroyed or damaged", 3200)
    damaged_ar = clause(3, "وقال المحافظ إن عدد المباني المتضررة بلغ 3200", 3200)
    destroyed = clause(4, "Officials said 1,100 buildings were destroyed in the province", 1100)
    assert counts_damaged(damaged.text) and counts_damaged(damaged_ar.text) and not counts_damaged(collapsed.text)
    assert not slots_compatible(collapsed, damaged)
    assert not slots_compatible(collapsed, damaged_ar)
    assert slots_compatible(damaged, damaged_ar)
    assert slots_compatible(collapsed, destroyed)


def test_a_count_over_part_of_the_event_is_not_the_running_total():
    from newsclaims.text.figures import part_and_total

    part = clause(1, "The ministry confirmed 240 deaths for the three hottest days of the festival", 240)
    part_ar = clause(2, "وأكدت الوزارة 240 حالة وفاة خلال يومي الجمعة والسبت", 240)
    total = clause(3, "The total number of deaths reported by the hospitals now stands at 240", 240)
    total_ar = clause(4, "ارتفعت حصيلة الوفيات بين زوار المهرجان إلى 240", 240)
    assert part_and_total(part.text, total.text)
    assert not slots_compatible(part, total)
    assert not slots_compatible(part_ar, total_ar)
    assert not slots_compatible(part, total_ar)
    assert slots_compatible(part, part_ar)
    assert slots_compatible(total, total_ar)


def test_a_count_over_the_last_hours_is_not_the_running_total():
    daily = clause(1, "In the past 24 hours, 35 more deaths were recorded at the camps", 35)
    daily_ar = clause(2, "وسجلت المخيمات 35 وفاة خلال الـ24 ساعة الماضية", 35)
    total = clause(3, "The death toll at the camps rose to 35", 35)
    assert not slots_compatible(daily, total)
    assert not slots_compatible(daily_ar, total)
    assert slots_compatible(daily, daily_ar)
