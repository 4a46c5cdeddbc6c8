"""Every input becomes an article or a clear error naming it."""

import json
from datetime import UTC, datetime

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
