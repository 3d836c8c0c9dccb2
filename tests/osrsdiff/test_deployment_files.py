"""docker-compose.yml cannot run here (no Docker engine), so its structure is
checked: the services, the commands and the environment the service needs."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def command_of(service: dict) -> str:
    command = service["command"]
    return command if isinstance(command, str) else " ".join(command)


def test_compose_runs_the_whole_stack(compose):
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(compose["services"])


def test_worker_and_beat_reuse_the_web_image(compose):
    services = compose["services"]
    images = {services[name]["image"] for name in ("web", "worker", "beat", "migrate")}
    assert len(images) == 1
    assert services["web"]["build"] == "."


def test_processes_start_the_right_programs(compose):
    services = compose["services"]
    assert command_of(services["web"]).startswith("gunicorn osrsdiff.wsgi")
    assert "celery -A osrsdiff worker" in command_of(services["worker"])
    assert "fetch" in command_of(services["worker"])
    beat = command_of(services["beat"])
    assert "celery -A osrsdiff beat" in beat
    assert "django_celery_beat.schedulers:DatabaseScheduler" in beat


def test_schema_and_beat_entries_are_prepared_before_the_processes_start(compose):
    services = compose["services"]
    migrate = command_of(services["migrate"])
    assert "migrate" in migrate and "createcachetable" in migrate and "seed_schedule" in migrate
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy"


def test_app_services_get_database_redis_and_secret(compose):
    for name in ("web", "worker", "beat", "migrate"):
        env = compose["services"][name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert "@postgres:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"].startswith("redis://redis:6379")
        # No default secret: compose refuses to start without one.
        assert re.fullmatch(r"\$\{SECRET_KEY:\?.+\}", env["SECRET_KEY"])


def test_backing_services_have_health_checks_and_the_database_a_volume(compose):
    services = compose["services"]
    for name in ("postgres", "redis", "web"):
        assert services[name]["healthcheck"]["test"]
    assert any(v.startswith("pgdata:") for v in services["postgres"]["volumes"])
    assert "pgdata" in compose["volumes"]
    assert "/ready" in " ".join(services["web"]["healthcheck"]["test"])


def test_dockerfile_installs_the_project_and_serves_with_gunicorn():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.1[1-9]", dockerfile, re.M)
    assert "pip install ." in dockerfile
    assert "collectstatic" in dockerfile
    assert re.search(r'^CMD \["gunicorn", "osrsdiff.wsgi"', dockerfile, re.M)
    for app in ("osrsdiff", "hiscores", "players", "progress"):
        assert f"COPY {app} ./{app}" in dockerfile


def test_every_setting_read_from_the_environment_is_documented():
    settings_source = (ROOT / "osrsdiff" / "settings.py").read_text()
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]+)"', settings_source))
    documented = set(
        re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M)
    )
    assert read - documented == set()
