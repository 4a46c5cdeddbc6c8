"""A reason (why a cluster has its status, why a source counts) reads in English as before and in
the reader's language from its parts; a row written by another version shows its stored text."""

from __future__ import annotations

import pickle
import re

import pytest
from django.utils import translation

from claims.reasons import checkworthiness_reason, worded
from newsclaims.matching.reasons import REASONS, Reason, fill
from newsclaims.matching.rules import ClaimSlots, cluster_status


def test_a_reason_is_its_english_text_and_carries_its_parts():
    reason = Reason("agreement", count=3)

    assert reason == "3 independent sources, no conflicting pair"
    assert reason.parts() == {"code": "agreement", "fields": {"count": 3}}


def test_a_contradiction_names_its_first_pair_and_that_pairs_own_reason():
    why = Reason("stance", p=0.91)
    reason = Reason("contradiction", count=2, first=7, second=9, reason=why)

    assert reason == (
        "2 conflicting pair(s); claims 7 and 9: stance: the stance model reads these claims as contradicting (p=0.91)"
    )
    assert reason.parts()["fields"]["reason"] == {"code": "stance", "fields": {"p": 0.91}}


def test_a_numpy_probability_is_kept_as_a_plain_number_that_json_can_store():
    numpy = pytest.importorskip("numpy")

    reason = Reason("stance", p=numpy.float32(0.5))

    assert type(reason.parts()["fields"]["p"]) is float


def test_a_reason_survives_a_pickle_round_trip_with_its_parts():
    reason = Reason(
        "contradiction",
        count=1,
        first=1,
        second=2,
        reason=Reason("polarity", polarity_a="positive", polarity_b="negative", score=0.8),
    )

    again = pickle.loads(pickle.dumps(reason))

    assert again == reason
    assert again.parts() == reason.parts()


def test_an_unknown_reason_code_is_refused():
    with pytest.raises(KeyError, match="unknown reason code"):
        Reason("because")


def test_every_template_fills_from_its_own_fields_in_english():
    # Each template names only fields of ours; filling it with placeholders proves it is well formed.
    for code, template in REASONS.items():
        assert isinstance(fill({"code": code, "fields": _placeholders(template)}), str)


def test_a_reason_is_worded_in_arabic_for_an_arabic_reader():
    reason = Reason("one_source", count=4)

    with translation.override("ar"):
        text = worded(reason.parts(), str(reason))

    assert text != str(reason)
    assert "4" in text


def test_a_polarity_is_worded_too_not_left_in_english():
    reason = Reason("polarity", polarity_a="positive", polarity_b="negative", score=0.75)

    with translation.override("ar"):
        text = worded(reason.parts(), str(reason))

    assert "positive" not in text and "negative" not in text
    assert "0.75" in text


def test_parts_written_by_another_version_fall_back_to_the_stored_text():
    assert worded({"code": "retired", "fields": {}}, "stored text") == "stored text"
    assert worded({"code": "agreement", "fields": {"voices": 2}}, "stored text") == "stored text"
    assert worded({}, "stored text") == "stored text"


def _figure(value, raw, low, high):
    return {"value": value, "low": low, "high": high, "qualifier": "about", "unit": "users", "kind": None, "raw": raw}


def test_a_contradiction_keeps_its_parts_and_each_conflicting_pairs():
    members = [
        ClaimSlots(id=1, source_id=1, subject_key="app", quantity=_figure(55e6, "about 55 million", 49.5e6, 60.5e6)),
        ClaimSlots(id=2, source_id=2, subject_key="app", quantity=_figure(40e6, "40 million", 36e6, 44e6)),
    ]

    result = cluster_status(members)

    assert result.reason.parts()["code"] == "contradiction"
    assert result.conflicts[0]["parts"]["code"] == "quantity"
    assert result.conflicts[0]["reason"] == fill(result.conflicts[0]["parts"])
    assert "'about 55 million' admits" in result.reason


def _placeholders(template: str) -> dict:
    fields = {}
    for name, kind in re.findall(r"%\((\w+)\)[.\d]*([sdf])", template):
        fields[name] = 1 if kind in "df" else name
    return fields


def test_a_claims_check_worthiness_reasons_read_as_words_in_the_editors_language():
    codes = ["quantity", "not_checkable:will", "a_code_of_a_later_version"]

    english = [checkworthiness_reason(code) for code in codes]
    with translation.override("ar"):
        arabic = [checkworthiness_reason(code) for code in codes]

    assert english == ["gives a figure", "not checkable (will)", "a code of a later version"]
    assert arabic[0] != english[0] and "will" in arabic[1] and arabic[1] != english[1]
    assert arabic[2] == "a code of a later version"


def test_a_stance_read_without_the_cross_encoder_says_its_probability_is_a_lower_bound():
    # The service leaves the cross-encoder unread where every reading would make the pair a
    # contradiction; the head's probability at the least favourable reading is then a bound.
    a = ClaimSlots(id=1, source_id=1, text="The court acquits the former minister", standalone=True)
    b = ClaimSlots(id=2, source_id=2, text="The court convicts the former minister", standalone=True)

    def similarity(x, y):
        return 0.95

    exact = cluster_status([a, b], similarity, stance=lambda x, y: ("disagree", 0.91))
    bound = cluster_status([a, b], similarity, stance=lambda x, y: ("disagree", 0.62, True))

    assert exact.status == bound.status == "contradiction"
    assert str(exact.reason).endswith("contradicting (p=0.91)")
    assert str(bound.reason).endswith("contradicting (p at least 0.62)")
    with translation.override("ar"):
        assert "لا يقل عن 0.62" in worded(bound.reason.parts())
