"""Turn paths and URLs into article texts, one result per article, errors included.

Every input yields either a `SourceInput` or a `ReadError` naming the file and the reason, so
one bad file never stops a batch: each reader catches everything that goes wrong with one item
(malformed or deeply nested JSON, undecodable bytes, an unreadable file, a server answering
garbage) and turns it into a ReadError. Every value is checked by the one schema in
`sources.validation` before it becomes a SourceInput. Pure Python (no Django): callers pass
limits in.

Formats: `.txt` (plain text), `.json` (an object or a list of objects with `text` and optional
`title`, `url`, `publisher`, `published_at`, `language`), `.html`/`.htm` (main text extracted),
directories (recursively; a `manifest.json` in one holds metadata for its files), `http(s)://`
URLs, and JSONL files of claims (`read_claims_jsonl`).
"""

from __future__ import annotations

import contextlib
import errno
import http.client
import ipaddress
import json
import os
import re
import socket
import stat
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from sources.validation import (
    MAX_ORIGIN,
    MAX_PUBLISHER,
    MAX_TITLE,
    InvalidInput,
    clean_fields,
    clean_source_fields,
    clean_url,
    parse_datetime,
    show,
    storable,
)

__all__ = [
    "InvalidInput",
    "ReadError",
    "SourceInput",
    "decode_text",
    "parse_datetime",
    "read_claims_jsonl",
    "read_inputs",
]

TEXT_SUFFIXES = {".txt": "text", ".text": "text", ".json": "json", ".html": "html", ".htm": "html"}
MANIFEST_NAME = "manifest.json"
JSON_FIELDS = {"text", "title", "url", "publisher", "published_at", "language"}
MANIFEST_FIELDS = JSON_FIELDS - {"text"}
BINARY_SNIFF_BYTES = 8192


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

    def __post_init__(self) -> None:
        # A file name may hold bytes that are not UTF-8 (lone surrogates in Python): shown and stored safely.
        object.__setattr__(self, "origin", storable(self.origin)[:MAX_ORIGIN])


@dataclass(frozen=True)
class ReadError:
    """An input that could not be read, and why (shown to the user as `origin: reason`)."""

    origin: str
    reason: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "origin", storable(self.origin)[:MAX_ORIGIN])
        object.__setattr__(self, "reason", storable(self.reason))

    def __str__(self) -> str:
        return f"{self.origin}: {self.reason}"


def _unexpected(exc: BaseException) -> str:
    """The reason for a failure no check foresaw, still short and named."""
    if isinstance(exc, RecursionError):
        return "nested too deeply to read"
    detail = str(exc)
    return f"cannot read ({type(exc).__name__}{': ' + show(detail)[1:-1] if detail else ''})"


def _checked(item: SourceInput) -> SourceInput | ReadError:
    """The last gate before an article leaves this module: every field through the schema."""
    try:
        fields = clean_source_fields(item.__dict__)
    except InvalidInput as exc:
        return ReadError(item.origin, str(exc))
    return replace(item, **fields)


def decode_text(data: bytes) -> str:
    """Bytes -> text, refusing binary and non-UTF-8 content with a reason a person can act on."""
    if b"\x00" in data[:BINARY_SNIFF_BYTES]:
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
        raise InvalidInput(f"unknown field(s) {sorted(show(k) for k in unknown)}; allowed: {sorted(JSON_FIELDS)}")
    return SourceInput(origin=origin, **clean_fields(obj, required=("text",)))


