"""Game modes and the hiscores table each is ranked on."""

from __future__ import annotations

from django.db import models


class GameMode(models.TextChoices):
    REGULAR = "regular", "Regular"
    IRONMAN = "ironman", "Ironman"
    HARDCORE = "hardcore_ironman", "Hardcore ironman"
    ULTIMATE = "ultimate_ironman", "Ultimate ironman"
    DEADMAN = "deadman", "Deadman"
    SEASONAL = "seasonal", "Seasonal (leagues)"
    TOURNAMENT = "tournament", "Tournament"
    FRESH_START = "fresh_start", "Fresh start"
    DEFENCE_PURE = "skiller_defence", "1 defence pure"
    SKILLER = "skiller", "Level 3 skiller"

    @property
    def table(self) -> str:
        return TABLES[self]


TABLES: dict[GameMode, str] = {
    GameMode.REGULAR: "hiscore_oldschool",
    GameMode.IRONMAN: "hiscore_oldschool_ironman",
    GameMode.HARDCORE: "hiscore_oldschool_hardcore_ironman",
    GameMode.ULTIMATE: "hiscore_oldschool_ultimate",
    GameMode.DEADMAN: "hiscore_oldschool_deadman",
    GameMode.SEASONAL: "hiscore_oldschool_seasonal",
    GameMode.TOURNAMENT: "hiscore_oldschool_tournament",
    GameMode.FRESH_START: "hiscore_oldschool_fresh_start",
    GameMode.DEFENCE_PURE: "hiscore_oldschool_skiller_defence",
    GameMode.SKILLER: "hiscore_oldschool_skiller",
}
MODE_BY_TABLE: dict[str, GameMode] = {table: mode for mode, table in TABLES.items()}
