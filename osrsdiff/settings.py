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
# How many proxies of yours stand in front of gunicorn; 0 ignores X-Forwarded-For.
# Throttles and the login lockout key on the address it gives (api.addresses).
NUM_PROXIES = env.int("NUM_PROXIES", default=0)

# --- HTTPS (docs/operations.md, "Deploying") --------------------------------------
# Production (PostgreSQL or Redis, DEBUG off) is served over HTTPS only, behind a
# proxy that terminates TLS; the embedded default and DEBUG serve plain
# http://localhost. Each setting can still be set on its own.
HTTPS_ONLY = not (EMBEDDED or DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=HTTPS_ONLY)
# Health probes come from inside the network, straight to gunicorn, without TLS.
SECURE_REDIRECT_EXEMPT = [r"^health$", r"^ready$"]
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=HTTPS_ONLY)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=HTTPS_ONLY)
# Browsers then refuse plain HTTP for a year, on every subdomain too, and the host
# may be submitted to their preload lists: hard to undo, so start lower (3600)
# while first trying HTTPS out.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if HTTPS_ONLY else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=HTTPS_ONLY)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=HTTPS_ONLY)
# The header in which the TLS proxy says "https" (e.g. X-Forwarded-Proto). Set it
# only if that proxy always sets the header: a client could send it too.
_ssl_header = env("SECURE_PROXY_SSL_HEADER", default="")
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _ssl_header.upper().replace("-", "_"), "https") if _ssl_header else None
)

# --- Request bounds (docs/operations.md, "Request limits") --------------------------
# Anything longer is refused in the error body (osrsdiff.middleware): 414 for the
# path and query, 413 for the body. The longest valid URL (stats of 50 names, every
# space escaped) is under 1.5 KB; gunicorn.conf.py lets 8 KB through to Django.
MAX_REQUEST_URI_LENGTH = env.int("MAX_REQUEST_URI_LENGTH", default=4096)
# Django checks this only where it reads the body itself; DRF's parsers do not.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("MAX_REQUEST_BODY_BYTES", default=262_144)
# Arrays and objects inside one another; the API's bodies need three levels at most.
JSON_MAX_DEPTH = env.int("JSON_MAX_DEPTH", default=32)

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
    "axes",
    "rest_framework_api_key",
    "osrsdiff",
    "hiscores",
    "players",
    "progress",
    "groups",
    "webhooks",
]

MIDDLEWARE = [
    "osrsdiff.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the body; its refusals still get the security headers.
    "osrsdiff.middleware.RequestBoundsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a refused admin login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "osrsdiff.urls"
WSGI_APPLICATION = "osrsdiff.wsgi.application"
# API paths have no trailing slash (docs/api.md); never redirect them.
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
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # No JIT compilation (docs/operations.md, "PostgreSQL"): the service's queries
        # run in milliseconds, and one the planner overestimates was compiled for
        # longer than it ran, while it held the locks readers wait on.
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["options"] = " ".join(filter(None, [options.get("options"), "-c jit=off"]))
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
            "BACKEND": "osrsdiff.cache.RedisCache",
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
# Authentication keeps the few columns of a user it needs in the cache
# (osrsdiff.authentication) where the cache is not the database itself.
USER_STATE_CACHE = bool(REDIS_URL)
# Kept answers are served on stamps in the cache instead of a version query
# (api.conditional, "stamped_by"), where the cache is not the database itself:
# there a stamp would cost the queries it saves, and every write more.
READ_STAMPS = bool(REDIS_URL)
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

# The first superuser `ensure_admin` creates: a name that is not guessed first.
ADMIN_USERNAME = env("ADMIN_USERNAME", default="admin")

# Brute force (osrsdiff.lockout): after LOGIN_FAILURE_LIMIT failed logins for one
# username, or from one client address, within LOGIN_LOCKOUT_MINUTES, django-axes
# refuses that username or address on /api/auth/login and /admin/login, before any
# password is checked, until the oldest counted failure is that old.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "api.addresses.client_address"
AXES_LOCKOUT_CALLABLE = "osrsdiff.lockout.lockout_page"
# Failures made while locked out do not push the end further: Retry-After holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A success must not wipe the failures: it would wipe those of its address too,
# so an attacker with an account of their own could reset the count at will.
AXES_RESET_ON_SUCCESS = False
# Successful logins are not recorded: nothing reads them, nothing would prune them.
AXES_DISABLE_ACCESS_LOG = True

# API keys (osrsdiff.keys): requests a key may make, and keys a user may hold.
API_KEY_THROTTLE_RATE = env("API_KEY_THROTTLE_RATE", default="600/min")
API_KEYS_PER_USER = env.int("API_KEYS_PER_USER", default=10)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "osrsdiff.authentication.CachedUserJWTAuthentication",
        "osrsdiff.keys.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # A view that sets its own throttle_classes keeps this one by adding to it.
    "DEFAULT_THROTTLE_CLASSES": ["osrsdiff.keys.ApiKeyThrottle"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.BoundedJSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "api.schema.ContractSchema",
    "EXCEPTION_HANDLER": "api.handlers.api_exception_handler",
    # DRF's own get_ident agrees with api.addresses (None would trust the whole header).
    "NUM_PROXIES": NUM_PROXIES,
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
    # Sessions only serve the admin's charts; API clients use Bearer tokens or keys.
    "AUTHENTICATION_WHITELIST": [
        "osrsdiff.authentication.CachedUserJWTAuthentication",
        "osrsdiff.keys.ApiKeyAuthentication",
    ],
    # One schema name per choice set that several fields share, and one of its
    # own for each field named `status` (their choices differ).
    "ENUM_NAME_OVERRIDES": {
        "GameModeEnum": "hiscores.modes.GameMode",
        "FlagKindEnum": "players.models.FlagKind",
        "GameModeKindEnum": "players.models.GameModeKind",
        "PlayerStatusEnum": "players.models.PlayerStatus",
        "MemberStatusEnum": "groups.models.MemberStatus",
        "CompetitionStatusEnum": ["upcoming", "ongoing", "finished"],
    },
}

# --- Celery -------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
if REDIS_URL:
    # A task whose worker died is redelivered after this; the scheduler's lease
    # (FETCH_LEASE_SECONDS) re-claims the player even sooner.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 600}
    # kombu's Redis transport, surviving a Redis restart (osrsdiff.broker).
    CELERY_BROKER_TRANSPORT = "osrsdiff.broker:Transport"
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
    # Deliveries wait on other people's servers: never in the way of a fetch.
    "webhooks.tasks.*": {"queue": "webhooks"},
}
CELERY_TASK_DEFAULT_QUEUE = "celery"
# django-celery-beat's, touching a heartbeat file for the healthcheck (osrsdiff.beat).
CELERY_BEAT_SCHEDULER = "osrsdiff.beat:HeartbeatScheduler"

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
# A name that answers 404 is asked NOT_FOUND_ATTEMPTS times in all, NOT_FOUND_RETRY_HOURS
# apart, before it is marked not found (a hiscores hiccup or a rename in progress
# is not a reason to stop; docs/api.md, "A name that stops answering").
NOT_FOUND_ATTEMPTS = env.int("NOT_FOUND_ATTEMPTS", default=3)
NOT_FOUND_RETRY_HOURS = env.float("NOT_FOUND_RETRY_HOURS", default=2.0)
SCHEDULER_TICK_SECONDS = env.float("SCHEDULER_TICK_SECONDS", default=5.0)
FETCH_INTERVAL_MIN_MINUTES = env.int("FETCH_INTERVAL_MIN_MINUTES", default=5)
FETCH_INTERVAL_MAX_MINUTES = env.int("FETCH_INTERVAL_MAX_MINUTES", default=10080)
FETCH_ATTEMPT_RETENTION_DAYS = env.int("FETCH_ATTEMPT_RETENTION_DAYS", default=30)
# The scheduling policy's longest wait between two fetches of a player
# (players.policy): however idle, a player is fetched at least this often.
FETCH_MAX_INTERVAL_DAYS = env.float("FETCH_MAX_INTERVAL_DAYS", default=7.0)