def _load_json(text: str) -> object:
    """json.loads, with every way it fails (malformed, nested too deeply, a 5,000-digit number) as InvalidInput."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise InvalidInput("malformed JSON: nested too deeply") from None
    except ValueError as exc:
        raise InvalidInput(f"malformed JSON: {exc}") from None


def parse_json(text: str, origin: str) -> Iterator[SourceInput | ReadError]:
    try:
        data = _load_json(text)
    except InvalidInput as exc:
        yield ReadError(origin, str(exc))
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


def _clip(value: object, max_length: int) -> str:
    """Metadata an HTML page suggests (not a person): made storable and cut to the column, never refused."""
    return storable(value.strip())[:max_length] if isinstance(value, str) else ""


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
        title=_clip(meta.title, MAX_TITLE) if meta else "",
        url=url,
        publisher=_clip(meta.sitename, MAX_PUBLISHER) if meta else "",
        published_at=published,
    )


def _read_regular_file(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file of at most `max_bytes`. Opened non-blocking and checked after
    opening, so a FIFO (which would block forever) or a device is refused, never read."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InvalidInput(f"not a regular file ({_file_kind(info.st_mode)})")
        if info.st_size > max_bytes:
            raise InvalidInput(f"too large ({info.st_size:,} bytes; the limit is {max_bytes:,})")
        with os.fdopen(fd, "rb", closefd=False) as file:
            data = file.read(max_bytes + 1)
    finally:
        os.close(fd)
    if len(data) > max_bytes:  # grew while being read
        raise InvalidInput(f"too large (over {max_bytes:,} bytes)")
    return data


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "a special file"


def read_file(path: Path, max_bytes: int) -> Iterator[SourceInput | ReadError]:
    origin = str(path)
    kind = TEXT_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        yield ReadError(origin, f"unsupported file type {show(path.suffix or '(none)')}; use .txt, .json or .html")
        return
    try:
        text = decode_text(_read_regular_file(path, max_bytes))
        if kind == "json":
            items = list(parse_json(text, origin))
        elif kind == "html":
            items = [parse_html(text, origin)]
        else:
            items = [SourceInput(text=text, origin=origin)]
    except InvalidInput as exc:
        yield ReadError(origin, str(exc))
        return
    except OSError as exc:
        yield ReadError(origin, f"cannot read: {exc.strerror or exc}")
        return
    except Exception as exc:  # one file's failure is its own, never the batch's
        yield ReadError(origin, _unexpected(exc))
        return
    for item in items:
        yield _checked(item) if isinstance(item, SourceInput) else item


def _load_manifest(directory: Path, max_bytes: int) -> tuple[dict[str, dict | ReadError], list[ReadError]]:
    """The manifest's entries by file name, each checked by the schema (a bad entry is kept as the
    ReadError its file gets), and problems with the manifest as a whole."""
    path = directory / MANIFEST_NAME
    if not path.is_file():
        return {}, []
    origin = str(path)
    try:
        data = _load_json(decode_text(_read_regular_file(path, max_bytes)))
        entries = data["articles"] if isinstance(data, dict) and "articles" in data else data
        if not isinstance(entries, list):
            raise InvalidInput("expected a list of entries or an object with 'articles'")
    except InvalidInput as exc:
        return {}, [ReadError(origin, f"malformed manifest, metadata ignored: {exc}")]
    except Exception as exc:
        return {}, [ReadError(origin, f"malformed manifest, metadata ignored: {_unexpected(exc)}")]
    found: dict[str, dict | ReadError] = {}
    problems = []
    for index, entry in enumerate(entries):
        name = entry.get("file") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name:
            problems.append(ReadError(f"{origin}[{index}]", "entry without a 'file' name, ignored"))
            continue
        try:
            # Other keys (notes, about) are the editors' own and not stored.
            found[name] = clean_fields({k: v for k, v in entry.items() if k in MANIFEST_FIELDS}, required=())
        except InvalidInput as exc:
            found[name] = ReadError(str(directory / name), f"{MANIFEST_NAME} entry: {exc}")
    return found, problems


def _apply_manifest(item: SourceInput, entry: dict) -> SourceInput:
    return replace(
        item,
        title=item.title or entry.get("title") or "",
        url=item.url or entry.get("url") or "",
        publisher=item.publisher or entry.get("publisher") or "",
        published_at=item.published_at or entry.get("published_at"),
        language=item.language or entry.get("language"),
    )


def _directory_entries(directory: Path) -> list[Path] | ReadError:
    try:
        return sorted(directory.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        return ReadError(str(directory), f"cannot list directory: {exc.strerror or exc}")


def _walk(root: Path) -> Iterator[Path | ReadError]:
    """Files below `root`, depth first in name order; what cannot be read as a file (a dangling
    link, a link loop, a FIFO, socket or device) is a ReadError naming it. Hidden files are
    skipped. Symbolic links are followed, but a directory is read once: a link back to a
    directory being read (a loop) is an error, a second link to one read before is skipped.
    Iterative, so no depth of directories exhausts the recursion limit."""
    info = root.stat()
    seen = {(info.st_dev, info.st_ino)}
    stack: list[tuple[tuple[int, int], Iterator[Path]]] = []
    entries = _directory_entries(root)
    if isinstance(entries, ReadError):
        yield entries
        return
    stack.append(((info.st_dev, info.st_ino), iter(entries)))
    while stack:
        path = next(stack[-1][1], None)
        if path is None:
            stack.pop()
            continue
        try:
            info = path.stat()  # follows links
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                yield ReadError(str(path), "symbolic link loop, skipped")
            elif path.is_symlink():
                yield ReadError(str(path), "dangling symbolic link, skipped")
            else:
                yield ReadError(str(path), f"cannot read: {exc.strerror or exc}")
            continue
        if stat.S_ISDIR(info.st_mode):
            identity = (info.st_dev, info.st_ino)
            if any(identity == ancestor for ancestor, _ in stack):
                yield ReadError(str(path), "symbolic link loop (links to a directory it is in), skipped")
            elif identity not in seen:
                seen.add(identity)
                entries = _directory_entries(path)
                if isinstance(entries, ReadError):
                    yield entries
                else:
                    stack.append((identity, iter(entries)))
        elif stat.S_ISREG(info.st_mode):
            if not path.name.startswith("."):
                yield path
        else:
            yield ReadError(str(path), f"not a regular file ({_file_kind(info.st_mode)}), skipped")


def read_directory(directory: Path, max_bytes: int) -> Iterator[SourceInput | ReadError]:
    """Every supported file below `directory`, in name order; other regular files are skipped quietly."""
    manifests: dict[Path, dict[str, dict | ReadError]] = {}
    for path in _walk(directory):
        if isinstance(path, ReadError):
            yield path
            continue
        if path.name == MANIFEST_NAME or path.suffix.lower() not in TEXT_SUFFIXES:
            continue
        if path.parent not in manifests:
            manifests[path.parent], problems = _load_manifest(path.parent, max_bytes)
            yield from problems
        entry = manifests[path.parent].get(path.name)
        if isinstance(entry, ReadError):
            # Stored without its metadata, the article could never get it: the first copy stands.
            yield entry
            continue
        for item in read_file(path, max_bytes):
            if entry and isinstance(item, SourceInput):
                item = _checked(_apply_manifest(item, entry))
            yield item


# --- URLs ------------------------------------------------------------------------------------
class _Deadline:
    """Closes the sockets of a fetch when its time is up, so a server that sends a byte every few
    seconds (each read within the timeout) cannot hold a fetch, headers or body, for ever."""

    def __init__(self, seconds: float) -> None:
        self.ends = time.monotonic() + seconds
        self.passed = False
        self._sockets: list = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def watch(self, sock) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.passed:
                self._close(sock)

    def _expire(self) -> None:
        with self._lock:
            self.passed = True
            for sock in self._sockets:
                self._close(sock)

    @staticmethod
    def _close(sock) -> None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)  # the blocked read returns at once

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._timer.cancel()


def _watched(connection_class: type, on_connect: Callable) -> type:
    class Watched(connection_class):
        def connect(self):
            super().connect()
            on_connect(self.sock)

    return Watched


def _refuse_private_peer(sock) -> None:
    """Refuse a connection to an address that is not public (loopback, private, link-local such as
    cloud metadata, reserved): checked on the connected socket, so every redirect and whatever DNS
    answered are covered."""
    try:
        address = ipaddress.ip_address(sock.getpeername()[0])
    except (OSError, ValueError, IndexError):
        return
    if not address.is_global:
        with contextlib.suppress(OSError):
            sock.close()
        raise InvalidInput(f"refused: the address {address} is not public")


def _opener(deadline: _Deadline, allow_private: bool = True) -> urllib.request.OpenerDirector:
    def on_connect(sock) -> None:
        if not allow_private:
            _refuse_private_peer(sock)
        deadline.watch(sock)

    class HTTP(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(_watched(http.client.HTTPConnection, on_connect), req)

    class HTTPS(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(_watched(http.client.HTTPSConnection, on_connect), req, context=self._context)

    return urllib.request.build_opener(HTTP, HTTPS)


def _fetch(
    url: str, timeout: float, max_bytes: int, deadline_seconds: float, allow_private: bool = True
) -> tuple[bytes, str, str]:
    """(body, content type, charset) of `url`, read in chunks within `deadline_seconds` overall;
    refuses bodies over `max_bytes` and bodies shorter than their Content-Length."""
    request = urllib.request.Request(url, headers={"User-Agent": "factcheck/1.0 (+claim tracking)"})  # noqa: S310 (read_url checks the scheme)
    with _Deadline(deadline_seconds) as deadline:
        try:
            with _opener(deadline, allow_private).open(request, timeout=timeout) as response:
                declared = response.headers.get("Content-Length")
                expected = int(declared) if declared and declared.strip().isdigit() else None
                if expected is not None and expected > max_bytes:
                    raise InvalidInput(f"too large ({expected:,} bytes; the limit is {max_bytes:,})")
                chunks, size = [], 0
                while True:
                    if time.monotonic() > deadline.ends:
                        raise TimeoutError
                    chunk = response.read1(65536)
                    if not chunk:
                        break
                    chunks.append(chunk)
                    size += len(chunk)
                    if size > max_bytes:
                        raise InvalidInput(f"too large (over {max_bytes:,} bytes)")
                content_type = response.headers.get_content_type()
                charset = response.headers.get_content_charset() or "utf-8"
        except (OSError, http.client.HTTPException):
            if deadline.passed or time.monotonic() > deadline.ends:
                raise InvalidInput(f"took longer than {deadline_seconds:g} s, gave up") from None
            raise
        if deadline.passed:
            raise InvalidInput(f"took longer than {deadline_seconds:g} s, gave up")
    if expected is not None and size < expected:
        raise InvalidInput(f"truncated: got {size:,} of {expected:,} bytes")
    return b"".join(chunks), content_type, charset


FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")
XML_TYPES = ("application/xml", "text/xml")
_FEED_ROOT = re.compile(r"<(?:[\w.-]+:)?(rss|feed|RDF)[\s>/]")


def is_feed(content_type: str, text: str) -> bool:
    """Whether a fetched body is an RSS or Atom feed: a feed content type, or generic XML whose
    root element (after the prolog, comments and doctype) is <rss>, <feed> or <rdf:RDF>."""
    if content_type in FEED_TYPES:
        return True
    if content_type not in XML_TYPES:
        return False
    head = re.sub(r"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>]*>", "", text[:4096], flags=re.DOTALL).lstrip()
    return bool(_FEED_ROOT.match(head))


def read_url(
    url: str, timeout: float, max_bytes: int, deadline: float | None = None, *, allow_private: bool = True
) -> Iterator[SourceInput | ReadError]:
    """The article(s) at an http(s) URL; `timeout` bounds each read, `deadline` (default three
    timeouts) the whole fetch. Without `allow_private`, a server at an address that is not public
    (the service's own network, cloud metadata) is refused, redirects included."""
    try:
        clean_url(url, "URL")
        data, content_type, charset = _fetch(url, timeout, max_bytes, deadline or 3 * timeout, allow_private)
        if charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
            data = data.decode(charset, errors="strict").encode("utf-8")
        text = decode_text(data)
        if is_feed(content_type, text):
            items = [ReadError(url, f"this is a feed (RSS/Atom), not an article; use `manage.py follow {url}`")]
        elif content_type == "application/json":
            items = [replace(i, url=i.url or url) if isinstance(i, SourceInput) else i for i in parse_json(text, url)]
        elif content_type in ("text/html", "application/xhtml+xml"):
            items = [parse_html(text, url, url=url)]
        elif content_type.startswith("text/"):
            items = [SourceInput(text=text, origin=url, url=url)]
        else:
            items = [ReadError(url, f"unsupported content type {show(content_type)}")]
    except urllib.error.HTTPError as exc:
        items = [ReadError(url, f"HTTP {exc.code} {exc.reason}")]
    except InvalidInput as exc:
        items = [ReadError(url, str(exc))]
    except (urllib.error.URLError, OSError) as exc:
        items = [ReadError(url, f"cannot fetch: {getattr(exc, 'reason', None) or exc}")]
    except LookupError as exc:
        items = [ReadError(url, f"unknown charset: {exc}")]
    except UnicodeError as exc:
        items = [ReadError(url, f"cannot decode the body: {exc.reason if hasattr(exc, 'reason') else exc}")]
    except http.client.HTTPException as exc:
        items = [ReadError(url, f"cannot fetch: the server's answer is not HTTP ({type(exc).__name__})")]
    except Exception as exc:
        items = [ReadError(url, _unexpected(exc))]
    for item in items:
        yield _checked(item) if isinstance(item, SourceInput) else item


def _guarded(origin: str, items: Iterator[SourceInput | ReadError]) -> Iterator[SourceInput | ReadError]:
    """`items`, with anything a reader failed to catch ending that input as a ReadError."""
    try:
        yield from items
    except Exception as exc:
        yield ReadError(origin, _unexpected(exc))


def read_inputs(
    items: list[str], *, timeout: float = 20.0, max_bytes: int = 5_000_000, deadline: float | None = None
) -> Iterator[SourceInput | ReadError]:
    """Read every path, directory or URL in `items`, in order. `timeout` bounds each network read,
    `deadline` a whole fetch (default three timeouts)."""
    for item in items:
        if item.startswith(("http://", "https://")):
            yield from _guarded(item, read_url(item, timeout, max_bytes, deadline))
            continue
        path = Path(item)
        try:
            mode = path.stat().st_mode
        except (OSError, ValueError) as exc:
            if "://" in item:
                yield ReadError(item, "unsupported URL scheme; use http:// or https://")
            elif isinstance(exc, OSError) and exc.errno == errno.ELOOP:
                yield ReadError(item, "symbolic link loop")
            else:
                yield ReadError(item, "no such file or directory")
            continue
        if stat.S_ISDIR(mode):
            yield from _guarded(item, read_directory(path, max_bytes))
        elif stat.S_ISREG(mode):
            yield from _guarded(item, read_file(path, max_bytes))
        else:
            yield ReadError(item, f"not a regular file ({_file_kind(mode)})")


# --- JSONL claims ----------------------------------------------------------------------------
CLAIM_FIELDS = {"text", "source_url", "publisher", "published_at", "language"}
CLAIM_LABELS = {"url": "source_url"}


def _claim_from_line(raw: bytes, origin: str, max_line_chars: int) -> SourceInput:
    if b"\x00" in raw:
        raise InvalidInput("contains a NUL byte (binary data)")
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})") from None
    if len(line) > max_line_chars:
        raise InvalidInput(f"line too long ({len(line):,} characters; the limit is {max_line_chars:,})")
    obj = _load_json(line)
    if not isinstance(obj, dict):
        raise InvalidInput(f"expected an object, got {type(obj).__name__}")
    unknown = set(obj) - CLAIM_FIELDS
    if unknown:
        raise InvalidInput(f"unknown field(s) {sorted(show(k) for k in unknown)}; allowed: {sorted(CLAIM_FIELDS)}")
    renamed = {("url" if k == "source_url" else k): v for k, v in obj.items()}
    fields = clean_fields(renamed, required=("text",), labels=CLAIM_LABELS)
    return SourceInput(origin=origin, **{**fields, "text": fields["text"].strip()})


