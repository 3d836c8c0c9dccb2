"""GET /metrics: who may read it, the Prometheus text format, and that the numbers
follow what happens (requests, fetches, hiscores calls, players, the breaker, the
queues), added up over every process in multiprocess mode."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families
from rest_framework.test import APIClient

from hiscores.breaker import get_breaker
from osrsdiff.celery import app as celery_app
from osrsdiff.metrics import queue_depths
from players.models import PlayerStatus
from players.tasks import fetch_player
from tests.factories import PlayerFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "metrics-token-for-tests"


def samples_of(text: str) -> dict[tuple[str, frozenset], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(client) -> dict[tuple[str, frozenset], float]:
    response = client.get("/metrics")
    assert response.status_code == 200, response.content
    return samples_of(response.content.decode())


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
def scraper(settings) -> APIClient:
    """A Prometheus server holding the metrics token."""
    settings.METRICS_TOKEN = TOKEN
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    return client


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status
    body = response.json()
    assert body["error_code"] == code
    assert body["request_id"] == response["X-Request-ID"]
    assert set(body) == {"error_code", "message", "details", "timestamp", "request_id"}


# --- Who may read them ---------------------------------------------------------------


def test_anonymous_scrape_gets_the_contract_401(anon):
    response = anon.get("/metrics")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_the_metrics_token_opens_the_endpoint(scraper):
    response = scraper.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")


@pytest.mark.parametrize("configured", [TOKEN, ""])
def test_a_wrong_bearer_token_is_401(anon, settings, configured):
    settings.METRICS_TOKEN = configured
    anon.credentials(HTTP_AUTHORIZATION="Bearer not-the-token")
    assert_error(anon.get("/metrics"), 401, "authentication_failed")


def test_an_empty_token_setting_accepts_no_empty_bearer(anon, settings):
    settings.METRICS_TOKEN = ""
    anon.credentials(HTTP_AUTHORIZATION="Bearer ")
    assert_error(anon.get("/metrics"), 401, "authentication_failed")


def test_a_staff_access_token_reads_the_metrics(staff_api):
    assert staff_api.get("/metrics").status_code == 200


def test_a_non_staff_access_token_is_403(api):
    assert_error(api.get("/metrics"), 403, "permission_denied")


def test_a_staff_session_reads_the_metrics(staff_user):
    client = Client()
    client.force_login(staff_user)
    assert client.get("/metrics").status_code == 200


def test_a_non_staff_session_is_403(user):
    client = Client()
    client.force_login(user)
    assert_error(client.get("/metrics"), 403, "permission_denied")


def test_other_methods_are_405_in_the_error_body(scraper):
    assert_error(scraper.post("/metrics"), 405, "method_not_allowed")


# --- The format and the numbers --------------------------------------------------------


def test_the_output_is_prometheus_text_with_help_and_type(scraper):
    text = scraper.get("/metrics").content.decode()
    families = {family.name: family for family in text_string_to_metric_families(text)}
    for name, kind in [
        ("osrsdiff_players", "gauge"),
        ("osrsdiff_players_overdue", "gauge"),
        ("osrsdiff_hiscores_breaker_state", "gauge"),
        ("osrsdiff_queue_messages", "gauge"),
        ("osrsdiff_fetch_attempts", "counter"),
    ]:
        assert families[name].type == kind
        assert families[name].documentation
    assert "# HELP osrsdiff_players " in text
    assert "# TYPE osrsdiff_http_request_duration_seconds histogram" in text


def test_requests_are_counted_by_url_pattern_and_status(scraper, api):
    labels = {"view": "player-detail", "method": "GET", "status": "404"}
    before = scrape(scraper)
    api.get("/api/players/nobody")
    api.get("/api/players/somebody else")
    after = scrape(scraper)
    name = "osrsdiff_http_request_duration_seconds_count"
    assert value(after, name, **labels) - value(before, name, **labels) == 2
    views = {dict(labels)["view"] for (sample, labels) in after if sample == name}
    assert not any("nobody" in view or "somebody" in view for view in views)


def test_fetches_are_counted_by_outcome_and_hiscores_calls_by_duration(scraper, fake_hiscores):
    found = PlayerFactory(username="gen 5")
    missing = PlayerFactory(username="Not There")
    before = scrape(scraper)

    fetch_player.apply(args=(found.pk,))
    fetch_player.apply(args=(missing.pk,))

    after = scrape(scraper)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("osrsdiff_fetch_attempts_total", outcome="stored") == 1
    assert moved("osrsdiff_fetch_attempts_total", outcome="not_found") == 1
    assert moved("osrsdiff_fetch_attempts_total", outcome="unchanged") == 0
    duration = "osrsdiff_hiscores_request_duration_seconds_count"
    assert moved(duration, outcome="ok") == 1
    assert moved(duration, outcome="not_found") == 1
    assert moved("osrsdiff_hiscores_request_duration_seconds_sum", outcome="ok") > 0


def test_deferrals_are_counted_apart_from_failures(scraper, fake_hiscores):
    player = PlayerFactory(username="gen 6")
    breaker = get_breaker()
    while breaker.state().status != "open":
        breaker.admit().failed()
    before = scrape(scraper)

    fetch_player.apply(args=(player.pk,))

    after = scrape(scraper)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    for name in ("osrsdiff_fetch_attempts_total", "osrsdiff_fetches_last_hour"):
        assert moved(name, outcome="deferred") == 1
        assert moved(name, outcome="unavailable") == 0
    assert fake_hiscores.request_count == 0


def test_players_and_backlog_are_counted_at_scrape_time(scraper):
    now = timezone.now()
    later, long_ago = now + timedelta(hours=1), now - timedelta(hours=2)
    PlayerFactory.create_batch(2, next_fetch_at=later)
    PlayerFactory(status=PlayerStatus.FAILING, next_fetch_at=long_ago)
    PlayerFactory(status=PlayerStatus.NOT_FOUND, is_active=False, next_fetch_at=long_ago)
    PlayerFactory(next_fetch_at=long_ago, fetch_claimed_until=later)  # in flight

    samples = scrape(scraper)

    assert value(samples, "osrsdiff_players_tracked") == 5
    assert value(samples, "osrsdiff_players_active") == 4
    assert value(samples, "osrsdiff_players", status="ok") == 3
    assert value(samples, "osrsdiff_players", status="failing") == 1
    assert value(samples, "osrsdiff_players", status="not_found") == 1
    assert value(samples, "osrsdiff_players_overdue") == 1
    assert value(samples, "osrsdiff_players_overdue_over", period="1_hour") == 1
    assert value(samples, "osrsdiff_players_overdue_over", period="1_day") == 0
    assert value(samples, "osrsdiff_players_in_flight") == 1
    assert value(samples, "osrsdiff_backlog_oldest_seconds") >= 2 * 3600


def test_the_breaker_state_is_exported(scraper, settings):
    assert value(scrape(scraper), "osrsdiff_hiscores_breaker_state", state="closed") == 1
    breaker = get_breaker()
    for _ in range(settings.OSRS_BREAKER_FAILURE_THRESHOLD):
        breaker.admit().failed()
    samples = scrape(scraper)
    assert value(samples, "osrsdiff_hiscores_breaker_state", state="open") == 1
    assert value(samples, "osrsdiff_hiscores_breaker_state", state="closed") == 0


def test_queue_depth_counts_the_messages_waiting_on_the_broker(settings, monkeypatch):
    # The configured broker (filesystem folder or Redis), not the tests' in-memory one.
    monkeypatch.setattr(celery_app.conf, "broker_url", settings.CELERY_BROKER_URL)
    queue = f"metrics-test-{uuid.uuid4().hex[:8]}"
    with celery_app.connection_for_write() as conn:
        producer = conn.Producer()
        try:
            assert queue_depths([queue]) == {queue: 0}
            producer.publish({"n": 1}, exchange="", routing_key=queue)
            producer.publish({"n": 2}, exchange="", routing_key=queue)
            assert queue_depths([queue]) == {queue: 2}
        finally:
            conn.default_channel.queue_purge(queue)


def test_a_scrape_answers_with_the_broker_down(scraper, monkeypatch):
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    samples = scrape(scraper)
    assert value(samples, "osrsdiff_metrics_source_up", source="broker") == 0
    assert value(samples, "osrsdiff_metrics_source_up", source="database") == 1
    assert not any(name == "osrsdiff_queue_messages" for name, _ in samples)


def test_a_scrape_answers_with_the_database_down(scraper, monkeypatch):
    def refuse():
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "ensure_connection", refuse)
    samples = scrape(scraper)
    assert value(samples, "osrsdiff_metrics_source_up", source="database") == 0
    assert not any(name == "osrsdiff_players_tracked" for name, _ in samples)


def test_a_caller_the_database_cannot_check_gets_the_contract_503(staff_api, monkeypatch):
    def refuse():
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "ensure_connection", refuse)
    assert_error(staff_api.get("/metrics"), 503, "database_unavailable")


# --- Several processes ---------------------------------------------------------------


def count_fetches_in_another_process(directory: Path, stored: int) -> None:
    code = (
        "import django; django.setup()\n"
        "from players.recording import FETCH_ATTEMPTS\n"
        f"FETCH_ATTEMPTS.labels(outcome='stored').inc({stored})\n"
    )
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory)}
    env["DJANGO_SETTINGS_MODULE"] = "osrsdiff.settings"
    subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True, timeout=60)


def test_multiprocess_mode_adds_up_every_process(scraper, tmp_path, monkeypatch):
    count_fetches_in_another_process(tmp_path, 3)
    count_fetches_in_another_process(tmp_path, 4)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))

    samples = scrape(scraper)

    assert value(samples, "osrsdiff_fetch_attempts_total", outcome="stored") == 7
    # The numbers computed at scrape time come along.
    assert ("osrsdiff_players_tracked", frozenset()) in samples
