"""Levels from experience, as the game computes them (docs/hiscores.md, "Levels")."""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping

MAX_LEVEL = 99
MAX_VIRTUAL_LEVEL = 126
MAX_EXPERIENCE = 200_000_000


def _experience_table() -> tuple[int, ...]:
    # table[L - 1] is the experience needed for level L.
    table, points = [0], 0
    for level in range(1, MAX_VIRTUAL_LEVEL):
        points += math.floor(level + 300 * 2 ** (level / 7))
        table.append(points // 4)
    return tuple(table)


XP_TABLE: tuple[int, ...] = _experience_table()


def experience_for_level(level: int) -> int:
    if not 1 <= level <= MAX_VIRTUAL_LEVEL:
        raise ValueError(f"level must be 1..{MAX_VIRTUAL_LEVEL}, got {level}")
    return XP_TABLE[level - 1]


def virtual_level(experience: int) -> int:
    """Level 1..126; past 99 the game shows these only as 'virtual' levels."""
    return bisect.bisect_right(XP_TABLE, max(experience, 0))


def level(experience: int) -> int:
    return min(virtual_level(experience), MAX_LEVEL)


def combat_level(levels: Mapping[str, int]) -> int:
    """Combat level from skill levels keyed by slug; missing skills count as 1
    (Hitpoints as 10, where every account starts)."""

    def lv(slug: str) -> int:
        return levels.get(slug) or (10 if slug == "hitpoints" else 1)

    base = 0.25 * (lv("defence") + lv("hitpoints") + lv("prayer") // 2)
    melee = 0.325 * (lv("attack") + lv("strength"))
    ranged = 0.325 * math.floor(1.5 * lv("ranged"))
    magic = 0.325 * math.floor(1.5 * lv("magic"))
    return math.floor(base + max(melee, ranged, magic))
