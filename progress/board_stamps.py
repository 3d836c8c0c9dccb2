"""What a board's kept answer depends on, for `api.conditional` ("stamped_by";
docs/api.md, "Conditional requests").

A board names many players, so it depends on their names (the stamp every
player shares, `players.conditional`) and on its own table: the gains boards on
the deltas (`progress.deltas`), the records boards on the records' table
(`progress.bests_store`). Each table's writes replace its stamp, in the
transaction that writes and again after its commit; a kept board is served
while both stamps stand, without a query. The gains boards also change with
time alone, when a window's gains leave the period: their version says when
(`progress.leaderboards`).
"""

from __future__ import annotations

from api.conditional import restamp
from players.conditional import EVERY_PLAYER_STAMP

_GAINS = "stamp:boards:gains"
_RECORDS = "stamp:boards:records"


def gains_changed() -> None:
    """Inside a transaction that writes deltas or their windows."""
    restamp([_GAINS])


def records_changed() -> None:
    """Inside a transaction that writes the records' table."""
    restamp([_RECORDS])


def gains_board_stamps(**_) -> list[str]:
    return [EVERY_PLAYER_STAMP, _GAINS]


def records_board_stamps(**_) -> list[str]:
    return [EVERY_PLAYER_STAMP, _RECORDS]
