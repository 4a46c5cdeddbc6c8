"""sources 0003 repairs metadata stored before validation, so existing databases list again."""

from __future__ import annotations

import importlib
from types import SimpleNamespace

import pytest
from django.db import connection
from rest_framework.test import APIClient

from sources.models import Source

pytestmark = pytest.mark.django_db

repair = importlib.import_module("sources.migrations.0003_repair_stored_metadata").repair

COLUMNS = (
    "kind, title, url, publisher, published_at, language, text, content_hash, origin, status, error, created_at, "
    "attempts"
)


def insert(published_at: str | None, url: str = "", language: str = "en", status: str = "pending") -> int:
    """A row as an unvalidated reader stored it, written in SQL (the ORM may not read it back)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO sources_source ({COLUMNS}) VALUES "
            "('article', 't', %s, 'p', %s::timestamptz, %s, 'text', md5(random()::text), 'o', %s, '', now(), 0) "
            "RETURNING id",
            [url, published_at, language, status],
        )
        return cursor.fetchone()[0]


def run_repair() -> None:
    repair(None, SimpleNamespace(connection=connection))


def test_out_of_range_dates_are_cleared_with_a_note_and_the_api_lists_again():
    good = insert("2026-02-12T10:00:00+00:00")
    late = insert("9999-12-31T23:59:59-14:00", status="processing")
    early = insert("0001-01-01T00:00:00+14:00")
    api = APIClient()
    with pytest.raises(Exception):  # noqa: B017 (psycopg's DataError, whatever wraps it)
        api.get("/api/v1/sources/")
    run_repair()
    assert api.get("/api/v1/sources/").status_code == 200
    rows = {s.pk: s for s in Source.objects.all()}
    assert rows[good].published_at is not None and rows[good].error == ""
    for pk in (late, early):
        assert rows[pk].published_at is None and "outside the years 1900..2100" in rows[pk].error
    assert rows[late].status == "failed"  # left stuck in processing by the crash: retried on the next ingest
    assert rows[early].status == "pending"


def test_non_http_urls_and_unknown_languages_are_repaired_and_the_rest_kept():
    script = insert("2026-02-12", url="javascript:alert(1)")
    kept = insert("2026-02-12", url="https://example.org/a")
    odd = insert("2026-02-12", language="xx")
    run_repair()
    rows = {s.pk: s for s in Source.objects.all()}
    assert rows[script].url == "" and "javascript:alert(1)" in rows[script].error
    assert rows[kept].url == "https://example.org/a" and rows[kept].error == ""
    assert rows[odd].language == "other" and "language xx" in rows[odd].error
    assert all(row.title == "t" and row.text == "text" for row in rows.values())
