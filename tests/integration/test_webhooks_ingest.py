"""End to end through ingestion (the real model): two outlets' contradicting figures, imported and
processed in-process, announce cluster.contradiction; a receiver that is down changes nothing for
the import."""

from __future__ import annotations

import json

import pytest

from claims import services
from claims.choices import ClusterStatus
from claims.models import Cluster
from integrations.models import DeliveryState, WebhookDelivery, WebhookSubscription
from sources.readers import SourceInput
from tests.integration.test_webhooks import Receiver, free_port

pytestmark = pytest.mark.django_db


def test_ingestion_announces_a_contradiction_and_a_dead_receiver_does_not_stop_it(
    django_capture_on_commit_callbacks, settings
):
    settings.FACTCHECK_WEBHOOK_MAX_ATTEMPTS = 2
    receiver = Receiver()
    try:
        WebhookSubscription.objects.create(url=receiver.url, events=["cluster.contradiction"])
        WebhookSubscription.objects.create(url=f"http://127.0.0.1:{free_port()}/", events=["cluster.contradiction"])
        statements = [
            SourceInput(text="The earthquake in Marrakesh killed 2,900 people.", origin="a", publisher="Wire A"),
            SourceInput(text="The earthquake in Marrakesh killed 600 people.", origin="b", publisher="Wire B"),
        ]
        with django_capture_on_commit_callbacks(execute=True):
            report = services.import_statements(statements)

        assert not report.errors and len(report.created) == 2
        [cluster] = Cluster.objects.filter(status=ClusterStatus.CONTRADICTION)
        assert cluster.claim_count == 2, cluster.status_reason
        [sent] = receiver.received
        payload = json.loads(sent["body"])
        assert payload["event"] == "cluster.contradiction" and payload["cluster"]["id"] == cluster.pk
        dead = WebhookDelivery.objects.exclude(state=DeliveryState.DELIVERED)
        assert [d.attempt for d in dead.order_by("attempt")] == [1, 2]
        assert all("cannot connect" in d.error for d in dead)
    finally:
        receiver.close()
