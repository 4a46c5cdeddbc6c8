"""Hostile input against the real database: nothing lost, nothing stuck, no traceback.

For every batch (a fixed corpus of attacks, then generated ones): no exception escapes, each bad
input is named with a reason, the good inputs of the same batch are stored, nothing stored
before changes, and the API still lists and shows everything. Processing (the embedding model)
is not run: on_commit callbacks are never executed here, which storage and listing do not need.
"""

from __future__ import annotations

import io
import itertools
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from claims import services
from sources.models import Source
from sources.readers import ReadError, SourceInput

pytestmark = pytest.mark.django_db

ROW_FIELDS = ["id", "content_hash", "text", "title", "url", "publisher", "published_at", "language", "status"]
HYPOTHESIS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
_batch_number = itertools.count()


def stored_rows() -> dict[int, tuple]:
    return {row[0]: row for row in Source.objects.values_list(*ROW_FIELDS)}


def assert_api_answers() -> None:
    cache.clear()  # the API throttles count every request of a generated run; these checks are not what they limit
    api = APIClient()
    for url in ["/api/v1/sources/", "/api/v1/claims/", "/api/v1/clusters/"]:
        response = api.get(url, {"page_size": 500})
        assert response.status_code == 200, (url, response.content[:300])
    last = Source.objects.order_by("-id").values_list("pk", flat=True).first()
    if last is not None:
        assert api.get(f"/api/v1/sources/{last}/").status_code == 200


def run(*args) -> tuple[str, str, CommandError | None]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except CommandError as exc:
        return out.getvalue(), err.getvalue(), exc
    return out.getvalue(), err.getvalue(), None


def ingest(items: list[str]) -> tuple[list[SourceInput], list[ReadError]]:
    """The inputs stored and the errors reported, through the service the command uses."""
    stored, errors = [], []

    def on_item(item, result):
        (errors if result is None else stored).append(item)

    report = services.ingest_inputs(items, on_item=on_item)
    assert [e.origin for e in report.errors] == [e.origin for e in errors]
    return stored, errors


@pytest.fixture
def earlier(db):
    """Articles stored before the hostile batch, which must come out of it unchanged."""
    for n in range(3):
        services.ingest_source(
            SourceInput(text=f"Earlier article {n}: 12 million users were affected.", origin=f"earlier-{n}"),
            enqueue=False,
        )
    return stored_rows()


# --- A fixed corpus of the attacks that used to crash a batch -----------------------------------
def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


ATTACKS = {
    "nested.json": "[" * 100_000 + "]" * 100_000,
    "late_date.json": json.dumps({"text": "late", "published_at": "9999-12-31T23:59:59-14:00"}),
    "early_date.json": json.dumps({"text": "early", "published_at": "0001-01-01T00:00:00+14:00"}),
    "late_nul.txt": b"a" * 9000 + b"\x00",
    "escaped_nul.json": json.dumps({"text": "a\u0000b"}),
    "surrogate.json": '{"text": "a \\udc80 b"}',
    "long_url.json": json.dumps({"text": "u", "url": "https://example.org/" + "a" * 2000}),
    "js_url.json": json.dumps({"text": "j", "url": "javascript:alert(1)"}),
    "big_number.json": '{"text": "n", "title": ' + "7" * 5000 + "}",
}


def test_each_attack_in_a_directory_is_named_and_the_good_files_around_it_are_stored(earlier, tmp_path):
    write(tmp_path / "a_good.txt", "A good article: 3 million users were affected.")
    for name, content in ATTACKS.items():
        write(tmp_path / name, content)
    write(tmp_path / "z_good.txt", "Another good article: 4 million users were affected.")
    _out, err, failed = run("ingest", str(tmp_path))
    assert failed is not None  # non-zero exit status, and no traceback
    for name in ATTACKS:
        assert any(name in line and "error" in line for line in err.splitlines()), name
    origins = set(Source.objects.values_list("origin", flat=True))
    assert {str(tmp_path / "a_good.txt"), str(tmp_path / "z_good.txt")} <= origins
    assert not {str(tmp_path / name) for name in ATTACKS} & origins
    assert {pk: row for pk, row in stored_rows().items() if pk in earlier} == earlier
    assert_api_answers()


