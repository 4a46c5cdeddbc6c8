"""What the admin shows an editor: figures as a person reads them (English and Arabic), a claim
highlighted in its sentence, and the timeline plot as well-formed, escaped SVG."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.utils import translation

from claims.admin_display import format_figure, highlight_span, timeline_svg

SVG = "{http://www.w3.org/2000/svg}"
HUNDRED_MILLION = {"value": 100_000_000, "low": 100_000_000, "high": 100_000_000, "qualifier": "more_than",
                   "unit": "users", "raw": "more than 100 million users", "kind": "count"}  # fmt: skip


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_a_hedged_figure_reads_as_a_person_says_it_with_its_date():
    with translation.override("en"):
        assert format_figure(HUNDRED_MILLION, dt.date(2026, 2, 12)) == "more than 100 million users, as of 12 Feb 2026"


def test_the_same_figure_reads_in_arabic_when_the_admin_is_in_arabic():
    with translation.override("ar"):
        shown = format_figure(HUNDRED_MILLION, dt.date(2026, 2, 12))
    assert shown.startswith("أكثر من 100 مليون مستخدم")
    assert "فبراير" in shown and "2026" in shown


def test_ranges_percentages_and_plain_counts_read_naturally():
    with translation.override("en"):
        assert format_figure({"value": None, "low": 10, "high": 20, "qualifier": "range", "unit": None}) == (
            "between 10 and 20"
        )
        assert format_figure({"value": 18.2, "qualifier": "exact", "unit": "percent"}) == "18.2%"
        assert format_figure({"value": 78, "qualifier": "exact", "unit": "channels"}) == "78 channels"
        assert format_figure({"value": 2_500_000_000, "qualifier": "about", "unit": None}) == "about 2.5 billion"
        assert format_figure({"value": 12500, "qualifier": "exact", "unit": None}) == "12,500"
        assert format_figure(None) == "—"
        assert format_figure({"value": 1391, "qualifier": "exact", "unit": None, "kind": "time"}) == "23:11"


def test_the_span_is_marked_inside_its_sentence_only():
    text = "First sentence. Russia tried to block 100 million users today. Last one."
    start = text.index("100 million")
    html = highlight_span(text, start, start + len("100 million users"))
    assert html == "Russia tried to block <mark>100 million users</mark> today."


def test_highlighting_escapes_the_source_text():
    text = "<script>alert(1)</script> said & <b>claimed</b> it."
    start = text.index("<b>")
    html = highlight_span(text, start, start + len("<b>claimed</b>"))
    assert "<script>" not in html and "<b>" not in html
    assert "<mark>&lt;b&gt;claimed&lt;/b&gt;</mark>" in html and "&amp;" in html


def test_a_span_at_the_start_or_the_end_of_the_text_is_marked_whole():
    text = "وقال Meta-run Messenger: إن 100 مليون مستخدم"
    assert highlight_span(text, 0, 4) == f"<mark>وقال</mark>{text[4:]}"
    assert highlight_span(text, len(text) - 5, len(text)) == f"{text[:-5]}<mark>{text[-5:]}</mark>"


def test_a_sentence_ending_in_an_arabic_question_mark_bounds_the_context():
    text = "هل حجبت روسيا التطبيق؟ قالت الشركة إن 100 مليون مستخدم تأثروا. انتهى"
    start = text.index("100")
    assert highlight_span(text, start, start + 3) == "قالت الشركة إن <mark>100</mark> مليون مستخدم تأثروا."


def point(day, value, claim, source, low=None, high=None):
    return {"as_of": day, "value": value, "low": low if low is not None else value, "high": high or value,
            "qualifier": "exact", "unit": "users", "claim": claim, "source": source}  # fmt: skip


def test_the_plot_is_well_formed_svg_with_one_mark_per_dated_claim():
    points = [
        point("2026-02-10", 100_000_000, 1, 1),
        point("2026-02-13", 60_000_000, 2, 2, low=50_000_000, high=70_000_000),
        point(None, 5, 3, 3),  # undated: listed under the plot, not drawn
    ]
    root = ET.fromstring(str(timeline_svg(points, {1: "Source one", 2: "Source two"})))
    marks = root.findall(f"{SVG}g[@class='mark']")
    assert [m.get("data-claim") for m in marks] == ["1", "2"]
    assert all(m.find(f"{SVG}title").text for m in marks)
    assert len(marks[1].findall(f"{SVG}line")) == 1  # the interval's bar
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert "10 Feb 2026" in labels and "13 Feb 2026" in labels and "as-of date" in labels


def test_the_plot_escapes_source_titles():
    root = ET.fromstring(str(timeline_svg([point("2026-02-10", 5, 1, 7)], {7: 'A <b>"bold" & title'})))
    title = root.find(f"{SVG}g/{SVG}title").text
    assert title.startswith('A <b>"bold" & title: ')


def test_nothing_is_drawn_without_a_dated_figure():
    assert timeline_svg([point(None, 5, 1, 1)]) == ""
