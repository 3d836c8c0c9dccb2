"""Flags: answers held for staff, and the two ways staff resolve them
(docs/api.md, "Flags").

An answer that `players.plausibility` says no account could give after the last
counted record is stored as a flagged record, and the player gets an open
`PlayerFlag`. While the flag is open every new record is held the same way, so
the history that counts stops where the doubt began. Staff then resolve it:
- as a rollback (Jagex restored an older state): the held records count from
  now on, as they are;
- as a name transfer (another account answers for the name): every counted
  record so far moves to a new archived player, and the held records begin the
  tracked player's history afresh.

Both run in one transaction with the player locked, as `players.recording` locks
it, so a fetch in flight waits and then sees the resolved state. No record is
ever deleted or copied: each one stays in exactly one history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from .errors import FlagAlreadyResolved
from .models import (
    ARCHIVED_KEY_PREFIX,
    FlagKind,
    FlagStatus,
    GameModeChange,
    Player,
    PlayerFlag,
)
from .plausibility import Verdict, first_followed, judge, watched_values
from .records import HiscoreRecord
from .signals import history_rewritten, player_flagged, record_written

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

# How far back a flag's suggestion looks for a state the answer could follow.
HISTORY_SCANNED = 500
_VALUE_FIELDS = (
    "fetched_at",
    "last_checked_at",
    "overall_experience",
    "skills_data",
    "bosses_data",
)


# --- while recording (called by players.recording, inside its transaction) ------


def verdicts(
    candidates: dict[int, tuple[int, dict[str, Any]]], *, now: datetime
) -> dict[int, Verdict]:
    """For each player id -> (its latest counted record's id, the fields of the new
    answer), the plausibility verdict, when it flags the answer. One query."""
    if not candidates:
        return {}
    latest = HiscoreRecord.objects.only(*_VALUE_FIELDS).in_bulk(
        [record_id for record_id, _ in candidates.values()]
    )
    out: dict[int, Verdict] = {}
    for player_id, (record_id, fields) in candidates.items():
        before = latest.get(record_id)
        if before is None:
            continue
        hours = (now - before.last_checked_at).total_seconds() / 3600
        verdict = judge(_values(before), watched_values(fields), hours=hours)
        if verdict.flagged:
            out[player_id] = verdict
    return out


def flags_open(held: list[tuple[HiscoreRecord, Verdict]], *, now: datetime) -> list[PlayerFlag]:
    """Open a flag for each (first held record, verdict), with the suggestion staff
    see first, and send `player_flagged` for each once the transaction commits."""
    flags = [
        PlayerFlag(
            player_id=record.player_id,
            record=record,
            kind=kind,
            evidence=evidence,
            created_at=now,
        )
        for record, verdict in held
        for kind, evidence in [_suggestion(record, verdict)]
    ]
    PlayerFlag.objects.bulk_create(flags)
    for flag in flags:
        transaction.on_commit(
            partial(player_flagged.send, sender=PlayerFlag, player=flag.player, flag=flag),
            robust=True,
        )
    return flags


def _suggestion(record: HiscoreRecord, verdict: Verdict) -> tuple[str, dict[str, Any]]:
    """Rollback when nothing gained impossibly and the answer either only fell or
    could follow an earlier counted state (docs/api.md, "Flags"); otherwise a
    name transfer."""
    earlier = list(
        HiscoreRecord.objects.for_player(record.player_id)
        .filter(fetched_at__lt=record.fetched_at)
        .order_by("-fetched_at")
        .only(*_VALUE_FIELDS)[:HISTORY_SCANNED]
    )
    state = watched_values(_fields(record))
    index = first_followed(state, [_values(r) for r in earlier])
    follows = None if index is None else earlier[index].fetched_at.isoformat()
    only_fell = not verdict.rises
    same_account = index is not None or only_fell
    kind = FlagKind.ROLLBACK if same_account and not verdict.impossible else FlagKind.NAME_TRANSFER
    return kind, {
        **verdict.evidence(),
        "record_at": record.fetched_at.isoformat(),
        "could_follow_record_at": follows,
    }


def _values(record: HiscoreRecord) -> dict[str, int]:
    return watched_values(_fields(record))


def _fields(record: HiscoreRecord) -> dict[str, Any]:
    return {
        "overall_experience": record.overall_experience,
        "skills_data": record.skills_data,
        "bosses_data": record.bosses_data,
    }


def newest_held(player_ids: list[int]) -> dict[int, tuple[int, str]]:
    """The newest held record's (id, digest) for each player with an open flag:
    what a new answer is compared with, so an unchanged one writes nothing twice.
    One probe per player, and only flagged players have one."""
    out: dict[int, tuple[int, str]] = {}
    for player_id in player_ids:
        newest = (
            HiscoreRecord.objects.filter(player_id=player_id, flagged=True)
            .order_by("-fetched_at")
            .values_list("pk", "values_digest")
            .first()
        )
        if newest is not None:
            out[player_id] = newest
    return out


# --- resolving (staff, through the admin) -------------------------------------


@dataclass(frozen=True, slots=True)
class Preview:
    """What each resolution would do, in numbers staff can check."""

    counted: int  # records that count now
    held: int  # records the flag holds
    counted_first: datetime | None
    counted_last: datetime | None

    def rollback(self) -> str:
        return (
            f"Accept and continue: the {self.held} held record(s) count from now on, after "
            f"the {self.counted} record(s) already counted. Nothing moves; the fall shows "
            "as a rollback in the progress views."
        )

    def name_transfer(self, username: str) -> str:
        if not self.counted:
            return (
                f"No counted record to archive: the {self.held} held record(s) start the history."
            )
        span = f"{self.counted_first:%Y-%m-%d %H:%M} to {self.counted_last:%Y-%m-%d %H:%M}"
        return (
            f"Archive the old account: its {self.counted} record(s) ({span}) move to a new "
            f"archived, read-only player named {username}; {username} keeps only the "
            f"{self.held} held record(s), which start its history afresh."
        )


def flag_preview(*, flag: PlayerFlag) -> Preview:
    counted = HiscoreRecord.objects.for_player(flag.player_id)
    span = counted.order_by("fetched_at").values_list("fetched_at", flat=True)
    return Preview(
        counted=counted.count(),
        held=HiscoreRecord.objects.filter(player_id=flag.player_id, flagged=True).count(),
        counted_first=span.first(),
        counted_last=span.last(),
    )


def flag_resolve_rollback(
    *, flag: PlayerFlag, resolved_by: AbstractBaseUser | None = None
) -> PlayerFlag:
    """Accept the held records as the same account's: they count from now on."""
    with transaction.atomic():
        player, flag = _locked_open(flag)
        _release_held(player)
        _resolve(flag, FlagKind.ROLLBACK, resolved_by)
    return flag


