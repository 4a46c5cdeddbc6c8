"""The management commands people and cron run."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from claims.models import Claim, Cluster
from sources.models import Source

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
        failed = None
    except CommandError as exc:
        failed = exc
    return out.getvalue(), err.getvalue(), failed


@pytest.fixture
def batch(tmp_path):
    (tmp_path / "good.txt").write_text(
        "قال متحدث باسم الشركة إن أكثر من 20 مليون مستخدم تأثروا بالعطل.", encoding="utf-8"
    )
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02")
    (tmp_path / "latin1.txt").write_bytes("prix: 20 EUR, café".encode("latin-1"))
    (tmp_path / "broken.json").write_text('[{"text": "x"')
    (tmp_path / "good.json").write_text(
        json.dumps({"text": "The company said more than 3 million users were affected.", "publisher": "Example"})
    )
    return tmp_path


def test_ingest_reports_each_bad_file_by_name_with_its_reason_and_stores_the_rest(
    batch, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        out, err, failed = run("ingest", str(batch))
    assert failed is not None  # non-zero exit status
    for name, reason in [
        ("empty.txt", "empty"),
        ("binary.txt", "binary"),
        ("latin1.txt", "UTF-8"),
        ("broken.json", "malformed JSON"),
    ]:
        line = next(line for line in err.splitlines() if name in line)
        assert reason in line
    assert Source.objects.count() == 2
    assert Source.objects.get(publisher="Example").claims.exists()
    assert "2 new" in out and "4 failed" in out


def test_a_failed_batch_leaves_everything_stored_before_untouched(seeded, batch, django_capture_on_commit_callbacks):
    before = (
        list(Source.objects.values_list("id", "content_hash", "status")),
        list(Claim.objects.values_list("id", "text", "cluster_id")),
    )
    with django_capture_on_commit_callbacks(execute=True):
        _, _, failed = run("ingest", str(batch / "broken.json"), str(batch / "binary.txt"))
    assert failed is not None
    after = (
        list(Source.objects.values_list("id", "content_hash", "status")),
        list(Claim.objects.values_list("id", "text", "cluster_id")),
    )
    assert after == before


def test_ingest_of_a_missing_path_fails_with_its_name(db):
    _, err, failed = run("ingest", "/no/such/article.txt")
    assert failed is not None and "/no/such/article.txt: no such file or directory" in err


def test_recluster_reports_claims_clusters_and_statuses(seeded):
    out, err, failed = run("recluster")
    assert failed is None
    assert f"{Claim.objects.count()} claims in {Cluster.objects.count()} clusters" in out
    assert "clustering claims:" in err and "100%" in err


def test_quickstart_prints_the_summary_and_a_fresh_editor_password_each_time(db, django_capture_on_commit_callbacks):
    from django.contrib.auth import get_user_model

    with django_capture_on_commit_callbacks(execute=True):
        first, _, failed = run("quickstart", "seeds/")
    assert failed is None
    assert "agreement" in first and "single_source" in first
    password = first.split("password ", 1)[1].split()[0]
    editor = get_user_model().objects.get(username="editor")
    assert editor.is_staff and not editor.is_superuser and editor.check_password(password)
    assert list(editor.groups.values_list("name", flat=True)) == ["editors"] and not editor.user_permissions.exists()
    assert editor.has_perm("claims.change_cluster") and not editor.has_perm("claims.delete_cluster")
    second, _, _ = run("quickstart", "seeds/")
    assert "already stored" in second and second.split("password ", 1)[1].split()[0] != password


def test_the_editor_sees_clusters_and_a_clusters_claims_in_the_admin(seeded, client, django_user_model):
    from django.contrib.auth.models import Permission

    editor = django_user_model.objects.create_user("ed", password="pw-for-test", is_staff=True)
    editor.user_permissions.set(Permission.objects.filter(content_type__app_label__in=["claims", "sources"]))
    client.force_login(editor)
    listing = client.get("/admin/claims/cluster/?status__exact=agreement")
    assert listing.status_code == 200 and b"agreement" in listing.content.lower()
    cluster = Cluster.objects.filter(status="agreement").first()
    page = client.get(f"/admin/claims/cluster/{cluster.pk}/change/")
    assert page.status_code == 200
    for claim in cluster.claims.all():
        assert claim.text[:40].encode() in page.content
    assert client.get("/admin/sources/source/").status_code == 200
    assert client.get(f"/admin/claims/claim/?q={cluster.claims.first().text[:10]}").status_code == 200
