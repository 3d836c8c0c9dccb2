"""Deadlines: moments by which players must have been fetched (a competition's
boundaries, a staff "fetch at"), kept per source and handed to the scheduling
policy (`players.policy`).

One meaning throughout: a deadline at D is met by a fetch from
DEADLINE_WINDOW before D onwards. The policy makes the player due when that
window opens and ranks it before everything else; a fetch at or after the
opening consumes the deadline (`players.recording` deletes it in the batch that
stores the fetch). So a boundary that needs a fetch just before a moment (a
competition's start) is `before(start)`, and one that needs a fetch just after
(its end) is `after(end)`: the window then opens at the end itself.

`Player.fetch_deadline` holds each player's earliest pending deadline, so the
policy reads it from the player row; these services keep it, and the player's
schedule, in step with the table.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Min

from .models import FetchDeadline, Player
from .policy import DEFAULT_SETTINGS
from .scheduling import STATE_FIELDS, players_reschedule

DEADLINE_WINDOW: timedelta = DEFAULT_SETTINGS.deadline_window
WRITE_BATCH = 1000


def before(moment: datetime) -> datetime:
    """The deadline for a fetch within DEADLINE_WINDOW before `moment`."""
    return moment


def after(moment: datetime) -> datetime:
    """The deadline for a fetch within DEADLINE_WINDOW after `moment`."""
    return moment + DEADLINE_WINDOW


def staff_source(player_id: int) -> str:
    """The source of a staff "fetch at" for one player (players.tracking.player_fetch_at)."""
    return f"staff:player:{player_id}"


def staff_fetch_at(player: Player) -> datetime | None:
    return (
        FetchDeadline.objects.filter(source=staff_source(player.pk), player=player)
        .values_list("at", flat=True)
        .first()
    )


def set_deadlines(source: str, player_ids: Iterable[int], moments: list[datetime]) -> int:
    """Make `moments` the deadlines of `source` (a label of the caller's, such as
    "competition:42") for each of the players, replacing whatever that source set
    before. A moment a player's last fetch already met is skipped for it.
    Returns how many deadlines are pending for the source now."""
    wanted = set(player_ids)
    with transaction.atomic():
        # The players first, in id order, as the recording service locks them:
        # it deletes the deadlines its fetches meet.
        players = _locked(_source_players(source) | wanted)
        FetchDeadline.objects.filter(source=source).delete()
        rows = [
            FetchDeadline(player_id=player.pk, at=at, source=source)
            for player in players
            if player.pk in wanted
            for at in dict.fromkeys(moments)
            if player.last_fetched is None or player.last_fetched < at - DEADLINE_WINDOW
        ]
        FetchDeadline.objects.bulk_create(rows, batch_size=WRITE_BATCH)
        _refresh(players)
    return len(rows)


def clear_deadlines(source: str) -> int:
    """Drop every deadline of `source`. Returns how many were pending."""
    with transaction.atomic():
        players = _locked(_source_players(source))
        deleted, _ = FetchDeadline.objects.filter(source=source).delete()
        _refresh(players)
    return deleted


def consume_deadlines(player_ids: list[int], *, met_until: datetime) -> dict[int, datetime]:
    """For the recording service, under its lock on the players: delete their
    deadlines a fetch now meets (those at or before `met_until`, the fetch's
    moment plus DEADLINE_WINDOW) and return each player's next one."""
    FetchDeadline.objects.filter(player_id__in=player_ids, at__lte=met_until).delete()
    return pending_deadlines(player_ids)


def pending_deadlines(
    player_ids: Iterable[int], *, later_than: datetime | None = None
) -> dict[int, datetime]:
    """Each player's earliest deadline (later than `later_than`): one query."""
    deadlines = FetchDeadline.objects.filter(player_id__in=list(player_ids))
    if later_than is not None:
        deadlines = deadlines.filter(at__gt=later_than)
    return dict(
        deadlines.order_by()
        .values("player_id")
        .annotate(first=Min("at"))
        .values_list("player_id", "first")
    )


def _source_players(source: str) -> set[int]:
    return set(FetchDeadline.objects.filter(source=source).values_list("player_id", flat=True))


def _locked(player_ids: set[int]) -> list[Player]:
    ids = sorted(player_ids)
    fields = (*STATE_FIELDS, "status", "next_fetch_at", "next_fetch_reason")
    players: list[Player] = []
    for start in range(0, len(ids), WRITE_BATCH):
        chunk = ids[start : start + WRITE_BATCH]
        locked = Player.objects.select_for_update().filter(pk__in=chunk).only(*fields)
        players.extend(locked.order_by("pk"))
    return players


def _refresh(players: list[Player]) -> None:
    """Store each player's earliest pending deadline, and reschedule it."""
    for start in range(0, len(players), WRITE_BATCH):
        chunk = players[start : start + WRITE_BATCH]
        earliest = pending_deadlines(player.pk for player in chunk)
        for player in chunk:
            player.fetch_deadline = earliest.get(player.pk)
        players_reschedule(chunk, also=["fetch_deadline"])
