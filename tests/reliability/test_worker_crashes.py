"""GIVEN players whose stats keep changing, WHEN the worker is SIGKILLed five times
at random moments while fetches are in flight, THEN once it runs again every
player's latest state is stored (nothing lost) and no state is stored twice
(nothing duplicated)."""

from __future__ import annotations

import random
import time

import pytest
from django.utils import timezone

from tests.integration.stack import wait_for

from .support import Ledger, all_fresh_since, make_due, record_first_states, stale_players, track

pytestmark = pytest.mark.django_db(transaction=True)

NAMES = [f"gen {n}" for n in range(201, 221)]
KILLS = 5
LEASE_SECONDS = 6
METRICS = ("attack", "woodcutting", "agility", "zulrah")


def test_a_worker_killed_mid_fetch_loses_and_duplicates_nothing(launch, fake_hiscores):
    fake = fake_hiscores
    players = track(NAMES, interval_minutes=1)
    ledger = Ledger(fake, NAMES)
    stack = launch(
        fake.base_url,
        OSRS_MAX_REQUESTS_PER_SECOND="4",
        SCHEDULER_TICK_SECONDS="1",
        FETCH_INTERVAL_MIN_MINUTES="1",
        # A killed worker's players are claimed again this soon.
        FETCH_LEASE_SECONDS=str(LEASE_SECONDS),
        FETCH_RETRY_DELAYS="1,1",
    )
    record_first_states(fake, players)
    stack.start("worker")
    stack.start("beat")

    # Half the answers take a second: a kill often lands in the middle of one.
    fake.set_fault("slow", times=None, probability=0.5, delay=1.0, seed=5)
    rng = random.Random(5)
    for _ in range(KILLS):
        for name in rng.sample(NAMES, 4):
            ledger.gain(name, rng.choice(METRICS), rng.randint(1, 10_000))
        make_due()
        seen = fake.request_count
        wait_for(lambda: fake.request_count > seen, timeout=60, what="a fetch in flight")  # noqa: B023
        time.sleep(rng.uniform(0.0, 1.0))
        stack.kill("worker")
        stack.start("worker")
        time.sleep(2)
    fake.clear_faults()

    restarted = timezone.now()
    make_due()
    wait_for(
        lambda: all_fresh_since(restarted),
        timeout=LEASE_SECONDS + 60,
        what=f"every player fetched after the crashes (stale: {stale_players(restarted)})",
    )
    problems = [problem for player in players for problem in ledger.problems(player)]
    assert not problems, "\n".join(problems)
