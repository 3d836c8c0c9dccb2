from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hiscores.breaker import get_breaker
from osrsdiff.dashboard import service_overview
from players.models import FetchAttempt, FetchOutcome, PlayerStatus
from tests.factories import HiscoreRecordFactory, PlayerFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def rate(settings):
    settings.OSRS_MAX_REQUESTS_PER_SECOND = 0.5
    return 0.5


def later(**delta) -> datetime:
    return NOW + timedelta(**delta)


def ago(**delta) -> datetime:
    return NOW - timedelta(**delta)


def attempt(player, started_at: datetime, outcome: FetchOutcome) -> FetchAttempt:
    return FetchAttempt.objects.create(
        player=player, started_at=started_at, finished_at=started_at, outcome=outcome
    )


def test_players_are_counted_by_activity_and_status():
    PlayerFactory(next_fetch_at=later(hours=1))
    PlayerFactory(next_fetch_at=later(hours=1), status=PlayerStatus.FAILING)
    PlayerFactory(next_fetch_at=later(hours=1), status=PlayerStatus.FAILING, is_active=False)
    PlayerFactory(next_fetch_at=later(hours=6), status=PlayerStatus.NOT_FOUND)
    PlayerFactory(next_fetch_at=later(hours=1), is_active=False)

    assert service_overview(NOW)["players"] == {
        "tracked": 5,
        "active": 3,
        "ok": 2,
        "failing": 2,
        "not_found": 1,
    }


def test_fetches_are_counted_by_outcome_over_the_last_hour_only():
    player = PlayerFactory(next_fetch_at=later(hours=1))
    attempt(player, NOW, FetchOutcome.STORED)
    attempt(player, ago(minutes=10), FetchOutcome.STORED)
    attempt(player, ago(minutes=20), FetchOutcome.UNCHANGED)
    attempt(player, ago(minutes=59, seconds=59), FetchOutcome.THROTTLED)
    attempt(player, ago(hours=1), FetchOutcome.ERROR)  # an hour ago exactly: out
    attempt(player, ago(hours=5), FetchOutcome.UNAVAILABLE)

    assert service_overview(NOW)["fetches_last_hour"] == {
        "stored": 2,
        "flagged": 0,
        "unchanged": 1,
        "not_found": 0,
        "throttled": 1,
        "unavailable": 0,
        "deferred": 0,
        "error": 0,
        "total": 4,
    }


def test_deferrals_are_counted_apart_from_failures_and_left_out_of_the_total():
    player = PlayerFactory(next_fetch_at=later(hours=1))
    attempt(player, ago(minutes=1), FetchOutcome.UNAVAILABLE)
    attempt(player, ago(minutes=2), FetchOutcome.ERROR)
    for minutes in (3, 4, 5):
        attempt(player, ago(minutes=minutes), FetchOutcome.DEFERRED)

    fetches = service_overview(NOW)["fetches_last_hour"]

    assert (fetches["deferred"], fetches["unavailable"], fetches["error"]) == (3, 1, 1)
    assert fetches["total"] == 2


def test_backlog_counts_waiting_players_by_how_overdue_they_are(rate):
    for overdue in (
        timedelta(seconds=30),
        timedelta(minutes=5),
        timedelta(hours=2),
        timedelta(days=3),
    ):
        PlayerFactory(next_fetch_at=NOW - overdue)
    PlayerFactory(next_fetch_at=NOW)  # due now: waiting, but not late yet
    PlayerFactory(next_fetch_at=later(minutes=5))  # not due
    PlayerFactory(next_fetch_at=ago(days=9), is_active=False)  # not scheduled
    # Held by a fetch in flight: being served, not waiting.
    PlayerFactory(next_fetch_at=ago(days=5), fetch_claimed_until=later(minutes=4))
    # Its lease ran out: due again, and waiting.
    PlayerFactory(next_fetch_at=ago(hours=4), fetch_claimed_until=ago(seconds=1))

    backlog = service_overview(NOW)["backlog"]

    assert backlog == {
        "overdue": 6,
        "in_flight": 1,
        "most_overdue_seconds": timedelta(days=3).total_seconds(),
        "overdue_over_1_minute": 4,
        "overdue_over_1_hour": 3,
        "overdue_over_1_day": 1,
        "clear_seconds": 6 / rate,
    }


