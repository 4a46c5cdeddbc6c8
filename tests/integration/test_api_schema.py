"""The API keeps the promises of its own OpenAPI schema under generated requests (schemathesis).

Every operation of ``/api/v1/schema/`` is called through the WSGI app with requests generated from
the schema, on the seed articles: no answer may be a server error, and every documented answer must
match the schema. One test over all operations, so the seeds are ingested once.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from claims.models import Claim, Cluster
from factcheck.wsgi import application
from sources.models import Source

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 25


@pytest.fixture
def one_connection_across_requests():
    """Keep the test's connection (and its transaction with the seeds) open between WSGI calls.

    The app closes old connections when a request starts and ends; Django's test client turns that
    off while it calls the app, and a WSGI caller has to do the same.
    """
    signals = (request_started, request_finished)
    for signal in signals:
        signal.disconnect(close_old_connections)
    yield
    for signal in signals:
        signal.connect(close_old_connections)


@pytest.fixture
def unthrottled(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": None, "user": None}}


def test_every_operation_answers_without_server_errors_and_as_its_schema_says(
    seeded, unthrottled, one_connection_across_requests
):
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} >= {"GET /api/v1/claims/", "GET /api/v1/clusters/{id}/"}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def answers_as_promised(case):
            case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])

        answers_as_promised()


def test_every_stored_source_claim_and_cluster_is_served_as_the_schema_says(
    seeded, unthrottled, one_connection_across_requests
):
    # generated ids almost never hit a stored row; these calls check the serializers on real data
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
    for model in (Source, Claim, Cluster):
        operation = schema[f"/api/v1/{model._meta.model_name}s/{{id}}/"]["GET"]
        pks = list(model.objects.values_list("pk", flat=True))
        assert pks
        for pk in pks:
            case = operation.Case(path_parameters={"id": pk})
            response = case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])
            assert response.status_code == 200


def test_the_write_operations_keep_their_schema_with_an_editor_token(
    seeded, unthrottled, one_connection_across_requests
):
    # the first test's generated writes are refused (no token); these get past authentication to the
    # validation, storage and editorial services (processing stays queued: the test never commits)
    from clients.services import create_token

    token = create_token("schemathesis", "editor").plaintext
    stored_before = Source.objects.count()
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
    writes = [result.ok() for result in schema.get_all_operations() if result.ok().method.upper() == "POST"]
    assert {op.label for op in writes} >= {"POST /api/v1/sources/", "POST /api/v1/clusters/{id}/verdict/"}
    for operation in writes:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def answers_as_promised(case):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
            response = case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])
            assert response.status_code not in (401, 403)

        answers_as_promised()
    # generated bodies are mostly refused; an accepted article, batch and import must match the schema too
    auth = {"Authorization": f"Bearer {token}"}
    for path, body in [
        ("/api/v1/sources/", {"text": "The ministry said 40 people died in the floods.", "language": "en"}),
        ("/api/v1/claims/import/", [{"text": "Unemployment reached 22 percent in 2023."}]),
        ("/api/v1/sources/batch/", [{"text": "The port strike ended after 9 days, the union said.", "title": "Port"}]),
    ]:
        case = schema[path]["POST"].Case(body=body, headers=auth, media_type="application/json")
        response = case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])
        assert response.status_code == 202, response.text
    assert Source.objects.count() >= stored_before + 3
