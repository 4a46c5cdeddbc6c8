"""Webhooks against a local receiver: signed deliveries from the real service paths (a verdict, a
merge that makes a contradiction), retries logged per attempt, and a receiver that is down never
raising into the editor's call."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import time

import pytest

from claims.choices import ClusterStatus, SourceKind, Verdict
from claims.models import Claim, Cluster
from claims.services import editorial
from integrations.models import DeliveryState, WebhookDelivery, WebhookSubscription
from integrations.signing import verify_signature
from sources.models import Source

pytestmark = pytest.mark.django_db


class Receiver:
    """An http.server on 127.0.0.1 answering each POST with the next scripted status (then 200),
    recording what it was sent."""

    def __init__(self) -> None:
        self.script: list[int] = []
        self.received: list[dict] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": dict(self.headers), "body": body, "at": time.time()})
                status = receiver.script.pop(0) if receiver.script else 200
                answer = b"ok" if status == 200 else b"broken" * 1000
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def quick_retries(settings):
    settings.FACTCHECK_WEBHOOK_MAX_ATTEMPTS = 3
    settings.FACTCHECK_WEBHOOK_RETRY_SECONDS = 1
    settings.FACTCHECK_WEBHOOK_TIMEOUT = 2
    settings.FACTCHECK_WEBHOOK_DEADLINE = 3


def subscribe(url: str, *events: str) -> WebhookSubscription:
    return WebhookSubscription.objects.create(url=url, events=list(events))


def statement(text: str, raw: str, value: float, publisher: str) -> Claim:
    """An imported claim (a standalone statement) giving a figure, in a cluster of its own."""
    source = Source.objects.create(
        kind=SourceKind.CLAIM, text=text, publisher=publisher, content_hash=f"hash-{text}", language="en"
    )
    quantity = {"value": value, "low": value, "high": value, "qualifier": "exact", "unit": "people", "raw": raw}
    cluster = Cluster.objects.create(label=text)
    return Claim.objects.create(
        source=source, cluster=cluster, text=text, start=0, end=len(text), language="en", subject="flood",
        quantity={**quantity, "kind": "dead"}, checkworthiness=0.9,
    )  # fmt: skip


def test_a_verdict_is_delivered_once_signed_with_the_subscriptions_secret(receiver, django_capture_on_commit_callbacks):
    subscription = subscribe(receiver.url, "cluster.verdict_set")
    subscribe(receiver.url, "cluster.status_changed")  # not subscribed to verdicts: gets nothing
    cluster = Cluster.objects.create(label="The bridge cost 3 million.")

    with django_capture_on_commit_callbacks(execute=True):
        editorial.set_verdict(cluster, Verdict.FALSE, note="It cost 5 million.")

    [sent] = receiver.received
    body, headers = sent["body"], sent["headers"]
    signature = headers["X-Factcheck-Signature"]
    timestamp = int(dict(part.split("=", 1) for part in signature.split(","))["t"])
    assert abs(timestamp - sent["at"]) < 60
    assert verify_signature(subscription.secret, signature, body)
    assert not verify_signature("whsec_another", signature, body)
    assert not verify_signature(subscription.secret, signature, body + b" ")
    assert not verify_signature(subscription.secret, signature, body, now=timestamp + 301)  # a replay, later
    payload = json.loads(body)
    assert headers["X-Factcheck-Event"] == payload["event"] == "cluster.verdict_set"
    assert payload["cluster"]["id"] == cluster.pk and payload["cluster"]["verdict"] == "false"
    [delivery] = WebhookDelivery.objects.all()
    assert headers["X-Factcheck-Delivery"] == str(delivery.delivery_id) == payload["id"]
    assert (delivery.state, delivery.status_code, delivery.attempt, delivery.error) == (
        DeliveryState.DELIVERED, 200, 1, ""
    )  # fmt: skip
    assert delivery.duration_ms is not None and delivery.sent_at is not None


def test_a_receiver_answering_500_then_200_is_retried_and_both_attempts_logged(
    receiver, django_capture_on_commit_callbacks
):
    subscribe(receiver.url, "cluster.verdict_set")
    receiver.script = [500]
    cluster = Cluster.objects.create(label="x")

    with django_capture_on_commit_callbacks(execute=True):
        editorial.set_verdict(cluster, Verdict.TRUE)

    assert len(receiver.received) == 2
    assert receiver.received[0]["body"] == receiver.received[1]["body"]
    ids = {r["headers"]["X-Factcheck-Delivery"] for r in receiver.received}
    assert len(ids) == 1  # the receiver can tell a retry from a new event
    first, second = WebhookDelivery.objects.order_by("attempt")
    assert (first.attempt, first.state, first.status_code) == (1, DeliveryState.FAILED, 500)
    assert "HTTP 500" in first.error and first.response_excerpt.startswith("broken")
    assert len(first.response_excerpt) == 1000  # the excerpt is capped
    assert first.next_retry_at is not None and first.next_retry_at > first.sent_at
    assert (second.attempt, second.state, second.status_code, second.error) == (2, DeliveryState.DELIVERED, 200, "")
    assert first.delivery_id == second.delivery_id


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_receiver_that_is_down_is_logged_and_never_stops_the_verdict(django_capture_on_commit_callbacks):
    subscribe(f"http://127.0.0.1:{free_port()}/hook", "cluster.verdict_set")
    cluster = Cluster.objects.create(label="y")

    with django_capture_on_commit_callbacks(execute=True):
        returned = editorial.set_verdict(cluster, Verdict.UNPROVEN)

    assert returned.verdict == Verdict.UNPROVEN
    cluster.refresh_from_db()
    assert cluster.verdict == Verdict.UNPROVEN
    attempts = list(WebhookDelivery.objects.order_by("attempt"))
    assert [a.attempt for a in attempts] == [1, 2, 3]  # FACTCHECK_WEBHOOK_MAX_ATTEMPTS
    assert all(a.state == DeliveryState.FAILED and "cannot connect" in a.error for a in attempts)
    assert [a.next_retry_at is not None for a in attempts] == [True, True, False]
    # Exponential backoff: each wait doubles.
    waits = [(a.next_retry_at - a.sent_at).total_seconds() for a in attempts[:2]]
    assert waits[1] == pytest.approx(2 * waits[0], abs=0.01)


def test_a_merge_that_makes_a_contradiction_delivers_cluster_contradiction(
    receiver, django_capture_on_commit_callbacks
):
    subscribe(receiver.url, "cluster.contradiction")
    changes = Receiver()
    try:
        subscribe(changes.url, "cluster.status_changed")
        a = statement("The flood killed 12 people.", "12", 12, "Daily A")
        b = statement("The flood killed 40 people.", "40", 40, "Daily B")

        with django_capture_on_commit_callbacks(execute=True):
            merged = editorial.merge_clusters([a.cluster_id, b.cluster_id])

        assert merged.status == ClusterStatus.CONTRADICTION, merged.status_reason
        [sent] = receiver.received
        payload = json.loads(sent["body"])
        assert payload["event"] == "cluster.contradiction" and sent["headers"]["X-Factcheck-Event"] == payload["event"]
        assert payload["cluster"]["id"] == merged.pk
        assert payload["cluster"]["status"] == "contradiction"
        assert payload["cluster"]["previous_status"] == "single_source"
        [changed] = changes.received
        assert json.loads(changed["body"])["event"] == "cluster.status_changed"
    finally:
        changes.close()


def test_a_refresh_that_changes_no_status_announces_nothing(receiver, django_capture_on_commit_callbacks):
    from claims.services import refresh_clusters

    subscribe(receiver.url, "cluster.status_changed", "cluster.contradiction")
    claim = statement("The flood killed 12 people.", "12", 12, "Daily A")
    with django_capture_on_commit_callbacks(execute=True):
        refresh_clusters([claim.cluster_id])
    assert receiver.received == [] and not WebhookDelivery.objects.exists()


def test_a_rolled_back_change_announces_nothing(receiver, django_capture_on_commit_callbacks):
    from django.db import transaction

    subscribe(receiver.url, "cluster.verdict_set")
    cluster = Cluster.objects.create(label="z")
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        editorial.set_verdict(cluster, Verdict.TRUE)
        raise RuntimeError("the editor's request failed after the verdict")
    assert callbacks == [] and receiver.received == [] and not WebhookDelivery.objects.exists()


def test_the_webhooks_api_is_for_editors_and_shows_the_secret_once(client, django_user_model):
    from clients.services import create_token

    payload = {"url": "https://client.example/hook", "events": ["cluster.verdict_set"]}
    assert client.post("/api/v1/webhooks/", payload, content_type="application/json").status_code == 401
    writer = create_token("writer", "write").plaintext
    refused = client.post(
        "/api/v1/webhooks/", payload, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {writer}"
    )
    assert refused.status_code == 403
    editor = create_token("editor", "editor").plaintext
    by_token = client.post(
        "/api/v1/webhooks/", payload, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {editor}"
    )
    assert by_token.status_code == 201 and "secret" in by_token.json()
    WebhookSubscription.objects.all().delete()
    staff = django_user_model.objects.create_user("staff", password="pw-for-tests-1", is_staff=True)
    client.force_login(staff)

    created = client.post("/api/v1/webhooks/", payload, content_type="application/json")
    assert created.status_code == 201, created.content
    secret = created.json()["secret"]
    subscription = WebhookSubscription.objects.get()
    assert secret == subscription.secret and subscription.created_by == staff
    listed = client.get("/api/v1/webhooks/").json()
    assert len(listed["results"]) == 1 and "secret" not in listed["results"][0]
    assert "secret" not in client.get(f"/api/v1/webhooks/{subscription.pk}/").json()

    for bad in (
        {"url": "javascript:alert(1)", "events": ["cluster.verdict_set"]},
        {"url": "ftp://client.example/hook", "events": ["cluster.verdict_set"]},
        {"url": "https://client.example/hook", "events": ["cluster.deleted"]},
        {"url": "https://client.example/hook", "events": []},
    ):
        answer = client.post("/api/v1/webhooks/", bad, content_type="application/json")
        assert answer.status_code == 400, (bad, answer.content)
    assert client.delete(f"/api/v1/webhooks/{subscription.pk}/").status_code == 204
    assert not WebhookSubscription.objects.exists()


def test_the_admin_shows_a_new_subscriptions_secret_once(admin_client):
    answer = admin_client.post(
        "/admin/integrations/webhooksubscription/add/",
        {"url": "https://client.example/hook", "events": ["cluster.contradiction"], "active": "on"},
        follow=True,
    )
    subscription = WebhookSubscription.objects.get()
    assert subscription.secret in answer.content.decode()
    change = admin_client.get(f"/admin/integrations/webhooksubscription/{subscription.pk}/change/")
    assert change.status_code == 200 and subscription.secret not in change.content.decode()
    assert admin_client.get("/admin/integrations/webhookdelivery/").status_code == 200


def test_basic_credentials_with_a_nul_are_refused_not_a_server_error(client):
    import base64

    credentials = base64.b64encode(b"staff\x00:pw").decode()
    answer = client.get("/api/v1/webhooks/", HTTP_AUTHORIZATION=f"Basic {credentials}")
    assert answer.status_code in (401, 403)


def test_attempts_left_behind_are_queued_again_once(receiver, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    from integrations import services

    subscription = subscribe(receiver.url, "cluster.verdict_set")
    long_ago = timezone.now() - timedelta(hours=1)

    def row(**fields) -> WebhookDelivery:
        return WebhookDelivery.objects.create(
            subscription=subscription, event="cluster.verdict_set", body='{"n":1}', **fields
        )

    overdue = row(due_at=long_ago)  # queued while the broker was down
    abandoned = row(state=DeliveryState.SENDING, claimed_at=long_ago, due_at=long_ago)  # its worker died
    row(due_at=timezone.now())  # just queued: its task is on its way
    row(state=DeliveryState.SENDING, claimed_at=timezone.now())  # being sent right now
    row(state=DeliveryState.FAILED, due_at=long_ago, error="HTTP 500")  # finished

    with django_capture_on_commit_callbacks(execute=True):
        queued = services.requeue_stalled_deliveries()

    assert sorted(queued) == sorted([overdue.pk, abandoned.pk])
    assert len(receiver.received) == 2
    assert services.requeue_stalled_deliveries() == []  # delivered now: not again
    assert set(WebhookDelivery.objects.filter(pk__in=queued).values_list("state", flat=True)) == {
        DeliveryState.DELIVERED
    }