def test_a_bad_manifest_entry_refuses_its_file_and_leaves_the_others(db, tmp_path):
    write(tmp_path / "one.txt", "Article one")
    write(tmp_path / "two.txt", "Article two")
    write(tmp_path / "three.txt", "Article three")
    write(
        tmp_path / "manifest.json",
        json.dumps(
            [
                {"file": "one.txt", "title": 123},
                {"file": "two.txt", "language": "x" * 40, "url": "javascript:alert(1)"},
                {"file": "three.txt", "publisher": "P", "language": "en"},
            ]
        ),
    )
    _stored, errors = ingest([str(tmp_path)])
    assert sorted(Path(e.origin).name for e in errors) == ["one.txt", "two.txt"]
    assert all("manifest.json entry" in e.reason for e in errors)
    [three] = Source.objects.all()
    assert (three.origin, three.publisher, three.language) == (str(tmp_path / "three.txt"), "P", "en")


def test_a_row_the_database_refuses_is_an_error_and_the_others_in_the_batch_are_stored(earlier):
    # import_statements takes already-read statements (future API bodies, feeds): the schema is not
    # between them and the database, so PostgreSQL itself refuses the NUL.
    items = [
        SourceInput(text="Before the bad row", origin="first"),
        SourceInput(text="bad \x00 row", origin="bad"),
        SourceInput(text="After the bad row", origin="last"),
    ]
    report = services.import_statements(items)
    [error] = report.errors
    assert error.origin == "bad" and error.reason.startswith("not stored:")
    assert {s.origin for s in report.created} == {"first", "last"}
    assert set(Source.objects.values_list("origin", flat=True)) >= {"first", "last"}
    assert {pk: row for pk, row in stored_rows().items() if pk in earlier} == earlier


def test_jsonl_attacks_are_named_by_line_and_the_good_lines_are_imported(db, tmp_path):
    path = write(
        tmp_path / "claims.jsonl",
        b'{"text": "Good claim one"}\n'
        + b'{"text": "raw \x00 nul"}\n'
        + json.dumps({"text": "separators \u2028 \x85 \x1c inside"}, ensure_ascii=False).encode()
        + b"\r\n"
        + json.dumps({"text": "x" * 30_000}).encode()
        + b"\n"
        + json.dumps({"text": "late", "published_at": "9999-12-31T23:59:59-14:00"}).encode()
        + b'\n{"text": "Good claim two"}\n',
    )
    _out, err, failed = run("import_claims", str(path))
    assert failed is not None
    for line in (2, 4, 5):
        assert f"{path}:{line}:" in err
    assert set(Source.objects.values_list("text", flat=True)) == {
        "Good claim one",
        "separators \u2028 \x85 \x1c inside",
        "Good claim two",
    }
    assert_api_answers()


