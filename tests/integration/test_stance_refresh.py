"""What stance costs: the cross-encoder's logits kept by text pair in the database, only the pairs a
status needs judged, and ingestion leaving statuses to a status refresh job queued on commit."""

from __future__ import annotations

import numpy as np
import pytest

from claims import services
from claims.choices import SourceKind
from claims.models import Claim, Cluster, StanceJudgement
from claims.services import enqueue, statuses
from claims.services.ingest import _claim_fields, content_hash
from sources.models import Source
from tests.integration.test_import_claims import import_from_two_publishers

pytestmark = pytest.mark.django_db

APPROVES = "البرلمان يوافق على قانون الانتخابات الجديد"
REJECTS = "البرلمان يرفض قانون الانتخابات الجديد"
# Only the cross-encoder's reading tells these apart: the head alone puts "disagree" anywhere from
# about 0.3 to 0.9 (`StanceHead.disagree_bounds`), where approved / rejected reads as opposites to it.
ACQUITS = "المحكمة تبرئ رئيس الوزراء السابق"
CONVICTS = "المحكمة تدين رئيس الوزراء السابق"


class FakeCrossEncoder:
    """Stands in for the cross-encoder: a logit per pair from its texts, and every pair it read."""

    def __init__(self, version: str = "v1") -> None:
        self.version = version
        self.read: list[tuple[str, str]] = []

    def logits(self, texts_a, texts_b, threads=None):
        self.read += list(zip(texts_a, texts_b, strict=True))
        return np.array([float(len(a) - len(b)) ** 2 for a, b in zip(texts_a, texts_b, strict=True)])


def test_logits_are_kept_by_text_pair_in_either_order_for_every_process_until_the_model_changes():
    first = FakeCrossEncoder()
    logits = statuses._cached_cross_logits(first, ["a", "bb"], ["ccc", "dddd"], read=True)
    assert first.read == [("a", "ccc"), ("bb", "dddd")]
    assert StanceJudgement.objects.count() == 2

    # Another process: nothing in memory, the same model. Either order is the same pair.
    other = FakeCrossEncoder()
    again = statuses._cached_cross_logits(other, ["ccc", "bb", "a"], ["a", "dddd", "ccc"], read=True)
    assert other.read == []
    np.testing.assert_array_equal(again, logits[[0, 1, 0]])

    # Without `read`, a pair not judged yet is NaN, and nothing runs.
    waiting = statuses._cached_cross_logits(other, ["a", "x"], ["ccc", "y"], read=False)
    assert waiting[0] == logits[0] and np.isnan(waiting[1]) and other.read == []

    # A retrained model misses every logit of the one before.
    retrained = FakeCrossEncoder("v2")
    statuses._cached_cross_logits(retrained, ["a"], ["ccc"], read=True)
    assert retrained.read == [("a", "ccc")]
    assert StanceJudgement.objects.filter(model_version="v2").count() == 1

    # A model without a version (being trained) is never cached.
    unversioned = FakeCrossEncoder("")
    statuses._cached_cross_logits(unversioned, ["a"], ["ccc"], read=True)
    statuses._cached_cross_logits(unversioned, ["a"], ["ccc"], read=True)
    assert len(unversioned.read) == 2 and StanceJudgement.objects.count() == 3


def _statement_cluster(texts: list[str]) -> Cluster:
    """One cluster of standalone statements, each from its own publisher, all with one vector (so
    every pair matches as one fact)."""
    from claims import services

    vector = np.random.default_rng(0).standard_normal(896).astype(np.float32)
    cluster = Cluster.objects.create()
    for k, text in enumerate(texts):
        source = Source.objects.create(
            kind=SourceKind.CLAIM, text=text, publisher=f"publisher {k}", language=services.detect_language(text),
            content_hash=content_hash(f"{k}:{text}"), status="processed",
        )  # fmt: skip
        extracted = services.statement_claim(text, None)
        fields = _claim_fields(extracted, text, vector, "builtin:use+e5")
        Claim.objects.create(source=source, cluster=cluster, start=0, end=len(text), **fields)
    return cluster


def test_only_pairs_whose_figures_and_text_do_not_decide_them_reach_the_cross_encoder(monkeypatch, settings):
    settings.FACTCHECK_EMBEDDING_MODEL = "builtin:use+e5"
    fake = FakeCrossEncoder()
    monkeypatch.setattr(statuses, "_cross_encoder", lambda head: fake)
    statuses._open.forget()
    forty = "The floods in Derna killed 40 people on Monday."
    seventy_five = "The floods in Derna killed 75 people on Monday."
    cluster = _statement_cluster([forty, seventy_five, forty, APPROVES, REJECTS])
    services.reset_stance_cost()
    assert statuses.refresh_clusters([cluster.pk]) == set()
    cluster.refresh_from_db()
    assert cluster.status == "contradiction" and not cluster.status_stale
    # 40 vs 75: the figures decide; 40 vs 40 in one text: nothing to read. Of the pairs with a
    # statement without figures, the head alone knows that no reading of the parliament's law
    # against the floods' toll makes a contradiction: only the law approved against the law
    # rejected is read, once.
    assert fake.read == [(APPROVES, REJECTS)] or fake.read == [(REJECTS, APPROVES)]
    cost = services.stance_cost()
    assert cost.pairs_asked == 7 and cost.cross_skipped == 6
    assert cost.cross_pairs == 1 and cost.cross_read == 1

    # Refreshed again (any process), the pair comes from the stance cache.
    fake.read.clear()
    statuses.refresh_clusters([cluster.pk])
    assert fake.read == []


