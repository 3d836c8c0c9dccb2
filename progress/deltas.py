"""Each player's gains per period, kept in a table so that a leaderboard reads its
top rows instead of two records per player.

The rule. For each player and period (`api.params.PERIODS`) a `DeltaWindow`
names the two records the board compares, as the boards always have (docs/api.md,
"Leaderboards"): the end is the player's latest record; the start is their latest
record at or before `now - period`, or, for a player first seen since, their
first record. Its `Delta` rows are `progress.gains.gain_of` from start to end for
every board metric that gained (above 0).

Those records change at two kinds of moment, and a window is exact until the
first of them, `valid_until`:
- a new record. The receiver of `players.signals.record_written` marks the
  players' windows expired (one statement per batch: the recording path
  computes nothing);
- the window's start passing the record after its start record, which becomes
  the start. A window stores that moment (the next record's `fetched_at` plus
  the period), so a player who stopped playing falls off the board when their
  gains leave the period, with no record written. A window whose start is its
  end (the player has no record since the period start, or just one) waits for
  the next record: `valid_until` is null.

Expired windows (`valid_until <= now`) are refreshed from the records by whoever
needs them first: a leaderboard, before it reads, those of its period (the few
since the last beat tick); the beat (`progress.tasks.refresh_deltas`), all of
them. A board therefore always shows what the rules compute from the records at
the moment it is read. The beat also expires the windows that lag their
player's latest record (a `record_written` lost with a process killed between
the commit and the signal) and creates the missing ones. A window never built
(every player's, right after the migration that added the table) has no records
and is expired; `manage.py rebuild_deltas` builds them all at once
(docs/operations.md, "Leaderboards").
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery

from api.params import PERIODS
from hiscores import catalogue
from players.models import Player
from players.records import HiscoreRecord

from .board_stamps import gains_changed
from .bulk import insert_rows
from .gains import ABSENT, Gain, gain_of
from .models import Delta, DeltaWindow
from .rebuildable import commit_without_waiting_for_the_disk
from .states import STATE_FIELDS, State, state_of

# What an expired mark stores: in the past on every host's clock.
EXPIRED = datetime(1970, 1, 1, tzinfo=UTC)
# Players refreshed in one transaction: their windows stay locked meanwhile.
CHUNK = 200
# Windows marked expired per statement (the beat may mark every player's).
EXPIRE_CHUNK = 1_000

_SECTIONS = (
    ("skills", catalogue.SKILL_SLUGS),
    ("bosses", catalogue.BOSS_SLUGS),
    ("activities", catalogue.ACTIVITY_SLUGS),
)

Moved = tuple[Gain, int | None, int | None]


def gains_between(start: State, end: State) -> dict[str, Moved]:
    """Every board metric gained (above 0) from `start` to `end`: its gain and its
    values at both ends (None: unranked or absent)."""
    out: dict[str, Moved] = {}
    overall = gain_of(start, end, "overall")
    if overall.value > 0:
        out["overall"] = (overall, start.overall_experience, end.overall_experience)
    for section, slugs in _SECTIONS:
        values0, values1 = getattr(start, section), getattr(end, section)
        for slug in slugs:
            v0, v1 = values0.get(slug, ABSENT), values1.get(slug, ABSENT)
            if v0 == v1:
                continue  # the same value, or the same absence, gains nothing
            gain = gain_of(start, end, slug)
            if gain.value > 0:
                out[slug] = (gain, _value(v0), _value(v1))
    return out


def _value(value: Any) -> int | None:
    return value if isinstance(value, int) else None


def expire(player_ids: Iterable[int]) -> None:
    """Mark the players' windows expired, creating the missing ones: one statement."""
    ids = sorted(set(player_ids))
    if not ids:
        return
    # Rows in the order `refresh` locks them, so the two never wait on each other in a cycle.
    rows = [(pid, period) for pid in ids for period in sorted(PERIODS)]
    # Written as SQL, which both databases speak alike: a batch's model instances
    # and their compiled fields cost more than the statement.
    table = connection.ops.quote_name(DeltaWindow._meta.db_table)
    expired = connection.ops.adapt_datetimefield_value(EXPIRED)
    with transaction.atomic(), connection.cursor() as cursor:
        # Lost to a crash, the windows are expired by the beat (`expire_lagging`).
        commit_without_waiting_for_the_disk()
        gains_changed()
        for first in range(0, len(rows), EXPIRE_CHUNK):
            chunk = rows[first : first + EXPIRE_CHUNK]
            values = ", ".join(["(%s, %s, NULL, NULL, %s)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} (player_id, period, start_record_id, end_record_id,"
                f" valid_until) VALUES {values}"
                " ON CONFLICT (player_id, period) DO UPDATE SET valid_until = EXCLUDED.valid_until",
                [value for pid, period in chunk for value in (pid, period, expired)],
            )


def on_record_written(sender: Any, records: Iterable[HiscoreRecord], **kwargs: Any) -> None:
    """The receiver of `players.signals.record_written` (connected in progress.apps)."""
    expire(record.player_id for record in records)


def expired_players(
    now: datetime, *, period: str | None = None, limit: int | None = None
) -> list[int]:
    """Players with a window expired at `now` (of `period`, when given), at most `limit`."""
    windows = DeltaWindow.objects.expired(now)
    if period is not None:
        windows = windows.filter(period=period)
    ids = windows.values_list("player_id", flat=True)
    if limit is not None:
        # A player's windows mostly expire together: enough of them for `limit` players.
        ids = ids[: limit * len(PERIODS)]
    return list(dict.fromkeys(ids))[:limit]


def expire_lagging() -> int:
    """Expire the windows of players whose latest record is not the one their
    windows end at, or who miss a window: what a lost `record_written` leaves.
    Returns how many players."""
    lagging = set(
        DeltaWindow.objects.exclude(valid_until=EXPIRED)
        .filter(~Q(end_record=F("player__latest_record")) | Q(end_record__isnull=True))
        .values_list("player_id", flat=True)
    )
    missing = set(
        Player.objects.filter(latest_record__isnull=False)
        .annotate(windows=Count("delta_windows"))
        .filter(windows__lt=len(PERIODS))
        .values_list("pk", flat=True)
    )
    expire(lagging | missing)
    return len(lagging | missing)


def refresh(
    player_ids: Iterable[int],
    *,
    now: datetime,
    expired_only: bool = True,
    periods: Collection[str] = tuple(PERIODS),
) -> int:
    """Recompute the players' windows of `periods` as of `now`, in one transaction
    with those windows locked; with `expired_only`, only players holding an
    expired one. Returns how many players were refreshed."""
    ids = sorted(set(player_ids))
    if not ids:
        return 0
    with transaction.atomic():
        # A refresh lost to a crash leaves its windows expired: refreshed again.
        commit_without_waiting_for_the_disk()
        gains_changed()
        # Locked in one order by everyone, and the records read only after: a
        # refresh that waited on another sees what that one saw, or newer.
        locked = DeltaWindow.objects.select_for_update().filter(
            player_id__in=ids, period__in=list(periods)
        )
        windows = {
            (pid, period): (wid, until)
            for wid, pid, period, until in locked.order_by("player_id", "period").values_list(
                "id", "player_id", "period", "valid_until"
            )
        }
        if expired_only:
            ids = sorted({pid for (pid, _), (_, until) in windows.items() if _expired(until, now)})
        bounds = _bounds(ids, now, periods)
        states = _states(
            {r for b in bounds.values() for r in (b.end, *(s for s, _ in b.starts.values())) if r}
        )
        built, deltas, gone = _rebuilt(windows, bounds, states)
        Delta.objects.filter(window_id__in=[w.id for w in built]).delete()
        DeltaWindow.objects.filter(id__in=gone).delete()
        # The windows are locked and their rows deleted just above.
        insert_rows(Delta, _DELTA_COLUMNS, deltas)
        DeltaWindow.objects.bulk_create(
            built,
            update_conflicts=True,
            unique_fields=["player", "period"],
            update_fields=["start_record", "end_record", "valid_until"],
        )
    return len(bounds)


def _rebuilt(
    windows: dict[tuple[int, str], tuple[int, datetime | None]],
    bounds: dict[int, _Bounds],
    states: dict[int, State],
) -> tuple[list[DeltaWindow], list[tuple], list[int]]:
    """The windows of the players in `bounds` as they are now, their Delta rows
    (tuples of _DELTA_COLUMNS), and the ids of windows whose player has no record."""
    gained: dict[tuple[int, int], dict[str, Moved]] = {}
    built, deltas, gone = [], [], []
    for (pid, period), (wid, _) in windows.items():
        if pid not in bounds:
            continue
        end, (start, next_at) = bounds[pid].end, bounds[pid].starts[period]
        if end is None:
            gone.append(wid)
            continue
        if start != end and (start, end) not in gained:
            # Periods often compare the same two records: computed once.
            gained[start, end] = gains_between(states[start], states[end])
        built.append(
            DeltaWindow(
                id=wid,
                player_id=pid,
                period=period,
                start_record_id=start,
                end_record_id=end,
                valid_until=next_at + PERIODS[period] if next_at else None,
            )
        )
        deltas += [
            (wid, period, metric, gain.value, bounds[pid].key, v0, v1, gain.approximate)
            for metric, (gain, v0, v1) in gained.get((start, end), {}).items()
        ]
    return built, deltas, gone


_DELTA_COLUMNS = (
    "window_id",
    "period",
    "metric",
    "gained",
    "username_key",
    "start",
    "end",
    "approximate",
)


def _expired(until: datetime | None, now: datetime) -> bool:
    return until is not None and until <= now


@dataclass(frozen=True, slots=True)
class _Bounds:
    key: str  # the player's username_key
    # The latest record, or None for a player with no records left.
    end: int | None
    # By period: the start record, and when the next record after it is.
    starts: dict[str, tuple[int, datetime | None]]


def _bounds(player_ids: list[int], now: datetime, periods: Collection[str]) -> dict[int, _Bounds]:
    """Each player's start and end records, and the moment each start moves on: four
    probes on the (player, fetched_at) index per period of `periods`, in one query."""
    if not player_ids:
        return {}
    # Counted records from the latest record's table only (docs/api.md, "Game
    # modes"): a start from another table is never compared with the end.
    records = HiscoreRecord.objects.filter(
        player=OuterRef("pk"), flagged=False, game_mode=OuterRef("latest_record__game_mode")
    )
    probes = {}
    for period in periods:
        length = PERIODS[period]
        before = records.filter(fetched_at__lte=now - length).order_by("-fetched_at")
        after = records.filter(fetched_at__gt=now - length).order_by("fetched_at")
        probes |= {
            f"{period}_before": Subquery(before.values("pk")[:1]),
            f"{period}_after": Subquery(after.values("pk")[:1]),
            f"{period}_after_at": Subquery(after.values("fetched_at")[:1]),
            f"{period}_second_at": Subquery(after.values("fetched_at")[1:2]),
        }
    out = {}
    for row in Player.objects.filter(pk__in=player_ids).values(
        "pk", "username_key", "latest_record_id", **probes
    ):
        starts = {}
        for period in periods:
            if row[f"{period}_before"] is not None:
                # The state at the period start, until the period start passes the next record.
                starts[period] = (row[f"{period}_before"], row[f"{period}_after_at"])
            else:
                # First seen since: the first record, until the period start passes the second.
                starts[period] = (row[f"{period}_after"], row[f"{period}_second_at"])
        out[row["pk"]] = _Bounds(row["username_key"], row["latest_record_id"], starts)
    return out


def _states(record_ids: set[int]) -> dict[int, State]:
    records = HiscoreRecord.objects.filter(pk__in=record_ids).only(*STATE_FIELDS)
    return {record.pk: state_of(record) for record in records}


def refresh_expired(now: datetime, *, seconds: float) -> int:
    """Refresh players with an expired window, a chunk at a time, for at most about
    `seconds`. Returns how many players were refreshed."""
    deadline, done = time.monotonic() + seconds, 0
    while time.monotonic() < deadline:
        chunk = expired_players(now, limit=CHUNK)
        if not chunk:
            break
        done += refresh(chunk, now=now)
    return done