# --- What users may ask of the players API (docs/api.md, "Players") -------------------
# Players one user may add in 24 hours (staff are not held to it), and add
# requests and manual fetches per user: each spends the shared hiscores budget.
PLAYER_ADD_DAILY_QUOTA = env.int("PLAYER_ADD_DAILY_QUOTA", default=50)
# Groups (docs/api.md, "Groups"): members per group, and pending names the
# collector checks per scheduler tick, within what the fetch budget leaves.
GROUP_MAX_MEMBERS = env.int("GROUP_MAX_MEMBERS", default=5000)
GROUP_PENDING_CHECKS_PER_TICK = env.int("GROUP_PENDING_CHECKS_PER_TICK", default=5)
PLAYER_ADD_THROTTLE_RATE = env("PLAYER_ADD_THROTTLE_RATE", default="5/min")
PLAYER_FETCH_THROTTLE_RATE = env("PLAYER_FETCH_THROTTLE_RATE", default="30/hour")
# Name-change requests per user: each may ask the hiscores for the new name.
NAME_CHANGE_THROTTLE_RATE = env("NAME_CHANGE_THROTTLE_RATE", default="10/hour")
# All an add may spend on the hiscores (the wait for a slot, detection's requests
# and their timeouts): well under gunicorn's `timeout` (gunicorn.conf.py).
PLAYER_ADD_DEADLINE_SECONDS = env.float("PLAYER_ADD_DEADLINE_SECONDS", default=10.0)
# The most rows one page of a list may ask for (`?limit=`).
PAGE_MAX_LIMIT = env.int("PAGE_MAX_LIMIT", default=200)

# --- Webhooks (docs/api.md, "Webhooks") ------------------------------------------
# Lets webhooks point at loopback and private addresses: development and tests only
# (the server-side request forgery guard, webhooks.addresses).
WEBHOOKS_ALLOW_PRIVATE = env.bool("WEBHOOKS_ALLOW_PRIVATE", default=False)
# Connect, write and read, each: a receiver that hangs costs a delivery task this long.
WEBHOOKS_TIMEOUT_SECONDS = env.float("WEBHOOKS_TIMEOUT_SECONDS", default=5.0)
# Seconds before each retry of a failed delivery (jittered); one attempt more than listed.
WEBHOOKS_RETRY_DELAYS = env.list(
    "WEBHOOKS_RETRY_DELAYS", cast=int, default=[30, 120, 600, 3600, 14400]
)
# Failed attempts in a row (retries included) that disable a webhook, with the reason.
WEBHOOKS_DISABLE_AFTER_FAILURES = env.int("WEBHOOKS_DISABLE_AFTER_FAILURES", default=10)
WEBHOOKS_PER_OWNER = env.int("WEBHOOKS_PER_OWNER", default=20)

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
        # django-axes says INFO at every start and every failed login; lockouts are WARNING.
        "axes": {"level": "WARNING"},
    },
}
