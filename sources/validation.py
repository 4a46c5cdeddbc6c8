"""One schema for the metadata of an article or a claim, whatever it was read from.

Files, directory manifests, JSONL claim lines and URLs all go through `clean_fields` (and every
finished article through `clean_source_fields`), so a value that reaches the database is one the
database stores and Python reads back: a string without NUL or lone surrogates, within the
column's length, a URL that is http(s), a language from the service's choices, a date in
`MIN_YEAR..MAX_YEAR` (in UTC). Anything else raises `InvalidInput` with a reason naming the field.

Pure Python (no Django), so the readers, API bodies and feeds can share it. The lengths mirror
`sources.models.Source` and the languages `claims.choices.Language`; tests/unit/test_validation.py
checks that they still agree.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

# Publication dates outside these years are typos or attacks: PostgreSQL would store them, but a
# date near year 1 or 9999 shifted to UTC is one Python cannot represent, and every page that
# lists the row would fail. News the service reads is from this range.
MIN_YEAR = 1900
MAX_YEAR = 2100

MAX_TITLE = 500
MAX_URL = 2000
MAX_PUBLISHER = 200
MAX_ORIGIN = 2000
LANGUAGES = ("ar", "en", "mixed", "other")

FIELDS = ("text", "title", "url", "publisher", "published_at", "language")
MAX_LENGTHS = {"title": MAX_TITLE, "url": MAX_URL, "publisher": MAX_PUBLISHER}

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_SHOWN_CHARS = 60


class InvalidInput(ValueError):
    """A value the service will not store, with a reason a person can act on."""


def show(value: object) -> str:
    """A value as it appears in a reason: its repr, cut short (a 1 MB value is not echoed)."""
    if not isinstance(value, str | int | float):
        return type(value).__name__
    text = repr(value)
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 5] + "…" + text[-4:]


def storable(text: str) -> str:
    """`text` with what PostgreSQL and UTF-8 output refuse (NUL, lone surrogates) replaced by U+FFFD,
    for names and reasons that must be shown or stored even when they are odd (file names)."""
    return _UNSTORABLE.sub("\ufffd", text)


def clean_string(value: object, name: str, *, max_length: int | None = None, required: bool = False) -> str:
    """A string field, stripped; None and "" are empty. Refuses other types, NUL, lone surrogates,
    over-long values, and (if `required`) blank ones."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InvalidInput(f"'{name}' must be a string, got {type(value).__name__}")
    found = _UNSTORABLE.search(value)
    if found:
        what = "a NUL character" if found.group() == "\x00" else "a lone surrogate (invalid Unicode)"
        raise InvalidInput(f"'{name}' contains {what} at position {found.start()}")
    value = value.strip()
    if max_length is not None and len(value) > max_length:
        raise InvalidInput(f"'{name}' is too long ({len(value):,} characters; the limit is {max_length:,})")
    if required and not value:
        raise InvalidInput(f"'{name}' is missing or empty")
    return value


def clean_url(value: object, name: str = "url") -> str:
    """An absolute http(s) URL with a host and no white space, or ""."""
    url = clean_string(value, name, max_length=MAX_URL)
    if not url:
        return ""
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise InvalidInput(f"'{name}' is not a valid URL ({exc}): {show(url)}") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise InvalidInput(f"'{name}' must be an http:// or https:// URL, got {show(url)}")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise InvalidInput(f"'{name}' contains white space or control characters: {show(url)}")
    return url


def clean_language(value: object, name: str = "language") -> str | None:
    """One of LANGUAGES, or None when not given."""
    language = clean_string(value, name)
    if not language:
        return None
    if language not in LANGUAGES:
        raise InvalidInput(f"'{name}' must be one of {list(LANGUAGES)}, got {show(language)}")
    return language


def check_date_range(moment: datetime, name: str = "published_at") -> datetime:
    """`moment` (aware), if it is within MIN_YEAR..MAX_YEAR once in UTC."""
    try:
        in_utc = moment.astimezone(UTC)
    except (OverflowError, ValueError):
        in_utc = None
    if in_utc is None or not MIN_YEAR <= in_utc.year <= MAX_YEAR:
        raise InvalidInput(f"'{name}' {moment.isoformat()} is outside the years {MIN_YEAR}..{MAX_YEAR} (UTC)")
    return moment


def parse_datetime(value: object, name: str = "published_at") -> datetime | None:
    """ISO 8601 date or date-time -> aware datetime (naive ones are taken as UTC), within
    MIN_YEAR..MAX_YEAR in UTC; None and "" are None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        text = clean_string(value, name, max_length=64)
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            try:
                parsed = datetime.combine(date.fromisoformat(text), datetime.min.time())
            except ValueError:
                raise InvalidInput(f"'{name}' {show(value)} is not an ISO 8601 date or date-time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return check_date_range(parsed, name)


def clean_fields(
    values: Mapping[str, object], *, required: tuple[str, ...] = ("text",), labels: Mapping[str, str] | None = None
) -> dict[str, object]:
    """The fields of FIELDS present in `values`, each checked and cleaned; keys not in FIELDS are
    the caller's business. `labels` renames fields in reasons (JSONL calls `url` `source_url`)."""
    labels = labels or {}
    cleaned: dict[str, object] = {}
    for name in FIELDS:
        if name not in values and name not in required:
            continue
        label = labels.get(name, name)
        value = values.get(name)
        if name == "url":
            cleaned[name] = clean_url(value, label)
        elif name == "language":
            cleaned[name] = clean_language(value, label)
        elif name == "published_at":
            cleaned[name] = parse_datetime(value, label)
        elif name == "text":
            # Keep the text as given (offsets of claims refer to it); only check it.
            clean_string(value, label, required=name in required)
            cleaned[name] = value or ""
        else:
            cleaned[name] = clean_string(value, label, max_length=MAX_LENGTHS.get(name), required=name in required)
    return cleaned


def clean_source_fields(values: Mapping[str, object]) -> dict[str, object]:
    """Every field of a finished article (text required), as `clean_fields` checks them."""
    return clean_fields({name: values.get(name) for name in FIELDS}, required=("text",))
