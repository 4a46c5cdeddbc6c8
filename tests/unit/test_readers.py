"""Every input becomes an article or a clear error naming it."""

import contextlib
import json
from datetime import UTC, datetime

import pytest

from sources.readers import ReadError, SourceInput, parse_datetime, read_inputs


def read_all(*items):
    return list(read_inputs([str(i) for i in items]))


def test_a_text_file_is_one_article(tmp_path):
    (tmp_path / "a.txt").write_text("نص الخبر", encoding="utf-8")
    [item] = read_all(tmp_path / "a.txt")
    assert isinstance(item, SourceInput) and item.text == "نص الخبر"


def test_a_json_list_gives_one_article_per_object_with_metadata(tmp_path):
    path = tmp_path / "batch.json"
    path.write_text(
        json.dumps(
            [
                {"text": "one", "title": "T", "published_at": "2026-02-12", "language": "en"},
                {"text": "two", "url": "https://example.org/x"},
            ]
        )
    )
    first, second = read_all(path)
    assert first.title == "T" and first.published_at == datetime(2026, 2, 12, tzinfo=UTC)
    assert second.url == "https://example.org/x"


def test_malformed_json_is_reported_by_name_with_line_and_column(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"text": ')
    [error] = read_all(path)
    assert isinstance(error, ReadError) and error.origin == str(path) and "malformed JSON" in error.reason


def test_a_json_object_without_text_is_refused(tmp_path):
    path = tmp_path / "notext.json"
    path.write_text('{"title": "x"}')
    [error] = read_all(path)
    assert "'text' is missing" in error.reason


def test_one_bad_item_in_a_json_list_does_not_stop_the_others(tmp_path):
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps([{"text": "ok"}, {"text": ""}, {"text": "ok too", "published_at": "yesterday"}]))
    kinds = [type(i).__name__ for i in read_all(path)]
    assert kinds == ["SourceInput", "ReadError", "ReadError"]


def test_empty_binary_and_non_utf8_files_are_refused_with_reasons(tmp_path):
    (tmp_path / "empty.txt").write_text("  \n")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\x00\x00")
    (tmp_path / "latin1.txt").write_bytes("café".encode("latin-1"))
    reasons = {e.origin.rsplit("/", 1)[-1]: e.reason for e in read_all(*sorted(tmp_path.iterdir()))}
    assert reasons["empty.txt"].startswith("empty")
    assert reasons["binary.txt"].startswith("binary")
    assert "not valid UTF-8" in reasons["latin1.txt"]


def test_html_gives_its_main_text_not_its_menus(tmp_path):
    path = tmp_path / "page.html"
    body = "<p>" + "قال متحدث إن أكثر من 100 مليون مستخدم تأثروا بالحجب في روسيا. " * 5 + "</p>"
    path.write_text(
        f"<html><head><title>خبر</title></head><body><nav>Home | About</nav><article>{body}</article></body></html>"
    )
    [item] = read_all(path)
    assert "100 مليون" in item.text and "Home | About" not in item.text


def test_a_directory_is_read_recursively_with_its_manifest(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "x.txt").write_text("article x")
    (tmp_path / "sub" / "manifest.json").write_text(
        json.dumps({"articles": [{"file": "x.txt", "publisher": "P", "language": "en"}]})
    )
    (tmp_path / "notes.md").write_text("ignored")
    [item] = read_all(tmp_path)
    assert item.publisher == "P" and item.language == "en"


def test_missing_paths_and_unsupported_files_are_errors(tmp_path):
    (tmp_path / "x.pdf").write_bytes(b"%PDF")
    missing, pdf = read_all(tmp_path / "nope.txt", tmp_path / "x.pdf")
    assert missing.reason == "no such file or directory"
    assert "unsupported file type" in pdf.reason


def test_an_unreachable_url_is_an_error_not_a_crash():
    [error] = list(read_inputs(["http://127.0.0.1:9/article"], timeout=2))
    assert isinstance(error, ReadError) and "cannot fetch" in error.reason


def test_dates_without_a_zone_are_utc():
    assert parse_datetime("2026-02-12T10:00:00").tzinfo is UTC


# --- Hostile input: each bad item is named with its reason, the others still come through ------
def kinds_by_name(items):
    return {i.origin.rsplit("/", 1)[-1]: i for i in items}


def test_a_deeply_nested_json_file_is_an_error_and_the_files_after_it_are_read(tmp_path):
    (tmp_path / "a.txt").write_text("first good article")
    (tmp_path / "b.json").write_text("[" * 100_000 + "]" * 100_000)
    (tmp_path / "c.txt").write_text("second good article")
    first, nested, second = read_all(tmp_path)
    assert isinstance(first, SourceInput) and isinstance(second, SourceInput)
    assert isinstance(nested, ReadError) and nested.origin.endswith("b.json") and "nested too deeply" in nested.reason


