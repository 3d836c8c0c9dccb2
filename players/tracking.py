"""Tracking services: what the API and the admin call to change who is tracked."""

from __future__ import annotations

import math
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from kombu.exceptions import KombuError
from kombu.exceptions import OperationalError as BrokerError

from hiscores import gateway
from hiscores.deadline import Deadline
from hiscores.errors import HiscoresError, PlayerNotFound
from hiscores.modes import GameMode
from hiscores.usernames import clean, normalise

from .deadlines import before, clear_deadlines, set_deadlines, staff_source
from .errors import (
    AddQuotaReached,
    FetchedTooRecently,
    HiscoresUnreachable,
    IntervalOutOfBounds,
    PlayerAlreadyTracked,
    PlayerNotOnHiscores,
    QueueUnavailable,
)
from .models import DEFAULT_FETCH_INTERVAL_MINUTES, FetchReason, Player
from .recording import fetch_record_success
from .scheduling import next_fetch

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

DETECT = "detect"
# The daily add quota counts the adds of the last ADD_QUOTA_WINDOW.
ADD_QUOTA_WINDOW = timedelta(hours=24)


def player_track(
    *,
    username: str,
    game_mode: str = GameMode.REGULAR,
    fetch_interval_minutes: int | None = None,
    added_by: AbstractBaseUser | None = None,
) -> Player:
    """Start tracking a player who is on the hiscores, storing the answer that
    proved it as their first record (no second request for the same data; the
    display name is then taken as the hiscores spell it).

    `game_mode="detect"` asks the hiscores which tables the account is on. All
    of it, the wait for a rate-limit slot included, fits in
    PLAYER_ADD_DEADLINE_SECONDS: someone is waiting, and so is a web worker.
    `added_by` is held to the daily add quota unless they are staff.
    """
    name = clean(username)
    key = normalise(name)
    interval = _checked_interval(
        DEFAULT_FETCH_INTERVAL_MINUTES if fetch_interval_minutes is None else fetch_interval_minutes
    )
    if Player.objects.by_key(key).exists():
        raise PlayerAlreadyTracked(details={"username": name})
    _check_add_quota(added_by)
    started_at = timezone.now()
    deadline = Deadline(settings.PLAYER_ADD_DEADLINE_SECONDS)
    try:
        if game_mode == DETECT:
            mode, snapshot = gateway.detect_mode(name, deadline=deadline)
        else:
            mode = GameMode(game_mode)
            snapshot = gateway.fetch(name, mode, deadline=deadline)
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
                fetch_interval_minutes=interval,
                next_fetch_at=started_at,
                # The add is the player's first fetch, asked for by someone.
                next_fetch_reason=FetchReason.MANUAL,
                fetch_requested_at=started_at,
                added_by=added_by,
            )
    except IntegrityError:
        # Someone added the same player while we asked the hiscores.
        raise PlayerAlreadyTracked(details={"username": name}) from None
    fetch_record_success(player_id=player.pk, snapshot=snapshot, started_at=started_at)
    player.refresh_from_db()
    return player


def _checked_interval(minutes: int) -> int:
    """The one check of a fetch interval's bounds, for the API and the admin alike."""
    low, high = settings.FETCH_INTERVAL_MIN_MINUTES, settings.FETCH_INTERVAL_MAX_MINUTES
    if not low <= minutes <= high:
        raise IntervalOutOfBounds(f"Must be from {low} to {high} minutes.")
    return minutes


def _check_add_quota(user: AbstractBaseUser | None) -> None:
    """At most PLAYER_ADD_DAILY_QUOTA adds by one user within ADD_QUOTA_WINDOW.

    Checked before the hiscores are asked, so a refused add costs them nothing.
    Adds one user sends at the same moment may each pass; the per-user add
    throttle (players.api.throttles) bounds by how many.
    """
    if user is None or user.is_staff:
        return
    now = timezone.now()
    quota = settings.PLAYER_ADD_DAILY_QUOTA
    added = (
        Player.objects.filter(added_by=user, created_at__gt=now - ADD_QUOTA_WINDOW)
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )
    count = added.count()
    if count < quota:
        return
    # A place frees up when the add that filled the quota leaves the window.
    frees_at = (added[count - quota] if quota > 0 else now) + ADD_QUOTA_WINDOW
    raise AddQuotaReached(
        retry_after=math.ceil((frees_at - now).total_seconds()), details={"quota": quota}
    )


def player_update(
    *,
    player: Player,
    is_active: bool | None = None,
    fetch_interval_minutes: int | None = None,
    pinned: bool | None = None,
) -> Player:
    """Change whether a player is fetched, its interval (the most often it is
    fetched; exactly how often when `pinned`), and reschedule it by the policy."""
    now = timezone.now()
    if fetch_interval_minutes is not None:
        _checked_interval(fetch_interval_minutes)
    reschedule = False
    if (
        fetch_interval_minutes is not None
        and fetch_interval_minutes != player.fetch_interval_minutes
    ):
        player.fetch_interval_minutes = fetch_interval_minutes
        reschedule = True
    if pinned is not None and pinned != player.pinned:
        player.pinned = pinned
        reschedule = True
    if reschedule:
        due = next_fetch(player)
        player.next_fetch_at, player.next_fetch_reason = max(now, due.at), due.reason.value
    if is_active is not None and is_active != player.is_active:
        player.is_active = is_active
        if is_active:
            # Back in the schedule straight away: it may have missed many fetches.
            player.next_fetch_at = now
            player.status_reason = ""
        else:
            # Nothing stops being collected without a reason staff can read.
            player.status_reason = f"Collection turned off by staff on {now:%Y-%m-%d %H:%M} UTC."
    player.save(
        update_fields=[
            "is_active",
            "fetch_interval_minutes",
            "pinned",
            "next_fetch_at",
            "next_fetch_reason",
            "status_reason",
        ]
    )
    return player


def player_fetch_at(*, player: Player, at: datetime | None) -> Player:
    """Staff's "fetch at": a deadline of the player's own (players.deadlines), met
    by a fetch within its window before `at`; None drops it."""
    source = staff_source(player.pk)
    if at is None:
        clear_deadlines(source)
    else:
        set_deadlines(source, [player.pk], [before(at)])
    player.refresh_from_db()
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
        .update(
            fetch_claimed_until=lease_until,
            # The policy's manual request, due now should the queue lose it,
            # and the reason the fetch is tallied under.
            fetch_requested_at=now,
            next_fetch_at=now,
            next_fetch_reason=FetchReason.MANUAL,
        )
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
