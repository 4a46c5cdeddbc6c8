"""Processing as a retryable state machine: a source whose run died is claimed again (by the
reaper, by ingesting it again, by re-processing it), a source a live run holds is left to it, and
a run that lost its claim writes nothing."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from unittest import mock
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from django.contrib.admin.sites import site
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from claims import services
from claims.choices import SourceStatus
from claims.services.ingest import SOURCE_LOCK_CLASS, _store_claims
from factcheck.celery import app as celery_app
from sources.models import Source
from sources.readers import SourceInput
from tests.conftest import SEEDS
from tests.integration.test_settings import django_setup_with

pytestmark = pytest.mark.django_db

TEXT = "قال متحدث باسم الشركة إن أكثر من 20 مليون مستخدم تأثروا بالعطل."


def stored(status: str = SourceStatus.PROCESSING, started: timedelta | None = timedelta(0), attempts: int = 1):
    """A source as a run left it: `processing` since `started` ago (its process died, unless a
    lock is held for it)."""
    source = services.ingest_source(SourceInput(text=TEXT, origin="recovery-test"), enqueue=False).source
    Source.objects.filter(pk=source.pk).update(
        status=status,
        processing_started_at=None if started is None else timezone.now() - started,
        attempts=attempts,
    )
    source.refresh_from_db()
    return source


class LiveRun:
    """Another session holding a source's lock, as a live run does while it processes it."""

    def __init__(self, pk: int) -> None:
        self.pk = pk

    def __enter__(self):
        db = connection.settings_dict
        url = f"postgresql://{db['USER']}@{quote(db['HOST'], safe='')}:{db['PORT']}/{db['NAME']}"
        self.connection = psycopg.connect(url, autocommit=True)
        self.connection.execute("SELECT pg_advisory_lock(%s, %s)", [SOURCE_LOCK_CLASS, self.pk])
        return self

    def __exit__(self, *exc):
        self.connection.close()


def test_the_reaper_queues_a_source_whose_run_died_and_it_is_processed(django_capture_on_commit_callbacks):
    source = stored()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reap_stale_processing() == [source.pk]
    source.refresh_from_db()
    assert source.status == SourceStatus.PROCESSED
    assert source.attempts == 0  # reset once processed
    assert source.processing_started_at is None
    assert source.claims.exists()
    assert services.reap_stale_processing() == []  # twice is harmless


def test_the_reaper_leaves_a_live_run_alone_until_its_lease_expires(settings, django_capture_on_commit_callbacks):
    source = stored()
    with LiveRun(source.pk):
        assert services.reap_stale_processing() == []
        assert services.is_being_processed(source.pk)
        settings.FACTCHECK_PROCESSING_DEADLINE_SECONDS = 1
        Source.objects.filter(pk=source.pk).update(processing_started_at=timezone.now() - timedelta(seconds=5))
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            assert services.reap_stale_processing() == [source.pk]  # hung: lease expired
        assert len(callbacks) == 1
    assert Source.objects.get(pk=source.pk).status == SourceStatus.PENDING


