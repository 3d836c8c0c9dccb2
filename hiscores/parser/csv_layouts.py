"""The CSV row layouts we know, each an exact list of row names in order.

A CSV body carries no names, and every game update inserts rows mid-list: read
with the wrong layout, every later value lands on the wrong row without a sound.
So a layout is chosen only by an exact row count, and the historic layouts are
frozen here as data (copied from a JSON body of the same period, which names its
rows), never derived from today's catalogue, which will keep growing.

When Jagex adds a row, the catalogue's order becomes the new current layout: freeze
the old one here first (its 116 names) so recorded CSVs of today still parse.
"""

from __future__ import annotations

from dataclasses import dataclass

from hiscores import catalogue


@dataclass(frozen=True, slots=True)
class Layout:
    name: str
    skills: tuple[str, ...]  # rows of "rank,level,xp", Overall first
    activities: tuple[str, ...]  # rows of "rank,score"

    @property
    def row_count(self) -> int:
        return len(self.skills) + len(self.activities)


_SKILLS_BEFORE_SAILING = (
    "Overall", "Attack", "Defence", "Strength", "Hitpoints", "Ranged", "Prayer", "Magic",
    "Cooking", "Woodcutting", "Fletching", "Fishing", "Firemaking", "Crafting", "Smithing",
    "Mining", "Herblore", "Agility", "Thieving", "Slayer", "Farming", "Runecraft", "Hunter",
    "Construction",
)  # fmt: skip
_SKILLS_WITH_SAILING = (*_SKILLS_BEFORE_SAILING, "Sailing")

# Nov 2025, before Sailing: the rows of psikoi.2025-11.pre-sailing.index_lite.json
# (24 skills + 88 activities = 112). Shellbane Gryphon stood before Scurrius.
PRE_SAILING_2025_11 = Layout(
    "2025-11 (pre-Sailing)",
    _SKILLS_BEFORE_SAILING,
    (
        "Grid Points", "League Points", "Deadman Points", "Bounty Hunter - Hunter",
        "Bounty Hunter - Rogue", "Bounty Hunter (Legacy) - Hunter",
        "Bounty Hunter (Legacy) - Rogue", "Clue Scrolls (all)", "Clue Scrolls (beginner)",
        "Clue Scrolls (easy)", "Clue Scrolls (medium)", "Clue Scrolls (hard)",
        "Clue Scrolls (elite)", "Clue Scrolls (master)", "LMS - Rank", "PvP Arena - Rank",
        "Soul Wars Zeal", "Rifts closed", "Colosseum Glory", "Collections Logged", "Abyssal Sire",
        "Alchemical Hydra", "Amoxliatl", "Araxxor", "Artio", "Barrows Chests", "Bryophyta",
        "Callisto", "Calvar'ion", "Cerberus", "Chambers of Xeric",
        "Chambers of Xeric: Challenge Mode", "Chaos Elemental", "Chaos Fanatic",
        "Commander Zilyana", "Corporeal Beast", "Crazy Archaeologist", "Dagannoth Prime",
        "Dagannoth Rex", "Dagannoth Supreme", "Deranged Archaeologist", "Doom of Mokhaiotl",
        "Duke Sucellus", "General Graardor", "Giant Mole", "Grotesque Guardians", "Hespori",
        "Kalphite Queen", "King Black Dragon", "Kraken", "Kree'Arra", "K'ril Tsutsaroth",
        "Lunar Chests", "Mimic", "Nex", "Nightmare", "Phosani's Nightmare", "Obor",
        "Phantom Muspah", "Sarachnis", "Scorpia", "Shellbane Gryphon", "Scurrius", "Skotizo",
        "Sol Heredit", "Spindel", "Tempoross", "The Gauntlet", "The Corrupted Gauntlet",
        "The Hueycoatl", "The Leviathan", "The Royal Titans", "The Whisperer", "Theatre of Blood",
        "Theatre of Blood: Hard Mode", "Thermonuclear Smoke Devil", "Tombs of Amascut",
        "Tombs of Amascut: Expert Mode", "TzKal-Zuk", "TzTok-Jad", "Vardorvis", "Venenatis",
        "Vet'ion", "Vorkath", "Wintertodt", "Yama", "Zalcano", "Zulrah",
    ),
)  # fmt: skip

