"""Tracking services: what the API and the admin call to change who is tracked."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from kombu.exceptions import KombuError
from kombu.exceptions import OperationalError as BrokerError

from hiscores import gateway
from hiscores.errors import HiscoresError, PlayerNotFound
from hiscores.modes import GameMode
from hiscores.usernames import clean, normalise

from .errors import (
    FetchedTooRecently,
    HiscoresUnreachable,
    PlayerAlreadyTracked,
    PlayerNotOnHiscores,
    QueueUnavailable,
)
from .models import DEFAULT_FETCH_INTERVAL_MINUTES, Player
from .recording import fetch_record_success

# A person adding a player waits for this long at most for a limiter slot.
ADD_MAX_WAIT = 15.0
DETECT = "detect"


def player_track(
    *, username: str, game_mode: str = GameMode.REGULAR, fetch_interval_minutes: int | None = None
) -> Player:
    """Start tracking a player who is on the hiscores, storing the answer that
    proved it as their first record (no second request for the same data; the
    display name is then taken as the hiscores spell it).

    `game_mode="detect"` asks the hiscores which tables the account is on.
    """
    name = clean(username)
    key = normalise(name)
    if Player.objects.by_key(key).exists():
        raise PlayerAlreadyTracked(details={"username": name})
    started_at = timezone.now()
    try:
        mode = gateway.detect_mode(name) if game_mode == DETECT else GameMode(game_mode)
        snapshot = gateway.fetch(name, mode, max_wait=ADD_MAX_WAIT)
    except PlayerNotFound:
        message = f"{name} is not on the hiscores."
        raise PlayerNotOnHiscores(message, details={"username": [message]}) from None
    except HiscoresError as exc:
        raise HiscoresUnreachable(details={"reason": str(exc)}) from exc
    try:
        with transaction.atomic():
            player = Player.objects.create(
                username=name,
                username_key=key,
                game_mode=mode,
                fetch_interval_minutes=fetch_interval_minutes or DEFAULT_FETCH_INTERVAL_MINUTES,
                next_fetch_at=started_at,
            )
    except IntegrityError:
        # Someone added the same player while we asked the hiscores.
        raise PlayerAlreadyTracked(details={"username": name}) from None
    fetch_record_success(player_id=player.pk, snapshot=snapshot, started_at=started_at)
    player.refresh_from_db()
    return player


def player_update(
    *, player: Player, is_active: bool | None = None, fetch_interval_minutes: int | None = None
) -> Player:
    now = timezone.now()
    if (
        fetch_interval_minutes is not None
        and fetch_interval_minutes != player.fetch_interval_minutes
    ):
        player.fetch_interval_minutes = fetch_interval_minutes
        base = player.last_fetched or now
        player.next_fetch_at = max(now, base + timedelta(minutes=fetch_interval_minutes))
    if is_active is not None and is_active != player.is_active:
        player.is_active = is_active
        if is_active:
            # Back in the schedule straight away: it may have missed many fetches.
            player.next_fetch_at = now
    player.save(update_fields=["is_active", "fetch_interval_minutes", "next_fetch_at"])
    return player


def player_untrack(*, player: Player) -> None:
    """Delete a player and its whole history. A fetch in flight finds the player
    gone and writes nothing (it locks the row before writing)."""
    player.delete()


def player_fetch_now(*, player: Player) -> str:
    """Queue a fetch at once, unless one ran or was queued within FETCH_COOLDOWN_SECONDS.
    Returns the task id."""
    from .tasks import fetch_player  # tasks import this module's neighbours

    now = timezone.now()
    cooldown = timedelta(seconds=settings.FETCH_COOLDOWN_SECONDS)
    lease_until = now + timedelta(seconds=settings.FETCH_LEASE_SECONDS)
    # The claim doubles as the cooldown mark: a conditional update, so two
    # clicks at once queue one fetch.
    claimed = (
        Player.objects.filter(pk=player.pk)
        .exclude(fetch_claimed_until__gte=now)
        .exclude(last_fetched__gt=now - cooldown)
        .update(fetch_claimed_until=lease_until)
    )
    if not claimed:
        player.refresh_from_db(fields=["last_fetched", "fetch_claimed_until"])
        raise FetchedTooRecently(retry_after=_retry_after(player, now, cooldown))
    task_id = str(uuid.uuid4())
    try:
        fetch_player.apply_async(args=(player.pk,), task_id=task_id, retry=False)
    except (BrokerError, KombuError, OSError) as exc:
        Player.objects.filter(pk=player.pk).update(fetch_claimed_until=None)
        raise QueueUnavailable(details={"reason": str(exc)}) from exc
    return task_id


def _retry_after(player: Player, now, cooldown: timedelta) -> int:
    waits = [1]
    if player.last_fetched:
        waits.append(int((player.last_fetched + cooldown - now).total_seconds()) + 1)
    if player.fetch_claimed_until and player.fetch_claimed_until >= now:
        # A queued fetch normally finishes within seconds; then the cooldown applies.
        waits.append(int(cooldown.total_seconds()))
    return max(waits)
