"""Top gainers of one metric over a period, among every tracked player.

`leaderboard_sql.ranking_query` ranks them all in one query by the rules of
`progress.gains`. Two cases it leaves to Python (`gains.gain_of`): a skill
unranked at the start (its hidden experience may be inferred from Overall) and
an unknown Overall total (the skills add up to it). SQL counts them 0 and gives
an upper bound; only rows whose bound could reach the table come back, and only
their records are loaded and computed in full.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection

from hiscores import catalogue
from hiscores.models import HiscoreRecord

from .gains import gain_of
from .leaderboard_sql import ranking_query
from .states import state_of


@dataclass(frozen=True, slots=True)
class Entry:
    username: str
    username_key: str
    gained: int
    start: int | None
    end: int | None
    approximate: bool


def metric_slugs() -> list[str]:
    return ["overall", *catalogue.SKILL_SLUGS, *catalogue.BOSS_SLUGS, *catalogue.ACTIVITY_SLUGS]


def _refined(rows: list[dict[str, Any]], metric: str) -> dict[int, tuple[int, bool]]:
    """(gained, approximate) by the full Python rules for rows SQL could not decide."""
    ids = {row[k] for row in rows for k in ("start_id", "end_id")}
    if not ids:
        return {}
    records = {
        r.id: state_of(r, sections=("skills",))
        for r in HiscoreRecord.objects.filter(id__in=ids).only(
            "fetched_at", "overall_experience", "overall_level", "skills_data"
        )
    }
    out = {}
    for row in rows:
        gain = gain_of(records[row["start_id"]], records[row["end_id"]], metric)
        out[row["player_id"]] = (gain.value, gain.approximate)
    return out


def leaderboard(*, metric: str, start: datetime, limit: int) -> list[Entry]:
    """The `limit` players who gained most of `metric` since `start` (gain > 0)."""
    sql, params = ranking_query(metric, start, limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [c[0] for c in cursor.description]
        rows = [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]
    refined = _refined([row for row in rows if row["refine"]], metric)
    entries = []
    for row in rows:
        gained, approximate = refined.get(row["player_id"], (row["gained"], row["approximate"]))
        entries.append(
            Entry(
                username=row["username"],
                username_key=row["username_key"],
                gained=int(gained),
                start=row["v0"],
                end=row["v1"],
                approximate=bool(approximate),
            )
        )
    entries.sort(key=lambda entry: (-entry.gained, entry.username_key))
    return [entry for entry in entries if entry.gained > 0][:limit]
