"""One settings module: the embedded default, DATABASE_URL, and loud failures on bad values."""

import os
import subprocess
import sys

from django.conf import settings

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
