"""The collector on real parts: a real Celery worker and beat, the test run's own
database and broker (SQLite and the filesystem broker on the embedded default,
PostgreSQL and Redis in the full stack), and the fake hiscores server over HTTP.

GIVEN 20 players added through the API, WHEN the scheduler runs, THEN every
player is fetched on schedule, changes become records, unchanged fetches write
none, a SIGKILLed worker loses and duplicates nothing, and a burst of 503s opens
the breaker and the pipeline recovers by itself.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from hiscores.breaker import get_breaker
from players.models import FetchAttempt, FetchOutcome, Player
from players.records import HiscoreRecord
from tests.integration.stack import Stack, purge_queues, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

PLAYERS = [f"gen {n}" for n in range(1, 21)]


@pytest.fixture
def stack(tmp_path, fake_hiscores, settings):
    settings.SCHEDULER_TICK_SECONDS = 1
    # One user adds all 20 players at once, past the per-user add throttle.
    settings.PLAYER_ADD_THROTTLE_RATE = "100/min"
    call_command("seed_schedule", stdout=open("/dev/null", "w"))  # noqa: SIM115
    if settings.REDIS_URL:
        purge_queues(settings.REDIS_URL)
    running = Stack(
        var_dir=tmp_path,
        hiscores_url=fake_hiscores.base_url,
        SCHEDULER_TICK_SECONDS="1",
        OSRS_MAX_REQUESTS_PER_SECOND="20",
        FETCH_LEASE_SECONDS="8",
        FETCH_RETRY_DELAYS="1,1",
        OSRS_BREAKER_FAILURE_THRESHOLD="5",
        OSRS_BREAKER_RESET_SECONDS="3",
    )
    yield running
    running.stop()
    if getattr(running, "failed", False):
        print(running.logs())


def records(player: Player) -> int:
    return HiscoreRecord.objects.filter(player=player).count()


def make_due(*players: Player) -> None:
    Player.objects.filter(pk__in=[p.pk for p in players]).update(next_fetch_at=timezone.now())


def fetched_since(player: Player, moment, outcome=None) -> bool:
    # A deferral made no request: it is no fetch.
    attempts = FetchAttempt.objects.filter(player=player, started_at__gte=moment).exclude(
        outcome=FetchOutcome.DEFERRED
    )
    if outcome:
        attempts = attempts.filter(outcome=outcome)
    return attempts.exists()


def test_the_collector_keeps_history_through_changes_crashes_and_outages(api, stack, fake_hiscores):
    try:
        _exercise(api, stack, fake_hiscores)
    except BaseException:
        stack.failed = True
        raise


def _exercise(api, stack, fake_hiscores):
    # 20 players are added through the API; each has its first record at once.
    for name in PLAYERS:
        response = api.post("/api/players", {"username": name}, format="json")
        assert response.status_code == 201, response.content
    players = {p.username_key: p for p in Player.objects.all()}
    assert len(players) == 20
    assert all(records(p) == 1 for p in players.values())

    stack.start("worker")
    stack.start("beat")

    # Every player comes due: the scheduler fetches them all; nothing changed, so
    # no record is written.
    started = timezone.now()
    make_due(*players.values())
    wait_for(
        lambda: all(fetched_since(p, started) for p in players.values()),
        timeout=90,
        what="a scheduled fetch of every player",
    )
    assert HiscoreRecord.objects.count() == 20
    assert not FetchAttempt.objects.filter(
        started_at__gte=started, outcome=FetchOutcome.STORED
    ).exists()

    # XP gained on the hiscores becomes a new record on the next scheduled fetch.
    gainer = players["gen 1"]
    fake_hiscores.gain("gen 1", "attack", 12_345)
    make_due(gainer)
    wait_for(lambda: records(gainer) == 2, timeout=30, what="the gain to be recorded")
    latest = HiscoreRecord.objects.filter(player=gainer).order_by("-fetched_at").first()
    first = HiscoreRecord.objects.filter(player=gainer).order_by("fetched_at").first()
    assert (
        latest.skills_data["attack"]["experience"] - first.skills_data["attack"]["experience"]
        == 12_345
    )

    # A worker SIGKILLed in the middle of a fetch loses nothing and duplicates nothing.
    victim = players["gen 2"]
    fake_hiscores.gain("gen 2", "mining", 777)
    fake_hiscores.set_fault("slow", delay=30, player="gen 2", times=1)
    seen = fake_hiscores.request_count
    make_due(victim)
    wait_for(lambda: fake_hiscores.request_count > seen, timeout=60, what="the fetch to start")
    stack.kill("worker")
    stack.start("worker")
    # The lease (FETCH_LEASE_SECONDS) expires and the scheduler claims the player again.
    wait_for(lambda: records(victim) == 2, timeout=60, what="the killed fetch to be redone")
    make_due(victim)
    redo = timezone.now()
    wait_for(lambda: fetched_since(victim, redo), timeout=30, what="one more fetch")
    assert records(victim) == 2

    # A burst of 503s opens the breaker; when they stop, the pipeline recovers by itself.
    fake_hiscores.set_fault("503", times=None)
    outage = timezone.now()
    make_due(*players.values())
    wait_for(lambda: get_breaker().state().status == "open", timeout=60, what="the breaker to open")
    during = fake_hiscores.request_count
    fake_hiscores.clear_faults()
    recovered = wait_for(
        lambda: all(
            fetched_since(p, outage, FetchOutcome.UNCHANGED)
            or fetched_since(p, outage, FetchOutcome.STORED)
            for p in players.values()
        ),
        timeout=120,
        what="every player to be fetched after the outage",
    )
    assert recovered
    assert get_breaker().state().status == "closed"
    assert fake_hiscores.request_count > during

    # Nothing was ever stored twice: one record per change, and no two records alike.
    assert HiscoreRecord.objects.count() == 22
    per_player = Player.objects.annotate(n=Count("records")).values_list("username_key", "n")
    assert {k: n for k, n in per_player if n != 1} == {"gen 1": 2, "gen 2": 2}