def test_a_pair_the_head_finds_contradicting_whatever_the_cross_encoder_reads_is_not_read(
    tmp_path, django_capture_on_commit_callbacks, monkeypatch
):
    job = RecordingTask()
    monkeypatch.setitem(enqueue._tasks, "refresh_statuses_task", job)
    cluster = import_from_two_publishers(tmp_path, APPROVES, REJECTS, django_capture_on_commit_callbacks)
    services.reset_stance_cost()
    assert services.refresh_stale_statuses(job.calls[0]) == [cluster.pk]
    cluster.refresh_from_db()
    # The same status a reading gives, with the least probability any reading would give.
    assert cluster.status == "contradiction" and not cluster.status_stale
    assert "contradicting (p at least 0." in cluster.status_reason
    assert not StanceJudgement.objects.exists()
    cost = services.stance_cost()
    assert cost.cross_skipped == 1 and cost.cross_read == 0


def test_a_cluster_whose_figures_decide_every_pair_never_loads_the_cross_encoder(monkeypatch, settings):
    settings.FACTCHECK_EMBEDDING_MODEL = "builtin:use+e5"

    def no_cross_encoder(head):
        raise AssertionError("the cross-encoder was asked for")

    monkeypatch.setattr(statuses, "_cross_encoder", no_cross_encoder)
    cluster = _statement_cluster(
        ["The floods in Derna killed 40 people on Monday.", "The floods in Derna killed 75 people on Monday."]
    )
    statuses.refresh_clusters([cluster.pk])
    cluster.refresh_from_db()
    assert cluster.status == "contradiction" and "quantity" in cluster.status_reason


class RecordingTask:
    def __init__(self) -> None:
        self.calls: list[list[int]] = []

    def delay(self, cluster_ids):
        self.calls.append(list(cluster_ids))


def test_the_job_is_queued_after_the_commit_once_for_all_the_clusters_changed(
    monkeypatch, settings, django_capture_on_commit_callbacks
):
    settings.FACTCHECK_EMBEDDING_MODEL = "builtin:use+e5"
    monkeypatch.setattr(statuses, "_cross_encoder", lambda head: FakeCrossEncoder())
    job = RecordingTask()
    monkeypatch.setitem(enqueue._tasks, "refresh_statuses_task", job)
    waiting = _statement_cluster([APPROVES, REJECTS])
    decided = _statement_cluster(["The floods killed 40 people.", "The floods killed 75 people."])
    refresh_clusters = statuses.refresh_clusters
    monkeypatch.setattr(statuses, "refresh_clusters", lambda *a, **k: pytest.fail("a status computed inline"))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert services.queue_status_refresh([waiting.pk, decided.pk, None]) == {waiting.pk, decided.pk}
    assert job.calls == [] and len(callbacks) == 1  # nothing is queued before the commit
    callbacks[0]()
    assert job.calls == [sorted([waiting.pk, decided.pk])]
    for cluster in (waiting, decided):  # counts are current at once, the statuses wait for the job
        cluster.refresh_from_db()
        assert cluster.status_stale and cluster.claim_count == 2 and cluster.status_reason == ""
    monkeypatch.setattr(statuses, "refresh_clusters", refresh_clusters)

    assert services.refresh_stale_statuses(job.calls[0]) == sorted([waiting.pk, decided.pk])
    decided.refresh_from_db()
    assert not decided.status_stale and decided.status == "contradiction"


