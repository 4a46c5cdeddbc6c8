"""The clients' API: tokens and scopes, writes (articles, claims, editors' decisions), search by
meaning across languages, check-worthiness, exports and the docs, on the real database and model."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from claims.choices import LinkKind
from claims.models import Claim, ClaimLink, Cluster
from clients import services as client_services
from clients.models import ApiToken, IdempotencyRecord
from sources.models import Source

pytestmark = pytest.mark.django_db

ENGLISH = (
    "The floods in Derna killed 11,300 people, the Libyan Red Crescent said on Thursday. "
    "Rescue teams are still searching the city."
)
ARABIC = (
    "قال الهلال الأحمر الليبي يوم الخميس إن الفيضانات في درنة أودت بحياة 11300 شخص. "
    "وما زالت فرق الإنقاذ تبحث في المدينة."
)
UNRELATED = "Telegram has 60 million users in Iran, the company said in a statement on Monday."


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_client(django_user_model):
    """An API client holding a new token of `scope`, created by an editor account."""
    editor = django_user_model.objects.create_user("api-editor", password="unused-password-1234")

    def make(scope: str = "write") -> APIClient:
        new = client_services.create_token(f"{scope} client", scope, editor)
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {new.plaintext}")
        api.token = new.token
        return api

    return make


@pytest.fixture
def writer(make_client):
    return make_client("write")


@pytest.fixture
def editor_client(make_client):
    return make_client("editor")


def post_article(api, body, capture, **headers):
    with capture(execute=True):
        return api.post("/api/v1/sources/", body, format="json", **headers)


@pytest.fixture
def three_articles(writer, django_capture_on_commit_callbacks):
    """An English and an Arabic article stating the same toll, and an unrelated English one, processed."""
    ids = {}
    for name, text, language in [("en", ENGLISH, "en"), ("ar", ARABIC, "ar"), ("other", UNRELATED, "en")]:
        response = post_article(
            writer, {"text": text, "language": language, "publisher": f"P-{name}"}, django_capture_on_commit_callbacks
        )
        assert response.status_code == 202, response.content
        ids[name] = response.json()["id"]
    assert set(Source.objects.values_list("status", flat=True)) == {"processed"}
    return ids


# --- tokens, scopes, throttles ------------------------------------------------------------------

WRITES = [
    ("/api/v1/sources/", {"text": "The ministry said 40 people died."}),
    ("/api/v1/claims/import/", [{"text": "The ministry said 40 people died."}]),
    ("/api/v1/sources/batch/", [{"text": "The ministry said 40 people died."}]),
]


@pytest.mark.parametrize(("url", "body"), WRITES)
def test_a_write_without_a_token_is_401_with_a_bearer_challenge_and_stores_nothing(url, body):
    response = APIClient().post(url, body, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not Source.objects.exists()


@pytest.mark.parametrize(("url", "body"), WRITES)
def test_a_read_token_may_not_write(make_client, url, body):
    assert make_client("read").post(url, body, format="json").status_code == 403
    assert not Source.objects.exists()


def test_a_revoked_or_unknown_token_is_401(writer):
    client_services.revoke_token(writer.token)
    assert writer.post(*WRITES[0], format="json").status_code == 401
    assert writer.get("/api/v1/sources/").status_code == 401
    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION="Bearer fc_not-a-token")
    assert stranger.get("/api/v1/sources/").status_code == 401


def test_the_token_keyword_works_too_and_only_the_hash_is_stored(writer, django_user_model):
    out = io.StringIO()
    call_command("create_token", "nightly import", "--scope", "write", stdout=out, stderr=io.StringIO())
    plaintext = out.getvalue().strip()
    token = ApiToken.objects.get(name="nightly import")
    assert token.scope == "write" and plaintext.startswith(token.prefix)
    assert token.secret_hash == client_services.hash_token(plaintext) and plaintext not in token.secret_hash
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {plaintext}")
    assert api.get("/api/v1/sources/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_the_admin_shows_a_new_token_once_and_revokes_tokens(admin_client):
    response = admin_client.post(
        "/admin/clients/apitoken/add/", {"name": "newsroom bot", "scope": "editor"}, follow=True
    )
    token = ApiToken.objects.get(name="newsroom bot")
    shown = [str(m) for m in response.context["messages"]]
    plaintext = next(word for m in shown for word in m.split() if word.startswith(token.prefix))
    assert client_services.authenticate_token(plaintext) == token
    assert plaintext not in admin_client.get(f"/admin/clients/apitoken/{token.pk}/change/").content.decode()
    admin_client.post("/admin/clients/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}, follow=True)
    assert client_services.authenticate_token(plaintext) is None


def test_with_anonymous_reading_off_reads_need_a_token(settings, make_client):
    settings.FACTCHECK_API_ANONYMOUS_READ = False
    assert APIClient().get("/api/v1/clusters/").status_code == 401
    assert make_client("read").get("/api/v1/clusters/").status_code == 200


def test_each_token_has_its_own_rate_and_over_it_gets_429_with_retry_after(settings, make_client):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {**rates, "token": "2/minute"}}
    busy, other = make_client("read"), make_client("read")
    assert [busy.get("/api/v1/sources/").status_code for _ in range(2)] == [200, 200]
    response = busy.get("/api/v1/sources/", REMOTE_ADDR="198.51.100.7")  # another address: still this token
    assert response.status_code == 429 and 0 < int(response["Retry-After"]) <= 60
    assert other.get("/api/v1/sources/").status_code == 200


# --- posting articles ---------------------------------------------------------------------------


def test_a_posted_article_is_accepted_processed_on_the_worker_and_followed_at_its_status_url(
    writer, django_capture_on_commit_callbacks
):
    body = {"text": ENGLISH, "title": "Derna", "publisher": "Wire", "published_at": "2023-09-14", "language": "en"}
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = writer.post("/api/v1/sources/", body, format="json")
    assert response.status_code == 202, response.content
    answer = response.json()
    assert answer["created"] and answer["queued"] and answer["status"] == "pending" and len(queued) == 1
    assert response["Location"] == answer["status_url"] and answer["status_url"].endswith(f"/sources/{answer['id']}/")
    for callback in queued:  # what the worker does
        callback()
    status = writer.get(answer["status_url"]).json()
    assert status["status"] == "processed" and status["claim_count"] >= 1 and status["error"] == ""
    assert status["publisher"] == "Wire" and status["published_at"].startswith("2023-09-14")


def test_posting_the_same_article_again_returns_the_same_source_without_a_second_copy(
    writer, django_capture_on_commit_callbacks
):
    first = post_article(writer, {"text": UNRELATED}, django_capture_on_commit_callbacks)
    again = post_article(writer, {"text": "  " + UNRELATED + "\n"}, django_capture_on_commit_callbacks)
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["id"] == first.json()["id"] and not again.json()["created"] and not again.json()["queued"]
    assert Source.objects.count() == 1


def test_an_idempotency_key_replays_the_first_answer_and_refuses_another_body(
    writer, django_capture_on_commit_callbacks
):
    key = {"HTTP_IDEMPOTENCY_KEY": "order-42"}
    first = post_article(writer, {"text": UNRELATED}, django_capture_on_commit_callbacks, **key)
    replay = post_article(writer, {"text": UNRELATED}, django_capture_on_commit_callbacks, **key)
    assert replay.status_code == first.status_code == 202 and replay.json() == first.json()
    assert replay["Idempotent-Replayed"] == "true"
    other = post_article(writer, {"text": ENGLISH}, django_capture_on_commit_callbacks, **key)
    assert other.status_code == 422 and "Idempotency-Key" in other.json()["detail"]
    assert Source.objects.count() == 1 and IdempotencyRecord.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"text"}),
        ({"text": "   "}, {"text"}),
        ({"text": 5}, {"text"}),
        ({"text": "A claim.", "language": "fr", "published_at": "yesterday", "url": "ftp://x.org/a"},
         {"language", "published_at", "url"}),
        ({"text": "A claim.", "title": "x\x00y", "publisher": "p" * 201, "colour": "red"},
         {"title", "publisher", "colour"}),
        ({"text": "A claim.", "published_at": "0001-01-01T00:00:00+14:00"}, {"published_at"}),
    ],
)  # fmt: skip
def test_bad_input_is_a_400_naming_each_field_and_stores_nothing(writer, body, fields):
    response = writer.post("/api/v1/sources/", body, format="json")
    assert response.status_code == 400, response.content
    assert set(response.json()) == fields
    assert not Source.objects.exists()


@pytest.mark.parametrize("body", [b"[1, 2]", b"{not json", b'"text"', b'{"text": "bad \\ud800 text"}', b"\xff\xfe"])
def test_a_body_that_is_not_a_json_object_of_valid_text_is_a_400(writer, body):
    response = writer.generic("POST", "/api/v1/sources/", body, content_type="application/json")
    assert response.status_code == 400 and not Source.objects.exists()


def test_a_body_over_the_limit_is_a_413_and_a_text_over_the_source_limit_a_400(settings, writer):
    settings.FACTCHECK_MAX_SOURCE_BYTES = 1000
    settings.FACTCHECK_API_MAX_BODY_BYTES = 4000
    assert writer.post("/api/v1/sources/", {"text": "x" * 5000}, format="json").status_code == 413
    response = writer.post("/api/v1/sources/", {"text": "ب" * 600}, format="json")  # 1,200 bytes of UTF-8
    assert response.status_code == 400 and "text" in response.json()
    assert not Source.objects.exists()


class _Page(BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self):
        type(self).hits += 1
        body = f"<html><head><title>Derna toll</title></head><body><article><p>{ENGLISH}</p></article></body></html>"
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def page_server(settings):
    settings.FACTCHECK_API_FETCH_PRIVATE = True  # the test's server listens on 127.0.0.1
    _Page.hits = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/derna"
    server.shutdown()
    server.server_close()


def test_a_posted_url_is_fetched_on_the_worker_not_in_the_request(
    writer, page_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = writer.post("/api/v1/sources/", {"url": page_server, "publisher": "Wire"}, format="json")
    assert response.status_code == 202 and _Page.hits == 0
    with django_capture_on_commit_callbacks(execute=True):
        for callback in queued:
            callback()
    assert _Page.hits == 1
    status = writer.get(response.json()["status_url"]).json()
    assert status["status"] == "processed" and status["claim_count"] >= 1
    assert (status["title"], status["publisher"], status["url"]) == ("Derna toll", "Wire", page_server)
    again = post_article(writer, {"url": page_server}, django_capture_on_commit_callbacks)
    assert again.status_code == 200 and again.json()["id"] == response.json()["id"] and _Page.hits == 1


def test_a_posted_url_on_a_private_address_is_refused_without_a_request(
    writer, page_server, settings, django_capture_on_commit_callbacks
):
    settings.FACTCHECK_API_FETCH_PRIVATE = False
    response = post_article(writer, {"url": page_server}, django_capture_on_commit_callbacks)
    status = writer.get(response.json()["status_url"]).json()
    assert status["status"] == "failed" and "127.0.0.1 is not public" in status["error"] and _Page.hits == 0


def test_an_unreachable_url_fails_with_its_reason_at_the_status_url(writer, django_capture_on_commit_callbacks):
    response = post_article(writer, {"url": "http://127.0.0.1:9/nothing"}, django_capture_on_commit_callbacks)
    status = writer.get(response.json()["status_url"]).json()
    assert status["status"] == "failed" and "cannot fetch" in status["error"]


# --- posting several articles at once -----------------------------------------------------------

BATCH = [
    {"text": ENGLISH, "title": "Derna", "publisher": "Wire", "language": "en"},
    {"text": ARABIC, "url": "https://example.org/derna-ar"},
    {"text": UNRELATED},
]


def test_a_batch_of_articles_gets_a_result_each_and_is_processed_in_one_task(
    writer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = writer.post("/api/v1/sources/batch/", BATCH, format="json")
    assert response.status_code == 202, response.content
    answer = response.json()
    assert (answer["created"], answer["existing"], answer["errors"]) == (3, 0, 0)
    assert [(r["index"], r["result"], r["queued"]) for r in answer["results"]] == [
        (n, "created", True) for n in range(3)
    ]
    assert len(queued) == 1  # the three articles' processing is one task, not three
    sources = Source.objects.in_bulk([r["source"] for r in answer["results"]])
    first = sources[answer["results"][0]["source"]]
    assert (first.title, first.publisher, first.language) == ("Derna", "Wire", "en")
    assert sources[answer["results"][1]["source"]].url == "https://example.org/derna-ar"

    with django_capture_on_commit_callbacks(execute=True):
        queued[0]()  # the worker's run
    assert set(Source.objects.values_list("status", flat=True)) == {"processed"}
    assert Claim.objects.filter(source_id__in=sources).exists()

    again = writer.post("/api/v1/sources/batch/", [BATCH[2]], format="json")
    assert again.status_code == 200
    assert again.json()["results"] == [
        {"index": 0, "result": "existing", "source": answer["results"][2]["source"], "queued": False, "reason": ""}
    ]


def test_a_batch_mixing_texts_and_urls_fetches_the_urls_on_the_worker(writer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = writer.post(
            "/api/v1/sources/batch/", [{"url": "https://example.org/later"}, BATCH[0]], format="json"
        )
    assert response.status_code == 202, response.content
    placeholder = Source.objects.get(pk=response.json()["results"][0]["source"])
    assert placeholder.text == "" and placeholder.url == "https://example.org/later"
    assert len(queued) == 2  # the URL's fetch, and the text's processing


def test_a_bad_item_refuses_the_batch_by_position_and_stores_nothing(settings, writer):
    bad = [BATCH[0], {"title": "no text"}, {"text": "x", "url": "javascript:alert(1)"}]
    response = writer.post("/api/v1/sources/batch/", bad, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"1", "2"} and "text" in errors["1"] and "url" in errors["2"]
    assert writer.post("/api/v1/sources/batch/", [], format="json").status_code == 400
    assert writer.post("/api/v1/sources/batch/", BATCH[0], format="json").status_code == 400  # one, not a list
    settings.FACTCHECK_API_MAX_BATCH_ARTICLES = 2
    over = writer.post("/api/v1/sources/batch/", BATCH, format="json")
    assert over.status_code == 400 and "2" in json.dumps(over.json())
    assert not Source.objects.exists()


def test_an_article_the_database_refuses_fails_alone_with_its_reason(
    writer, monkeypatch, django_capture_on_commit_callbacks
):
    from claims.services import ingest

    stored = writer.post("/api/v1/sources/", {"text": UNRELATED}, format="json").json()["id"]
    store = ingest.ingest_source

    def refusing(item, *args, **kwargs):
        if item.text == ARABIC:
            raise ValueError("refused by the database")
        return store(item, *args, **kwargs)

    monkeypatch.setattr(ingest, "ingest_source", refusing)
    with django_capture_on_commit_callbacks(execute=False):
        response = writer.post("/api/v1/sources/batch/", BATCH, format="json")
    assert response.status_code == 202
    results = response.json()["results"]
    assert [r["result"] for r in results] == ["created", "error", "existing"]
    assert results[1]["source"] is None and results[1]["reason"] == "not stored: ValueError: refused by the database"
    assert results[2]["source"] == stored and Source.objects.count() == 2


@pytest.mark.parametrize(("value", "message"), [("0", "below the minimum 1"), ("many", "not a whole number")])
def test_a_bad_bound_on_a_batch_stops_the_service_from_starting(value, message):
    env = {**os.environ, "FACTCHECK_API_MAX_BATCH_ARTICLES": value}
    run = subprocess.run(
        [sys.executable, "-c", "import factcheck.settings"], env=env, capture_output=True, text=True, timeout=60
    )
    assert run.returncode != 0 and "FACTCHECK_API_MAX_BATCH_ARTICLES" in run.stderr and message in run.stderr


def test_a_batch_costs_a_fixed_number_of_queries_per_article(writer, django_assert_num_queries):
    # The token read (and, on its first use, its last-use stamp) and one statement stamping the batch
    # queued; then six an article: its lookup and insert, each in a savepoint (get_or_create), so
    # one the database refuses fails alone.
    with django_assert_num_queries(3 + 6):
        response = writer.post("/api/v1/sources/batch/", BATCH[:1], format="json")
    assert response.status_code == 202
    with django_assert_num_queries(2 + 6 * 2):
        response = writer.post("/api/v1/sources/batch/", BATCH[1:], format="json")
    assert response.status_code == 202


# --- importing claims ---------------------------------------------------------------------------


def test_imported_claims_get_a_result_each_and_a_second_import_finds_them(writer, django_capture_on_commit_callbacks):
    claims = [
        {"text": "Unemployment in Jordan reached 22 percent in 2023.", "publisher": "Fatabyyano",
         "source_url": "https://example.org/a", "published_at": "2024-01-02", "language": "en"},
        {"text": "بلغت نسبة البطالة في الأردن 22 بالمئة عام 2023."},
    ]  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = writer.post("/api/v1/claims/import/", claims, format="json")
    assert response.status_code == 202, response.content
    answer = response.json()
    assert (answer["created"], answer["existing"], answer["errors"]) == (2, 0, 0)
    assert [r["result"] for r in answer["results"]] == ["created", "created"]
    assert Claim.objects.filter(source_id__in=[r["source"] for r in answer["results"]]).count() == 2
    again = writer.post("/api/v1/claims/import/", claims[:1], format="json")
    assert again.status_code == 200 and again.json()["results"][0]["result"] == "existing"


def test_one_bad_claim_refuses_the_import_by_position_and_stores_nothing(writer):
    claims = [{"text": "Fine claim of 5 million."}, {"text": ""}, {"text": "x", "source_url": "javascript:alert(1)"}]
    response = writer.post("/api/v1/claims/import/", claims, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"1", "2"} and "text" in errors["1"] and "source_url" in errors["2"]
    assert not Source.objects.exists()
    assert writer.post("/api/v1/claims/import/", [], format="json").status_code == 400


# --- editors' decisions -------------------------------------------------------------------------


def test_editor_actions_need_the_editor_scope_and_go_through_the_admins_services(writer, editor_client, three_articles):
    english = Claim.objects.filter(source_id=three_articles["en"]).first()
    unrelated = Claim.objects.filter(source_id=three_articles["other"]).first()
    cluster = english.cluster
    assert writer.post(f"/api/v1/clusters/{cluster.pk}/verdict/", {"verdict": "true"}, format="json").status_code == 403
    response = editor_client.post(
        f"/api/v1/clusters/{cluster.pk}/verdict/", {"verdict": "false", "note": "Toll revised"}, format="json"
    )
    assert response.status_code == 200 and response.json()["verdict"] == "false"
    cluster.refresh_from_db()
    assert (cluster.verdict, cluster.verdict_note, cluster.verdict_by.username) == (
        "false",
        "Toll revised",
        "api-editor",
    )
    assert (
        editor_client.post(f"/api/v1/clusters/{cluster.pk}/verdict/", {"verdict": "maybe"}, format="json").status_code
        == 400
    )

    same = editor_client.post(f"/api/v1/claims/{english.pk}/same/", {"claim": unrelated.pk}, format="json")
    assert same.status_code == 200
    placed = {c["id"]: c["cluster"] for c in same.json()["claims"]}
    assert placed[english.pk] == placed[unrelated.pk]
    assert ClaimLink.objects.get(claim_a=min(english.pk, unrelated.pk)).kind == LinkKind.SAME

    apart = editor_client.post(f"/api/v1/claims/{english.pk}/not-same/", {"claim": unrelated.pk}, format="json")
    assert apart.status_code == 409 and "the same claim" in apart.json()["detail"]  # reverses the decision above
    assert ClaimLink.objects.get(claim_a=min(english.pk, unrelated.pk)).kind == LinkKind.SAME
    apart = editor_client.post(
        f"/api/v1/claims/{english.pk}/not-same/", {"claim": unrelated.pk, "confirm": True}, format="json"
    )
    assert apart.status_code == 200
    placed = {c["id"]: c["cluster"] for c in apart.json()["claims"]}
    assert placed[english.pk] != placed[unrelated.pk]
    assert ClaimLink.objects.get(claim_a=min(english.pk, unrelated.pk)).kind == LinkKind.DIFFERENT

    missing = editor_client.post(f"/api/v1/claims/{english.pk}/same/", {"claim": 2**40}, format="json")
    assert missing.status_code == 400 and "claim" in missing.json()
    itself = editor_client.post(f"/api/v1/claims/{english.pk}/same/", {"claim": english.pk}, format="json")
    assert itself.status_code == 400


# --- search and check-worthiness ----------------------------------------------------------------


def test_an_arabic_query_finds_the_english_claim_before_an_unrelated_one(three_articles):
    api = APIClient()
    with CaptureQueriesContext(connection) as queries:
        response = api.get("/api/v1/claims/search/", {"q": "كم عدد ضحايا فيضانات درنة؟"})
    assert response.status_code == 200
    # savepoint, SET LOCAL x2, the kNN, release, the claims with their sources and clusters
    assert len(queries) == 6, [q["sql"] for q in queries]
    results = response.json()["results"]
    rank = {r["source"]["id"]: n for n, r in reversed(list(enumerate(results)))}
    assert rank[three_articles["en"]] < rank[three_articles["other"]]
    assert rank[three_articles["ar"]] < rank[three_articles["other"]]
    top = results[0]
    assert {"similarity", "cluster", "cluster_status", "cluster_verdict", "text"} <= set(top)
    assert top["cluster_status"] == Cluster.objects.get(pk=top["cluster"]).status
    assert [r["similarity"] for r in results] == sorted((r["similarity"] for r in results), reverse=True)


def test_search_filters_by_language_publisher_and_status(three_articles):
    api = APIClient()
    english = api.get("/api/v1/claims/search/", {"q": "Derna floods", "language": "en"}).json()["results"]
    assert english and {r["language"] for r in english} == {"en"}
    wire = api.get("/api/v1/claims/search/", {"q": "Derna floods", "publisher": "P-ar"}).json()["results"]
    assert wire and {r["source"]["id"] for r in wire} == {three_articles["ar"]}
    assert api.get("/api/v1/claims/search/", {"q": "Derna", "status": "contradiction"}).json()["count"] == 0
    Source.objects.filter(pk=three_articles["ar"]).update(published_at="2020-01-01T00:00:00Z")
    recent = api.get("/api/v1/claims/search/", {"q": "Derna floods", "max_age_days": 30}).json()["results"]
    assert recent and three_articles["ar"] not in {r["source"]["id"] for r in recent}
    assert api.get("/api/v1/claims/search/", {"q": "Derna", "page_size": 1}).json()["count"] == 1


@pytest.mark.parametrize(
    "params",
    [{}, {"q": ""}, {"q": "   "}, {"q": "x" * 1001}, {"q": "a", "max_age_days": "0"}, {"q": "a", "status": "x"}],
)
def test_a_bad_search_is_a_400_naming_the_parameter(db, params):
    response = APIClient().get("/api/v1/claims/search/", params)
    assert response.status_code == 400
    assert set(response.json()) <= {"q", "max_age_days", "status"} and response.json()


def test_checkworthiness_scores_any_text_without_storing_it(db):
    text = "Officials said 11,300 people died in Derna. We hope for better days."
    response = APIClient().post("/api/v1/checkworthiness/", {"text": text}, format="json")
    assert response.status_code == 200, response.content
    claims = response.json()["claims"]
    toll = next(c for c in claims if "11,300" in c["text"])
    assert text[toll["start"] : toll["end"]] == toll["text"]
    assert toll["check_worthy"] and toll["checkworthiness"] > 0.3 and toll["reasons"]
    assert toll["quantity"]["value"] == 11300
    assert not Source.objects.exists() and not Claim.objects.exists()
    assert APIClient().post("/api/v1/checkworthiness/", {"text": " "}, format="json").status_code == 400


# --- exports ------------------------------------------------------------------------------------


def read(response) -> str:
    assert response.status_code == 200, response.content if hasattr(response, "content") else response
    return b"".join(response.streaming_content).decode("utf-8")


def test_claims_export_as_csv_and_jsonl_honouring_the_filters(three_articles):
    api = APIClient()
    rows = list(csv.DictReader(io.StringIO(read(api.get("/api/v1/claims/export.csv")))))
    assert [int(r["id"]) for r in rows] == list(Claim.objects.order_by("id").values_list("pk", flat=True))
    arabic = list(csv.DictReader(io.StringIO(read(api.get("/api/v1/claims/export.csv", {"language": "ar"})))))
    assert arabic and {r["language"] for r in arabic} == {"ar"}
    lines = read(api.get("/api/v1/claims/export.jsonl", {"source": three_articles["en"]})).splitlines()
    records = [json.loads(line) for line in lines]
    assert records and {r["source"]["id"] for r in records} == {three_articles["en"]}


def test_exports_take_one_query_whatever_their_length(three_articles, django_assert_num_queries):
    api = APIClient()
    with django_assert_num_queries(1):
        body = read(api.get("/api/v1/clusters/export.jsonl"))
    assert len(body.splitlines()) == Cluster.objects.count()
    with django_assert_num_queries(1):
        rows = list(csv.DictReader(io.StringIO(read(api.get("/api/v1/claims/export.csv")))))
    assert len(rows) == Claim.objects.count()


def test_a_csv_cell_a_spreadsheet_would_run_is_defused(writer, django_capture_on_commit_callbacks):
    formula = '=HYPERLINK("http://evil.example","5 million people")'
    with django_capture_on_commit_callbacks(execute=True):
        writer.post("/api/v1/claims/import/", [{"text": formula, "publisher": "@mention"}], format="json")
    rows = list(csv.DictReader(io.StringIO(read(APIClient().get("/api/v1/claims/export.csv")))))
    assert rows[0]["text"] == "'" + formula and rows[0]["publisher"] == "'@mention"


# --- docs ---------------------------------------------------------------------------------------


def test_the_docs_page_loads_the_schema_and_its_scripts_locally(db):
    api = APIClient()
    page = api.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/api/v1/schema/" in html and "cdn" not in html.lower()
    assert api.get("/api/v1/redoc/").status_code == 200
    script = next(part.split('"')[0] for part in html.split('src="')[1:] if "swagger-ui-bundle" in part)
    assert b"".join(api.get(script).streaming_content)


def test_the_schema_validates_and_documents_auth_and_errors(db):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
    schema = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert schema["components"]["securitySchemes"]["tokenAuth"]["scheme"] == "bearer"
    create = schema["paths"]["/api/v1/sources/"]["post"]
    assert {"202", "400", "401", "403", "429"} <= set(create["responses"])
    assert "Retry-After" in create["responses"]["429"]["headers"]
    assert {"/api/v1/claims/search/", "/api/v1/checkworthiness/", "/api/v1/claims/export.csv"} <= set(schema["paths"])
