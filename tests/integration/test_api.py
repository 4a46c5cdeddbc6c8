"""The read-only JSON API that REST clients pull claims and clusters from."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from claims.models import Claim, Cluster
from newsclaims.matching.reasons import Reason
from sources.models import Source

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def get(api, url, **params):
    response = api.get(url, params)
    assert response.status_code == 200, response.content
    return response.json()


def test_sources_list_the_fields_clients_rely_on(seeded, api):
    page = get(api, "/api/v1/sources/")
    assert len(page["results"]) == 5 and page["next"] is None
    first = page["results"][0]
    assert set(first) == {"id", "title", "url", "publisher", "published_at", "language", "status", "claim_count"}
    assert first["claim_count"] == Source.objects.get(pk=first["id"]).claims.count()


def test_claims_carry_source_span_quantity_and_cluster(seeded, api):
    claim = next(c for c in Claim.objects.all() if c.quantity)
    data = get(api, f"/api/v1/claims/{claim.pk}/")
    assert data["text"] == claim.text and (data["start"], data["end"]) == (claim.start, claim.end)
    assert data["source"]["id"] == claim.source_id and "text" not in data["source"]
    assert {"value", "low", "high", "qualifier", "unit", "raw"} <= set(data["quantity"])
    assert data["cluster"] == claim.cluster_id
    assert {"as_of", "as_of_source", "claimant", "subject", "polarity", "checkworthiness", "reasons"} <= set(data)
    assert 0 <= data["checkworthiness"] <= 1 and data["reasons"]


def test_a_claim_with_a_dated_figure_serves_its_as_of_date(seeded, api):
    claim = next(c for c in Claim.objects.all() if c.as_of is not None and c.as_of_source == "text")
    assert get(api, f"/api/v1/claims/{claim.pk}/")["as_of"] == claim.as_of.isoformat()


def test_a_negated_claim_is_served_as_negative(seeded, api):
    claim = Claim.objects.filter(polarity="negative").first()
    assert claim is not None
    assert get(api, f"/api/v1/claims/{claim.pk}/")["polarity"] == "negative"


def test_claims_filter_by_cluster_and_by_source(seeded, api):
    cluster = Cluster.objects.order_by("-claim_count").first()
    by_cluster = get(api, "/api/v1/claims/", cluster=cluster.pk, page_size=500)
    assert len(by_cluster["results"]) == cluster.claim_count
    assert {c["cluster"] for c in by_cluster["results"]} == {cluster.pk}
    source = Source.objects.first()
    by_source = get(api, "/api/v1/claims/", source=source.pk, page_size=500)
    assert {c["source"]["id"] for c in by_source["results"]} == {source.pk}


def test_clusters_filter_by_status_and_detail_lists_claims_and_conflicts(seeded, api):
    agreeing = get(api, "/api/v1/clusters/", status="agreement")
    assert agreeing["results"]
    assert {c["status"] for c in agreeing["results"]} == {"agreement"}
    detail = get(api, f"/api/v1/clusters/{agreeing['results'][0]['id']}/")
    assert len(detail["claims"]) == detail["claim_count"]
    assert isinstance(detail["conflicts"], list) and detail["status_reason"]
    assert detail["independent_source_count"] >= 2
    assert [v["source"] for v in detail["sources"] if v["counted"]]
    assert isinstance(detail["timeline"], list)


def _has_arabic(text: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in text)


def test_a_clusters_reasons_are_worded_in_the_language_the_client_asks_for(seeded, api):
    cluster = Cluster.objects.filter(status="agreement").first()
    url = f"/api/v1/clusters/{cluster.pk}/"

    english = api.get(url).json()
    arabic = api.get(url, HTTP_ACCEPT_LANGUAGE="ar").json()

    assert english["status_reason"] == cluster.status_reason and not _has_arabic(english["status_reason"])
    assert _has_arabic(arabic["status_reason"])
    assert all(_has_arabic(vote["reason"]) for vote in arabic["sources"])


def test_a_conflicting_pairs_reason_is_worded_in_arabic_and_an_older_rows_text_stands(db, api):
    why = Reason("quantity", figure_a="40", interval_a="[40, 40]", figure_b="55", interval_b="[55, 55]", unit="value")
    status = Reason("contradiction", count=2, first=1, second=2, reason=why)
    cluster = Cluster.objects.create(
        status="contradiction", status_reason=str(status), status_reason_parts=status.parts(),
        conflicts=[
            {"claims": [1, 2], "reason": str(why), "parts": why.parts()},
            {"claims": [1, 3], "reason": "written before reasons kept their parts"},
        ],
    )  # fmt: skip

    arabic = api.get(f"/api/v1/clusters/{cluster.pk}/", HTTP_ACCEPT_LANGUAGE="ar").json()

    assert _has_arabic(arabic["status_reason"]) and _has_arabic(arabic["conflicts"][0]["reason"])
    assert "value" not in arabic["conflicts"][0]["reason"]
    assert arabic["conflicts"][1]["reason"] == "written before reasons kept their parts"


def test_an_unknown_status_filter_is_a_clear_400(seeded, api):
    response = api.get("/api/v1/clusters/", {"status": "maybe"})
    assert response.status_code == 400 and "status" in response.json()


def test_page_size_is_capped_at_500(seeded, api):
    assert len(get(api, "/api/v1/claims/", page_size=100000)["results"]) <= 500


@pytest.mark.parametrize("url", ["/api/v1/claims/", "/api/v1/clusters/", "/api/v1/sources/"])
def test_list_endpoints_use_a_fixed_number_of_queries(seeded, api, url):
    with CaptureQueriesContext(connection) as queries:
        get(api, url, page_size=500)
    assert len(queries) <= 2, [q["sql"] for q in queries]


def test_cluster_detail_uses_a_fixed_number_of_queries(seeded, api):
    cluster = Cluster.objects.order_by("-claim_count").first()
    with CaptureQueriesContext(connection) as queries:
        get(api, f"/api/v1/clusters/{cluster.pk}/")
    assert len(queries) <= 2, [q["sql"] for q in queries]


def test_the_openapi_schema_describes_the_endpoints(db, api):
    response = api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert {"/api/v1/claims/", "/api/v1/clusters/", "/api/v1/clusters/{id}/", "/api/v1/sources/"} <= set(
        schema["paths"]
    )


def test_the_api_is_read_only(db, api):
    assert api.post("/api/v1/clusters/", {"label": "x"}, format="json").status_code == 405


@pytest.mark.parametrize("query", [{"source": "1.5"}, {"cluster": "abc"}, {"source": "0"}, {"source": "9" * 30}])
def test_an_id_filter_that_is_not_a_whole_number_is_a_400_naming_it(db, api, query):
    response = api.get("/api/v1/claims/", query)
    assert response.status_code == 400 and set(response.json()) == set(query)


@pytest.mark.parametrize("size", ["0", "-1", "abc", "1.5", "²"])
def test_a_page_size_that_is_not_a_positive_whole_number_is_a_400_naming_it(db, api, size):
    for url in ["/api/v1/sources/", "/api/v1/claims/", "/api/v1/clusters/"]:
        response = api.get(url, {"page_size": size})
        assert response.status_code == 400 and "page_size" in response.json()


def test_a_huge_page_size_is_the_largest_page(db, api):
    Source.objects.bulk_create(Source(text=f"t{n}", content_hash=f"h{n}") for n in range(3))
    assert len(get(api, "/api/v1/sources/", page_size="9" * 5000)["results"]) == 3
    assert len(get(api, "/api/v1/sources/", page_size="2")["results"]) == 2
