"""The fastest experience per hour known in each skill: what a name-change review
holds a gain to before efficiency (EHP) exists (docs/api.md, "Name changes").

Each figure is a generous upper bound on the best known method at any level,
with top gear and full attention, rounded up (the sources and how to revise them
are in docs/api.md, "Name changes"). A gain above it is not refused: the request
waits for staff. Bursty skills (Farming's tree runs, Hunter's birdhouses) are why
a review never counts less than an hour (`renames.MIN_REVIEW_HOURS`).
"""

from __future__ import annotations

MAX_XP_PER_HOUR: dict[str, int] = {
    "attack": 300_000,
    "defence": 300_000,
    "strength": 300_000,
    "hitpoints": 250_000,
    "ranged": 900_000,
    "prayer": 1_500_000,
    "magic": 1_500_000,
    "cooking": 1_100_000,
    "woodcutting": 300_000,
    "fletching": 5_000_000,
    "fishing": 200_000,
    "firemaking": 500_000,
    "crafting": 1_500_000,
    "smithing": 1_000_000,
    "mining": 200_000,
    "herblore": 1_000_000,
    "agility": 150_000,
    "thieving": 350_000,
    "slayer": 200_000,
    "farming": 1_500_000,
    "runecraft": 150_000,
    "hunter": 250_000,
    "construction": 1_200_000,
    "sailing": 400_000,
}
# A skill the table does not know yet (a new one on the hiscores): as the fastest.
UNKNOWN_SKILL_MAX = max(MAX_XP_PER_HOUR.values())
