"""The records' table as stored (docs/architecture.md, "Records", *Storage*): each
player's cursor (`BestCursor`: every record fetched at or before `through_at`
is folded in) and their rows (`BestGain`), read and written in a few statements
for a whole batch. What goes into the rows is `progress.bests_table`'s.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import F, OuterRef, Subquery

from players.models import Player

from .bests import Best, Bests
from .board_stamps import records_changed
from .models import BestCursor, BestGain


def locked_cursors(player_ids: list[int]) -> dict[int, tuple[datetime | None, str]]:
    return {
        player_id: (through, key)
        for player_id, through, key in BestCursor.objects.select_for_update(of=("self",))
        .filter(pk__in=player_ids)
        .order_by("pk")
        .values_list("player_id", "through_at", "player__username_key")
    }


def create_cursors(player_ids: list[int]) -> None:
    """An empty cursor (nothing folded in) for each of the players still stored:
    one statement, leaving a cursor made meanwhile as it is."""
    cursors = connection.ops.quote_name(BestCursor._meta.db_table)
    players = connection.ops.quote_name(Player._meta.db_table)
    marks = ", ".join(["%s"] * len(player_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {cursors} (player_id, through_at) SELECT id, NULL FROM {players}"
            f" WHERE id IN ({marks}) ON CONFLICT (player_id) DO NOTHING",
            player_ids,
        )


def move_cursors(through: dict[int, datetime]) -> None:
    """Set the (locked) cursors' `through_at`: one statement."""
    table = connection.ops.quote_name(BestCursor._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    values = ", ".join(["(%s, %s)"] * len(through))
    params = [value for pid, at in sorted(through.items()) for value in (pid, adapt(at))]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (player_id, through_at) VALUES {values}"
            " ON CONFLICT (player_id) DO UPDATE SET through_at = EXCLUDED.through_at",
            params,
        )


def stored_many(found: dict[int, tuple[Bests, Any]]) -> dict[int, Bests]:
    """The stored rows the candidates could replace, for every player in one query."""
    metrics = {metric for candidates, _ in found.values() for metric, _ in candidates}
    players = [player_id for player_id, (candidates, _) in found.items() if candidates]
    if not players:
        return {}
    rows = BestGain.objects.filter(player_id__in=players, metric__in=metrics).values_list(
        "player_id", "metric", "period", "value", "approximate", "start_at", "end_at"
    )
    out: dict[int, Bests] = {}
    for player_id, metric, period, *rest in rows:
        out.setdefault(player_id, {})[metric, period] = Best(*rest)
    return out


def stored(player_id: int) -> Bests:
    rows = BestGain.objects.filter(player_id=player_id).values_list(
        "metric", "period", "value", "approximate", "start_at", "end_at"
    )
    return {(metric, period): Best(*rest) for metric, period, *rest in rows}


# A row as `upsert` writes it: player id, metric, period, then these.
_ROW_COLUMNS = ("player_id", "metric", "period", "value", "approximate", "start_at", "end_at")
# Rows per statement: short enough for the driver to keep the statement parsed
# (psycopg keeps statements up to 4 KB), so a rebuild's thousands of rows go as
# one statement repeated with the parameters of each hundred.
UPSERT_CHUNK = 100


def clear(player_id: int) -> None:
    """Delete the player's rows, before their history is folded in afresh."""
    records_changed()
    BestGain.objects.filter(player_id=player_id).delete()


def rows_of(player_id: int, key: str, bests: Bests) -> list[tuple]:
    return [
        (player_id, metric, period, b.value, b.approximate, b.start_at, b.end_at, key)
        for (metric, period), b in bests.items()
    ]


def upsert(rows: list[tuple]) -> None:
    """Insert the rows, or update the figures of the ones stored, UPSERT_CHUNK rows
    a statement. Written as SQL, which both databases speak alike: a
    record beats its player's bests in a hundred metrics and periods at a time,
    and building that many model instances and compiling their fields cost more
    than the database's work (bench.progress, part (e))."""
    if not rows:
        return
    records_changed()
    table = connection.ops.quote_name(BestGain._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    columns = ", ".join((*_ROW_COLUMNS, "username_key"))
    updated = ", ".join(f"{name} = EXCLUDED.{name}" for name in _ROW_COLUMNS[3:])

    def statement(count: int) -> str:
        placeholders = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * count)
        return (
            f"INSERT INTO {table} ({columns}) VALUES {placeholders}"
            f" ON CONFLICT (player_id, metric, period) DO UPDATE SET {updated}"
        )

    params = [[*row[:5], adapt(row[5]), adapt(row[6]), row[7]] for row in rows]
    chunks = [
        [value for row in params[first : first + UPSERT_CHUNK] for value in row]
        for first in range(0, len(params), UPSERT_CHUNK)
    ]
    full = [chunk for chunk in chunks if len(chunk) == UPSERT_CHUNK * 8]
    with connection.cursor() as cursor:
        if full:
            cursor.executemany(statement(UPSERT_CHUNK), full)
        if len(full) < len(chunks):
            cursor.execute(statement(len(chunks[-1]) // 8), chunks[-1])


def _lagging():
    current = BestCursor.objects.filter(
        player__latest_record__fetched_at__lte=F("through_at")
    ).values("player_id")
    return Player.objects.filter(latest_record__isnull=False).exclude(pk__in=current)


def lagging_players() -> list[int]:
    """Players with a record not folded in yet: no cursor, or one behind their
    latest record (what a lost `record_written` leaves, or the upgrade that added
    the table)."""
    return list(_lagging().order_by("pk").values_list("pk", flat=True))


def is_lagging(player_id: int) -> bool:
    """`lagging_players()` for one player, reading their row and cursor alone (the
    set-wide form reads every cursor)."""
    through = BestCursor.objects.filter(pk=OuterRef("pk")).values("through_at")[:1]
    row = (
        Player.objects.filter(pk=player_id, latest_record__isnull=False)
        .values_list("latest_record__fetched_at", Subquery(through))
        .first()
    )
    if row is None:
        return False
    latest, folded = row
    return folded is None or folded < latest
