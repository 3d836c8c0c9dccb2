"""The values a hiscores answer can plausibly hold, each with its reason
(docs/hiscores.md, "Plausible values").

A body can be well-formed and still hold a level of 5,000 or XP past what the
game allows: a broken proxy, a bug at Jagex, a hostile server in between. Such a
value stored would become history that every progress report reads, so an
answer holding one is refused whole (`ImplausibleResponse`) and nothing of it
is stored.

Every bound starts at -1, the hiscores' "unranked / not listed" (and Overall has
been served 0/0 for ranked accounts): those markers become `null` in the parser.
"""

from __future__ import annotations

from dataclasses import dataclass

from hiscores import levels
from hiscores.errors import ImplausibleResponse

NOT_LISTED = -1
# What the database columns hold (64-bit signed): no bigger value could be stored.
INT64_MAX = 2**63 - 1


@dataclass(frozen=True, slots=True)
class Bound:
    highest: int
    why: str
    lowest: int = NOT_LISTED

    def check(self, row: str, field: str, value: int) -> None:
        if not self.lowest <= value <= self.highest:
            raise ImplausibleResponse(
                f"Implausible hiscores answer: {row} {field} {value} is outside "
                f"{self.lowest}..{self.highest} ({self.why})."
            )


RANK = Bound(INT64_MAX, "a rank counts players; the column is 64-bit")
SCORE = Bound(INT64_MAX, "kills and scores have no cap in the game; the column is 64-bit")
SKILL_LEVEL = Bound(
    levels.MAX_LEVEL,
    "the hiscores stop a skill's level at 99; virtual levels, up to 126, are ours, from the XP",
)
SKILL_XP = Bound(levels.MAX_EXPERIENCE, "no skill holds more than 200M XP")


def total_level(skills: int) -> Bound:
    """Overall's level: every skill in the answer at 99 (2,376 with 24 skills)."""
    return Bound(skills * levels.MAX_LEVEL, f"{skills} skills at 99 each")


def total_xp(skills: int) -> Bound:
    """Overall's XP: every skill in the answer at 200M (4.8 billion with 24 skills)."""
    return Bound(skills * levels.MAX_EXPERIENCE, f"{skills} skills at 200M XP each")
