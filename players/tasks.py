"""Celery tasks: thin. Each loads by id, calls one service, and owns only retries and limits."""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils import timezone

from hiscores import gateway
from hiscores.errors import HiscoresError, HiscoresUnavailable, PlayerNotFound

from .game_modes import recheck_due
from .models import FetchAttempt, Player
from .recording import (
    Answer,
    fetch_defer,
    fetch_record_error,
    fetch_record_failure,
    fetch_record_successes,
)
from .renames import name_change_review_again, pending_for
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


def fetch(player_ids: list[int], *, attempt: int = 0) -> list[str]:
    """Fetch each player politely, then record every answer at once (one
    transaction for the batch). A transient failure is retried later as a task of
    its own, so one slow player never holds a batch; a fault of ours is logged
    and the batch goes on. Returns each player's outcome, in order."""
    players = Player.objects.only(
        "username", "game_mode", "modes_checked_at", "last_changed_at"
    ).in_bulk(player_ids)
    results: dict[int, str] = {}
    answers: list[Answer] = []
    for player_id in dict.fromkeys(player_ids):
        player = players.get(player_id)
        if player is None:
            results[player_id] = "gone"
            continue
        started_at = timezone.now()
        try:
            answer = _ask_hiscores(player, started_at)
        except HiscoresError as error:
            results[player_id] = _after_hiscores_error(
                player_id, error, started_at=started_at, attempt=attempt
            )
        except Exception as error:
            results[player_id] = _after_fault(player_id, error, started_at=started_at)
        else:
            answers.append(answer)
    results.update(_record(answers))
    return [results[player_id] for player_id in player_ids]


def _record(answers: list[Answer]) -> dict[int, str]:
    """Every answer in one transaction. Should that fail, each answer is recorded
    on its own, so a fault with one player costs the rest of the batch nothing."""
    if not answers:
        return {}
    try:
        outcomes = fetch_record_successes(answers)
    except Exception as error:
        if len(answers) > 1:
            results: dict[int, str] = {}
            for answer in answers:
                results |= _record([answer])
            return results
        (answer,) = answers
        outcome = _after_fault(answer.player_id, error, started_at=answer.started_at)
        return {answer.player_id: outcome}
    # A player deleted meanwhile has no outcome: nothing was written for it.
    return {a.player_id: str(outcomes.get(a.player_id, "gone")) for a in answers}


def _after_fault(player_id: int, error: Exception, *, started_at: datetime) -> str:
    logger.exception("fetch failed", extra={"player_id": player_id})
    fetch_record_error(player_id=player_id, error=error, started_at=started_at)
    return "error"


def _ask_hiscores(player: Player, started_at: datetime) -> Answer:
    """The player's own table; or every table, when its game mode is due a
    re-check (players.game_modes): its table stopped moving, or lost the player."""
    detected = None
    try:
        if recheck_due(player, now=started_at):
            detected, snapshot = gateway.detect_mode(player.username, max_wait=LIMITER_MAX_WAIT)
        else:
            try:
                snapshot = gateway.fetch(
                    player.username, player.game_mode, max_wait=LIMITER_MAX_WAIT
                )
            except PlayerNotFound:
                if not recheck_due(player, now=started_at, not_found=True):
                    raise
                # Not on their own table: maybe on another one (a regular
                # table that 404s too is the 404 it always was).
                detected, snapshot = gateway.detect_mode(player.username, max_wait=LIMITER_MAX_WAIT)
    except SoftTimeLimitExceeded as exc:
        # The task ran out of time mid-request: as transient as a timeout.
        raise HiscoresUnavailable("The fetch ran out of time.") from exc
    return Answer(
        player.pk, snapshot, started_at, finished_at=timezone.now(), detected_mode=detected
    )


def _after_hiscores_error(
    player_id: int, error: HiscoresError, *, started_at: datetime, attempt: int
) -> str:
    if not error.request_made:
        fetch_defer(player_id=player_id, error=error, started_at=started_at)
        return "deferred"
    retry = error.transient and attempt < len(settings.FETCH_RETRY_DELAYS)
    fetch_record_failure(player_id=player_id, error=error, started_at=started_at, final=not retry)
    if retry:
        fetch_player.apply_async(
            args=(player_id,), kwargs={"attempt": attempt + 1}, countdown=retry_delay(attempt)
        )
        return "retrying"
    if isinstance(error, PlayerNotFound) and (change := pending_for(player_id)) is not None:
        # The old name is gone and someone said where to: look there now.
        review_name_change.apply_async(args=(change.pk,))
    # Final: a 404 at once, a transient failure once the retries are spent.
    return "gave_up" if error.transient else str(error.outcome)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def fetch_player(player_id: int, attempt: int = 0) -> str:
    return fetch([player_id], attempt=attempt)[0]


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def fetch_players(player_ids: list[int]) -> list[str]:
    """Players claimed together by one scheduler tick. A message per batch keeps
    enqueueing cheap when the rate limit is high; a batch is at most about a
    second of the limiter's work (`batch_size`), so it never holds players long."""
    return fetch(player_ids)


@shared_task(acks_late=True, ignore_result=True)
def review_name_change(name_change_id: int) -> str | None:
    """A pending name change reviewed again (its old name just answered 404)."""
    change = name_change_review_again(name_change_id=name_change_id)
    return None if change is None else str(change.status)


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
