"""The editors' pages on the seeds: the cluster page for judging, the claim page without internal
fields, and a cluster page whose query count does not grow with its claims."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from claims.choices import ClusterStatus
from claims.models import Claim, Cluster
from claims.services import editorial

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client, admin_user):
    client.force_login(admin_user)
    # LocaleMiddleware leaves the request's language active in this thread: put it back after.
    with translation.override("en"):
        yield client


def busiest_cluster() -> Cluster:
    return Cluster.objects.order_by("-claim_count", "id").first()


def test_the_cluster_page_shows_each_claim_highlighted_in_its_sentence_with_its_figure(seeded, editor):
    cluster = Cluster.objects.filter(timeline__len__gt=0).order_by("-claim_count").first() or busiest_cluster()
    page = editor.get(f"/admin/claims/cluster/{cluster.pk}/change/").content.decode()
    marks = re.findall(r"<mark>(.*?)</mark>", page, re.S)
    assert len(marks) == cluster.claims.count()
    assert 'class="claim-context" dir="auto"' in page
    assert cluster.get_status_display() in page
    assert 'name="verdict"' in page  # the verdict form is still there


def test_the_hundred_million_figure_reads_as_a_person_says_it(seeded, editor):
    claim = next(c for c in Claim.objects.order_by("id") if c.quantity and c.quantity.get("value") == 100_000_000)
    page = editor.get(f"/admin/claims/cluster/{claim.cluster_id}/change/").content.decode()
    assert "100 million" in page
    assert '"value"' not in page  # no raw JSON


def test_the_claim_page_shows_the_claim_in_its_sentence_and_hides_internal_fields(seeded, editor):
    claim = Claim.objects.exclude(cluster=None).order_by("id").first()
    page = editor.get(f"/admin/claims/claim/{claim.pk}/change/").content.decode()
    assert "<mark>" in page
    for internal in ("nearest_cosines", "match_text", "embedding", "content_hash"):
        assert internal not in page
    assert "<textarea" not in page and 'type="submit" value="Save"' not in page


def test_claims_cannot_be_added_by_hand(seeded, editor):
    assert editor.get("/admin/claims/claim/add/").status_code == 403
    assert "/admin/claims/claim/add/" not in editor.get("/admin/claims/claim/").content.decode()


def test_the_cluster_page_costs_the_same_queries_for_one_claim_as_for_many(seeded, editor):
    big = busiest_cluster()
    claims = list(big.claims.order_by("id"))
    assert len(claims) >= 5
    small = editorial.split_claims([claims[0].pk])
    big.refresh_from_db()
    assert (small.claims.count(), big.claims.count()) == (1, len(claims) - 1)
    editor.get(f"/admin/claims/cluster/{big.pk}/change/")  # the content type cache filled once
    counts = []
    for cluster in (small, big):
        with CaptureQueriesContext(connection) as queries:
            assert editor.get(f"/admin/claims/cluster/{cluster.pk}/change/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_the_arabic_admin_is_right_to_left(seeded, editor):
    editor.post("/i18n/setlang/", {"language": "ar", "next": "/admin/"})
    page = editor.get("/admin/claims/cluster/").content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert "المجموعات" in page  # the model's name, translated
    agreement = Cluster.objects.filter(status=ClusterStatus.AGREEMENT).first()
    page = editor.get(f"/admin/claims/cluster/{agreement.pk}/change/").content.decode()
    assert "اتفاق" in page and "الحكم" in page


def test_a_source_page_lists_its_claims_with_figures_and_no_content_hash(seeded, editor):
    claim = next(c for c in Claim.objects.order_by("id") if c.quantity and c.quantity.get("value") == 100_000_000)
    page = editor.get(f"/admin/sources/source/{claim.source_id}/change/").content.decode()
    assert "100 million" in page and '"value"' not in page
    assert claim.source.content_hash not in page


def test_conflicting_pairs_are_named_by_claim_and_source_with_their_reason_escaped(seeded, editor):
    cluster = busiest_cluster()
    a, b = cluster.claims.order_by("id")[:2]
    Cluster.objects.filter(pk=cluster.pk).update(
        conflicts=[{"claims": [a.pk, b.pk], "reason": "<b>100 million</b> vs 60 million"}]
    )
    page = editor.get(f"/admin/claims/cluster/{cluster.pk}/change/").content.decode()
    assert f'href="#claim-{a.pk}"' in page and f'href="#claim-{b.pk}"' in page
    assert "&lt;b&gt;100 million&lt;/b&gt; vs 60 million" in page and "<b>100 million</b>" not in page


def test_the_cluster_list_says_which_statuses_are_being_updated_and_filters_them(seeded, editor):
    waiting, settled = Cluster.objects.order_by("id")[:2]
    Cluster.objects.filter(pk=waiting.pk).update(status_stale=True)
    page = editor.get("/admin/claims/cluster/").content.decode()
    rows = {int(pk): row for row, pk in re.findall(r"(<tr>.*?/admin/claims/cluster/(\d+)/change/.*?</tr>)", page, re.S)}
    assert "(updating)" in rows[waiting.pk] and "(updating)" not in rows[settled.pk]
    assert waiting.get_status_display() in rows[waiting.pk]
    only = editor.get("/admin/claims/cluster/?status_stale__exact=1").content.decode()
    assert re.findall(r"/admin/claims/cluster/(\d+)/change/", only) and set(
        map(int, re.findall(r"/admin/claims/cluster/(\d+)/change/", only))
    ) == {waiting.pk}
