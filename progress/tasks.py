"""The beat's upkeep of the leaderboard deltas (progress.deltas), and achievements
rebuilt from a player's history off the write path (progress.achievement_store)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from .achievement_store import rebuild
from .deltas import expire_lagging, refresh_expired

# Well inside the beat entry's interval (seed_schedule), so ticks do not pile up.
TICK_SECONDS = 20.0


@shared_task(ignore_result=True)
def refresh_deltas() -> int:
    """Expire what a lost signal left behind, then refresh expired windows for at
    most TICK_SECONDS (what is left waits for the next tick). Returns how many
    players were refreshed."""
    expire_lagging()
    return refresh_expired(timezone.now(), seconds=TICK_SECONDS)


@shared_task(ignore_result=True)
def rebuild_player_achievements(player_id: int) -> int:
    """Replace one player's achievements with what its history shows (queued by
    `progress.achievement_store.record_achievements`). Returns how many."""
    return rebuild(player_id)