# --- Generated hostile input ------------------------------------------------------------------
ODD_CHARACTERS = ["\x00", "\ud800", "\udfff", "\u2028", "\u2029", "\x85", "\x1c", "\r", "\ufeff", "\u202e", " "]
# A list joined, not st.text: st.text drops lone surrogates from a mixed alphabet.
odd_text = st.lists(st.sampled_from(ODD_CHARACTERS) | st.characters(codec="utf-8"), max_size=30).map("".join)
zones = st.builds(
    timezone, st.timedeltas(min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23, minutes=59))
)
dates = st.one_of(
    st.datetimes(timezones=zones).map(datetime.isoformat),
    st.dates().map(str),
    st.sampled_from(["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "yesterday", ""]),
    odd_text,
    st.integers(),
)
urls = st.one_of(
    st.sampled_from(["https://example.org/a", "http://example.org/b?c=d", "javascript:alert(1)", "ftp://x", "http://"]),
    st.integers(1, 3000).map(lambda n: "https://example.org/" + "a" * n),
    odd_text.map(lambda t: "https://example.org/" + t),
)
field_values = {
    "text": st.one_of(odd_text, st.just("A plain article text: 5 million users.")),
    "title": st.one_of(odd_text, st.integers(400, 600).map(lambda n: "t" * n), st.integers()),
    "url": urls,
    "publisher": st.one_of(odd_text, st.lists(st.text(max_size=3), max_size=2), st.integers(150, 250).map("p".__mul__)),
    "published_at": dates,
    "language": st.one_of(st.sampled_from(["ar", "en", "mixed", "other", "xx", ""]), odd_text, st.integers()),
}
articles = st.fixed_dictionaries({}, optional=field_values)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | odd_text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(odd_text, children, max_size=4),
    max_leaves=12,
)
json_documents = st.one_of(
    articles.map(lambda a: json.dumps(a, ensure_ascii=False)),
    st.lists(articles, max_size=3).map(lambda a: json.dumps(a)),
    json_values.map(json.dumps),
    st.integers(1, 50_000).map(lambda depth: "[" * depth + "]" * depth),
    odd_text,
)
file_contents = st.one_of(
    json_documents.map(lambda text: ("json", text.encode("utf-8", "surrogatepass"))),
    odd_text.map(lambda text: ("txt", text.encode("utf-8", "surrogatepass"))),
    st.binary(max_size=64).map(lambda data: ("txt", data)),
)
manifests = st.one_of(
    st.lists(st.fixed_dictionaries({"file": st.just("good_0.txt")}, optional=field_values), max_size=2),
    json_values,
)


def fresh_directory(root: Path) -> Path:
    directory = root / f"batch{next(_batch_number)}"
    directory.mkdir()
    return directory


@HYPOTHESIS
@given(contents=st.lists(file_contents, min_size=1, max_size=4), manifest=st.none() | manifests)
def test_generated_files_never_escape_and_never_cost_a_good_file(earlier, tmp_path, contents, manifest):
    directory = fresh_directory(tmp_path)
    good = [write(directory / f"good_{n}.txt", f"Good article {directory.name}-{n}: 9 million users.") for n in (0, 1)]
    hostile = [write(directory / f"hostile_{n}.{kind}", data) for n, (kind, data) in enumerate(contents)]
    if manifest is not None:
        write(directory / "manifest.json", json.dumps(manifest))
    stored, errors = ingest([str(directory)])
    named = {Path(e.origin.split("[")[0]) for e in errors}
    assert all(e.reason for e in errors)
    for path in hostile:  # every hostile file is stored or named
        assert path in named or any(s.origin.startswith(str(path)) for s in stored), path
    # the good files go in unless the manifest refused them by name
    for path in good:
        assert path in named or Source.objects.filter(origin=str(path)).exists(), path
    assert {pk: row for pk, row in stored_rows().items() if pk in earlier} == earlier
    assert_api_answers()


claim_lines = st.one_of(
    st.fixed_dictionaries({}, optional={**field_values, "source_url": urls}).map(
        lambda c: json.dumps(c, ensure_ascii=False)
    ),
    json_values.map(json.dumps),
    odd_text,
).filter(lambda line: "\n" not in line)


@HYPOTHESIS
@given(lines=st.lists(claim_lines, min_size=1, max_size=6))
def test_generated_jsonl_lines_are_each_imported_or_named_by_number(earlier, tmp_path, lines):
    directory = fresh_directory(tmp_path)
    good = f"Good claim {directory.name}"
    lines = [json.dumps({"text": good}), *lines]
    path = write(directory / "claims.jsonl", "\n".join(lines).encode("utf-8", "surrogatepass"))
    outcome = {}

    def on_item(item, result):
        outcome[item.origin] = result

    services.import_claims(str(path), on_item=on_item)
    for number, line in enumerate(lines, start=1):
        raw = line.encode("utf-8", "surrogatepass").removesuffix(b"\r")
        if raw.strip():
            assert f"{path}:{number}" in outcome, (number, line)
    assert outcome[f"{path}:1"] is not None and Source.objects.filter(text=good).exists()
    assert {pk: row for pk, row in stored_rows().items() if pk in earlier} == earlier
    assert_api_answers()


@HYPOTHESIS
@given(published_at=dates)
def test_whatever_date_an_article_gives_every_stored_date_reads_back(db, tmp_path, published_at):
    directory = fresh_directory(tmp_path)  # a new text each time: the same text is stored once
    path = write(directory / "a.json", json.dumps({"text": f"dated {directory.name}", "published_at": published_at}))
    stored, errors = ingest([str(path)])
    assert len(stored) + len(errors) == 1
    for value in Source.objects.values_list("published_at", flat=True):
        assert value is None or 1900 <= value.astimezone(UTC).year <= 2100
    assert_api_answers()


def test_a_statement_that_cannot_even_be_hashed_is_an_error_not_a_crash(db):
    report = services.import_statements([SourceInput(text="lone \ud800", origin="odd"), SourceInput("fine", "ok")])
    assert [e.origin for e in report.errors] == ["odd"] and report.errors[0].reason.startswith("not stored:")
    assert [s.origin for s in report.created] == ["ok"]


@pytest.mark.django_db(transaction=True)
def test_an_article_stored_whose_in_process_processing_fails_is_reported_as_stored_and_failed(tmp_path, monkeypatch):
    # Without a broker, processing runs in-process right after each article's commit, and its
    # failure used to escape ingest. The model is not loaded: extraction fails first.
    import numpy as np

    from claims.services import ingest as ingest_service

    def broken_extraction(source):
        raise RuntimeError("extraction broke")

    monkeypatch.setattr(ingest_service, "_extract", broken_extraction)
    monkeypatch.setattr(ingest_service, "embed", lambda texts: np.zeros((0, 8)))
    write(tmp_path / "a.txt", "First article: 3 million users were affected.")
    write(tmp_path / "b.txt", "Second article: 4 million users were affected.")
    _out, err, failed = run("ingest", str(tmp_path))
    assert failed is not None
    for source in Source.objects.all():
        assert source.status == "failed" and "extraction broke" in source.error
        assert f"stored as source {source.pk}, but processing failed: RuntimeError: extraction broke" in err
    assert Source.objects.count() == 2


def test_an_editor_cannot_save_a_date_or_url_the_schema_refuses(db):
    from sources.admin import SourceForm

    source = Source.objects.create(text="t", content_hash="h", title="T", language="en")
    fields = {"kind": "article", "title": "T", "publisher": "", "language": "en"}
    bad = SourceForm(
        data={**fields, "url": "ftp://example.org/x", "published_at": "9999-12-31 23:59:59"},
        instance=source,
    )
    assert not bad.is_valid()
    assert set(bad.errors) == {"url", "published_at"}
    good = SourceForm(
        data={**fields, "url": "https://example.org/x", "published_at": "2026-02-12 10:00:00"},
        instance=source,
    )
    assert good.is_valid(), good.errors


# --- The write API: the same schema, answered as field errors ----------------------------------
api_bodies = st.one_of(
    articles,
    articles.map(lambda a: {**a, "url": "https://example.org/x"} if "text" not in a else a),
    json_values,
)


@pytest.fixture
def writer(earlier, django_user_model):
    from clients import services as client_services

    editor = django_user_model.objects.create_user("hostile-writer", password="unused-password-1234")
    token = client_services.create_token("hostile client", "write", editor)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token.plaintext}")
    return api


@HYPOTHESIS
@given(body=api_bodies, raw=st.booleans())
@example(body={"text": "x", "\ud800": 1}, raw=False)  # an error naming a field that cannot be encoded (was a 500)
def test_generated_api_posts_are_accepted_or_refused_by_field_and_never_cost_what_is_stored(
    earlier, writer, settings, body, raw
):
    settings.FACTCHECK_API_FETCH_PRIVATE = False  # a generated URL is never fetched from here
    cache.clear()
    before = stored_rows()
    # raw: UTF-8 bytes as sent, lone surrogates and all (not UTF-8: the parser must refuse them);
    # else escaped (\ud800 is valid JSON that decodes to a string the database cannot store).
    content = json.dumps(body, ensure_ascii=not raw).encode("utf-8", "surrogatepass")
    response = writer.generic("POST", "/api/v1/sources/", content, content_type="application/json")
    assert response.status_code in (200, 202, 400, 413), (response.status_code, response.content[:300])
    if response.status_code == 400:
        assert response.json(), "a refusal names what is wrong"
        assert stored_rows() == before  # nothing stored
    assert {pk: row for pk, row in stored_rows().items() if pk in earlier} == earlier
    assert_api_answers()