def test_a_number_too_long_to_convert_is_malformed_json_not_a_crash(tmp_path):
    (tmp_path / "n.json").write_text('{"text": "x", "title": ' + "9" * 5000 + "}")
    [error] = read_all(tmp_path / "n.json")
    assert isinstance(error, ReadError) and "malformed JSON" in error.reason


def test_nul_bytes_after_the_first_8_kb_and_escaped_nuls_are_refused(tmp_path):
    (tmp_path / "late_nul.txt").write_bytes(b"a" * 9000 + b"\x00tail")
    (tmp_path / "escaped.json").write_text(json.dumps({"text": "before\u0000after"}))
    (tmp_path / "surrogate.json").write_text('{"text": "lone \\ud800 surrogate"}')
    errors = kinds_by_name(read_all(tmp_path))
    assert "NUL" in errors["late_nul.txt"].reason and "'text'" in errors["escaped.json"].reason
    assert "surrogate" in errors["surrogate.json"].reason


def test_out_of_range_dates_are_refused_by_name(tmp_path):
    path = tmp_path / "late.json"
    path.write_text(json.dumps([{"text": "a", "published_at": "9999-12-31T23:59:59-14:00"}, {"text": "b"}]))
    late, fine = read_all(path)
    assert isinstance(late, ReadError) and late.origin == f"{path}[0]" and "'published_at'" in late.reason
    assert isinstance(fine, SourceInput)


def test_manifest_values_are_checked_like_json_fields_and_refuse_their_file(tmp_path):
    for name in ("bad_title.txt", "bad_url.txt", "bad_lang.txt", "bad_publisher.txt", "good.txt"):
        (tmp_path / name).write_text(f"article {name}")
    (tmp_path / "manifest.json").write_text(
        json.dumps(
            [
                {"file": "bad_title.txt", "title": 123},
                {"file": "bad_url.txt", "url": "javascript:alert(1)"},
                {"file": "bad_lang.txt", "language": "x" * 50},
                {"file": "bad_publisher.txt", "publisher": ["a", "b"]},
                {"file": "good.txt", "publisher": "P", "notes": "editors' notes are not stored"},
            ]
        )
    )
    items = kinds_by_name(read_all(tmp_path))
    for name, field in [
        ("bad_title", "title"),
        ("bad_url", "url"),
        ("bad_lang", "language"),
        ("bad_publisher", "publisher"),
    ]:
        error = items[f"{name}.txt"]
        assert isinstance(error, ReadError) and f"manifest.json entry: '{field}'" in error.reason
    assert items["good.txt"].publisher == "P"


def test_a_url_longer_than_the_column_is_refused(tmp_path):
    path = tmp_path / "long.json"
    path.write_text(json.dumps({"text": "x", "url": "https://example.org/" + "a" * 2000}))
    [error] = read_all(path)
    assert "'url' is too long" in error.reason


def test_links_that_loop_or_dangle_and_special_files_are_reported_by_name(tmp_path):
    import os
    import socket

    (tmp_path / "good.txt").write_text("good article")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "back").symlink_to(tmp_path)  # a directory loop
    (tmp_path / "self.txt").symlink_to(tmp_path / "self.txt")
    (tmp_path / "gone.txt").symlink_to(tmp_path / "missing.txt")
    os.mkfifo(tmp_path / "pipe.txt")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp_path / "sock.txt"))
    try:
        items = kinds_by_name(read_all(tmp_path))
    finally:
        server.close()
    assert isinstance(items["good.txt"], SourceInput)
    assert "loop" in items["back"].reason and "loop" in items["self.txt"].reason
    assert "dangling" in items["gone.txt"].reason
    assert "FIFO" in items["pipe.txt"].reason and "socket" in items["sock.txt"].reason


def test_a_second_link_to_a_directory_already_read_is_skipped_quietly(tmp_path):
    (tmp_path / "2026").mkdir()
    (tmp_path / "2026" / "a.txt").write_text("article a")
    (tmp_path / "latest").symlink_to(tmp_path / "2026")
    [item] = read_all(tmp_path)
    assert isinstance(item, SourceInput) and item.origin.endswith("2026/a.txt")


def test_a_fifo_named_directly_is_refused_without_opening_it(tmp_path):
    import os

    os.mkfifo(tmp_path / "pipe.txt")
    [error] = read_all(tmp_path / "pipe.txt")  # would block for ever if opened for reading
    assert "FIFO" in error.reason


def test_a_file_name_that_is_not_utf8_is_shown_safely(tmp_path):
    import os

    name = os.fsdecode(b"caf\xe9.txt")
    (tmp_path / name).write_text("article")
    [item] = read_all(tmp_path)
    assert isinstance(item, SourceInput) and item.origin.encode("utf-8")


# --- JSONL claims -----------------------------------------------------------------------------
def claims_of(path, **limits):
    from sources.readers import read_claims_jsonl

    return list(read_claims_jsonl(str(path), **limits))