def test_the_reaper_queues_again_a_pending_source_whose_message_was_lost(settings, django_capture_on_commit_callbacks):
    settings.FACTCHECK_PROCESSING_DEADLINE_SECONDS = 60
    with django_capture_on_commit_callbacks(execute=False):  # the broker "drops" the message
        result = services.ingest_source(SourceInput(text="Officials said 12 people died in the fire.", origin="t"))
    lost = result.source
    assert Source.objects.get(pk=lost.pk).queued_at is not None
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert services.reap_stale_processing() == []  # queued a moment ago: maybe only a backlog
    assert callbacks == []
    Source.objects.filter(pk=lost.pk).update(queued_at=timezone.now() - timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reap_stale_processing() == [lost.pk]
    assert Source.objects.get(pk=lost.pk).status == SourceStatus.PROCESSED
    assert services.reap_stale_processing() == []  # processed: nothing more to queue


def test_a_source_posted_as_a_url_waits_for_its_page_and_the_reaper_queues_the_fetch_again(
    settings, django_capture_on_commit_callbacks
):
    from clients.submissions import submit_url

    settings.FACTCHECK_PROCESSING_DEADLINE_SECONDS = 60
    with django_capture_on_commit_callbacks(execute=False):  # the fetch message is lost
        placeholder = submit_url(SourceInput(text="", url="https://news.example.org/a", origin="api")).source
    assert services.process_source(placeholder.pk) == 0  # nothing to read yet: not claimed
    assert Source.objects.get(pk=placeholder.pk).status == SourceStatus.PENDING
    Source.objects.filter(pk=placeholder.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    with mock.patch("clients.tasks.fetch_source_task.delay") as fetch, django_capture_on_commit_callbacks(execute=True):
        assert services.reap_stale_processing() == []  # no processing queued for it
    fetch.assert_called_once_with(placeholder.pk)


def test_a_source_that_keeps_dying_is_marked_failed_not_retried_for_ever(settings):
    settings.FACTCHECK_MAX_PROCESSING_ATTEMPTS = 3
    source = stored(attempts=3)
    assert services.reap_stale_processing() == []
    source.refresh_from_db()
    assert source.status == SourceStatus.FAILED
    assert "gave up after 3 attempts" in source.error


def test_ingesting_again_processes_a_source_whose_run_died(django_capture_on_commit_callbacks):
    source = stored()
    with django_capture_on_commit_callbacks(execute=True):
        result = services.ingest_source(SourceInput(text=TEXT, origin="again"))
    assert not result.created and result.queued
    source.refresh_from_db()
    assert source.status == SourceStatus.PROCESSED


def test_ingesting_again_leaves_a_source_a_live_run_holds(django_capture_on_commit_callbacks):
    source = stored()
    with LiveRun(source.pk), django_capture_on_commit_callbacks(execute=True):
        result = services.ingest_source(SourceInput(text=TEXT, origin="again"))
        assert not result.queued
        assert services.process_source(source.pk) == 0  # a second run does not take it over
    assert Source.objects.get(pk=source.pk).status == SourceStatus.PROCESSING


def test_a_run_that_lost_its_claim_writes_nothing():
    source = stored()
    assert _store_claims(source, timezone.now() - timedelta(hours=1), [], [], []) is None
    assert Source.objects.get(pk=source.pk).status == SourceStatus.PROCESSING


def test_admin_reprocess_processes_a_stuck_source_and_says_which_are_busy(
    admin_user, django_capture_on_commit_callbacks
):
    dead = stored()
    busy = services.ingest_source(
        SourceInput(text=(SEEDS / "002_6ddc87b5bd37a9dd.txt").read_text(), origin="busy"), enqueue=False
    )
    Source.objects.filter(pk=busy.source.pk).update(
        status=SourceStatus.PROCESSING, processing_started_at=timezone.now()
    )
    request = RequestFactory().post("/admin/sources/source/")
    request.user = admin_user
    request.session = {}
    request._messages = FallbackStorage(request)
    model_admin = site._registry[Source]
    with LiveRun(busy.source.pk), django_capture_on_commit_callbacks(execute=True):
        model_admin.reprocess(request, Source.objects.filter(pk__in=[dead.pk, busy.source.pk]))
    shown = [str(m) for m in request._messages]
    assert shown == [
        "Queued 1 source for processing.",
        f"Skipped, being processed right now: source(s) {busy.source.pk}.",
    ]
    assert Source.objects.get(pk=dead.pk).status == SourceStatus.PROCESSED
    assert Source.objects.get(pk=busy.source.pk).status == SourceStatus.PROCESSING


def test_importing_again_processes_the_lines_a_crash_left_pending(tmp_path, django_capture_on_commit_callbacks):
    rows = [
        {"text": "More than 20 million users were affected by the outage.", "publisher": "Desk A"},
        {"text": "The ministry said 300 schools were closed on Monday.", "publisher": "Desk B"},
    ]
    path = tmp_path / "claims.jsonl"
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_claims", str(path), stdout=io.StringIO())
    left = Source.objects.order_by("pk").last()
    left.claims.all().delete()
    Source.objects.filter(pk=left.pk).update(status=SourceStatus.PENDING)  # read, then the process crashed
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_claims", str(path), stdout=out)
    assert "2 already stored (1 of them not processed before, processed again)" in out.getvalue()
    left.refresh_from_db()
    assert left.status == SourceStatus.PROCESSED
    assert left.claims.count() == 1


def test_celery_puts_back_the_tasks_of_dead_workers_before_the_broker_hands_them_out_again():
    assert celery_app.conf.task_acks_late and celery_app.conf.task_reject_on_worker_lost
    visibility = celery_app.conf.broker_transport_options["visibility_timeout"]
    assert visibility > settings.FACTCHECK_PROCESSING_DEADLINE_SECONDS
    assert settings.CELERY_BEAT_SCHEDULE["reap-stale-processing"]["task"] == "claims.tasks.reap_stale_processing_task"


def test_a_visibility_timeout_within_the_deadline_stops_start_up_by_name():
    result = django_setup_with(CELERY_BROKER_VISIBILITY_TIMEOUT="60", FACTCHECK_PROCESSING_DEADLINE_SECONDS="900")
    assert result.returncode != 0 and "CELERY_BROKER_VISIBILITY_TIMEOUT" in result.stderr


def test_a_run_that_hangs_past_its_lease_is_taken_over(settings):
    source = stored(started=timedelta(hours=1))
    settings.FACTCHECK_PROCESSING_DEADLINE_SECONDS = 60
    with LiveRun(source.pk):  # hung: alive, holding its lock
        assert services.process_source(source.pk) > 0
    source.refresh_from_db()
    assert source.status == SourceStatus.PROCESSED
