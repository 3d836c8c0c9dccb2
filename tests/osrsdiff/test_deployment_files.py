"""docker-compose.yml cannot run here (no Docker engine), so its structure is
checked: the services, the commands and the environment the service needs."""

import os
import re
import runpy
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

from tests.integration.stack import free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("migrate", "web", "worker", "beat")


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
    # The scheduler is CELERY_BEAT_SCHEDULER's, the one with the heartbeat.
    assert "--scheduler" not in beat


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


def test_every_long_running_service_has_a_health_check_and_the_database_a_volume(compose):
    services = compose["services"]
    for name in ("postgres", "redis", "web", "worker", "beat"):
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
    for app in ("osrsdiff", "hiscores", "players", "progress", "groups", "api"):
        assert f"COPY {app} ./{app}" in dockerfile


def test_every_setting_read_from_the_environment_is_documented():
    settings_source = (ROOT / "osrsdiff" / "settings.py").read_text()
    read = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]+)"', settings_source))
    documented = set(
        re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M)
    )
    assert read - documented == set()


def make_dry_run(target: str, venv: Path) -> str:
    """The commands `make <target>` would run in a fresh virtualenv at `venv`."""
    return subprocess.run(
        ["make", "--dry-run", target, f"VENV={venv}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@pytest.mark.parametrize("target", ["run", "demo", "prepare"])
def test_running_the_service_installs_the_runtime_dependencies_only(target, tmp_path):
    commands = make_dry_run(target, tmp_path / "venv")
    assert re.search(r"pip install --quiet -e \.$", commands, re.M)
    assert "[test]" not in commands


@pytest.mark.parametrize("target", ["test", "lint", "bench"])
def test_testing_installs_the_test_extras(target, tmp_path):
    assert "pip install --quiet -e '.[test]'" in make_dry_run(target, tmp_path / "venv")


def test_every_variable_compose_reads_is_documented():
    compose_source = (ROOT / "docker-compose.yml").read_text()
    read = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", compose_source))
    documented = set(
        re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M)
    )
    assert read - documented == set()


def test_app_services_read_every_setting_from_the_env_file(compose):
    for name in APP_SERVICES:
        assert compose["services"][name]["env_file"] == ".env"
    # The database and the cache need none of the app's secrets.
    for name in ("postgres", "redis"):
        assert "env_file" not in compose["services"][name]


def test_the_web_port_is_published_on_loopback_unless_told_otherwise(compose):
    (mapping,) = compose["services"]["web"]["ports"]
    assert mapping == "${WEB_PUBLISH_ADDRESS:-127.0.0.1}:${PORT:-8000}:8000"


def test_docker_stop_waits_for_gunicorns_graceful_timeout(compose):
    graceful = runpy_gunicorn()["graceful_timeout"]
    assert int(compose["services"]["web"]["stop_grace_period"].rstrip("s")) > graceful


def test_the_worker_healthcheck_pings_the_workers_own_node(compose):
    worker = compose["services"]["worker"]
    kind, command = worker["healthcheck"]["test"]
    assert kind == "CMD-SHELL"  # the shell expands the host name
    assert command.startswith("celery -A osrsdiff inspect ping")
    # `$$` is compose's escape for a `$` the container's shell expands.
    assert "--destination celery@$$HOSTNAME" in command
    # The worker keeps its default node name, celery@<host name>.
    assert "--hostname" not in command_of(worker) and "-n " not in command_of(worker)


def healthcheck_code(compose, service: str) -> str:
    kind, program, flag, code = compose["services"][service]["healthcheck"]["test"]
    assert (kind, program, flag) == ("CMD", "python", "-c")
    return code


def run_probe(code: str, **env: str) -> int:
    clean = {"PATH": os.environ["PATH"], **env}
    return subprocess.run([sys.executable, "-c", code], env=clean, timeout=30).returncode


def test_the_beat_healthcheck_fails_when_the_heartbeat_is_old_or_missing(compose, tmp_path):
    code = healthcheck_code(compose, "beat")
    heartbeat = tmp_path / "beat-heartbeat"
    assert run_probe(code, OSRSDIFF_VAR_DIR=str(tmp_path)) != 0
    heartbeat.touch()
    assert run_probe(code, OSRSDIFF_VAR_DIR=str(tmp_path)) == 0
    stale = time.time() - 120
    os.utime(heartbeat, (stale, stale))
    assert run_probe(code, OSRSDIFF_VAR_DIR=str(tmp_path)) != 0


def runpy_gunicorn() -> dict:
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


@pytest.fixture(scope="module")
def gunicorn_url(tmp_path_factory):
    """gunicorn with gunicorn.conf.py, as a deployment runs it behind its TLS proxy:
    production's HTTPS redirect and ALLOWED_HOSTS set to the public name only, as
    docs/operations.md says (on the embedded default, so it needs no services)."""
    var_dir = tmp_path_factory.mktemp("web")
    port = free_port()
    env = {
        "PATH": os.environ["PATH"],
        "OSRSDIFF_VAR_DIR": str(var_dir),
        "ALLOWED_HOSTS": ".osrsdiff.example",
        "SECURE_SSL_REDIRECT": "true",
        "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
    }
    log = open(var_dir / "gunicorn.log", "wb")  # noqa: SIM115 - owned by the process
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "osrsdiff.wsgi", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: _answers(url), timeout=60, what="gunicorn to answer")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", headers={"Host": "osrsdiff.example"}).is_success
    except httpx.HTTPError:
        return False


@pytest.mark.parametrize(
    "allowed_hosts",
    [".osrsdiff.example", "www.osrsdiff.example,localhost", "osrsdiff.example , other.example"],
)
def test_the_web_healthcheck_passes_with_allowed_hosts_set_as_documented(
    compose, gunicorn_url, allowed_hosts
):
    code = healthcheck_code(compose, "web").replace("http://127.0.0.1:8000", gunicorn_url)
    assert "/ready" in code
    assert run_probe(code, ALLOWED_HOSTS=allowed_hosts) == 0


def test_the_web_healthcheck_fails_with_a_host_django_refuses(compose, gunicorn_url):
    code = healthcheck_code(compose, "web").replace("http://127.0.0.1:8000", gunicorn_url)
    # Unset, the probe says "localhost", which this deployment does not serve.
    assert run_probe(code) != 0
    assert run_probe(code, ALLOWED_HOSTS="elsewhere.example") != 0


def test_gunicorn_passes_on_every_url_django_refuses_itself(settings):
    # The longest request line Django answers: method, path and query, version.
    longest = len("OPTIONS ") + settings.MAX_REQUEST_URI_LENGTH + len(" HTTP/1.1")
    assert longest < runpy_gunicorn()["limit_request_line"]


def test_a_url_too_long_for_django_but_not_for_gunicorn_gets_the_error_body(gunicorn_url):
    response = httpx.get(
        f"{gunicorn_url}/api/stats",
        params={"usernames": "a" * 6000},
        # As the TLS proxy forwards it.
        headers={"Host": "osrsdiff.example", "X-Forwarded-Proto": "https"},
        timeout=10,
    )
    assert response.status_code == 414
    assert response.json()["error_code"] == "uri_too_long"
    assert runpy_gunicorn()["limit_request_line"] == 8190  # gunicorn's maximum
