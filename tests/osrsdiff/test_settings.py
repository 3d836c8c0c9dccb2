"""One settings module, two ways to run: checked in fresh interpreters, because
settings are read once per process."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, django
from django.conf import settings
django.setup()
db = settings.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"],
    "db_options": db.get("OPTIONS", {}),
    "cache": settings.CACHES["default"]["BACKEND"],
    "broker": settings.CELERY_BROKER_URL,
    "secret": bool(settings.SECRET_KEY),
}))
"""


def settings_with(tmp_path, **env) -> subprocess.CompletedProcess:
    base = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY"}
    }
    base.update(DJANGO_SETTINGS_MODULE="osrsdiff.settings", OSRSDIFF_VAR_DIR=str(tmp_path), **env)
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=base, capture_output=True, text=True
    )


def test_embedded_default_needs_nothing_but_python(tmp_path):
    result = settings_with(tmp_path)
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout)
    assert probe["engine"] == "django.db.backends.sqlite3"
    assert probe["db_options"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in probe["db_options"]["init_command"]
    assert probe["cache"] == "django.core.cache.backends.db.DatabaseCache"
    assert probe["broker"] == "filesystem://"
    # A development secret is generated once and kept.
    secret_file = tmp_path / "secret_key"
    assert secret_file.exists()
    first = secret_file.read_text()
    settings_with(tmp_path)
    assert secret_file.read_text() == first


def test_full_stack_from_database_and_redis_urls(tmp_path):
    result = settings_with(
        tmp_path,
        DATABASE_URL="postgres://u:p@db.example:5432/osrsdiff",
        REDIS_URL="redis://cache.example:6379/0",
        SECRET_KEY="s3cret",
    )
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout)
    assert probe["engine"] == "django.db.backends.postgresql"
    assert probe["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert probe["broker"] == "redis://cache.example:6379/0"


def test_full_stack_refuses_to_start_without_a_secret(tmp_path):
    result = settings_with(tmp_path, DATABASE_URL="postgres://u:p@db.example:5432/osrsdiff")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_a_malformed_number_fails_loudly(tmp_path):
    result = settings_with(tmp_path, OSRS_MAX_REQUESTS_PER_SECOND="fast")
    assert result.returncode != 0
    assert "could not convert" in result.stderr or "ValueError" in result.stderr
