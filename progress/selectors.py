"""The queries behind the history endpoints. Each state is one probe on the
(player, fetched_at) index; the timeline is the only range read, and it is
bounded and reads one JSON key, not whole rows."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import KeyTransform

from players.errors import NoRecords
from players.models import Player
from players.records import HiscoreRecord

from .states import Baseline
from .timeframes import Window

TIMELINE_POINTS = 200


@dataclass(frozen=True, slots=True)
class RecordPair:
    start: HiscoreRecord
    end: HiscoreRecord
    baseline: Baseline


def window_records(player: Player, window: Window) -> RecordPair:
    """The records a window compares: the state at its start (or the first record
    inside it, for a player first seen there) and the state at its end, both
    from the end record's table. Only counted records take part (a flagged one is
    held for staff)."""
    end = HiscoreRecord.objects.as_of(player.id, window.end)
    if end is None:
        raise NoRecords(
            "This player has no hiscores record at or before the end of the window.",
            details={"username": player.username, "end": window.end.isoformat()},
        )
    start, baseline = start_record(player.id, window.start, game_mode=end.game_mode)
    return RecordPair(start or end, end, baseline)


def start_record(
    player_id: int, moment: datetime, *, game_mode: str
) -> tuple[HiscoreRecord | None, Baseline]:
    """The state at `moment`, or the first record after it for a player first seen
    later, from `game_mode`'s table: records from two tables are never compared.
    When the state at `moment` came from another table, the baseline says
    MODE_CHANGED and `game_mode`'s own state at `moment` (or first record after
    it) stands in."""
    record, baseline = _state_or_first(HiscoreRecord.objects.for_player(player_id), moment)
    if record is None or record.game_mode == game_mode:
        return record, baseline
    same_table = HiscoreRecord.objects.for_player(player_id).filter(game_mode=game_mode)
    return _state_or_first(same_table, moment)[0], Baseline.MODE_CHANGED


def _state_or_first(records, moment: datetime) -> tuple[HiscoreRecord | None, Baseline]:
    record = records.filter(fetched_at__lte=moment).order_by("-fetched_at").first()
    if record is not None:
        return record, Baseline.AT_START
    return records.filter(fetched_at__gt=moment).order_by(
        "fetched_at"
    ).first(), Baseline.FIRST_RECORD


def timeline(
    player_id: int,
    window: Window,
    *,
    column: str,
    key: str,
    points: int = TIMELINE_POINTS,
    last_at: datetime | None = None,
) -> list[tuple[datetime, Any]]:
    """(fetched_at, JSON value of `column`[`key`]) for the records inside the window
    (after its start, up to its end), at most `points` of them.

    A window holding more records is sampled: its first record, then at moments
    evenly spread from there to its end, the record standing then (one index
    probe each), so the cost depends on `points`, never on how many records the
    window holds. The last moment is `last_at` (when the latest record in the
    window was written, if the caller knows it) or the window's end: the latest
    record is always kept.
    """
    inside = HiscoreRecord.objects.for_player(player_id).filter(
        fetched_at__gt=window.start, fetched_at__lte=window.end
    )
    rows = list(
        inside.order_by("fetched_at")
        .annotate(value=KeyTransform(key, column))
        .values_list("fetched_at", "value")[: points + 1]
    )
    if len(rows) <= points:
        return rows
    first_at = rows[0][0]
    moments = [first_at, *_spread(first_at, last_at or window.end, points - 1)]
    return list(
        inside.filter(fetched_at__in=_standing(player_id, window.start, moments))
        .order_by("fetched_at")
        .annotate(value=KeyTransform(key, column))
        .values_list("fetched_at", "value")
    )


def _standing(player_id: int, after: datetime, moments: list[datetime]) -> RawSQL:
    """For each moment, when the record standing then (and after `after`) was
    written: one backward probe on the (player, fetched_at) index per moment, all
    in one small statement (the moments travel as one array parameter)."""
    adapt = connection.ops.adapt_datetimefield_value
    records = HiscoreRecord._meta.db_table
    player = HiscoreRecord._meta.get_field("player").column
    probe = (
        f"SELECT x.fetched_at FROM {records} x"
        f" WHERE x.{player} = %s AND NOT x.flagged"
        " AND x.fetched_at > %s AND x.fetched_at <= m.moment"
        " ORDER BY x.fetched_at DESC LIMIT 1"
    )
    if connection.vendor == "postgresql":
        # OFFSET 0 keeps the probes in their own step: inlined, the planner would
        # run each one twice (once to hash the list, once in the index condition).
        sql = (
            f"SELECT at FROM (SELECT ({probe}) AS at"
            " FROM unnest(%s::timestamptz[]) AS m(moment) OFFSET 0) t"
        )
        listed: Any = moments
    else:
        sql = f"SELECT ({probe}) FROM (SELECT value AS moment FROM json_each(%s)) AS m"
        listed = json.dumps([adapt(moment) for moment in moments])
    return RawSQL(sql, (player_id, adapt(after), listed))


def _spread(start: datetime, end: datetime, count: int) -> list[datetime]:
    """`count` moments after `start`, evenly spaced, the last one `end`."""
    step = (end - start) / count
    # The last is `end` itself: the step is rounded to microseconds.
    return [start + step * (i + 1) for i in range(count - 1)] + [end]
