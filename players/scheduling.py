"""Which players to fetch now: the scheduler's claim and budget, and the player
row as the scheduling policy (`players.policy`) sees it.

Every tick (SCHEDULER_TICK_SECONDS) the beat task claims due active players with
a lease and enqueues one fetch each, but never more than the global rate limit
can serve before the next tick, so the queue never piles up. A player is due
once its `next_fetch_at` has passed: the policy's `schedule`, stored by the
recording service after each fetch (and again when a deadline, request or pin
changes). While the budget keeps up every due player is claimed, oldest first.
When more are due than the budget, the tick reads a bounded set of them and
lets the policy's `plan` choose: deadlines, manual requests, owed fetches, then
the learned players likeliest to have changed.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from .models import FetchReason, Player, PlayerStatus
from .policy import DAY_HOURS, Due, PlayerState, PolicySettings, Reason, Rhythm, plan, schedule

# Fetches queued ahead of the limiter, in ticks: enough that workers never idle
# waiting for the next tick, few enough that a stalled pipeline builds no backlog.
QUEUE_AHEAD_TICKS = 2
CLAIM_BATCH = 1000
# A fetch batch is about this much of the limiter's time, and never more than
# MAX_BATCH players: at the polite default (0.5/s) every task holds one player.
BATCH_SECONDS = 1.0
MAX_BATCH = 50
# When more are due than the budget, the learned players ranked are the oldest
# due, this many budgets of them, and at least RANK_MIN (so that even the polite
# budget of a few players a tick chooses among many), at most RANK_MAX.
RANK_BUDGETS = 2
RANK_MIN = 1000
RANK_MAX = 5000
# The columns `player_state` reads.
STATE_FIELDS = (
    "last_fetched",
    "created_at",
    "fetch_interval_minutes",
    "rhythm_changes",
    "rhythm_watched_days",
    "rhythm_hours",
    "pinned",
    "fetch_requested_at",
    "fetch_deadline",
)
NO_HOURS = (0.0,) * DAY_HOURS


# Players by their learned changes a day, for staff (upper bounds, in order).
RHYTHM_BUCKETS = (("idle", 1 / 7), ("occasional", 1.0), ("daily", 6.0), ("grinder", math.inf))


def rhythm_changes_per_day(player: Player) -> float:
    return Rhythm(player.rhythm_changes, player.rhythm_watched_days).changes_per_day


def rhythm_bucket(changes_per_day: float) -> str:
    """idle (under once a week), occasional (under daily), daily, or grinder (6+ a day)."""
    return next(name for name, below in RHYTHM_BUCKETS if changes_per_day < below)


def policy_settings() -> PolicySettings:
    return PolicySettings(max_interval=timedelta(days=settings.FETCH_MAX_INTERVAL_DAYS))


def player_state(player: Player) -> PlayerState:
    """The policy's view of a player row (loaded with at least STATE_FIELDS)."""
    return _state(player.pk, *(getattr(player, field) for field in STATE_FIELDS))


def _state(
    pk, last_fetched, created_at, minutes, changes, watched, hours, pinned, requested, deadline
) -> PlayerState:
    """A player's state from its STATE_FIELDS, in order: the tick reads them as
    plain rows (a model instance each costs more than the policy's ranking)."""
    never_fetched = last_fetched is None
    return PlayerState(
        player_id=pk,
        last_fetched=created_at if never_fetched else last_fetched,
        min_interval=timedelta(minutes=minutes),
        rhythm=Rhythm(changes, watched, tuple(hours) if hours else NO_HOURS),
        pinned=pinned,
        requested_at=created_at if never_fetched else requested,
        deadline=deadline,
    )


def rhythm_columns(rhythm: Rhythm) -> dict:
    """The rhythm as the player row stores it: the hours rounded, so that the
    JSON stays small (a ten-thousandth of a change is nothing the policy weighs)."""
    hours = tuple(round(h, 4) for h in rhythm.hours) if any(rhythm.hours) else ()
    return {
        "rhythm_changes": rhythm.changes,
        "rhythm_watched_days": rhythm.watched_days,
        "rhythm_hours": hours,
    }