def test_with_nobody_due_there_is_no_most_overdue(rate):
    PlayerFactory(next_fetch_at=later(minutes=1))

    backlog = service_overview(NOW)["backlog"]

    assert backlog["overdue"] == 0
    assert backlog["most_overdue_seconds"] is None
    assert backlog["clear_seconds"] == 0


def test_capacity_compares_what_the_intervals_ask_with_the_rate_limit(rate):
    PlayerFactory(next_fetch_at=later(hours=1), fetch_interval_minutes=60)
    PlayerFactory(next_fetch_at=later(hours=1), fetch_interval_minutes=30)
    PlayerFactory(next_fetch_at=later(hours=1), fetch_interval_minutes=5, is_active=False)

    capacity = service_overview(NOW)["capacity"]

    demand = (1 / 60 + 1 / 30) / 60
    assert capacity["rate_limit_per_second"] == rate
    assert capacity["serve_everyone_seconds"] == 2 / rate
    assert capacity["demand_per_second"] == pytest.approx(demand)
    assert capacity["utilisation"] == pytest.approx(demand / rate)


def test_a_rate_limit_of_zero_gives_no_estimates(settings):
    settings.OSRS_MAX_REQUESTS_PER_SECOND = 0.0
    PlayerFactory(next_fetch_at=ago(hours=1))

    overview = service_overview(NOW)

    assert overview["backlog"]["clear_seconds"] is None
    assert overview["capacity"]["serve_everyone_seconds"] is None
    assert overview["capacity"]["utilisation"] is None


def test_the_breaker_is_reported_closed_then_open_after_failures(settings):
    assert service_overview(NOW)["breaker"] == {
        "status": "closed",
        "consecutive_failures": 0,
        "opened_at": None,
        "retry_at": None,
    }
    for _ in range(settings.OSRS_BREAKER_FAILURE_THRESHOLD):
        get_breaker().admit().failed()

    breaker = service_overview(NOW)["breaker"]

    assert breaker["status"] == "open"
    assert breaker["consecutive_failures"] == settings.OSRS_BREAKER_FAILURE_THRESHOLD
    assert breaker["retry_at"] - breaker["opened_at"] == timedelta(
        seconds=settings.OSRS_BREAKER_RESET_SECONDS
    )


def test_an_unreachable_breaker_store_is_reported_unknown(settings):
    # Nothing listens on port 1: the breaker's Redis is down.
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    assert service_overview(NOW)["breaker"] == {
        "status": "unknown",
        "consecutive_failures": None,
        "opened_at": None,
        "retry_at": None,
    }


def test_the_overview_never_reads_the_history_and_costs_the_same_with_more_of_it():
    player = PlayerFactory(next_fetch_at=ago(minutes=5))
    HiscoreRecordFactory(player=player, fetched_at=ago(days=1))
    attempt(player, ago(minutes=5), FetchOutcome.STORED)
    with CaptureQueriesContext(connection) as few:
        service_overview(NOW)
    for hours in range(2, 40):
        HiscoreRecordFactory(player=player, fetched_at=ago(days=1, hours=hours))
        attempt(player, ago(hours=hours), FetchOutcome.UNCHANGED)
    with CaptureQueriesContext(connection) as many:
        service_overview(NOW)

    assert len(many.captured_queries) == len(few.captured_queries)
    sql = [query["sql"] for query in many.captured_queries]
    assert not [s for s in sql if "hiscores_hiscorerecord" in s]
    attempts = [s for s in sql if "players_fetchattempt" in s]
    assert attempts and all("started_at" in s for s in attempts)
