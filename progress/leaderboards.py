"""Top gainers of one metric over a period, among every tracked player: the top
rows of the maintained deltas (`progress.deltas`), one index read.

Before reading, a board refreshes the expired windows of its period itself while
they are few (`READ_REFRESH_LIMIT`: the players written since the beat's last
tick, and the windows that slid meanwhile), so it shows what the gain rules
compute from the records at the moment it is read. More than that means the
table is being built (after the upgrade that added it) or the beat is far
behind: the board says so (503 `leaderboards_building`) rather than show rows it
cannot vouch for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hiscores import catalogue

from .deltas import expired_players, refresh
from .errors import LeaderboardsBuilding
from .models import Delta

# About a second of refreshing, at worst, before a read.
READ_REFRESH_LIMIT = 500


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


def leaderboard(*, metric: str, period: str, now: datetime, limit: int) -> list[Entry]:
    """The `limit` players who gained most of `metric` over `period` (a name in
    `api.params.PERIODS`) up to `now`; ties by name."""
    expired = expired_players(now, period=period, limit=READ_REFRESH_LIMIT + 1)
    if len(expired) > READ_REFRESH_LIMIT:
        raise LeaderboardsBuilding(details={"period": period})
    refresh(expired, now=now)
    rows = (
        Delta.objects.filter(period=period, metric=metric)
        # Ties by name, in code-point order as Python sorts: the index's own order.
        .order_by("-gained", "username_key")
        .values_list(
            "window__player__username",
            "username_key",
            "gained",
            "start",
            "end",
            "approximate",
        )[:limit]
    )
    return [Entry(*row) for row in rows]