# Jul 2026, before Grid Points: the rows of b0aty.2026-07.index_lite.json
# (25 skills + 90 activities = 115).
BEFORE_GRID_POINTS_2026_07 = Layout(
    "2026-07 (no Grid Points)",
    _SKILLS_WITH_SAILING,
    (
        "League Points", "Deadman Points", "Bounty Hunter - Hunter", "Bounty Hunter - Rogue",
        "Bounty Hunter (Legacy) - Hunter", "Bounty Hunter (Legacy) - Rogue", "Clue Scrolls (all)",
        "Clue Scrolls (beginner)", "Clue Scrolls (easy)", "Clue Scrolls (medium)",
        "Clue Scrolls (hard)", "Clue Scrolls (elite)", "Clue Scrolls (master)", "LMS - Rank",
        "PvP Arena - Rank", "Soul Wars Zeal", "Rifts closed", "Colosseum Glory",
        "Collections Logged", "Abyssal Sire", "Alchemical Hydra", "Amoxliatl", "Araxxor", "Artio",
        "Barrows Chests", "Brutus", "Bryophyta", "Callisto", "Calvar'ion", "Cerberus",
        "Chambers of Xeric", "Chambers of Xeric: Challenge Mode", "Chaos Elemental",
        "Chaos Fanatic", "Commander Zilyana", "Corporeal Beast", "Crazy Archaeologist",
        "Dagannoth Prime", "Dagannoth Rex", "Dagannoth Supreme", "Deranged Archaeologist",
        "Doom of Mokhaiotl", "Duke Sucellus", "General Graardor", "Giant Mole",
        "Grotesque Guardians", "Hespori", "Kalphite Queen", "King Black Dragon", "Kraken",
        "Kree'Arra", "K'ril Tsutsaroth", "Lunar Chests", "Mad Angel", "Maggot King", "Mimic",
        "Nex", "Nightmare", "Phosani's Nightmare", "Obor", "Phantom Muspah", "Sarachnis",
        "Scorpia", "Scurrius", "Shellbane Gryphon", "Skotizo", "Sol Heredit", "Spindel",
        "Tempoross", "The Gauntlet", "The Corrupted Gauntlet", "The Hueycoatl", "The Leviathan",
        "The Royal Titans", "The Whisperer", "Theatre of Blood", "Theatre of Blood: Hard Mode",
        "Thermonuclear Smoke Devil", "Tombs of Amascut", "Tombs of Amascut: Expert Mode",
        "TzKal-Zuk", "TzTok-Jad", "Vardorvis", "Venenatis", "Vet'ion", "Vorkath", "Wintertodt",
        "Yama", "Zalcano", "Zulrah",
    ),
)  # fmt: skip

CURRENT = Layout(
    "current",
    tuple(m.name for m in (catalogue.OVERALL, *catalogue.SKILLS)),
    tuple(m.name for m in catalogue.ACTIVITIES),
)

LAYOUTS: tuple[Layout, ...] = (CURRENT, BEFORE_GRID_POINTS_2026_07, PRE_SAILING_2025_11)


def _by_row_count(layouts: tuple[Layout, ...]) -> dict[int, Layout]:
    # The row count is the only thing that tells layouts apart: two layouts of one
    # size would make the choice a guess, so refuse to start at all.
    by_count: dict[int, Layout] = {}
    for layout in layouts:
        if layout.row_count in by_count:
            raise RuntimeError(
                f"CSV layouts {by_count[layout.row_count].name!r} and {layout.name!r} "
                f"both have {layout.row_count} rows; the CSV parser could not tell them apart"
            )
        by_count[layout.row_count] = layout
    return by_count


BY_ROW_COUNT: dict[int, Layout] = _by_row_count(LAYOUTS)
