"""Turning one hiscores answer into stored history: the single place records are written."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from prometheus_client import Counter

from hiscores.errors import HiscoresError, HiscoresRateLimited, PlayerNotFound
from hiscores.models import HiscoreRecord
from hiscores.snapshot import Snapshot
from hiscores.usernames import InvalidUsername, normalise

from .models import FetchAttempt, FetchOutcome, Player, PlayerStatus

logger = logging.getLogger(__name__)

# Exported at /metrics (osrsdiff.metrics): one count per logged attempt.
FETCH_ATTEMPTS = Counter(
    "osrsdiff_fetch_attempts", "Fetch attempts logged, by outcome.", ["outcome"]
)
for _outcome in FetchOutcome.values:
    FETCH_ATTEMPTS.labels(outcome=_outcome)  # every outcome is exported, from 0


def _outcome_of(error: HiscoresError) -> FetchOutcome:
    if isinstance(error, PlayerNotFound):
        return FetchOutcome.NOT_FOUND
    if isinstance(error, HiscoresRateLimited):
        return FetchOutcome.THROTTLED
    return FetchOutcome.UNAVAILABLE


# What a successful fetch changes on the player.
_WRITTEN_ON_SUCCESS = (
    "username",
    "latest_record",
    "last_fetched",
    "last_changed_at",
    "status",
    "failure_count",
    "next_fetch_at",
    "fetch_claimed_until",
)

_RECORD_JSON = ("skills_data", "bosses_data", "activities_data")


def fetch_record_success(
    *, player_id: int, snapshot: Snapshot, started_at: datetime
) -> FetchOutcome | None:
    """Store what a fetch returned, in one transaction with the player locked.

    A new record is written only when a value changed since the latest one, so a
    repeated or redelivered fetch stores nothing twice. Returns the outcome, or
    None when the player was deleted meanwhile (nothing is written then).
    """
    with transaction.atomic():
        # One query locks the player and reads its latest record's digest.
        player = (
            Player.objects.select_for_update(of=("self",))
            .select_related("latest_record")
            .defer(*(f"latest_record__{name}" for name in _RECORD_JSON))
            .filter(pk=player_id)
            .first()
        )
        if player is None:
            return None
        now = timezone.now()
        fields = snapshot.record_fields()
        latest = player.latest_record
        if latest is not None and latest.values_digest == fields["values_digest"]:
            # Ranks drift while a player is idle; they alone are no reason for a row.
            HiscoreRecord.objects.filter(pk=latest.pk).update(last_checked_at=now)
            outcome = FetchOutcome.UNCHANGED
        else:
            player.latest_record = HiscoreRecord.objects.create(
                player=player, fetched_at=now, last_checked_at=now, **fields
            )
            player.last_changed_at = now
            outcome = FetchOutcome.STORED
        player.last_fetched = now
        player.status = PlayerStatus.OK
        player.failure_count = 0
        player.next_fetch_at = now + player.fetch_interval
        player.fetch_claimed_until = None
        if snapshot.display_name and _same_name(snapshot.display_name, player.username_key):
            # Keep the capitalisation the hiscores use.
            player.username = snapshot.display_name
        player.save(update_fields=_WRITTEN_ON_SUCCESS)
        _log_attempt(player, outcome, started_at, now, status=200)
    return outcome


def _same_name(display_name: str, key: str) -> bool:
    try:
        return normalise(display_name) == key
    except InvalidUsername:
        return False


def fetch_record_failure(
    *, player_id: int, error: HiscoresError, started_at: datetime, final: bool
) -> FetchOutcome | None:
    """Log a failed fetch. When `final` (no retry follows) also update the player:
    a 404 marks it not found and backs off for hours (a rename or a ban; it
    recovers when the name answers again), anything else marks it failing and
    reschedules it."""
    with transaction.atomic():
        player = Player.objects.select_for_update().filter(pk=player_id).first()
        if player is None:
            return None
        now = timezone.now()
        outcome = _outcome_of(error)
        if final:
            player.fetch_claimed_until = None
            if isinstance(error, PlayerNotFound):
                player.status = PlayerStatus.NOT_FOUND
                player.next_fetch_at = now + timedelta(hours=settings.NOT_FOUND_BACKOFF_HOURS)
            else:
                player.status = PlayerStatus.FAILING
                player.failure_count += 1
                player.next_fetch_at = now + _failure_backoff(player)
            player.save(
                update_fields=["status", "failure_count", "next_fetch_at", "fetch_claimed_until"]
            )
        _log_attempt(player, outcome, started_at, now, status=error.status, message=str(error))
    return outcome


def fetch_defer(*, player_id: int, until: datetime, reason: str) -> None:
    """Put a fetch off without calling out (the breaker is open): the player keeps
    its status and is due again at `until`."""
    now = timezone.now()
    Player.objects.filter(pk=player_id).update(next_fetch_at=until, fetch_claimed_until=None)
    player = Player.objects.filter(pk=player_id).first()
    if player is not None:
        _log_attempt(player, FetchOutcome.UNAVAILABLE, now, now, status=None, message=reason)


def fetch_release(*, player_id: int) -> None:
    """Give a claimed player back to the scheduler untouched (no limiter slot soon)."""
    Player.objects.filter(pk=player_id).update(fetch_claimed_until=None)


def _failure_backoff(player: Player) -> timedelta:
    # Grows with consecutive failures, never beyond the player's own interval.
    minutes = min(2 ** min(player.failure_count, 10), player.fetch_interval_minutes)
    return timedelta(minutes=minutes)


def _log_attempt(
    player: Player,
    outcome: FetchOutcome,
    started_at: datetime,
    finished_at: datetime,
    *,
    status: int | None,
    message: str = "",
) -> None:
    FetchAttempt.objects.create(
        player=player,
        started_at=started_at,
        finished_at=finished_at,
        outcome=outcome,
        http_status=status,
        duration_ms=max(0, int((finished_at - started_at).total_seconds() * 1000)),
        message=message[:2000],
    )
    FETCH_ATTEMPTS.labels(outcome=str(outcome)).inc()
    logger.info(
        "fetch",
        extra={"player_id": player.pk, "outcome": str(outcome), "http_status": status},
    )