def test_line_separators_inside_a_claim_are_text_not_line_ends(tmp_path):
    path = tmp_path / "c.jsonl"
    texts = ["one\u2028two", "three\u0085four", "five\x1csix", "seven\u2029eight"]
    path.write_text("\r\n".join(json.dumps({"text": t}, ensure_ascii=False) for t in texts) + "\n", encoding="utf-8")
    assert [i.text for i in claims_of(path)] == texts


def test_a_nul_byte_rejects_its_line_not_the_file(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_bytes(b'{"text": "good one"}\n{"text": "bad\x00"}\n\xff\xfe\n{"text": "good two"}\n')
    first, nul, latin, second = claims_of(path)
    assert (first.text, second.text) == ("good one", "good two")
    assert nul.origin == f"{path}:2" and "NUL" in nul.reason
    assert latin.origin == f"{path}:3" and "UTF-8" in latin.reason


def test_lines_and_files_over_the_limits_are_refused(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"text": "x" * 300}) + "\n" + json.dumps({"text": "short"}) + "\n")
    long, short = claims_of(path, max_line_chars=200)
    assert long.origin == f"{path}:1" and "line too long" in long.reason and short.text == "short"
    [too_big] = claims_of(path, max_bytes=100)
    assert too_big.origin == str(path) and "too large" in too_big.reason


def test_a_bad_claim_url_is_named_as_source_url(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"text": "x", "source_url": "javascript:alert(1)"}) + "\n")
    [error] = claims_of(path)
    assert "'source_url'" in error.reason


# --- URLs that answer badly -------------------------------------------------------------------
@pytest.fixture(scope="module")
def bad_server():
    """A local server answering by path: slowly, short, with garbage, or with a NUL in the body."""
    import socketserver
    import threading
    import time

    def trickle(conn, head):
        conn.sendall(head)
        for _ in range(100):  # 1 byte every 0.2 s: each read is within any timeout
            conn.sendall(b"x")
            time.sleep(0.2)

    answers = {
        "/trickle": lambda c: trickle(c, b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n"),
        "/trickle-headers": lambda c: trickle(c, b"HTTP/1.1 200 OK\r\nX-Slow: "),
        "/short": lambda c: c.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nonly ten b"
        ),
        "/garbage": lambda c: c.sendall(b"garbage\r\n\r\n"),
        "/nul": lambda c: c.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n" + b"a" * 9000 + b"\x00b"),
    }

    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            path = self.request.recv(65536).split(b" ")[1].decode()
            with contextlib.suppress(OSError):  # the client gave up, as it should
                answers[path](self.request)

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("path", ["/trickle", "/trickle-headers"])
def test_a_server_trickling_bytes_is_given_up_on_at_the_deadline(bad_server, path):
    import time

    started = time.monotonic()
    [error] = list(read_inputs([bad_server + path], timeout=5, deadline=1))
    assert "took longer than 1 s" in error.reason and time.monotonic() - started < 3


@pytest.mark.parametrize(
    ("path", "expected"),
    [("/short", "truncated: got 10 of 100 bytes"), ("/garbage", "not HTTP"), ("/nul", "NUL")],
)
def test_bad_answers_are_errors_naming_the_url(bad_server, path, expected):
    [error] = list(read_inputs([bad_server + path], timeout=5))
    assert isinstance(error, ReadError) and error.origin == bad_server + path and expected in error.reason


def test_a_url_with_a_space_or_over_the_length_limit_is_refused_before_fetching():
    spaced, long = read_inputs(["http://127.0.0.1:9/a b", "https://example.org/" + "a" * 2000], timeout=1)
    assert "white space" in spaced.reason and "too long" in long.reason


# --- A feed given to `ingest` ---------------------------------------------------------------------
RSS = b'<?xml version="1.0"?>\n<!-- a comment -->\n<rss version="2.0"><channel><title>t</title></channel></rss>'
ATOM = b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title></feed>'


@pytest.fixture(scope="module")
def feed_server():
    """Serves feeds under feed and generic XML content types, and XML that is not a feed."""
    import http.server
    import threading

    answers = {
        "/rss": ("application/rss+xml", RSS),
        "/atom": ("application/atom+xml", ATOM),
        "/rss-as-xml": ("application/xml", RSS),
        "/atom-as-text-xml": ("text/xml", ATOM),
        "/other-xml": ("application/xml", b'<?xml version="1.0"?><note>hello</note>'),
    }

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            content_type, body = answers[self.path]
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("path", ["/rss", "/atom", "/rss-as-xml", "/atom-as-text-xml"])
def test_a_feed_url_is_named_a_feed_with_the_command_to_follow_it(feed_server, path):
    [error] = list(read_inputs([feed_server + path], timeout=5))
    assert isinstance(error, ReadError)
    assert "this is a feed" in error.reason and f"manage.py follow {feed_server + path}" in error.reason


def test_xml_that_is_not_a_feed_is_still_an_unsupported_type(feed_server):
    [error] = list(read_inputs([feed_server + "/other-xml"], timeout=5))
    assert "unsupported content type 'application/xml'" in error.reason