def test_ingestion_queues_the_stance_it_needs_on_commit_and_the_job_is_safe_to_run_twice(
    tmp_path, django_capture_on_commit_callbacks, monkeypatch
):
    job = RecordingTask()
    monkeypatch.setitem(enqueue._tasks, "refresh_statuses_task", job)
    cluster = import_from_two_publishers(tmp_path, ACQUITS, CONVICTS, django_capture_on_commit_callbacks)
    cluster.refresh_from_db()
    # Committed without waiting for the status: the count is current, the rest waits for the job.
    assert job.calls == [[cluster.pk]]
    assert cluster.status_stale and cluster.claim_count == 2
    assert cluster.status != "contradiction"
    assert not StanceJudgement.objects.exists()

    assert services.refresh_stale_statuses(job.calls[0]) == [cluster.pk]
    cluster.refresh_from_db()
    assert not cluster.status_stale and cluster.source_count == 2
    assert cluster.status == "contradiction" and "stance" in cluster.status_reason
    assert StanceJudgement.objects.count() == 1
    reason = cluster.status_reason

    # Again (a retry, or a second worker): nothing stale is left, nothing is judged again.
    assert services.refresh_stale_statuses(job.calls[0]) == []
    cluster.refresh_from_db()
    assert cluster.status_reason == reason and StanceJudgement.objects.count() == 1
    # And the sweep finds nothing either.
    assert services.sweep_stale_statuses() == []


def test_a_pair_judged_before_is_not_read_again_by_the_job(tmp_path, django_capture_on_commit_callbacks, monkeypatch):
    """Once judged (by any process), the same texts are judged from the stance cache."""
    from newsclaims.verdicts import stance

    head = stance.get_head()
    statuses._cross_logits(head, [ACQUITS], [CONVICTS])  # judged earlier, e.g. by a rebuild
    assert StanceJudgement.objects.count() == 1
    job = RecordingTask()
    monkeypatch.setitem(enqueue._tasks, "refresh_statuses_task", job)
    cluster = import_from_two_publishers(tmp_path, CONVICTS, ACQUITS, django_capture_on_commit_callbacks)
    loaded = statuses._cross_encoder

    def reading_nothing(head):
        ce = loaded(head)
        if ce is not None:
            monkeypatch.setattr(ce, "logits", lambda *args, **kwargs: pytest.fail("a pair was read again"))
        return ce

    monkeypatch.setattr(statuses, "_cross_encoder", reading_nothing)

    assert services.refresh_stale_statuses(job.calls[0]) == [cluster.pk]
    cluster.refresh_from_db()
    assert not cluster.status_stale and cluster.status == "contradiction"
    assert StanceJudgement.objects.count() == 1


def test_without_a_broker_the_job_runs_after_commit_and_the_status_is_final(
    tmp_path, django_capture_on_commit_callbacks
):
    cluster = import_from_two_publishers(tmp_path, APPROVES, REJECTS, django_capture_on_commit_callbacks)
    cluster.refresh_from_db()
    assert not cluster.status_stale
    assert cluster.status == "contradiction" and "stance" in cluster.status_reason


def test_a_status_reads_its_claims_vectors_as_stored_and_leaves_the_articles_texts_unread(
    tmp_path, django_capture_on_commit_callbacks
):
    cluster = import_from_two_publishers(tmp_path, APPROVES, REJECTS, django_capture_on_commit_callbacks)
    members = statuses._members_of([cluster.pk])
    assert [c.pk for c in members] == list(
        Claim.objects.filter(cluster=cluster).order_by("id").values_list("pk", flat=True)
    )
    for claim in members:
        stored = np.asarray(Claim.objects.get(pk=claim.pk).embedding, dtype=np.float32)
        assert claim.embedding.dtype == np.float32
        np.testing.assert_array_equal(claim.embedding, stored)  # the binary form gives the same values
        assert "text" in claim.source.get_deferred_fields()  # each article's text is not read per claim


def test_a_status_refreshed_again_judges_no_pair_twice_until_a_claim_changes(monkeypatch, settings):
    settings.FACTCHECK_EMBEDDING_MODEL = "builtin:use+e5"
    monkeypatch.setattr(statuses, "_cross_encoder", lambda head: FakeCrossEncoder())
    statuses._judged.forget()  # nothing remembered from earlier tests
    statuses._open.forget()
    head = statuses._stance_head()
    judged: list[int] = []
    predict = type(head).predict_proba

    def counting(self, u, v, *args, **kwargs):
        judged.append(len(u))
        return predict(self, u, v, *args, **kwargs)

    monkeypatch.setattr(type(head), "predict_proba", counting)
    cluster = _statement_cluster([APPROVES, REJECTS, "The parliament approves the new election law"])
    statuses.refresh_clusters([cluster.pk])
    cluster.refresh_from_db()
    status, reason, asked = cluster.status, cluster.status_reason, sum(judged)
    assert asked > 0

    # The next article about the story refreshes it again: the same status, nothing judged again.
    statuses.refresh_clusters([cluster.pk])
    cluster.refresh_from_db()
    assert (cluster.status, cluster.status_reason) == (status, reason)
    assert sum(judged) == asked

    # An edited claim is another claim: its pairs are judged again.
    edited = Claim.objects.filter(cluster=cluster, text=APPROVES).get()
    edited.text = edited.match_text = APPROVES + " اليوم"
    edited.save(update_fields=["text", "match_text"])
    statuses.refresh_clusters([cluster.pk])
    assert sum(judged) > asked
