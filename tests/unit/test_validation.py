"""The one schema every input's metadata goes through (sources.validation)."""

from datetime import UTC, datetime

import pytest

from sources import validation
from sources.validation import InvalidInput, clean_fields, clean_url, parse_datetime


def reason(values, **kwargs):
    with pytest.raises(InvalidInput) as caught:
        clean_fields(values, **kwargs)
    return str(caught.value)


def test_the_schema_agrees_with_the_model_and_the_choices():
    from claims.choices import Language
    from sources.models import Source

    assert set(validation.LANGUAGES) == set(Language.values)
    for name, limit in validation.MAX_LENGTHS.items():
        assert Source._meta.get_field(name).max_length == limit
    assert Source._meta.get_field("origin").max_length == validation.MAX_ORIGIN


@pytest.mark.parametrize(
    "value",
    ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "1899-12-31T23:59:59Z", "2101-01-01", "0001-01-01"],
)
def test_dates_outside_the_sane_years_are_refused_by_name(value):
    assert reason({"text": "t", "published_at": value}).startswith("'published_at'")


def test_the_range_is_judged_in_utc():
    # 1900-01-01T00:30+01:00 is still 1899 in UTC
    with pytest.raises(InvalidInput, match="outside the years"):
        parse_datetime("1900-01-01T00:30:00+01:00")
    assert parse_datetime("2100-12-31T23:59:59Z") == datetime(2100, 12, 31, 23, 59, 59, tzinfo=UTC)


def test_dates_keep_their_moment_and_naive_ones_are_utc():
    assert parse_datetime("2026-02-12T10:00:00+03:00") == datetime(2026, 2, 12, 7, tzinfo=UTC)
    assert parse_datetime("2026-02-12T10:00:00") == datetime(2026, 2, 12, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"text": "a\x00b"}, "text"),
        ({"text": "ok", "title": "x\ud800"}, "title"),
        ({"text": "ok", "title": 123}, "title"),
        ({"text": "ok", "publisher": ["a", "b"]}, "publisher"),
        ({"text": "ok", "language": "xx"}, "language"),
        ({"text": "ok", "url": "javascript:alert(1)"}, "url"),
        ({"text": "ok", "url": "https://example.org/" + "a" * validation.MAX_URL}, "url"),
        ({"text": "ok", "url": "https://exa mple.org/"}, "url"),
        ({"text": "ok", "title": "t" * (validation.MAX_TITLE + 1)}, "title"),
        ({"text": "ok", "publisher": "p" * (validation.MAX_PUBLISHER + 1)}, "publisher"),
        ({"text": "   "}, "text"),
        ({"text": "ok", "published_at": 20260212}, "published_at"),
    ],
)
def test_each_unstorable_value_is_refused_naming_its_field(values, field):
    assert reason(values).startswith(f"'{field}'")


def test_a_refused_long_value_is_not_echoed_whole():
    assert len(reason({"text": "ok", "url": "ftp://" + "x" * 100_000})) < 200


def test_labels_rename_fields_in_reasons():
    assert reason({"text": "ok", "url": "mailto:x"}, labels={"url": "source_url"}).startswith("'source_url'")


def test_good_values_come_back_cleaned():
    cleaned = clean_fields(
        {
            "text": " body ",
            "title": " T ",
            "url": "https://example.org/a",
            "language": "ar",
            "published_at": "2026-02-12",
        }
    )
    assert cleaned == {
        "text": " body ",  # the text is kept as given: claim offsets refer to it
        "title": "T",
        "url": "https://example.org/a",
        "language": "ar",
        "published_at": datetime(2026, 2, 12, tzinfo=UTC),
    }


def test_only_http_and_https_urls_with_a_host_pass():
    assert clean_url("HTTPS://example.org") == "HTTPS://example.org"
    for bad in ["file:///etc/passwd", "data:text/html,x", "http://", "//example.org"]:
        with pytest.raises(InvalidInput):
            clean_url(bad)


@pytest.mark.parametrize("published", ["1900-01-01T00:00:00Z", "2100-12-31T23:59:59Z"])
def test_claim_dates_stay_representable_for_any_publication_date_the_schema_allows(published):
    from datetime import date

    from newsclaims.text.extraction import extract_claims

    text = (
        "Last year the ministry said 5 million people were affected. Yesterday officials said 7 million "
        "users lost access. Last month 3 million accounts were blocked. In March 2200 it will be 9 million."
    )
    claims = extract_claims(text, published_at=parse_datetime(published))
    assert claims and all(c.as_of is None or date(1000, 1, 1) <= c.as_of <= date(2200, 12, 31) for c in claims)
