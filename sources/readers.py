"""Turn paths and URLs into article texts, one result per article, errors included.

Every input yields either a `SourceInput` or a `ReadError` naming the file and the reason, so
one bad file never stops a batch. Pure Python (no Django): callers pass limits in.

Formats: `.txt` (plain text), `.json` (an object or a list of objects with `text` and optional
`title`, `url`, `publisher`, `published_at`, `language`), `.html`/`.htm` (main text extracted),
directories (recursively; a `manifest.json` in one holds metadata for its files), and
`http(s)://` URLs.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

TEXT_SUFFIXES = {".txt": "text", ".text": "text", ".json": "json", ".html": "html", ".htm": "html"}
MANIFEST_NAME = "manifest.json"
JSON_FIELDS = {"text", "title", "url", "publisher", "published_at", "language"}
LANGUAGES = {"ar", "en", "mixed", "other"}


@dataclass(frozen=True)
class SourceInput:
    """One article ready to store."""

    text: str
    origin: str
    title: str = ""
    url: str = ""
    publisher: str = ""
    published_at: datetime | None = None
    language: str | None = None


@dataclass(frozen=True)
class ReadError:
    """An input that could not be read, and why (shown to the user as `origin: reason`)."""

    origin: str
    reason: str

    def __str__(self) -> str:
        return f"{self.origin}: {self.reason}"


class InvalidInput(ValueError):
    """Raised inside this module; surfaces as a ReadError."""


def parse_datetime(value: object, field_name: str = "published_at") -> datetime | None:
    """ISO 8601 date or date-time -> aware datetime (naive ones are taken as UTC)."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{field_name} must be an ISO 8601 string, got {type(value).__name__}")
    text = value.strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(text), datetime.min.time())
        except ValueError:
            raise InvalidInput(f"{field_name} {value!r} is not an ISO 8601 date or date-time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def decode_text(data: bytes) -> str:
    """Bytes -> text, refusing binary and non-UTF-8 content with a reason a person can act on."""
    if b"\x00" in data[:8192]:
        raise InvalidInput("binary file (contains NUL bytes), expected UTF-8 text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None
    if not text.strip():
        raise InvalidInput("empty: no text to read")
    return text


def _from_json_object(obj: object, origin: str) -> SourceInput:
    if not isinstance(obj, dict):
        raise InvalidInput(f"expected an object with a 'text' field, got {type(obj).__name__}")
    unknown = set(obj) - JSON_FIELDS
    if unknown:
        raise InvalidInput(f"unknown field(s) {sorted(unknown)}; allowed: {sorted(JSON_FIELDS)}")
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("'text' is missing or empty")
    for name in ("title", "url", "publisher", "language"):
        if obj.get(name) is not None and not isinstance(obj[name], str):
            raise InvalidInput(f"'{name}' must be a string")
    language = obj.get("language") or None
    if language is not None and language not in LANGUAGES:
        raise InvalidInput(f"'language' must be one of {sorted(LANGUAGES)}, got {language!r}")
    url = obj.get("url") or ""
    if url and not url.startswith(("http://", "https://")):
        raise InvalidInput(f"'url' must start with http:// or https://, got {url!r}")
    return SourceInput(
        text=text,
        origin=origin,
        title=(obj.get("title") or "").strip(),
        url=url,
        publisher=(obj.get("publisher") or "").strip(),
        published_at=parse_datetime(obj.get("published_at")),
        language=language,
    )


def parse_json(text: str, origin: str) -> Iterator[SourceInput | ReadError]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        yield ReadError(origin, f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
        return
    items = data if isinstance(data, list) else [data]
    if not items:
        yield ReadError(origin, "empty JSON list: no articles")
    for index, item in enumerate(items):
        item_origin = f"{origin}[{index}]" if isinstance(data, list) else origin
        try:
            yield _from_json_object(item, item_origin)
        except InvalidInput as exc:
            yield ReadError(item_origin, str(exc))


def parse_html(html: str, origin: str, url: str = "") -> SourceInput:
    """The main text of an HTML page (boilerplate, menus and scripts removed) and its title."""
    import trafilatura

    text = trafilatura.extract(html, include_comments=False, include_tables=False, favor_recall=True)
    if not text or not text.strip():
        raise InvalidInput("no article text found in the HTML")
    meta = trafilatura.extract_metadata(html)
    published = None
    if meta is not None and meta.date:
        try:
            published = parse_datetime(meta.date)
        except InvalidInput:
            published = None
    return SourceInput(
        text=text,
        origin=origin,
        title=(meta.title or "") if meta else "",
        url=url,
        publisher=(meta.sitename or "") if meta else "",
        published_at=published,
    )


def read_file(path: Path, max_bytes: int) -> Iterator[SourceInput | ReadError]:
    origin = str(path)
    kind = TEXT_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        yield ReadError(origin, f"unsupported file type {path.suffix or '(none)'!r}; use .txt, .json or .html")
        return
    try:
        size = path.stat().st_size
        if size > max_bytes:
            yield ReadError(origin, f"too large ({size:,} bytes; the limit is {max_bytes:,})")
            return
        text = decode_text(path.read_bytes())
        if kind == "json":
            yield from parse_json(text, origin)
        elif kind == "html":
            yield parse_html(text, origin)
        else:
            yield SourceInput(text=text, origin=origin)
    except InvalidInput as exc:
        yield ReadError(origin, str(exc))
    except OSError as exc:
        yield ReadError(origin, f"cannot read: {exc.strerror or exc}")


def _load_manifest(directory: Path) -> tuple[dict[str, dict], ReadError | None]:
    path = directory / MANIFEST_NAME
    if not path.is_file():
        return {}, None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = data["articles"] if isinstance(data, dict) else data
        return {entry["file"]: entry for entry in entries}, None
    except (ValueError, KeyError, TypeError) as exc:
        return {}, ReadError(str(path), f"malformed manifest, metadata ignored: {exc}")


def _apply_manifest(item: SourceInput, entry: dict) -> SourceInput:
    return replace(
        item,
        title=item.title or entry.get("title") or "",
        url=item.url or entry.get("url") or "",
        publisher=item.publisher or entry.get("publisher") or "",
        published_at=item.published_at or parse_datetime(entry.get("published_at")),
        language=item.language or entry.get("language"),
    )


def read_directory(directory: Path, max_bytes: int) -> Iterator[SourceInput | ReadError]:
    """Every supported file below `directory`, in name order; other files are skipped quietly."""
    manifests: dict[Path, dict[str, dict]] = {}
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        if path.name == MANIFEST_NAME or path.suffix.lower() not in TEXT_SUFFIXES or path.name.startswith("."):
            continue
        if path.parent not in manifests:
            manifests[path.parent], problem = _load_manifest(path.parent)
            if problem:
                yield problem
        entry = manifests[path.parent].get(path.name)
        for item in read_file(path, max_bytes):
            if entry and isinstance(item, SourceInput):
                try:
                    item = _apply_manifest(item, entry)
                except InvalidInput as exc:
                    item = ReadError(str(path), f"manifest entry: {exc}")
            yield item


def read_url(url: str, timeout: float, max_bytes: int) -> Iterator[SourceInput | ReadError]:
    request = urllib.request.Request(url, headers={"User-Agent": "factcheck/1.0 (+claim tracking)"})  # noqa: S310 (read_inputs sends only http(s) URLs here)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            data = response.read(max_bytes + 1)
            content_type = response.headers.get_content_type()
            charset = response.headers.get_content_charset() or "utf-8"
    except urllib.error.HTTPError as exc:
        yield ReadError(url, f"HTTP {exc.code} {exc.reason}")
        return
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        yield ReadError(url, f"cannot fetch: {reason}")
        return
    if len(data) > max_bytes:
        yield ReadError(url, f"too large (over {max_bytes:,} bytes)")
        return
    try:
        if charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
            data = data.decode(charset, errors="strict").encode("utf-8")
        text = decode_text(data)
        if content_type == "application/json":
            for item in parse_json(text, url):
                yield replace(item, url=item.url or url) if isinstance(item, SourceInput) else item
        elif content_type in ("text/html", "application/xhtml+xml"):
            yield parse_html(text, url, url=url)
        elif content_type.startswith("text/"):
            yield SourceInput(text=text, origin=url, url=url)
        else:
            yield ReadError(url, f"unsupported content type {content_type!r}")
    except (InvalidInput, LookupError, UnicodeDecodeError) as exc:
        yield ReadError(url, str(exc))


def read_inputs(
    items: list[str], *, timeout: float = 20.0, max_bytes: int = 5_000_000
) -> Iterator[SourceInput | ReadError]:
    """Read every path, directory or URL in `items`, in order."""
    for item in items:
        if item.startswith(("http://", "https://")):
            yield from read_url(item, timeout, max_bytes)
            continue
        path = Path(item)
        if path.is_dir():
            yield from read_directory(path, max_bytes)
        elif path.is_file():
            yield from read_file(path, max_bytes)
        elif "://" in item:
            yield ReadError(item, "unsupported URL scheme; use http:// or https://")
        else:
            yield ReadError(item, "no such file or directory")


CLAIM_FIELDS = {"text", "source_url", "publisher", "published_at", "language"}


def read_claims_jsonl(path: str) -> Iterator[SourceInput | ReadError]:
    """One claim a line: `text`, and `source_url`, `publisher`, `published_at`, `language` where
    known. Each line becomes a SourceInput whose text is the claim; bad lines are errors named
    `FILE:LINE`."""
    file = Path(path)
    if not file.is_file():
        yield ReadError(path, "no such file")
        return
    try:
        text = decode_text(file.read_bytes())
    except InvalidInput as exc:
        yield ReadError(path, str(exc))
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        origin = f"{path}:{number}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield ReadError(origin, f"malformed JSON: {exc.msg} at column {exc.colno}")
            continue
        if not isinstance(obj, dict):
            yield ReadError(origin, f"expected an object, got {type(obj).__name__}")
            continue
        unknown = set(obj) - CLAIM_FIELDS
        if unknown:
            yield ReadError(origin, f"unknown field(s) {sorted(unknown)}; allowed: {sorted(CLAIM_FIELDS)}")
            continue
        renamed = {("url" if k == "source_url" else k): v for k, v in obj.items()}
        try:
            item = _from_json_object(renamed, origin)
        except InvalidInput as exc:
            yield ReadError(origin, str(exc).replace("'url'", "'source_url'"))
            continue
        yield replace(item, text=item.text.strip())
