"""One settings module, two ways to run: checked in fresh interpreters, because
settings are read once per process."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

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
    assert probe["cache"] == "osrsdiff.cache.RedisCache"
    assert probe["broker"] == "redis://cache.example:6379/0"


def test_postgresql_connections_compile_no_query_keeping_the_urls_options(tmp_path):
    plain, with_options = (
        json.loads(settings_with(tmp_path, DATABASE_URL=url, SECRET_KEY="s3cret").stdout)[
            "db_options"
        ]["options"]
        for url in (
            "postgres://u:p@db.example:5432/osrsdiff",
            "postgres://u:p@db.example:5432/osrsdiff?options=-c%20statement_timeout%3D5000",
        )
    )
    assert plain == "-c jit=off"
    assert with_options == "-c statement_timeout=5000 -c jit=off"


@pytest.mark.django_db
def test_the_service_runs_its_queries_on_postgresql_without_jit():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("JIT is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)


def test_full_stack_refuses_to_start_without_a_secret(tmp_path):
    result = settings_with(tmp_path, DATABASE_URL="postgres://u:p@db.example:5432/osrsdiff")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_a_malformed_number_fails_loudly(tmp_path):
    result = settings_with(tmp_path, OSRS_MAX_REQUESTS_PER_SECOND="fast")
    assert result.returncode != 0
    assert "could not convert" in result.stderr or "ValueError" in result.stderr


# What docs/operations.md asks a deployment to set; everything else is left at its
# production default.
PRODUCTION = {
    "DATABASE_URL": "postgres://osrsdiff:pw@db.example:5432/osrsdiff",
    "REDIS_URL": "redis://cache.example:6379/0",
    "SECRET_KEY": "k7Qm2vX9pL4wR8tY1nB6cF3hJ0sD5gA2zE7uI9oP4qW8xV1mN3bT6yK0rL5jH2fG",
    "ALLOWED_HOSTS": "osrsdiff.example.com",
}


def check_deploy(tmp_path, **env) -> subprocess.CompletedProcess:
    # Only what is given: no variable of the shell running the tests leaks in.
    clean = {"PATH": os.environ["PATH"], "OSRSDIFF_VAR_DIR": str(tmp_path), **env}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
    )


def test_production_settings_pass_the_deployment_check(tmp_path):
    result = check_deploy(tmp_path, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("switched_off", "warnings"),
    [
        (
            {
                "SESSION_COOKIE_SECURE": "false",
                "CSRF_COOKIE_SECURE": "false",
                "SECURE_SSL_REDIRECT": "false",
                "SECURE_HSTS_INCLUDE_SUBDOMAINS": "false",
                "SECURE_HSTS_PRELOAD": "false",
            },
            {"W012", "W016", "W008", "W005", "W021"},
        ),
        ({"SECURE_HSTS_SECONDS": "0"}, {"W004"}),
    ],
)
def test_switching_a_protection_off_fails_the_deployment_check(tmp_path, switched_off, warnings):
    result = check_deploy(tmp_path, **{**PRODUCTION, **switched_off})
    assert result.returncode != 0
    assert set(re.findall(r"\(security\.(W\d+)\)", result.stderr)) == warnings


PROTECTIONS = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({name: getattr(settings, name) for name in (
    "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS", "SECURE_PROXY_SSL_HEADER")}))
"""


def protections(tmp_path, **env) -> dict:
    clean = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "osrsdiff.settings",
        "OSRSDIFF_VAR_DIR": str(tmp_path),
        **env,
    }
    result = subprocess.run(
        [sys.executable, "-c", PROTECTIONS], cwd=ROOT, env=clean, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_embedded_default_serves_plain_http_on_localhost(tmp_path):
    assert protections(tmp_path) == {
        "SECURE_SSL_REDIRECT": False,
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
        "SECURE_HSTS_SECONDS": 0,
        "SECURE_PROXY_SSL_HEADER": None,
    }


def test_the_tls_proxys_header_is_named_as_it_is_sent(tmp_path):
    found = protections(tmp_path, **PRODUCTION, SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto")
    assert found["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert found["SECURE_SSL_REDIRECT"] is True
