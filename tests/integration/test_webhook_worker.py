"""A real Celery worker on Redis delivers a webhook and retries it with exponential backoff (the
countdown path that in-process runs skip)."""

from __future__ import annotations

import json
import time

import pytest

from claims.choices import Verdict
from claims.models import Cluster
from claims.services import editorial
from integrations.models import DeliveryState, WebhookDelivery, WebhookSubscription
from integrations.signing import verify_signature
from tests.integration.test_webhooks import Receiver
from tests.integration.test_worker import real_worker, require_redis

BROKER = "redis://127.0.0.1:6379/8"


@pytest.fixture
def webhook_worker(transactional_db):
    require_redis()
    with real_worker(
        BROKER, "factcheck-webhooks-test", FACTCHECK_WEBHOOK_RETRY_SECONDS="1", FACTCHECK_WEBHOOK_MAX_ATTEMPTS="3"
    ) as process:
        yield process


@pytest.mark.worker
def test_a_worker_retries_a_failing_receiver_with_growing_delays(webhook_worker):
    receiver = Receiver()
    try:
        receiver.script = [500, 503]
        subscription = WebhookSubscription.objects.create(url=receiver.url, events=["cluster.verdict_set"])
        cluster = Cluster.objects.create(label="The port handled 9 million tonnes.")
        started = time.monotonic()
        editorial.set_verdict(cluster, Verdict.FALSE)  # autocommit: queued to the worker at once
        assert time.monotonic() - started < 2  # the editor's call does not wait for the receiver
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and webhook_worker.poll() is None:
            if WebhookDelivery.objects.filter(state=DeliveryState.DELIVERED).exists():
                break
            time.sleep(0.3)
        attempts = list(WebhookDelivery.objects.order_by("attempt"))
        if not attempts or attempts[-1].state != DeliveryState.DELIVERED:
            webhook_worker.terminate()
            pytest.fail(f"attempts {attempts}; worker output:\n{webhook_worker.communicate(timeout=20)[0][-4000:]}")
        assert [(a.attempt, a.status_code, a.state) for a in attempts] == [
            (1, 500, DeliveryState.FAILED), (2, 503, DeliveryState.FAILED), (3, 200, DeliveryState.DELIVERED),
        ]  # fmt: skip
        times = [r["at"] for r in receiver.received]
        assert times[1] - times[0] >= 0.9 and times[2] - times[1] >= 1.9  # 1 s, then 2 s
        assert all(
            verify_signature(subscription.secret, r["headers"]["X-Factcheck-Signature"], r["body"])
            for r in receiver.received
        )
        assert {json.loads(r["body"])["id"] for r in receiver.received} == {str(attempts[0].delivery_id)}
    finally:
        receiver.close()
