"""Claims fact-checkers already hold, imported and clustered like extracted ones."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from claims.choices import SourceKind
from claims.models import Claim
from sources.models import Source

pytestmark = pytest.mark.django_db


def write_jsonl(path, rows):
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    return path


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except CommandError as exc:
        return out.getvalue(), err.getvalue(), exc
    return out.getvalue(), err.getvalue(), None


def test_an_imported_claim_joins_the_cluster_of_the_same_claim_in_the_seeds(
    seeded, tmp_path, django_capture_on_commit_callbacks
):
    path = write_jsonl(tmp_path / "claims.jsonl", [{
        "text": "WhatsApp has more than 100 million users in Russia, the company said.",
        "source_url": "https://factcheckers.example/claims/1", "publisher": "Fact desk",
        "published_at": "2026-02-12", "language": "en",
    }])  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        _out, err, failed = run("import_claims", str(path))
    assert failed is None, err
    source = Source.objects.get(kind=SourceKind.CLAIM)
    [claim] = source.claims.all()
    assert claim.text == source.text.strip() and claim.quantity["value"] == 100_000_000
    seeded_claim = next(c for c in Claim.objects.exclude(source=source) if c.quantity and c.quantity["value"] == 1e8)
    assert claim.cluster_id == seeded_claim.cluster_id
    assert claim.cluster.independent_source_count == 4


def test_reimporting_the_same_lines_creates_nothing(db, tmp_path, django_capture_on_commit_callbacks):
    path = write_jsonl(tmp_path / "claims.jsonl", [{"text": "Telegram blocked 78 channels.", "publisher": "A"}])
    with django_capture_on_commit_callbacks(execute=True):
        first, _, _ = run("import_claims", str(path))
        again, _, _ = run("import_claims", str(path))
    assert "imported 1 new claim(s), 0 already stored" in first
    assert "imported 0 new claim(s), 1 already stored" in again
    assert Source.objects.count() == 1 and Claim.objects.count() == 1


def test_bad_lines_are_reported_by_number_and_the_rest_go_in(db, tmp_path, django_capture_on_commit_callbacks):
    path = write_jsonl(tmp_path / "claims.jsonl", [
        {"text": "Signal gained millions of users in January."},
        "{not json",
        {"text": ""},
        {"text": "x", "source_url": "ftp://nope"},
        {"text": "y", "colour": "red"},
        ["a list"],
    ])  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        _out, err, failed = run("import_claims", str(path))
    assert failed is not None
    for line, reason in [(2, "malformed JSON"), (3, "'text' is missing"), (4, "'source_url'"), (5, "unknown field"),
                         (6, "expected an object")]:  # fmt: skip
        assert f"claims.jsonl:{line}" in err and reason in err.split(f"claims.jsonl:{line}")[1].splitlines()[0]
    assert Source.objects.count() == 1


def test_a_missing_file_is_a_clear_error(db):
    _, err, failed = run("import_claims", "/no/such.jsonl")
    assert failed is not None and "/no/such.jsonl: no such file" in err


def test_an_import_embeds_its_claims_in_batches_not_one_call_per_line(
    db, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    from claims import services

    calls = []
    real_embed = services.embed
    monkeypatch.setattr(services.ingest, "embed", lambda texts: calls.append(len(texts)) or real_embed(texts))
    rows = [{"text": f"Telegram blocked {n} channels linked to the group.", "publisher": f"P{n}"} for n in range(1, 31)]
    with django_capture_on_commit_callbacks(execute=True):
        _, err, failed = run("import_claims", str(write_jsonl(tmp_path / "many.jsonl", rows)))
    assert failed is None, err
    assert calls == [30]
    assert Claim.objects.count() == 30 and not Claim.objects.filter(cluster=None).exists()
    assert set(Source.objects.values_list("status", flat=True)) == {"processed"}


def import_from_two_publishers(tmp_path, first: str, second: str, capture):
    """Import two Arabic claims from two publishers; return their one cluster."""
    path = write_jsonl(tmp_path / "claims.jsonl", [
        {"text": first, "publisher": "وكالة أ", "language": "ar"},
        {"text": second, "publisher": "صحيفة ب", "language": "ar"},
    ])  # fmt: skip
    with capture(execute=True):
        _out, err, failed = run("import_claims", str(path))
    assert failed is None, err
    one, two = Claim.objects.order_by("id")
    assert one.cluster_id == two.cluster_id
    return one.cluster


def test_a_claim_and_its_contradiction_from_two_publishers_form_a_contradiction_with_the_stance_reason(
    db, tmp_path, django_capture_on_commit_callbacks
):
    """No figure, no negation word: only reading the two texts together tells approve from reject."""
    cluster = import_from_two_publishers(
        tmp_path,
        "البرلمان يوافق على قانون الانتخابات الجديد",
        "البرلمان يرفض قانون الانتخابات الجديد",
        django_capture_on_commit_callbacks,
    )
    assert cluster.status == "contradiction", cluster.status_reason
    assert "stance" in cluster.status_reason


def test_a_claim_and_its_paraphrase_from_two_publishers_agree(db, tmp_path, django_capture_on_commit_callbacks):
    cluster = import_from_two_publishers(
        tmp_path,
        "البرلمان يوافق على قانون الانتخابات الجديد",
        "البرلمان يقر قانون الانتخابات الجديد",
        django_capture_on_commit_callbacks,
    )
    assert cluster.status == "agreement", cluster.status_reason


def test_the_cross_encoder_can_be_switched_off_by_setting(settings):
    from claims import services
    from newsclaims.verdicts import stance

    head = stance.get_head()
    assert head is not None and head.cross_coef is not None
    texts_a, texts_b = ["البرلمان يوافق على القانون"], ["البرلمان يرفض القانون"]
    settings.FACTCHECK_STANCE_CROSS_ENCODER = True
    logits = services._cross_logits(head, texts_a, texts_b)
    assert logits is not None and logits.shape == (1,)
    settings.FACTCHECK_STANCE_CROSS_ENCODER = False
    assert services._cross_logits(head, texts_a, texts_b) is None


def test_backing_away_from_a_plan_contradicts_approving_it_only_when_the_cross_encoder_reads_both(
    db, tmp_path, django_capture_on_commit_callbacks, settings
):
    """The head alone, on sentence vectors and word features, reads these as agreeing."""
    texts = (
        "إسرائيل تتراجع عن خطة ترحيل عشرات الآلاف من المهاجرين",
        "إسرائيل تقر خطة ترحيل عشرات الآلاف من المهاجرين",
    )
    cluster = import_from_two_publishers(tmp_path, *texts, django_capture_on_commit_callbacks)
    assert cluster.status == "contradiction", cluster.status_reason
    assert "stance" in cluster.status_reason

    from claims.services import refresh_clusters

    settings.FACTCHECK_STANCE_CROSS_ENCODER = False
    refresh_clusters([cluster.pk])
    cluster.refresh_from_db()
    assert cluster.status == "agreement", cluster.status_reason
