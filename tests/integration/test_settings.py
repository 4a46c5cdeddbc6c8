"""One settings module: the embedded default, DATABASE_URL, and loud failures on bad values."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from factcheck.celery import app as celery_app
from tests.conftest import REPO


def django_setup_with(**env):
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=REPO,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "factcheck.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_default_database_is_postgresql():
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="the embedded default only")
@pytest.mark.django_db
def test_the_embedded_database_keeps_connections_checked_as_a_database_url_does():
    config = settings.DATABASES["default"]
    assert config["CONN_MAX_AGE"] == int(os.environ.get("DATABASE_CONN_MAX_AGE", 60))
    assert config["CONN_HEALTH_CHECKS"] is True
    with connection.cursor() as cursor:  # a connection per process and thread fits many times over
        cursor.execute("SHOW max_connections")
        assert int(cursor.fetchone()[0]) >= 100


def test_a_non_postgresql_database_url_is_refused_by_name():
    result = django_setup_with(DATABASE_URL="sqlite:///tmp/x.db")
    assert result.returncode != 0 and "DATABASE_URL must point at PostgreSQL" in result.stderr


def test_a_bad_threshold_stops_start_up_with_the_variable_name():
    result = django_setup_with(FACTCHECK_CLUSTER_THRESHOLD="high")
    assert result.returncode != 0 and "FACTCHECK_CLUSTER_THRESHOLD" in result.stderr


def test_production_without_a_secret_key_refuses_to_start():
    result = django_setup_with(DJANGO_DEBUG="0", DJANGO_SECRET_KEY="", DATABASE_URL="postgresql://x@localhost/x")
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr


def test_without_a_broker_tasks_run_in_process():
    assert settings.CELERY_TASK_ALWAYS_EAGER is (settings.CELERY_BROKER_URL.startswith("memory://"))


def test_beat_schedules_the_registered_recluster_task():
    celery_app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in celery_app.tasks


def run_with(args: list[str], drop: tuple[str, ...] = (), **env) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in drop}
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPO,
        env={**base, "DJANGO_SETTINGS_MODULE": "factcheck.settings", **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


PRODUCTION = {
    "DATABASE_URL": "postgresql://factcheck@db.invalid/factcheck",
    "DJANGO_SECRET_KEY": "p" * 20 + "roduction" * 5,
}


def test_debug_is_off_unless_asked_for():
    result = run_with(
        ["-c", "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"],
        drop=("DJANGO_DEBUG",),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_a_database_url_without_a_secret_key_refuses_to_start_whatever_debug_says():
    result = django_setup_with(DJANGO_DEBUG="1", DJANGO_SECRET_KEY="", DATABASE_URL="postgresql://x@localhost/x")
    assert result.returncode != 0 and "DJANGO_SECRET_KEY must be set when DATABASE_URL is set" in result.stderr


def test_production_settings_pass_the_deployment_checks_without_a_warning():
    result = run_with(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], drop=("DJANGO_DEBUG",), **PRODUCTION
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_behind_a_tls_proxy_the_redirect_can_be_turned_off_by_name():
    code = (
        "import django; django.setup(); from django.conf import settings as s;"
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_PROXY_SSL_HEADER)"
    )
    result = run_with(
        ["-c", code],
        drop=("DJANGO_DEBUG",),
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SECURE_PROXY_SSL_HEADER="1",
        **PRODUCTION,
    )
    assert result.stdout.split() == ["False", "('HTTP_X_FORWARDED_PROTO',", "'https')"]


def test_the_embedded_default_serves_plain_http_on_this_machine():
    assert settings.SECURE_SSL_REDIRECT is False and settings.SESSION_COOKIE_SECURE is False


def test_the_admin_is_styled_with_debug_off_and_nothing_collected(client):
    assert settings.DEBUG is False
    response = client.get(settings.STATIC_URL + "admin/css/base.css")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/css")


def test_a_bad_api_rate_stops_start_up_with_the_variable_name():
    result = django_setup_with(FACTCHECK_API_ANON_RATE="fast")
    assert result.returncode != 0 and "FACTCHECK_API_ANON_RATE" in result.stderr


def test_a_shared_deployment_keeps_its_throttle_counters_in_a_shared_cache():
    code = "import django; django.setup(); from django.conf import settings as s; print(s.CACHES['default']['BACKEND'])"
    assert run_with(["-c", code], **PRODUCTION).stdout.strip().endswith("DatabaseCache")
    redis = run_with(["-c", code], DJANGO_CACHE_URL="redis://redis:6379/1", **PRODUCTION)
    assert redis.stdout.strip().endswith("RedisCache")