def read_claims_jsonl(
    path: str, *, max_line_chars: int = 20_000, max_bytes: int = 50_000_000
) -> Iterator[SourceInput | ReadError]:
    """One claim a line: `text`, and `source_url`, `publisher`, `published_at`, `language` where
    known. Each line becomes a SourceInput whose text is the claim; bad lines are errors named
    `FILE:LINE`. Lines end at "\\n" only (U+2028 or \\x1c inside a string are text, not line
    ends); a line over `max_line_chars` (a claim is a sentence) and a file over `max_bytes` are
    refused."""
    try:
        data = _read_regular_file(Path(path), max_bytes)
    except FileNotFoundError:
        yield ReadError(path, "no such file")
        return
    except InvalidInput as exc:
        yield ReadError(path, str(exc))
        return
    except OSError as exc:
        yield ReadError(path, f"cannot read: {exc.strerror or exc}")
        return
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if not data.strip():
        yield ReadError(path, "empty: no claims to read")
        return
    for number, raw in enumerate(data.split(b"\n"), start=1):
        raw = raw.removesuffix(b"\r")
        if not raw.strip():
            continue
        origin = f"{path}:{number}"
        try:
            yield _checked(_claim_from_line(raw, origin, max_line_chars))
        except InvalidInput as exc:
            yield ReadError(origin, str(exc))
        except Exception as exc:
            yield ReadError(origin, _unexpected(exc))
