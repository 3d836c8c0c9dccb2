"""Game-mode changes: when the collector asks every table again, and how a change
it finds is recorded (docs/api.md, "Game modes"; the detection rules are
docs/hiscores.md, "Game modes").

An ironman is read from their own table. When they de-iron, or a hardcore dies,
or an ultimate loses the status, that table freezes (or stops listing them) while
another one moves on, and reading it alone would show an idle account forever.
So the collector asks all the tables again (`hiscores.gateway.detect_mode`, two
to four requests instead of one) when an ironman's table has not changed for
IDLE_BEFORE_RECHECK, or answers 404; at most once per RECHECK_EVERY per player.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from django.db import transaction

from hiscores.modes import GameMode

from .models import GameModeChange, GameModeKind, Player
from .records import HiscoreRecord
from .signals import game_mode_changed

RECHECK_EVERY = timedelta(days=7)
IDLE_BEFORE_RECHECK = timedelta(days=3)
# The modes whose own table can freeze while the account plays on.
LAPSING_MODES = frozenset({GameMode.IRONMAN, GameMode.HARDCORE, GameMode.ULTIMATE})


def recheck_due(player: Player, *, now: datetime, not_found: bool = False) -> bool:
    """Whether this fetch of `player` should ask every table which mode it plays."""
    if player.game_mode not in LAPSING_MODES:
        return False
    if player.modes_checked_at is not None and now - player.modes_checked_at < RECHECK_EVERY:
        return False
    if not_found:
        return True
    return (
        player.last_changed_at is not None and now - player.last_changed_at >= IDLE_BEFORE_RECHECK
    )


def kind_of(from_mode: str, to_mode: str) -> GameModeKind:
    if to_mode == GameMode.REGULAR and from_mode in LAPSING_MODES:
        return GameModeKind.DEIRONED
    if (from_mode, to_mode) == (GameMode.HARDCORE, GameMode.IRONMAN):
        return GameModeKind.HARDCORE_DEATH
    if (from_mode, to_mode) == (GameMode.ULTIMATE, GameMode.IRONMAN):
        return GameModeKind.ULTIMATE_LOST
    return GameModeKind.OTHER


def change_record(*, player_id: int, from_mode: str, to_mode: str, now: datetime) -> GameModeChange:
    """Record a change found at `now`, inside the recording transaction (the player
    is locked), and send `game_mode_changed` once it commits.

    The change happened after the account last moved on its old table: the last
    counted record from that table shows its final values, first seen at its
    `fetched_at`, so they were reached after the record before it was last
    confirmed (`changed_after`; null with fewer than two such records). It
    happened before `now`, when the other table answered for the account.
    """
    old_records = HiscoreRecord.objects.for_player(player_id).filter(game_mode=from_mode)
    before_last = old_records.order_by("-fetched_at").values_list("last_checked_at", flat=True)
    changed_after = next(iter(before_last[1:2]), None)
    change = GameModeChange.objects.create(
        player_id=player_id,
        from_mode=from_mode,
        to_mode=to_mode,
        kind=kind_of(from_mode, to_mode),
        changed_after=changed_after,
        changed_before=now,
        recorded_at=now,
    )
    transaction.on_commit(
        partial(game_mode_changed.send, sender=GameModeChange, player=change.player, change=change),
        robust=True,
    )
    return change
