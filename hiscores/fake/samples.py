"""Players made from the real recorded responses in `samples/`.

Each keeps the XP, scores and ranks of its recording; rows the recording lacks
(newer rows, or the boss rows cut out of Lynx Titan's) read as unranked. Overall
and levels are recomputed from XP, as the fake does for everyone: two recordings
were hand-edited when Sailing was added and their Overall was not updated.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from hiscores import catalogue
from hiscores.fake.players import Growth, PlayerSpec, Stats, blank_stats
from hiscores.modes import GameMode

SAMPLES_DIR = Path(__file__).resolve().parent / "samples"

# display name -> recording
SAMPLE_FILES: dict[str, str] = {
    "Psikoi": "psikoi.2026-07.index_lite.json",
    "B0aty": "b0aty.2026-07.index_lite.json",
    "Lynx Titan": "lynx-titan.2026-09.bosses-cut.index_lite.json",
    "Live Capture": "live-capture.2024-12.index_lite.json",
}

# Chosen so a demo shows each sample moving: skills short of 200M XP, a boss they fight.
_GROWTH: dict[str, Growth] = {
    "Psikoi": Growth(skills=(("slayer", 1_100), ("sailing", 800)), bosses=(("vorkath", 3),)),
    "B0aty": Growth(skills=(("runecraft", 600), ("agility", 900)), bosses=(("zulrah", 4),)),
    "Lynx Titan": Growth(skills=(("sailing", 1_500),), bosses=(("zulrah", 6),)),
    "Live Capture": Growth(skills=(("construction", 700),), bosses=(("kraken", 2),)),
}


def _spec(name: str, path: Path) -> PlayerSpec:
    document = json.loads(path.read_bytes())
    skills = dict(blank_stats().skills)
    scores: dict[str, int] = {}
    ranks: dict[str, int] = {}
    for row in document["skills"]:
        slug = catalogue.BY_NAME[row["name"]].slug
        if slug != catalogue.OVERALL.slug:
            skills[slug] = max(row["xp"], 0)
        if row["rank"] != -1:
            ranks[slug] = row["rank"]
    for row in document["activities"]:
        slug = catalogue.BY_NAME[row["name"]].slug
        if row["score"] != -1:
            scores[slug] = row["score"]
            # The legacy Bounty Hunter rows show a score with rank -1: keep that too.
            ranks[slug] = row["rank"]
    return PlayerSpec(
        name=name,
        mode=GameMode.REGULAR,
        stats=Stats(skills, scores),
        ranks=ranks,
        growth=_GROWTH[name],
    )


@functools.cache
def sample_players() -> tuple[PlayerSpec, ...]:
    return tuple(_spec(name, SAMPLES_DIR / file) for name, file in SAMPLE_FILES.items())