def flag_resolve_name_transfer(
    *, flag: PlayerFlag, resolved_by: AbstractBaseUser | None = None
) -> PlayerFlag:
    """Archive every counted record under a new archived player, then let the held
    records (the new account's) start the tracked player's history."""
    with transaction.atomic():
        player, flag = _locked_open(flag)
        now = timezone.now()
        archived = Player.objects.create(
            username=player.username,
            username_key=f"{ARCHIVED_KEY_PREFIX}{flag.pk}",
            game_mode=player.game_mode,
            is_active=False,
            archived=True,
            next_fetch_at=now,
            fetch_interval_minutes=player.fetch_interval_minutes,
        )
        HiscoreRecord.objects.filter(player=player, flagged=False).update(player=archived)
        # Game-mode changes found before the flag were the old account's.
        GameModeChange.objects.filter(player=player, changed_before__lte=flag.created_at).update(
            player=archived
        )
        # The new account's mode is not known yet: the collector asks again.
        player.modes_checked_at = None
        player.latest_record = None
        player.save(update_fields=["modes_checked_at", "latest_record"])
        # Before the held records are announced: what was built from the old
        # history is forgotten first, then the new account's records fold in.
        transaction.on_commit(
            partial(history_rewritten.send, sender=Player, player_ids=[player.pk, archived.pk]),
            robust=True,
        )
        _release_held(player)
        flag.archived_player = archived
        _resolve(flag, FlagKind.NAME_TRANSFER, resolved_by)
    return flag


def _locked_open(flag: PlayerFlag) -> tuple[Player, PlayerFlag]:
    """The flag's player locked (the recording lock), and the flag read again under
    it: two staff resolving at once, the second finds it resolved."""
    player = Player.objects.select_for_update().get(pk=flag.player_id)
    flag = PlayerFlag.objects.select_for_update().get(pk=flag.pk)
    if flag.status != FlagStatus.OPEN:
        raise FlagAlreadyResolved(details={"flag": flag.pk, "resolution": flag.resolution})
    return player, flag


def _release_held(player: Player) -> list[HiscoreRecord]:
    """Count the player's held records from now on, and point the player at its
    latest counted record. Receivers of `record_written` (gains tables,
    achievements) see the released records once the transaction commits."""
    held = list(HiscoreRecord.objects.filter(player=player, flagged=True).order_by("fetched_at"))
    if held:
        HiscoreRecord.objects.filter(pk__in=[r.pk for r in held]).update(flagged=False)
        for record in held:
            record.flagged = False
    player.latest_record = HiscoreRecord.objects.latest_for(player.pk)
    player.save(update_fields=["latest_record"])
    # Sent even with nothing released: the records a window compared may have moved.
    records = held or ([player.latest_record] if player.latest_record else [])
    if records:
        transaction.on_commit(
            partial(record_written.send, sender=HiscoreRecord, records=records), robust=True
        )
    return held


def _resolve(flag: PlayerFlag, resolution: str, resolved_by: AbstractBaseUser | None) -> None:
    flag.status = FlagStatus.RESOLVED
    flag.resolution = resolution
    flag.resolved_at = timezone.now()
    flag.resolved_by = resolved_by
    flag.save(
        update_fields=["status", "resolution", "resolved_at", "resolved_by", "archived_player"]
    )
