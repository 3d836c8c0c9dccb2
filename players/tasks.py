"""Celery tasks: thin. Each loads by id, calls one service, and owns only retries and limits."""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime, timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils import timezone

from hiscores import gateway
from hiscores.breaker import get_breaker
from hiscores.errors import CircuitOpen, HiscoresBusy, HiscoresUnavailable, PlayerNotFound

from .models import FetchAttempt, Player
from .recording import fetch_defer, fetch_record_failure, fetch_record_success, fetch_release
from .scheduling import batch_size, fetch_budget, players_claim_due, players_release

logger = logging.getLogger(__name__)

# How long a fetch may wait for a limiter slot before handing its player back.
LIMITER_MAX_WAIT = 20.0


def retry_delay(attempt: int) -> float:
    """Exponential backoff from FETCH_RETRY_DELAYS with jitter, so players that
    failed together do not retry together."""
    delays = settings.FETCH_RETRY_DELAYS
    base = delays[min(attempt, len(delays) - 1)]
    return base * random.uniform(0.75, 1.25)


def fetch(player_id: int, *, attempt: int = 0) -> str:
    """One polite fetch of a player and its bookkeeping. A transient failure is
    retried later as a task of its own, so one slow player never holds a batch."""
    player = Player.objects.filter(pk=player_id).only("username", "game_mode").first()
    if player is None:
        return "gone"
    started_at = timezone.now()
    try:
        snapshot = gateway.fetch(player.username, player.game_mode, max_wait=LIMITER_MAX_WAIT)
    except CircuitOpen as exc:
        retry_at = get_breaker().state().retry_at
        until = max(timezone.now(), _as_datetime(retry_at)) if retry_at else timezone.now()
        fetch_defer(player_id=player_id, until=until, reason=f"deferred: {exc}")
        return "deferred"
    except HiscoresBusy:
        fetch_release(player_id=player_id)
        return "released"
    except PlayerNotFound as exc:
        fetch_record_failure(player_id=player_id, error=exc, started_at=started_at, final=True)
        return "not_found"
    except (HiscoresUnavailable, SoftTimeLimitExceeded) as exc:
        error = exc if isinstance(exc, HiscoresUnavailable) else HiscoresUnavailable("timed out")
        final = attempt >= len(settings.FETCH_RETRY_DELAYS)
        fetch_record_failure(player_id=player_id, error=error, started_at=started_at, final=final)
        if final:
            return "gave_up"
        fetch_player.apply_async(
            args=(player_id,), kwargs={"attempt": attempt + 1}, countdown=retry_delay(attempt)
        )
        return "retrying"
    outcome = fetch_record_success(player_id=player_id, snapshot=snapshot, started_at=started_at)
    return str(outcome)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def fetch_player(player_id: int, attempt: int = 0) -> str:
    return fetch(player_id, attempt=attempt)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def fetch_players(player_ids: list[int]) -> list[str]:
    """Players claimed together by one scheduler tick. A message per batch keeps
    enqueueing cheap when the rate limit is high; a batch is at most about a
    second of the limiter's work (`batch_size`), so it never holds players long."""
    return [fetch(player_id) for player_id in player_ids]


def _as_datetime(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=UTC)


@shared_task(ignore_result=True)
def schedule_due_fetches() -> int:
    """The beat's tick: claim what the budget allows, most overdue first, and enqueue."""
    now = timezone.now()
    player_ids = players_claim_due(now=now, limit=fetch_budget(now=now))
    if not player_ids:
        return 0
    size = batch_size()
    sent: list[int] = []
    try:
        # One producer connection for the whole tick.
        with fetch_players.app.producer_or_acquire() as producer:
            for start in range(0, len(player_ids), size):
                batch = player_ids[start : start + size]
                fetch_players.apply_async(args=(batch,), producer=producer)
                sent.extend(batch)
    finally:
        unsent = player_ids[len(sent) :]
        if unsent:
            players_release(player_ids=unsent)
            logger.error("could not queue fetches", extra={"unqueued": len(unsent)})
    return len(sent)


@shared_task(ignore_result=True)
def prune_fetch_attempts() -> int:
    cutoff = timezone.now() - timedelta(days=settings.FETCH_ATTEMPT_RETENTION_DAYS)
    deleted, _ = FetchAttempt.objects.filter(started_at__lt=cutoff).delete()
    return deleted
