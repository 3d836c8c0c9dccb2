"""The one settings module. Everything comes from the environment (or `.env`).

With no DATABASE_URL and no REDIS_URL the service runs on the embedded default:
SQLite in WAL mode, a filesystem Celery broker and a database cache, all under
`var/`, so a fresh machine needs nothing but Python. With them set it runs on
PostgreSQL and Redis. See `.env.example` for every variable.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
if (BASE_DIR / ".env").is_file():
    environ.Env.read_env(BASE_DIR / ".env")

VAR_DIR = Path(env("OSRSDIFF_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DATABASE_URL = env("DATABASE_URL", default="")
REDIS_URL = env("REDIS_URL", default="")
EMBEDDED = not DATABASE_URL and not REDIS_URL

DEBUG = env.bool("DEBUG", default=False)


def _embedded_secret_key() -> str:
    # A development secret, generated once and kept beside the SQLite file.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not EMBEDDED:
        raise ImproperlyConfigured("SECRET_KEY must be set when DATABASE_URL or REDIS_URL is.")
    SECRET_KEY = _embedded_secret_key()

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
USE_X_FORWARDED_HOST = env.bool("USE_X_FORWARDED_HOST", default=False)
# How many proxies stand in front of gunicorn: throttles key on the client address.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "osrsdiff",
    "hiscores",
    "players",
    "progress",
]

MIDDLEWARE = [
    "osrsdiff.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "osrsdiff.urls"
WSGI_APPLICATION = "osrsdiff.wsgi.application"
# API paths have no trailing slash (API.md); never redirect them.
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "osrsdiff" / "templates"],
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

# --- Database -----------------------------------------------------------------
if DATABASE_URL:
    DATABASES = {"default": env.db_url("DATABASE_URL")}
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    sqlite_path = Path(env("SQLITE_PATH", default=str(VAR_DIR / "osrsdiff.sqlite3")))
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": sqlite_path,
            # Web, worker and beat write at once: IMMEDIATE transactions and a busy
            # timeout make them queue for the write lock instead of failing with
            # "database is locked"; WAL lets readers go on while one writes.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (throttles, breaker state): shared by every process ------------------
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "osrsdiff",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "osrsdiff_cache",
        }
    }

# --- Auth -------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.BCryptPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login and refresh attempts per client address, e.g. "10/min".
AUTH_THROTTLE_RATE = env("AUTH_THROTTLE_RATE", default="10/min")
JWT_ACCESS_MINUTES = env.int("JWT_ACCESS_MINUTES", default=15)
JWT_REFRESH_DAYS = env.int("JWT_REFRESH_DAYS", default=7)
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=JWT_ACCESS_MINUTES),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=JWT_REFRESH_DAYS),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "osrsdiff.errors.api_exception_handler",
    "NUM_PROXIES": NUM_PROXIES or None,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "osrsdiff API",
    "DESCRIPTION": "Old School RuneScape hiscores, tracked over time.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api",
    # Served from our own static files: the docs work with no outside network.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Sessions only serve the admin's charts; API clients use Bearer tokens.
    "AUTHENTICATION_WHITELIST": ["rest_framework_simplejwt.authentication.JWTAuthentication"],
}

# --- Celery -------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
if REDIS_URL:
    # A task whose worker died is redelivered after this; the scheduler's lease
    # (FETCH_LEASE_SECONDS) re-claims the player even sooner.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 600}
else:
    BROKER_DIR = VAR_DIR / "broker"
    BROKER_DIR.mkdir(exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR),
        "data_folder_out": str(BROKER_DIR),
        # Exchange bindings; kombu would otherwise write them to ./control.
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=120)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=90)
CELERY_TASK_ROUTES = {
    "players.tasks.fetch_player": {"queue": "fetch"},
    "players.tasks.fetch_players": {"queue": "fetch"},
}
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# --- The OSRS hiscores ----------------------------------------------------------
OSRS_HISCORES_BASE_URL = env("OSRS_HISCORES_BASE_URL", default="https://secure.runescape.com")
OSRS_CONNECT_TIMEOUT = env.float("OSRS_CONNECT_TIMEOUT", default=5.0)
OSRS_READ_TIMEOUT = env.float("OSRS_READ_TIMEOUT", default=20.0)
OSRS_USER_AGENT = env(
    "OSRS_USER_AGENT", default="osrsdiff/0.1 (+https://github.com/osrsdiff/osrsdiff)"
)
# One budget for every worker on every host: Jagex allows roughly one request
# every one to two seconds from an address.
OSRS_MAX_REQUESTS_PER_SECOND = env.float("OSRS_MAX_REQUESTS_PER_SECOND", default=0.5)
OSRS_RATE_LIMIT_FILE = env("OSRS_RATE_LIMIT_FILE", default=str(VAR_DIR / "ratelimit.state"))
OSRS_BREAKER_FAILURE_THRESHOLD = env.int("OSRS_BREAKER_FAILURE_THRESHOLD", default=5)
OSRS_BREAKER_RESET_SECONDS = env.float("OSRS_BREAKER_RESET_SECONDS", default=30.0)
# Without Redis the breaker state, like the rate limiter's, is a flock'd file.
OSRS_BREAKER_STATE_FILE = env("OSRS_BREAKER_STATE_FILE", default=str(VAR_DIR / "breaker.state"))

# --- Collection -----------------------------------------------------------------
FETCH_RETRY_DELAYS = [
    int(s) for s in env.list("FETCH_RETRY_DELAYS", default=["2", "4", "8", "16", "32"])
]
FETCH_COOLDOWN_SECONDS = env.int("FETCH_COOLDOWN_SECONDS", default=60)
FETCH_LEASE_SECONDS = env.int("FETCH_LEASE_SECONDS", default=300)
NOT_FOUND_BACKOFF_HOURS = env.float("NOT_FOUND_BACKOFF_HOURS", default=6.0)
SCHEDULER_TICK_SECONDS = env.float("SCHEDULER_TICK_SECONDS", default=5.0)
FETCH_INTERVAL_MIN_MINUTES = env.int("FETCH_INTERVAL_MIN_MINUTES", default=5)
FETCH_INTERVAL_MAX_MINUTES = env.int("FETCH_INTERVAL_MAX_MINUTES", default=10080)
FETCH_ATTEMPT_RETENTION_DAYS = env.int("FETCH_ATTEMPT_RETENTION_DAYS", default=30)

# --- Operations -----------------------------------------------------------------
METRICS_TOKEN = env("METRICS_TOKEN", default="")

# --- Static files, i18n ---------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Tests and `make run` need not run collectstatic first.
WHITENOISE_USE_FINDERS = True
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "osrsdiff.logging.RequestIdFilter"}},
    "formatters": {"json": {"()": "osrsdiff.logging.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Our request log replaces Django's own line per request.
        "django.server": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
        # One line per hiscores call is ours (players.recording), with the outcome.
        "httpx": {"level": "WARNING"},
    },
}
