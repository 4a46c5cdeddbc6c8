"""Keyset pages of the API's lists: every row once and in order however the list changes between
requests, the same queries on the last page as on the first, signed cursors (a bad one is a 400),
and page numbers still answered, with their count, for older clients."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core import signing
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from claims.api.pagination import CURSOR_SALT, Cursor
from claims.choices import ClusterStatus, Verdict
from claims.models import Claim, Cluster
from integrations.api import ReviewPagination
from integrations.models import Feed, WebhookSubscription
from sources.models import Source

pytestmark = pytest.mark.django_db

REVIEWED_AT = datetime(2026, 5, 1, 9, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fresh_throttles():
    # the walks make many requests: no test inherits another's count towards the per-address rate
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api():
    return APIClient()


def archive(sources: int = 8, claims_per_source: int = 3) -> None:
    """Sources of a few claims each, two claims a cluster, every third cluster a contradiction and every
    other one reviewed (pairs of them at the same moment, so the feed's order needs its id to break ties)."""
    made = Source.objects.bulk_create(
        Source(
            text=f"Article {n}",
            content_hash=f"pages-{n}",
            publisher=f"Publisher {n % 2}",
            language="ar" if n % 2 else "en",
            status="processed",
        )
        for n in range(sources)
    )
    count = sources * claims_per_source
    clusters = Cluster.objects.bulk_create(
        Cluster(
            label=f"{n} ships sank",
            status=ClusterStatus.CONTRADICTION if n % 3 == 0 else ClusterStatus.SINGLE_SOURCE,
            verdict=Verdict.FALSE if n % 2 == 0 else Verdict.UNREVIEWED,
            verdict_at=REVIEWED_AT + timedelta(minutes=n // 4) if n % 2 == 0 else None,
        )
        for n in range((count + 1) // 2)
    )
    Claim.objects.bulk_create(
        Claim(
            source=made[n // claims_per_source],
            cluster=clusters[n // 2],
            text=f"{n} ships sank",
            start=(n % claims_per_source) * 20,
            end=(n % claims_per_source) * 20 + 12,
            language=made[n // claims_per_source].language,
            checkworthiness=0.8,
        )
        for n in range(count)
    )


def walk(client, url: str, params: dict | None = None, *, on_page=None) -> list[dict]:
    """Every row of a list, following its `next` links from the first page; `on_page(n)` runs after page n."""
    rows: list[dict] = []
    response = client.get(url, params or {})
    pages = 0
    while True:
        assert response.status_code == 200, response.content
        page = response.json()
        assert "count" not in page  # a cursor page counts nothing
        rows += page["results"]
        pages += 1
        if on_page is not None:
            on_page(pages)
        if page["next"] is None:
            return rows
        response = client.get(page["next"])


def reviewed_id(review: dict) -> int:
    return int(review["url"].rstrip("/").rsplit("/", 1)[-1])


def feed_order() -> list[int]:
    reviewed = Cluster.objects.exclude(verdict="").order_by("-verdict_at", "-id")
    return list(reviewed.values_list("id", flat=True))


@pytest.mark.parametrize(
    ("url", "model"), [("/api/v1/claims/", Claim), ("/api/v1/clusters/", Cluster), ("/api/v1/sources/", Source)]
)
def test_walking_the_next_links_returns_every_row_once_in_id_order(api, url, model):
    archive()
    rows = walk(api, url, {"page_size": 5})
    assert [row["id"] for row in rows] == list(model.objects.order_by("id").values_list("id", flat=True))


def test_the_claimreview_feed_walks_latest_verdict_first_with_ties_broken_by_id(api):
    archive()
    reviews = walk(api, "/api/v1/claimreview/", {"page_size": 3})
    assert [reviewed_id(review) for review in reviews] == feed_order()
    assert len(set(Cluster.objects.exclude(verdict="").values_list("verdict_at", flat=True))) < len(reviews)


def test_claims_added_while_a_client_walks_the_list_are_neither_repeated_nor_skipped(api):
    archive()
    source = Source.objects.create(text="A late article", content_hash="pages-late")

    def add_claims(page: int) -> None:
        if page in (1, 3):  # after the first and the third page, two new claims each time
            for n in range(2):
                start = page * 100 + n * 20
                Claim.objects.create(source=source, text="late", start=start, end=start + 4, language="en")

    rows = walk(api, "/api/v1/claims/", {"page_size": 5}, on_page=add_claims)
    ids = [row["id"] for row in rows]
    assert ids == list(Claim.objects.order_by("id").values_list("id", flat=True))  # the new ones too, at the end
    assert len(ids) == len(set(ids))


def test_a_verdict_given_while_a_client_walks_the_feed_repeats_no_review_as_page_numbers_would(api):
    archive()
    before = feed_order()
    unreviewed = list(Cluster.objects.filter(verdict="").order_by("id")[:2])

    def review_one(page: int) -> None:
        # A new verdict goes to the head of the feed, before the pages already read.
        if page <= len(unreviewed):
            cluster = unreviewed[page - 1]
            cluster.verdict, cluster.verdict_at = Verdict.TRUE, REVIEWED_AT + timedelta(days=page)
            cluster.save(update_fields=["verdict", "verdict_at"])

    walked = [reviewed_id(review) for review in walk(api, "/api/v1/claimreview/", {"page_size": 3}, on_page=review_one)]
    assert walked == before

    # The same walk by page number shifts every later page: a review shows twice.
    Cluster.objects.filter(pk__in=[c.pk for c in unreviewed]).update(verdict="", verdict_at=None)
    numbered, page = [], 1
    while True:
        answer = api.get("/api/v1/claimreview/", {"page_size": 3, "page": page}).json()
        numbered += [reviewed_id(review) for review in answer["results"]]
        review_one(page)
        if answer["next"] is None:
            break
        page += 1
    assert len(numbered) > len(set(numbered))


def test_the_previous_links_walk_back_through_the_same_pages(api):
    archive()
    forward, page = [], api.get("/api/v1/claims/", {"page_size": 4}).json()
    assert page["previous"] is None
    while True:
        forward.append([row["id"] for row in page["results"]])
        if page["next"] is None:
            break
        page = api.get(page["next"]).json()
    backward = [[row["id"] for row in page["results"]]]
    while page["previous"] is not None:
        page = api.get(page["previous"]).json()
        backward.append([row["id"] for row in page["results"]])
    assert backward == forward[::-1]
    assert page["next"] is not None  # the first page, reached going back, still leads on


def test_a_page_whose_rows_are_gone_links_back_to_the_rows_before_it(api):
    archive()
    first = api.get("/api/v1/claims/", {"page_size": 5}).json()
    kept = [row["id"] for row in first["results"]]
    Claim.objects.exclude(pk__in=kept).delete()
    gone = api.get(first["next"]).json()
    assert (gone["results"], gone["next"]) == ([], None)
    back = api.get(gone["previous"]).json()  # the end of the list, read backwards
    assert [row["id"] for row in back["results"]] == kept
    assert back["previous"] is None and back["next"] is None


@pytest.mark.parametrize(
    ("url", "params", "expected"),
    [
        ("/api/v1/claims/", {"language": "ar"}, lambda: Claim.objects.filter(language="ar")),
        ("/api/v1/claims/", {"source": "first"}, lambda: Claim.objects.filter(source=Source.objects.first())),
        ("/api/v1/claims/", {"cluster": "first"}, lambda: Claim.objects.filter(cluster=Cluster.objects.first())),
        ("/api/v1/clusters/", {"status": "contradiction"}, lambda: Cluster.objects.filter(status="contradiction")),
        ("/api/v1/sources/", {"publisher": "Publisher 1"}, lambda: Source.objects.filter(publisher="Publisher 1")),
    ],
)
def test_a_filter_holds_on_every_page_of_the_cursor_walk(api, url, params, expected):
    archive()
    firsts = {"source": lambda: Source.objects.order_by("id").first().pk, "cluster": lambda: Cluster.objects.first().pk}
    params = {key: firsts[key]() if value == "first" else value for key, value in params.items()}
    rows = walk(api, url, {**params, "page_size": 2})
    assert [row["id"] for row in rows] == list(expected().order_by("id").values_list("id", flat=True))


@pytest.mark.parametrize(
    ("url", "queries"),
    [("/api/v1/claims/", 1), ("/api/v1/clusters/", 1), ("/api/v1/sources/", 1), ("/api/v1/claimreview/", 2)],
)
def test_the_last_page_costs_the_queries_of_the_first(api, url, queries, django_assert_num_queries):
    archive(sources=20)
    counts, response = [], None
    link = url + "?page_size=2"
    while link:
        with CaptureQueriesContext(connection) as captured:
            response = api.get(link)
        assert response.status_code == 200
        counts.append(len(captured))
        last, link = link, response.json()["next"]
    assert len(counts) > 5 and set(counts) == {counts[0]}
    with django_assert_num_queries(queries):  # one read of the page (and the feed's claims)
        api.get(last)


@pytest.mark.parametrize("url", ["/api/v1/webhooks/", "/api/v1/feeds/"])
def test_the_editors_lists_walk_by_cursor_too(admin_client, url):
    for n in range(7):
        WebhookSubscription.objects.create(url=f"https://hooks.example/{n}", events=["cluster.verdict_set"])
        Feed.objects.create(url=f"https://news.example/{n}.rss")
    model = WebhookSubscription if "webhooks" in url else Feed
    counts, rows, link = [], [], url + "?page_size=2"
    while link:
        with CaptureQueriesContext(connection) as captured:
            page = admin_client.get(link).json()
        counts.append(len(captured))
        rows += page["results"]
        link = page["next"]
    assert [row["id"] for row in rows] == list(model.objects.order_by("id").values_list("id", flat=True))
    assert set(counts) == {counts[0]}


def test_page_numbers_still_answer_with_their_count_for_older_clients(api):
    archive()
    ids = list(Claim.objects.order_by("id").values_list("id", flat=True))
    page = api.get("/api/v1/claims/", {"page": 2, "page_size": 5}).json()
    assert page["count"] == len(ids) and [row["id"] for row in page["results"]] == ids[5:10]
    assert "page=3" in page["next"] and "cursor" not in page["next"]
    assert api.get("/api/v1/claims/", {"page": 999}).status_code == 404  # as it always was


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor",
        "edited",
        "another order",
        "another secret key",
        signing.Signer(salt=CURSOR_SALT).sign_object({"o": "id", "k": ["abc"]}),
        signing.Signer(salt=CURSOR_SALT).sign_object({"o": "id", "k": [1, 2]}),
        signing.Signer(salt=CURSOR_SALT).sign_object({"o": "id", "k": [10**30]}),
        signing.Signer(salt=CURSOR_SALT).sign_object({"o": "id"}),
        signing.Signer(salt=CURSOR_SALT).sign_object(["id", 1]),
        signing.Signer(salt="another.salt").sign_object({"o": "id", "k": [1]}),
    ],
)
def test_a_cursor_the_list_did_not_make_is_a_400_naming_it(api, settings, cursor):
    archive()
    if cursor in ("edited", "another secret key"):
        next_link = api.get("/api/v1/claims/", {"page_size": 2}).json()["next"]
        made = next_link.split("cursor=")[1].split("&")[0]
        if cursor == "edited":
            cursor = ("B" if made[0] != "B" else "C") + made[1:]
        else:
            settings.SECRET_KEY = "another-secret-key-" + "x" * 40
            cursor = made
    elif cursor == "another order":
        paginator = ReviewPagination()
        paginator.model = Cluster
        cursor = paginator.encode(Cursor(key=(REVIEWED_AT, 1)))
    response = api.get("/api/v1/claims/", {"cursor": cursor})
    assert response.status_code == 400 and set(response.json()) == {"cursor"}, response.content


def test_a_blank_cursor_is_the_first_page_and_a_cursor_with_a_page_number_is_a_400(api):
    archive()
    first = api.get("/api/v1/claims/", {"page_size": 2}).json()
    assert api.get("/api/v1/claims/", {"page_size": 2, "cursor": ""}).json() == first
    cursor = first["next"].split("cursor=")[1].split("&")[0]
    both = api.get("/api/v1/claims/", {"cursor": cursor, "page": 2})
    assert both.status_code == 400 and set(both.json()) == {"cursor", "page"}


@pytest.mark.parametrize("size", ["0", "-1", "abc"])
def test_a_bad_page_size_is_the_same_400_with_a_cursor_a_page_number_or_on_the_feed(api, size):
    archive()
    cursor = api.get("/api/v1/claims/", {"page_size": 2}).json()["next"].split("cursor=")[1].split("&")[0]
    for url, params in [
        ("/api/v1/claims/", {"cursor": cursor}),
        ("/api/v1/claims/", {"page": 1}),
        ("/api/v1/claimreview/", {}),
    ]:
        response = api.get(url, {**params, "page_size": size})
        assert response.status_code == 400 and set(response.json()) == {"page_size"}, (url, response.content)


def test_the_page_benchmark_asks_for_the_last_page_both_ways_on_a_small_archive():
    from evaluation import bench_api_pages as bench

    bench.fill(400)
    for case in bench.CASES:
        pages, cursor = bench.last_page(case, 4)
        assert pages > 1 and cursor, case
        first = bench.measure(case, {"page_size": 4}, repeat=1)
        by_cursor = bench.measure(case, {"page_size": 4, "cursor": cursor}, repeat=1)
        by_number = bench.measure(case, {"page_size": 4, "page": pages}, repeat=1)
        assert by_cursor.queries == first.queries and by_number.queries == first.queries + 1, case  # count
