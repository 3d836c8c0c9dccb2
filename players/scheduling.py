"""Which players to fetch now: the scheduler's claim and budget.

Every tick (SCHEDULER_TICK_SECONDS) the beat task claims the most overdue active
players with a lease and enqueues one fetch each, but never more than the global
rate limit can serve before the next tick, so the queue never piles up. When the
budget cannot serve every player's interval, the most overdue go first.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from .models import Player

# Fetches queued ahead of the limiter, in ticks: enough that workers never idle
# waiting for the next tick, few enough that a stalled pipeline builds no backlog.
QUEUE_AHEAD_TICKS = 2
CLAIM_BATCH = 1000
# A fetch batch is about this much of the limiter's time, and never more than
# MAX_BATCH players: at the polite default (0.5/s) every task holds one player.
BATCH_SECONDS = 1.0
MAX_BATCH = 50


def fetch_budget(*, now: datetime) -> int:
    """How many fetches to enqueue now: what the limiter serves in the next ticks,
    less what is already queued or running."""
    per_tick = settings.OSRS_MAX_REQUESTS_PER_SECOND * settings.SCHEDULER_TICK_SECONDS
    capacity = math.ceil(per_tick * QUEUE_AHEAD_TICKS)
    return max(0, capacity - Player.objects.in_flight(now).count())


def batch_size() -> int:
    per_batch = int(settings.OSRS_MAX_REQUESTS_PER_SECOND * BATCH_SECONDS)
    return max(1, min(MAX_BATCH, per_batch))


def players_claim_due(*, now: datetime, limit: int) -> list[int]:
    """Claim up to `limit` due players, most overdue first, and return their ids.

    The lease is taken with a conditional update inside one transaction; on
    PostgreSQL `SKIP LOCKED` lets several schedulers claim disjoint players at
    once, on SQLite the IMMEDIATE transaction serialises them. A claim whose
    fetch never finishes expires after FETCH_LEASE_SECONDS.
    """
    lease_until = now + timedelta(seconds=settings.FETCH_LEASE_SECONDS)
    claimed: list[int] = []
    while len(claimed) < limit:
        batch = min(CLAIM_BATCH, limit - len(claimed))
        with transaction.atomic():
            ids = list(
                Player.objects.due_for_fetch(now)
                .select_for_update(skip_locked=True)
                .values_list("pk", flat=True)[:batch]
            )
            if ids:
                Player.objects.filter(pk__in=ids).update(fetch_claimed_until=lease_until)
        claimed.extend(ids)
        if len(ids) < batch:
            break
    return claimed


def players_release(*, player_ids: list[int]) -> None:
    """Hand claims back untouched, due as they were (their fetches never ran). A
    fetch that ran frees its claim with the outcome it writes (`players.recording`)."""
    Player.objects.filter(pk__in=player_ids).update(fetch_claimed_until=None)
