"""Top gainers of one metric over a period, among every tracked player: the top
rows of the maintained deltas (`progress.deltas`), one index read.

Before reading, a board refreshes the expired windows of its period itself while
they are few (`READ_REFRESH_LIMIT`: the players written since the beat's last
tick, and the windows that slid meanwhile), so it shows what the gain rules
compute from the records at the moment it is read. More than that means the
table is being built (after the upgrade that added it) or the beat is far
behind: the board says so (503 `leaderboards_building`) rather than show rows it
cannot vouch for.

Whether any window of the period has expired comes with the page, in the same
statement: a board read is one query while nothing has expired, as it is most of
the time. That page is also the board's version for a conditional read
(`progress.views`): the rows, with their players' names, are the whole body.
The same statement says when the period's next window slides (`Board.until`):
until then only a write of the deltas, or of a name, can change the page
(`progress.board_stamps`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Exists, Subquery

from hiscores import catalogue

from .compiled import CompiledQuery
from .deltas import expired_players, refresh
from .errors import LeaderboardsBuilding
from .models import Delta, DeltaWindow

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


@dataclass(frozen=True, slots=True)
class Board:
    entries: list[Entry]
    # When the period's next window slides, changing gains with no record
    # written (None: no window will before a record).
    until: datetime | None


def leaderboard(*, metric: str, period: str, now: datetime, limit: int) -> Board:
    """The `limit` players who gained most of `metric` over `period` (a name in
    `api.params.PERIODS`) up to `now`; ties by name."""
    rows, expired, until = _page(metric, period, now, limit)
    if expired:
        players = expired_players(now, period=period, limit=READ_REFRESH_LIMIT + 1)
        if len(players) > READ_REFRESH_LIMIT:
            raise LeaderboardsBuilding(details={"period": period})
        refresh(players, now=now, periods=[period])
        rows, _, until = _page(metric, period, now, limit)
    return Board([Entry(*row) for row in rows], until)


def _page(
    metric: str, period: str, now: datetime, limit: int
) -> tuple[list[tuple], bool, datetime | None]:
    """The board's top `limit` rows as they are stored, whether a window of the
    period has expired at `now` (then the rows may be out of date), and when the
    next one will."""
    rows = _compiled(limit).rows({_PERIOD: period, _METRIC: metric, _NOW: now})
    if not rows:
        # No row to carry the flags: an empty board asks on its own.
        expired = bool(expired_players(now, period=period, limit=1))
        return rows, expired, _next_slide(period, now).first()
    return [row[:-2] for row in rows], rows[0][-2], rows[0][-1]


def _next_slide(period: str, now: datetime):
    """The earliest `valid_until` after `now` among the period's windows."""
    later = DeltaWindow.objects.filter(period=period, valid_until__gt=now)
    return later.order_by("valid_until").values_list("valid_until", flat=True)[:1]


# Stand for the values in the compiled query (`progress.compiled`).
_PERIOD, _METRIC = "\x00period", "\x00metric"
_NOW = datetime(2000, 1, 1, 0, 0, 0, 1, tzinfo=UTC)


@functools.lru_cache(maxsize=128)
def _compiled(limit: int) -> CompiledQuery:
    expired = DeltaWindow.objects.expired(_NOW).filter(period=_PERIOD)
    return CompiledQuery(
        Delta.objects.filter(period=_PERIOD, metric=_METRIC)
        # Ties by name, in code-point order as Python sorts: the index's own order.
        .order_by("-gained", "username_key")
        .values_list(
            "window__player__username",
            "username_key",
            "gained",
            "start",
            "end",
            "approximate",
            Exists(expired),
            Subquery(_next_slide(_PERIOD, _NOW)),
        )[:limit]
    )


def page_token(board: Board) -> str:
    """A board page as a version token (`api.conditional`): every field it shows."""
    return repr([(e.username, e.gained, e.start, e.end, e.approximate) for e in board.entries])
