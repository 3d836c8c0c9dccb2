"""GIVEN players a real worker fetches, WHEN the hiscores answer them hostile values
(a level of 5,000, XP of 2^40, negative XP, a total level of 5,000, a rank past 64
bits), THEN nothing of those answers is stored, each fetch is logged unavailable
with its reason, the breaker counts them neither as successes nor as failures,
and the players back off instead of being fetched again every tick. A rank past
32 bits, plausible but once too wide for its column, is stored."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from hiscores.breaker import get_breaker
from players.models import FetchAttempt, FetchOutcome, Player, PlayerStatus
from players.records import HiscoreRecord
from tests.integration.stack import wait_for

from .support import Ledger, make_due, record_first_states, track

pytestmark = pytest.mark.django_db(transaction=True)

HOSTILE = {
    "gen 301": {"attack": {"level": 5000}},
    "gen 302": {"attack": {"xp": 2**40}},
    "gen 303": {"defence": {"xp": -5}},
    "gen 304": {"overall": {"level": 5000}},
    "gen 305": {"overall": {"rank": 2**63}},
}
NAMES = list(HOSTILE)
THRESHOLD = 5
FAILURES_BEFORE = 2
# Long enough that the backoff (2, then 4 minutes) stays below it.
INTERVAL_MINUTES = 60
TICKS_WATCHED = 8


def stack_settings() -> dict[str, str]:
    return {
        "OSRS_MAX_REQUESTS_PER_SECOND": "5",
        "SCHEDULER_TICK_SECONDS": "1",
        "FETCH_RETRY_DELAYS": "1,1",
        "OSRS_BREAKER_FAILURE_THRESHOLD": str(THRESHOLD),
        "OSRS_BREAKER_RESET_SECONDS": "3",
    }


def attempts_of(name: str, since: datetime):
    # Since the first records, which were stored in-process and logged too.
    return FetchAttempt.objects.filter(player__username=name, started_at__gte=since).order_by("pk")


def each_fetched(times: int, since: datetime) -> bool:
    return all(attempts_of(name, since).count() >= times for name in NAMES)


def test_hostile_answers_store_nothing_and_back_off(launch, fake_hiscores):
    fake = fake_hiscores
    players = track(NAMES, interval_minutes=INTERVAL_MINUTES)
    ledger = Ledger(fake, NAMES)
    stack = launch(fake.base_url, **stack_settings())
    record_first_states(fake, players)
    since = timezone.now()
    first_records = HiscoreRecord.objects.count()
    for name, values in HOSTILE.items():
        fake.set_fault("hostile", times=None, player=name, values=values)
    # Failures the breaker holds already: a success would clear them, failures add.
    breaker = get_breaker()
    for _ in range(FAILURES_BEFORE):
        breaker.admit().failed()

    stack.start("worker", concurrency=2)
    stack.start("beat")
    wait_for(lambda: each_fetched(1, since), timeout=60, what="each hostile player fetched")
    time.sleep(TICKS_WATCHED)  # ticks enough to fetch each again, were they due

    # Backoff, not a fetch every tick: one attempt each, due again in 2 minutes.
    for name in NAMES:
        attempts = list(attempts_of(name, since))
        assert len(attempts) == 1, f"{name} was fetched {len(attempts)} times"
        player = Player.objects.get(username=name)
        assert (player.status, player.failure_count) == (PlayerStatus.FAILING, 1)
        assert player.fetch_claimed_until is None
        wait = player.next_fetch_at - attempts[0].finished_at
        assert timedelta(minutes=1) < wait <= timedelta(minutes=2)

    # Due again at once (as after the backoff): the wait doubles.
    make_due()
    wait_for(lambda: each_fetched(2, since), timeout=60, what="each fetched again")
    for name in NAMES:
        player = Player.objects.get(username=name)
        assert player.failure_count == 2
        wait = player.next_fetch_at - attempts_of(name, since).last().finished_at
        assert timedelta(minutes=3) < wait <= timedelta(minutes=4)

    # Each fetch logged unavailable, with the value and its bound.
    attempts = FetchAttempt.objects.filter(player__username__in=NAMES, started_at__gte=since)
    assert {a.outcome for a in attempts} == {FetchOutcome.UNAVAILABLE}
    assert {a.http_status for a in attempts} == {200}
    for attempt in attempts:
        assert attempt.message.startswith("Implausible hiscores answer"), attempt.message
        assert " is outside " in attempt.message
    # One request per attempt: no retries behind the log's back.
    requests = [player for _, _, player in fake.log.entries()]
    for name in NAMES:
        assert requests.count(name) == attempts_of(name, since).count()

    # Nothing stored: each player still has its first record only.
    assert HiscoreRecord.objects.count() == first_records
    problems = [problem for player in players for problem in ledger.problems(player)]
    assert not problems, "\n".join(problems)

    # The breaker counted them as nothing: its failures neither cleared nor grown.
    state = breaker.state()
    assert (state.status, state.consecutive_failures) == ("closed", FAILURES_BEFORE)


def test_a_rank_past_32_bits_is_stored(launch, fake_hiscores):
    fake = fake_hiscores
    (player,) = track(["gen 310"], interval_minutes=INTERVAL_MINUTES)
    stack = launch(fake.base_url, **stack_settings())
    record_first_states(fake, [player])
    since = timezone.now()
    fake.gain("gen 310", "attack", 5_000)  # a change, so the answer makes a record
    fake.set_fault("hostile", times=None, player="gen 310", values={"overall": {"rank": 2**31 + 5}})

    stack.start("worker", concurrency=1)
    stack.start("beat")
    wait_for(lambda: attempts_of("gen 310", since).exists(), timeout=60, what="a fetch")

    attempt = attempts_of("gen 310", since).get()
    assert attempt.outcome == FetchOutcome.STORED, attempt.message
    latest = Player.objects.select_related("latest_record").get(pk=player.pk).latest_record
    assert latest.overall_rank == 2**31 + 5
    assert HiscoreRecord.objects.filter(player=player).count() == 2
