"""Which game mode an account plays, from which hiscores tables know it.

The response never says; docs/hiscores.md ("Game modes") gives the rules: every account
is on the regular table, an ironman also on the ironman table, a hardcore or
ultimate also on its own. Frozen XP on a table tells a lapsed mode: a dead
hardcore's hardcore XP stops while the ironman XP grows, and so on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from .errors import PlayerNotFound
from .modes import GameMode
from .snapshot import Snapshot

Fetch = Callable[[str, GameMode], Snapshot]


class Detection(NamedTuple):
    """The mode settled on, and that mode's table as it was asked: the caller has
    the account's stats without asking that table again."""

    mode: GameMode
    snapshot: Snapshot


def _experience(snapshot: Snapshot) -> int | None:
    return snapshot.overall.experience if snapshot.overall else None


def _behind(table: Snapshot, ironman: Snapshot) -> bool:
    """True when `table`'s overall XP stopped below the ironman table's.

    Unknown XP proves nothing, so it never demotes an account.
    """
    table_xp, ironman_xp = _experience(table), _experience(ironman)
    return table_xp is not None and ironman_xp is not None and table_xp < ironman_xp


def _on_table(username: str, mode: GameMode, fetch: Fetch) -> Snapshot | None:
    try:
        return fetch(username, mode)
    except PlayerNotFound:
        return None


def detect_mode(username: str, fetch: Fetch) -> Detection:
    """The account's mode, asking as few tables as the answer needs (one to four),
    each at most once.

    Raises `PlayerNotFound` when the regular table does not know the name, and
    lets every other hiscores error through: a guess would be stored as fact.
    """
    regular = fetch(username, GameMode.REGULAR)
    ironman = _on_table(username, GameMode.IRONMAN, fetch)
    if ironman is None:
        return Detection(GameMode.REGULAR, regular)
    # A de-ironed account keeps its frozen ironman entry while regular XP grows.
    if _behind(ironman, regular):
        return Detection(GameMode.REGULAR, regular)
    for mode in (GameMode.HARDCORE, GameMode.ULTIMATE):
        own = _on_table(username, mode, fetch)
        if own is not None:
            # A dead hardcore or a downgraded ultimate stays on its table, frozen.
            if _behind(own, ironman):
                return Detection(GameMode.IRONMAN, ironman)
            return Detection(mode, own)
    return Detection(GameMode.IRONMAN, ironman)
