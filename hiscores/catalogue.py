"""The rows of the OSRS hiscores, in today's order.

The hiscores carry no stable ids: rows are matched by their ``name`` and every
game update inserts new ones mid-list. This module is the one place that knows
what a row is called, what we call it (a stable snake_case slug used in the
database and the API), what kind of thing it counts, and the smallest value
Jagex ranks (below it the hiscores answer ``-1``).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass


class Kind(enum.StrEnum):
    SKILL = "skill"
    BOSS = "boss"
    CLUES = "clues"
    MINIGAME = "minigame"
    POINTS = "points"

    @property
    def is_activity(self) -> bool:
        return self in (Kind.CLUES, Kind.MINIGAME, Kind.POINTS)


@dataclass(frozen=True, slots=True)
class Metric:
    name: str  # exactly as the hiscores spell it
    slug: str
    kind: Kind
    # Smallest value the hiscores list; below it a row reads -1. ``None`` for
    # skills, whose cut-off is a rank (top two million), not a value.
    minimum: int | None


def slugify(name: str) -> str:
    """The slug for a hiscores row name; also used for rows we do not know yet."""
    without_apostrophes = name.lower().replace("'", "")
    return re.sub(r"[^a-z0-9]+", "_", without_apostrophes).strip("_")


# Names whose natural slug would be unhelpful to API users.
_SLUG_OVERRIDES = {
    "LMS - Rank": "last_man_standing",
    "PvP Arena - Rank": "pvp_arena",
    "Rifts closed": "guardians_of_the_rift",
}

_SKILL_NAMES = (
    "Overall", "Attack", "Defence", "Strength", "Hitpoints", "Ranged", "Prayer",
    "Magic", "Cooking", "Woodcutting", "Fletching", "Fishing", "Firemaking",
    "Crafting", "Smithing", "Mining", "Herblore", "Agility", "Thieving", "Slayer",
    "Farming", "Runecraft", "Hunter", "Construction", "Sailing",
)  # fmt: skip

_ACTIVITY_ROWS: tuple[tuple[str, Kind, int], ...] = (
    ("Grid Points", Kind.POINTS, 1),
    ("League Points", Kind.POINTS, 1),
    ("Deadman Points", Kind.POINTS, 1),
    ("Bounty Hunter - Hunter", Kind.POINTS, 1),
    ("Bounty Hunter - Rogue", Kind.POINTS, 1),
    ("Bounty Hunter (Legacy) - Hunter", Kind.POINTS, 1),
    ("Bounty Hunter (Legacy) - Rogue", Kind.POINTS, 1),
    ("Clue Scrolls (all)", Kind.CLUES, 1),
    ("Clue Scrolls (beginner)", Kind.CLUES, 1),
    ("Clue Scrolls (easy)", Kind.CLUES, 1),
    ("Clue Scrolls (medium)", Kind.CLUES, 1),
    ("Clue Scrolls (hard)", Kind.CLUES, 1),
    ("Clue Scrolls (elite)", Kind.CLUES, 1),
    ("Clue Scrolls (master)", Kind.CLUES, 1),
    ("LMS - Rank", Kind.MINIGAME, 500),
    ("PvP Arena - Rank", Kind.MINIGAME, 2525),
    ("Soul Wars Zeal", Kind.MINIGAME, 200),
    ("Rifts closed", Kind.MINIGAME, 2),
    ("Colosseum Glory", Kind.MINIGAME, 300),
    ("Collections Logged", Kind.POINTS, 500),
)

_BOSS_NAMES = (
    "Abyssal Sire", "Alchemical Hydra", "Amoxliatl", "Araxxor", "Artio",
    "Barrows Chests", "Brutus", "Bryophyta", "Callisto", "Calvar'ion", "Cerberus",
    "Chambers of Xeric", "Chambers of Xeric: Challenge Mode", "Chaos Elemental",
    "Chaos Fanatic", "Commander Zilyana", "Corporeal Beast", "Crazy Archaeologist",
    "Dagannoth Prime", "Dagannoth Rex", "Dagannoth Supreme", "Deranged Archaeologist",
    "Doom of Mokhaiotl", "Duke Sucellus", "General Graardor", "Giant Mole",
    "Grotesque Guardians", "Hespori", "Kalphite Queen", "King Black Dragon", "Kraken",
    "Kree'Arra", "K'ril Tsutsaroth", "Lunar Chests", "Mad Angel", "Maggot King",
    "Mimic", "Nex", "Nightmare", "Phosani's Nightmare", "Obor", "Phantom Muspah",
    "Sarachnis", "Scorpia", "Scurrius", "Shellbane Gryphon", "Skotizo", "Sol Heredit",
    "Spindel", "Tempoross", "The Gauntlet", "The Corrupted Gauntlet", "The Hueycoatl",
    "The Leviathan", "The Royal Titans", "The Whisperer", "Theatre of Blood",
    "Theatre of Blood: Hard Mode", "Thermonuclear Smoke Devil", "Tombs of Amascut",
    "Tombs of Amascut: Expert Mode", "TzKal-Zuk", "TzTok-Jad", "Vardorvis",
    "Venenatis", "Vet'ion", "Vorkath", "Wintertodt", "Yama", "Zalcano", "Zulrah",
)  # fmt: skip

BOSS_MINIMUM = 5
_BOSS_MINIMUM_OVERRIDES = {"Mimic": 1, "TzKal-Zuk": 1}


def _metric(name: str, kind: Kind, minimum: int | None) -> Metric:
    return Metric(name, _SLUG_OVERRIDES.get(name, slugify(name)), kind, minimum)


OVERALL = _metric("Overall", Kind.SKILL, None)
SKILLS: tuple[Metric, ...] = tuple(_metric(n, Kind.SKILL, None) for n in _SKILL_NAMES[1:])
ACTIVITIES: tuple[Metric, ...] = tuple(_metric(*row) for row in _ACTIVITY_ROWS) + tuple(
    _metric(n, Kind.BOSS, _BOSS_MINIMUM_OVERRIDES.get(n, BOSS_MINIMUM)) for n in _BOSS_NAMES
)
BOSSES: tuple[Metric, ...] = tuple(m for m in ACTIVITIES if m.kind is Kind.BOSS)
OTHER_ACTIVITIES: tuple[Metric, ...] = tuple(m for m in ACTIVITIES if m.kind.is_activity)

# Every row in hiscores order: Overall, the skills, then the activity rows.
ALL: tuple[Metric, ...] = (OVERALL, *SKILLS, *ACTIVITIES)
BY_NAME: dict[str, Metric] = {m.name: m for m in ALL}
BY_SLUG: dict[str, Metric] = {m.slug: m for m in ALL}
SKILL_SLUGS: tuple[str, ...] = tuple(m.slug for m in SKILLS)
BOSS_SLUGS: tuple[str, ...] = tuple(m.slug for m in BOSSES)
ACTIVITY_SLUGS: tuple[str, ...] = tuple(m.slug for m in OTHER_ACTIVITIES)
