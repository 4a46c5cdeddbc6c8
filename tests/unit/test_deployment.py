"""The production layout parses and wires every part together."""

from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]


def compose():
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def test_compose_defines_database_broker_web_worker_and_beat():
    assert {"db", "redis", "web", "worker", "beat"} <= set(compose()["services"])


def test_the_database_image_has_pgvector():
    assert "pgvector" in compose()["services"]["db"]["image"]


def test_web_worker_and_beat_share_the_database_and_the_broker():
    services = compose()["services"]
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgresql://") and "@db:" in env["DATABASE_URL"]
        assert env["CELERY_BROKER_URL"].startswith("redis://redis:")
    assert "gunicorn" in services["web"]["command"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "factcheck", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "factcheck", "beat"]


def test_no_secret_is_written_in_the_compose_file():
    env = compose()["services"]["web"]["environment"]
    assert env["DJANGO_SECRET_KEY"].startswith("${")


def test_the_image_is_built_without_the_local_venv_database_or_caches():
    ignored = {line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()}
    assert {".venv/", "var/", ".git/"} <= ignored
    # ...but with the committed model files the service needs.
    assert not any(p in ignored for p in ("newsclaims/matching/data/", "newsclaims/verdicts/data/", "*.npz", "*.json"))


def test_the_web_workers_share_one_cache_for_login_and_api_throttles():
    env = compose()["services"]["web"]["environment"]
    assert env["DJANGO_CACHE_URL"].startswith("redis://redis:")


def test_production_is_secure_unless_turned_off_by_name():
    env = compose()["services"]["web"]["environment"]
    assert env["DJANGO_DEBUG"] == "0"
    assert env["DJANGO_SECURE_SSL_REDIRECT"].endswith(":-1}") and env["DJANGO_SECURE_COOKIES"].endswith(":-1}")
