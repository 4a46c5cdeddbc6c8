"""Following feeds against a local feed server: `follow` registers, each new entry's page is
ingested once, a poll with the ETag gets a 304 and ingests nothing, a new entry is taken on the
next poll. Processing (the embedding model) is not run: on_commit callbacks are not executed."""

from __future__ import annotations

import hashlib
import http.server
import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from integrations import services
from integrations.models import Feed, FeedEntry
from sources.models import Source

pytestmark = pytest.mark.django_db

ARTICLE = """<html><head><title>{title}</title></head><body><article><h1>{title}</h1>
<p>The regional health ministry said on Tuesday that {n} people had died in the floods that hit
the coastal towns over the weekend, and that rescue teams were still searching for the missing.</p>
<p>Officials said {n} families had been moved to shelters in schools and mosques while the roads
to the valley remained closed. The ministry will publish new figures every morning.</p>
</article></body></html>"""


def rss(items: list[tuple[str, str]]) -> str:
    """An RSS 2.0 feed of (title, link) items, newest first as feeds list them."""
    entries = "".join(
        f"<item><title>{title}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>Tue, 05 May 2026 0{len(items) - n}:00:00 GMT</pubDate></item>"
        for n, (title, link) in enumerate(items)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Local Wire</title>{entries}</channel></rss>'


def atom(items: list[tuple[str, str]]) -> str:
    entries = "".join(
        f'<entry><title>{title}</title><link href="{link}"/><id>urn:local:{title}</id>'
        f"<updated>2026-05-05T0{len(items) - n}:00:00Z</updated></entry>"
        for n, (title, link) in enumerate(items)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Atom Wire</title><id>urn:local</id><updated>2026-05-05T00:00:00Z</updated>{entries}</feed>"
    )


class FeedServer:
    """Serves /rss.xml and /atom.xml (with an ETag; If-None-Match answers 304) and /articles/N.html,
    counting the requests of each path."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []
        self.hits: dict[str, int] = {}
        self.statuses: list[int] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.hits[self.path] = server.hits.get(self.path, 0) + 1
                if self.path in ("/rss.xml", "/atom.xml"):
                    body = (rss if self.path == "/rss.xml" else atom)(server.items).encode()
                    etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                    if self.headers.get("If-None-Match") == etag:
                        server.statuses.append(304)
                        self.send_response(304)
                        self.send_header("ETag", etag)
                        self.end_headers()
                        return
                    kind = "application/rss+xml" if self.path == "/rss.xml" else "application/atom+xml"
                    server.statuses.append(200)
                    return self.answer(200, kind, body, etag)
                if self.path.startswith("/articles/") and not self.path.endswith("missing.html"):
                    n = self.path.rsplit("/", 1)[1].removesuffix(".html")
                    page = ARTICLE.format(title=f"Floods {n}", n=n).encode()
                    return self.answer(200, "text/html; charset=utf-8", page)
                return self.answer(404, "text/plain", b"not found")

            def answer(self, status, kind, body, etag=None):
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                if etag:
                    self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def article(self, n: int | str) -> tuple[str, str]:
        return f"Floods {n}", f"{self.base}/articles/{n}.html"


@pytest.fixture
def feed_server():
    server = FeedServer()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def test_follow_registers_a_feed_after_reading_it_and_refuses_what_is_not_one(feed_server):
    feed_server.items = [feed_server.article(1)]
    out = StringIO()
    call_command("follow", f"{feed_server.base}/rss.xml", stdout=out)
    feed = Feed.objects.get()
    assert "following feed" in out.getvalue() and "Local Wire" in out.getvalue()
    assert (feed.url, feed.title, feed.active) == (f"{feed_server.base}/rss.xml", "Local Wire", True)
    assert not FeedEntry.objects.exists()  # registering reads the feed, it does not ingest

    with pytest.raises(CommandError, match="not an RSS or Atom feed"):
        call_command("follow", f"{feed_server.base}/articles/1.html", stdout=StringIO())
    with pytest.raises(CommandError, match="HTTP 404"):
        call_command("follow", f"{feed_server.base}/nothing.xml", stdout=StringIO())
    with pytest.raises(CommandError, match="http:// or https://"):
        call_command("follow", "file:///etc/passwd", stdout=StringIO())
    assert Feed.objects.count() == 1


def test_ingest_of_a_feed_url_says_to_follow_it(feed_server):
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("ingest", f"{feed_server.base}/atom.xml", stdout=StringIO(), stderr=err)
    assert f"this is a feed (RSS/Atom), not an article; use `manage.py follow {feed_server.base}/atom.xml`" in (
        err.getvalue()
    )


@pytest.mark.parametrize("path", ["/rss.xml", "/atom.xml"])
def test_polling_ingests_each_new_entry_once_and_a_304_ingests_nothing(feed_server, path):
    feed_server.items = [feed_server.article(2), feed_server.article(1)]  # newest first
    feed, _ = services.follow_feed(feed_server.base + path)

    first = services.poll_feed(feed.pk)
    assert (len(first.ingested), first.failed, first.error) == (2, [], "")
    sources = Source.objects.order_by("id")
    assert [s.url for s in sources] == [feed_server.article(1)[1], feed_server.article(2)[1]]  # oldest first
    assert [s.title for s in sources] == ["Floods 1", "Floods 2"]
    assert all(s.published_at is not None and "died in the floods" in s.text for s in sources)
    assert sorted(FeedEntry.objects.values_list("source_id", flat=True)) == sorted(s.pk for s in sources)
    feed.refresh_from_db()
    assert feed.etag and feed.last_polled_at is not None

    second = services.poll_feed(feed.pk)
    assert second.not_modified and second.ingested == [] and feed_server.statuses[-1] == 304
    assert feed_server.hits["/articles/1.html"] == 1 and Source.objects.count() == 2

    feed_server.items = [feed_server.article(3), *feed_server.items]  # a new entry, listed first
    third = services.poll_feed(feed.pk)
    assert len(third.ingested) == 1 and third.already_seen == 2
    assert Source.objects.count() == 3 and Source.objects.latest("id").url == feed_server.article(3)[1]
    assert feed_server.hits["/articles/1.html"] == 1 and feed_server.hits["/articles/3.html"] == 1
    assert FeedEntry.objects.filter(feed=feed).count() == 3


def test_an_entry_whose_page_fails_is_recorded_and_not_fetched_again(feed_server):
    feed_server.items = [feed_server.article(1), feed_server.article("missing")]
    feed, _ = services.follow_feed(f"{feed_server.base}/rss.xml")
    report = services.poll_feed(feed.pk)
    assert len(report.ingested) == 1 and len(report.failed) == 1
    failed = FeedEntry.objects.get(pk=report.failed[0])
    assert failed.source is None and "HTTP 404" in failed.error
    Feed.objects.filter(pk=feed.pk).update(etag="")  # the server cannot answer 304 now
    again = services.poll_feed(feed.pk)
    assert again.ingested == again.failed == [] and again.already_seen == 2
    assert feed_server.hits["/articles/missing.html"] == 1


def test_a_feed_that_stops_answering_is_recorded_on_the_feed(feed_server):
    feed_server.items = [feed_server.article(1)]
    feed, _ = services.follow_feed(f"{feed_server.base}/rss.xml")
    Feed.objects.filter(pk=feed.pk).update(url=f"{feed_server.base}/gone.xml")
    report = services.poll_feed(feed.pk)
    feed.refresh_from_db()
    assert "HTTP 404" in report.error == feed.last_error and feed.last_polled_at is not None
    assert not FeedEntry.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_polls_ingest_each_entry_once(feed_server, monkeypatch):
    from django.db import connection

    from claims.services import enqueue

    # Committed for real here, so processing would run in-process; it is not what this test is about.
    queued = []
    monkeypatch.setitem(
        enqueue._tasks, "process_sources_task", type("Stub", (), {"delay": staticmethod(queued.extend)})
    )

    feed_server.items = [feed_server.article(n) for n in range(4, 0, -1)]
    feed, _ = services.follow_feed(f"{feed_server.base}/rss.xml")
    reports, start = [], threading.Barrier(2)

    def poll():
        try:
            start.wait()
            reports.append(services.poll_feed(feed.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=poll) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum(len(r.ingested) for r in reports) == 4
    assert sum(r.already_seen for r in reports) == 4
    assert FeedEntry.objects.count() == Source.objects.count() == 4
    assert all(feed_server.hits[f"/articles/{n}.html"] == 1 for n in range(1, 5))
    assert sorted(queued) == sorted(Source.objects.values_list("pk", flat=True))  # each queued for processing once


def test_the_admin_adds_a_feed_and_polls_it_now(feed_server, admin_client):
    feed_server.items = [feed_server.article(1)]
    inline = {"entries-TOTAL_FORMS": "0", "entries-INITIAL_FORMS": "0"}
    added = admin_client.post(
        "/admin/integrations/feed/add/", {"url": f"{feed_server.base}/rss.xml", "active": "on", **inline}
    )
    assert added.status_code == 302, added.context["adminform"].form.errors
    refused = admin_client.post("/admin/integrations/feed/add/", {"url": "ftp://127.0.0.1/x.xml", **inline})
    assert refused.status_code == 200 and "url" in refused.context["adminform"].form.errors
    assert Feed.objects.count() == 1
    feed = Feed.objects.get()
    answer = admin_client.post(
        "/admin/integrations/feed/", {"action": "poll_now", "_selected_action": [feed.pk]}, follow=True
    )
    assert "1 new entries ingested" in answer.content.decode()
    assert Source.objects.get().url == feed_server.article(1)[1]
    assert admin_client.get(f"/admin/integrations/feed/{feed.pk}/change/").status_code == 200


def test_the_feeds_api_is_for_editors_and_checks_the_feed_first(feed_server, client, django_user_model):
    from clients.services import create_token

    feed_server.items = [feed_server.article(1)]
    url = f"{feed_server.base}/atom.xml"
    assert client.post("/api/v1/feeds/", {"url": url}, content_type="application/json").status_code == 401
    writer = create_token("writer", "write").plaintext
    refused = client.post(
        "/api/v1/feeds/", {"url": url}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {writer}"
    )
    assert refused.status_code == 403
    client.force_login(django_user_model.objects.create_user("staff", password="pw-for-tests-1", is_staff=True))

    created = client.post("/api/v1/feeds/", {"url": url}, content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["title"] == "Atom Wire" and Feed.objects.get().created_by.username == "staff"
    again = client.post("/api/v1/feeds/", {"url": url}, content_type="application/json")
    assert again.status_code == 201 and again.json()["id"] == created.json()["id"]
    not_a_feed = client.post(
        "/api/v1/feeds/", {"url": f"{feed_server.base}/articles/1.html"}, content_type="application/json"
    )
    assert not_a_feed.status_code == 400 and "not an RSS or Atom feed" in not_a_feed.json()["url"][0]
    assert len(client.get("/api/v1/feeds/").json()["results"]) == 1
    assert client.delete(f"/api/v1/feeds/{created.json()['id']}/").status_code == 204
    assert not Feed.objects.exists()


def test_a_poll_that_finds_several_entries_queues_their_processing_in_batches(
    feed_server, monkeypatch, django_capture_on_commit_callbacks
):
    from claims.services import ingest

    monkeypatch.setattr(ingest, "ARTICLE_BATCH", 2)
    feed_server.items = [feed_server.article(n) for n in range(5, 0, -1)]
    feed, _ = services.follow_feed(f"{feed_server.base}/rss.xml")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        report = services.poll_feed(feed.pk)
    assert (len(report.ingested), report.failed) == (5, [])
    assert len(queued) == 3  # five articles, two a task: three tasks, not five
    entries = FeedEntry.objects.filter(feed=feed).order_by("id")
    assert [e.source.url for e in entries] == [feed_server.article(n)[1] for n in range(1, 6)]  # oldest first
    assert all(e.source.queued_at is not None for e in entries)


def test_an_article_the_database_refuses_fails_alone_on_its_entry(
    feed_server, monkeypatch, django_capture_on_commit_callbacks
):
    from claims.services import ingest

    store = ingest.ingest_source

    def refusing(item, *args, **kwargs):
        if item.url.endswith("/2.html"):
            raise ValueError("refused by the database")
        return store(item, *args, **kwargs)

    monkeypatch.setattr(ingest, "ingest_source", refusing)
    feed_server.items = [feed_server.article(n) for n in range(3, 0, -1)]
    feed, _ = services.follow_feed(f"{feed_server.base}/rss.xml")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        report = services.poll_feed(feed.pk)
    assert len(report.ingested) == 2 and len(report.failed) == 1 and len(queued) == 1
    refused = FeedEntry.objects.get(pk=report.failed[0])
    assert refused.source is None and refused.error == "not stored: ValueError: refused by the database"
    assert sorted(Source.objects.values_list("url", flat=True)) == [feed_server.article(n)[1] for n in (1, 3)]


def _dies_after(taken: int):
    """An `ingest_articles` that stores nothing and dies (as a killed worker would) once the poll
    has taken `taken` entries and read their pages."""

    def ingest_articles(items, on_item=None):
        for _, _ in zip(range(taken), items, strict=False):
            pass
        raise RuntimeError("the worker was killed")

    return ingest_articles


def test_entries_a_dead_poll_took_are_ingested_by_the_next_poll(feed_server, monkeypatch):
    feed_server.items = [feed_server.article(n) for n in range(4, 0, -1)]
    feed, _ = services.follow_feed(f"{feed_server.base}/rss.xml")
    with monkeypatch.context() as patched:
        patched.setattr(services, "ingest_articles", _dies_after(2))
        with pytest.raises(RuntimeError, match="killed"):
            services.poll_feed(feed.pk)
    orphans = FeedEntry.objects.filter(feed=feed)
    assert orphans.count() == 2 and not orphans.filter(recorded_at__isnull=False).exists()

    report = services.poll_feed(feed.pk)

    assert (len(report.ingested), report.already_seen, report.failed) == (4, 0, [])
    entries = FeedEntry.objects.filter(feed=feed).order_by("id")
    assert [e.source.url for e in entries] == [feed_server.article(n)[1] for n in range(1, 5)]
    assert all(e.recorded_at is not None and e.error == "" for e in entries)
    assert Source.objects.count() == 4
    assert services.poll_feed(feed.pk).not_modified  # and nothing is taken again after that


def test_an_entry_a_dead_poll_took_is_ingested_from_its_link_once_the_feed_drops_it(feed_server, monkeypatch):
    feed_server.items = [feed_server.article(n) for n in range(2, 0, -1)]
    feed, _ = services.follow_feed(f"{feed_server.base}/rss.xml")
    with monkeypatch.context() as patched:
        patched.setattr(services, "ingest_articles", _dies_after(1))
        with pytest.raises(RuntimeError):
            services.poll_feed(feed.pk)
    feed_server.items = [feed_server.article(3)]  # the feed moved on: 1 and 2 are no longer listed

    report = services.poll_feed(feed.pk)

    assert len(report.ingested) == 2  # 3, new, then 1, left by the dead poll; 2 was never taken
    assert sorted(Source.objects.values_list("url", flat=True)) == [feed_server.article(n)[1] for n in (1, 3)]
    assert feed_server.hits["/articles/1.html"] == 2  # read by the dead poll, and again
    assert not FeedEntry.objects.filter(recorded_at__isnull=True).exists()


def test_an_entry_whose_article_an_editor_deleted_is_not_ingested_again(feed_server):
    feed_server.items = [feed_server.article(1)]
    feed, _ = services.follow_feed(f"{feed_server.base}/rss.xml")
    services.poll_feed(feed.pk)
    Source.objects.all().delete()
    Feed.objects.filter(pk=feed.pk).update(etag="", modified="")  # the next poll reads the feed again

    report = services.poll_feed(feed.pk)

    assert (report.ingested, report.already_seen) == ([], 1)
    assert not Source.objects.exists() and FeedEntry.objects.get().source is None


def test_entries_stored_before_recorded_at_existed_count_as_recorded_and_a_poll_leaves_them(feed_server):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("integrations.migrations.0002_feedentry_recorded_at")
    feed_server.items = [feed_server.article(n) for n in (2, 1)]
    feed, _ = services.follow_feed(f"{feed_server.base}/rss.xml")
    services.poll_feed(feed.pk)
    FeedEntry.objects.update(recorded_at=None)  # as every row was before the column
    Source.objects.filter(url=feed_server.article(1)[1]).delete()  # one whose article an editor deleted

    migration.recorded_when_seen(apps, None)

    assert not FeedEntry.objects.filter(recorded_at__isnull=True).exists()
    Feed.objects.filter(pk=feed.pk).update(etag="", modified="")
    report = services.poll_feed(feed.pk)
    assert (report.ingested, report.already_seen) == ([], 2)
    assert feed_server.hits["/articles/1.html"] == feed_server.hits["/articles/2.html"] == 1