def next_fetch(player: Player) -> Due:
    """When the policy next wants the player, from its row as it is now."""
    return schedule(player_state(player), policy_settings())


def players_reschedule(players: list[Player], *, also: list[str] = ()) -> None:
    """Store each player's next fetch after its deadline, request or pin changed
    (rows loaded with STATE_FIELDS, `status` and `next_fetch_at`), with the
    columns in `also` the caller changed. A player
    backing off after failures keeps its retry moment unless a deadline or a
    request wants it sooner."""
    for player in players:
        due = next_fetch(player)
        if player.status != PlayerStatus.OK and due.reason not in (Reason.DEADLINE, Reason.MANUAL):
            continue
        player.next_fetch_at, player.next_fetch_reason = due.at, due.reason.value
    fields = ["next_fetch_at", "next_fetch_reason", *also]
    Player.objects.bulk_update(players, fields, batch_size=CLAIM_BATCH)


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
    """Claim up to `limit` due players and return their ids: every due player,
    oldest first, when they fit the budget, else the policy's choice.

    The lease is taken with a conditional update inside one transaction; on
    PostgreSQL `SKIP LOCKED` lets several schedulers claim disjoint players at
    once, on SQLite the IMMEDIATE transaction serialises them. A claim whose
    fetch never finishes expires after FETCH_LEASE_SECONDS.
    """
    if limit <= 0:
        return []
    due = Player.objects.due_for_fetch(now)
    if due[limit : limit + 1].exists():
        return _claim(now, due, ranked_due(now=now, limit=limit))
    return _claim(now, due, None, limit=limit)


def ranked_due(*, now: datetime, limit: int) -> list[int]:
    """Up to `limit` due players in the policy's order, read in bounded batches:
    those due for a deadline or a manual request, those owed a fetch, and the
    oldest due of the rest (in the (is_active, next_fetch_reason, next_fetch_at)
    index). A player due by its stored moment alone (a retry after failures, a
    not-found recheck: moments the policy does not know) goes after the owed."""
    due = Player.objects.due_for_fetch(now).values_list("pk", *STATE_FIELDS)
    learned = min(max(limit * RANK_BUDGETS, RANK_MIN), RANK_MAX)
    groups = (
        ((FetchReason.DEADLINE, FetchReason.MANUAL), limit),
        ((FetchReason.PINNED, FetchReason.MAXIMUM_INTERVAL), limit),
        ((FetchReason.LEARNED,), learned),
    )
    rows = [
        row
        for reasons, count in groups
        for row in due.filter(next_fetch_reason__in=reasons)[:count]
    ]
    states = [_state(*row) for row in rows]
    decisions = plan(states, now=now, budget=len(states), settings=policy_settings())
    chosen = {d.player_id for d in decisions}
    urgent = [d.player_id for d in decisions if d.reason != Reason.LEARNED]
    learned_ids = [d.player_id for d in decisions if d.reason == Reason.LEARNED]
    retries = [state.player_id for state in states if state.player_id not in chosen]
    return (urgent + retries + learned_ids)[:limit]


def _claim(now: datetime, due, chosen: list[int] | None, *, limit: int = 0) -> list[int]:
    """Lease the chosen players still due (or, with no choice, up to `limit` of
    the oldest due), CLAIM_BATCH at a time, in the chosen order."""
    lease_until = now + timedelta(seconds=settings.FETCH_LEASE_SECONDS)
    claimed: list[int] = []
    if chosen is not None:
        for start in range(0, len(chosen), CLAIM_BATCH):
            wanted = chosen[start : start + CLAIM_BATCH]
            with transaction.atomic():
                ids = set(
                    due.filter(pk__in=wanted)
                    .select_for_update(skip_locked=True)
                    .values_list("pk", flat=True)
                )
                if ids:
                    Player.objects.filter(pk__in=ids).update(fetch_claimed_until=lease_until)
            claimed.extend(pk for pk in wanted if pk in ids)
        return claimed
    while len(claimed) < limit:
        batch = min(CLAIM_BATCH, limit - len(claimed))
        with transaction.atomic():
            ids = list(due.select_for_update(skip_locked=True).values_list("pk", flat=True)[:batch])
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
