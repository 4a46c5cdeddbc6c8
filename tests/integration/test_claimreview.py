"""ClaimReview JSON-LD: valid against the schema.org terms it uses, with Google's required fields,
for reviewed clusters only."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from claims.choices import Verdict
from claims.models import Claim, Cluster
from claims.services import editorial
from sources.models import Source

pytestmark = pytest.mark.django_db

# The schema.org terms the ClaimReview uses, written by hand from https://schema.org (no network in
# the tests). Types with their parent (schema.org's single-inheritance chain for these types) ...
TYPES = {
    "Thing": None,
    "CreativeWork": "Thing",
    "Review": "CreativeWork",
    "ClaimReview": "Review",
    "Claim": "CreativeWork",
    "Intangible": "Thing",
    "Rating": "Intangible",
    "Organization": "Thing",
    "Person": "Thing",
}
# ... and each property with the types it is defined on ("domainIncludes") and the types its values
# may have ("rangeIncludes"), as schema.org lists them (other domains of a property, on types not
# used here, are left out).
PROPERTIES = {
    "name": ({"Thing"}, {"Text"}),
    "url": ({"Thing"}, {"URL"}),
    "alternateName": ({"Thing"}, {"Text"}),
    "claimReviewed": ({"ClaimReview"}, {"Text"}),
    "reviewRating": ({"Review"}, {"Rating"}),
    "reviewBody": ({"Review"}, {"Text"}),
    "itemReviewed": ({"Review"}, {"Thing"}),
    "author": ({"CreativeWork", "Rating"}, {"Organization", "Person"}),
    "publisher": ({"CreativeWork"}, {"Organization", "Person"}),
    "datePublished": ({"CreativeWork"}, {"Date", "DateTime"}),
    "inLanguage": ({"CreativeWork"}, {"Text", "Language"}),
    "headline": ({"CreativeWork"}, {"Text"}),
    "appearance": ({"Claim"}, {"CreativeWork"}),
    "firstAppearance": ({"Claim"}, {"CreativeWork"}),
    "ratingValue": ({"Rating"}, {"Number", "Text"}),
    "bestRating": ({"Rating"}, {"Number", "Text"}),
    "worstRating": ({"Rating"}, {"Number", "Text"}),
}


def ancestry(type_name: str) -> set[str]:
    found = set()
    while type_name is not None:
        found.add(type_name)
        type_name = TYPES[type_name]
    return found


def literal_fits(value: object, ranges: set[str]) -> bool:
    if isinstance(value, bool):
        return False
    checks = {
        "Text": lambda v: isinstance(v, str) and v.strip() != "",
        "URL": lambda v: isinstance(v, str) and v.startswith(("http://", "https://")),
        "Number": lambda v: isinstance(v, int | float),
        "Language": lambda v: isinstance(v, str) and v in ("ar", "en"),
        "Date": lambda v: isinstance(v, str) and bool(date.fromisoformat(v[:10])),
        "DateTime": lambda v: isinstance(v, str) and datetime.fromisoformat(v).tzinfo is not None,
    }
    for name in ranges:
        try:
            if name in checks and checks[name](value):
                return True
        except ValueError:
            continue
    return False


def vocabulary_errors(node: dict, path: str = "$") -> list[str]:
    """Every @type or property of `node` (and below) that the vocabulary table does not allow."""
    errors = []
    node_type = node.get("@type")
    if node_type not in TYPES:
        return [f"{path}: unknown @type {node_type!r}"]
    own = ancestry(node_type)
    for key, value in node.items():
        if key in ("@type", "@context"):
            continue
        if key not in PROPERTIES:
            errors.append(f"{path}.{key}: not a property in the vocabulary")
            continue
        domains, ranges = PROPERTIES[key]
        if not own & domains:
            errors.append(f"{path}.{key}: not a property of {node_type}")
        for index, item in enumerate(value if isinstance(value, list) else [value]):
            where = f"{path}.{key}[{index}]"
            if isinstance(item, dict):
                item_type = item.get("@type")
                if item_type not in TYPES or not ancestry(item_type) & ranges:
                    errors.append(f"{where}: a {item_type} is not a value of {key} ({sorted(ranges)})")
                errors.extend(vocabulary_errors(item, where))
            elif not literal_fits(item, ranges):
                errors.append(f"{where}: {item!r} is not a {sorted(ranges)}")
    return errors


def test_the_vocabulary_check_catches_what_it_should():
    assert vocabulary_errors({"@type": "ClaimReview", "appearance": []}) == [
        "$.appearance: not a property of ClaimReview"
    ]
    assert vocabulary_errors({"@type": "Rating", "ratingValue": {"@type": "Person", "name": "x"}})
    assert vocabulary_errors({"@type": "Claim", "author": "someone"})
    assert vocabulary_errors({"@type": "Review", "rating": 3})
    assert vocabulary_errors({"@type": "Fact"})


def make_cluster(text: str, *, claimant: str = "", publisher: str = "Daily News", language: str = "en") -> Cluster:
    cluster = Cluster.objects.create(label=text)
    for n, (day, url) in enumerate([(3, "https://news.example/b"), (1, "https://news.example/a")]):
        source = Source.objects.create(
            text=text,
            title=f"Article {n}",
            url=url,
            publisher=publisher,
            published_at=datetime(2026, 5, day, 8, tzinfo=UTC),
            content_hash=f"{text}-{n}",
            language=language,
        )
        Claim.objects.create(
            source=source,
            cluster=cluster,
            text=text,
            start=0,
            end=len(text),
            language=language,
            claimant=claimant,
            checkworthiness=0.9,
        )
    return cluster


def test_a_reviewed_cluster_is_a_valid_claimreview_with_googles_required_fields(client, settings):
    settings.FACTCHECK_ORGANIZATION_NAME = "Example Checks"
    settings.FACTCHECK_ORGANIZATION_URL = "https://checks.example"
    cluster = make_cluster("The dam holds 20 million cubic metres.", claimant="the city mayor")
    editorial.set_verdict(cluster, Verdict.MISLEADING, note="It holds 18 million.")

    response = client.get(f"/api/v1/clusters/{cluster.pk}/claimreview/")

    assert response.status_code == 200
    review = json.loads(response.content)
    assert review["@context"] == "https://schema.org" and review["@type"] == "ClaimReview"
    assert vocabulary_errors(review) == []
    # Google's required ClaimReview fields.
    assert review["claimReviewed"] == "The dam holds 20 million cubic metres."
    assert review["reviewRating"]["alternateName"] == "Misleading"
    assert review["url"] == f"http://testserver/api/v1/clusters/{cluster.pk}/"
    assert review["author"] == {"@type": "Organization", "name": "Example Checks", "url": "https://checks.example"}
    # The rest says what it should.
    rating = review["reviewRating"]
    assert rating["worstRating"] <= rating["ratingValue"] <= rating["bestRating"]
    cluster.refresh_from_db()
    assert datetime.fromisoformat(review["datePublished"]) == cluster.verdict_at
    assert review["inLanguage"] == "en" and review["reviewBody"] == "It holds 18 million."
    item = review["itemReviewed"]
    assert item["author"] == {"@type": "Person", "name": "the city mayor"}
    assert [a["url"] for a in item["appearance"]] == ["https://news.example/a", "https://news.example/b"]
    assert item["firstAppearance"]["url"] == "https://news.example/a"
    assert item["firstAppearance"]["publisher"] == {"@type": "Organization", "name": "Daily News"}


def test_without_a_claimant_the_claim_is_attributed_to_its_first_publisher(client):
    cluster = make_cluster("وفاة 12 شخصا في الفيضانات", publisher="صحيفة", language="ar")
    editorial.set_verdict(cluster, Verdict.TRUE)
    review = client.get(f"/api/v1/clusters/{cluster.pk}/claimreview/").json()
    assert vocabulary_errors(review) == []
    assert review["itemReviewed"]["author"] == {"@type": "Organization", "name": "صحيفة"}
    assert review["inLanguage"] == "ar" and review["reviewRating"]["alternateName"] == "True"


def test_a_cluster_without_a_verdict_is_a_404_saying_so(client):
    cluster = make_cluster("Unreviewed claim of 5 people.")
    response = client.get(f"/api/v1/clusters/{cluster.pk}/claimreview/")
    assert response.status_code == 404
    assert "has no verdict yet" in response.json()["detail"]
    assert client.get("/api/v1/clusters/999999999/claimreview/").status_code == 404


def test_the_bulk_feed_lists_only_reviewed_clusters_paginated(client):
    reviewed = [make_cluster(f"Claim number {n} of 10 tonnes.") for n in range(3)]
    make_cluster("Never reviewed, 7 tonnes.")
    for cluster, verdict in zip(reviewed, [Verdict.FALSE, Verdict.TRUE, Verdict.UNPROVEN], strict=True):
        editorial.set_verdict(cluster, verdict)
    cleared = reviewed[2]
    editorial.set_verdict(cleared, Verdict.UNREVIEWED)  # a verdict taken back is no review

    first = client.get("/api/v1/claimreview/?page_size=1").json()
    second = client.get(first["next"]).json()
    assert len(first["results"]) == len(second["results"]) == 1 and second["next"] is None
    everything = client.get("/api/v1/claimreview/").json()["results"]
    assert sorted(r["url"].rsplit("/", 2)[-2] for r in everything) == sorted(str(c.pk) for c in reviewed[:2])
    assert all(r["@type"] == "ClaimReview" and vocabulary_errors(r) == [] for r in everything)


def test_a_page_of_reviews_costs_the_same_queries_however_many_clusters_it_holds(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(count: int) -> int:
        for n in range(count):
            editorial.set_verdict(make_cluster(f"Review {count}-{n}: 12 ships sank."), Verdict.FALSE)
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/claimreview/").status_code == 200
        return len(captured)

    assert queries_for(1) == queries_for(4)
