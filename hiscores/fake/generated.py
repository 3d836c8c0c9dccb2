"""Made-up players: `gen N` for any N, and the named demo players of each mode.

Everything is derived from a seed with `random.Random`, whose integer seeding is
the same in every process, so `gen 42` has the same stats on every run and
machine. A mix of accounts, to exercise every path of a tracker: mains, mid and
low levels (some skills untrained or too low to be ranked), skillers with level
1 combat, boss hunters, and idle accounts that never change.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Iterator

from hiscores import catalogue, levels
from hiscores.fake.players import NO_GROWTH, Growth, PlayerSpec, Stats, blank_stats
from hiscores.modes import TABLES, GameMode

COMBAT = ("attack", "defence", "strength", "hitpoints", "ranged", "prayer", "magic")
SKILLING_BOSSES = ("wintertodt", "tempoross", "zalcano", "guardians_of_the_rift")
_CLUE_TIERS = ("beginner", "easy", "medium", "hard", "elite", "master")

# archetype -> (mean level, spread, lowest level)
_LEVELS = {
    "main": (86, 9, 50),
    "pvm": (90, 7, 60),
    "mid": (55, 15, 15),
    "low": (18, 12, 1),
    "skiller": (80, 14, 30),
}
# gen N's archetype is _ARCHETYPES[N % 10].
_ARCHETYPES = ("main", "main", "pvm", "mid", "mid", "mid", "low", "low", "skiller", "main")


def _xp_near(rng: random.Random, level: int) -> int:
    if level >= levels.MAX_LEVEL:
        # Past 99 XP keeps counting: most stop near 13M, a few go far beyond.
        return min(int(levels.experience_for_level(99) * rng.paretovariate(2.5)), 200_000_000)
    low = levels.experience_for_level(level)
    return rng.randrange(low, levels.experience_for_level(level + 1))


def _level(rng: random.Random, archetype: str) -> int:
    mean, spread, lowest = _LEVELS[archetype]
    return min(max(int(rng.gauss(mean, spread)), lowest), levels.MAX_LEVEL)


def _skills(rng: random.Random, archetype: str) -> dict[str, int]:
    skills = dict(blank_stats().skills)
    for slug in catalogue.SKILL_SLUGS:
        if archetype == "skiller" and slug in COMBAT:
            continue  # level 1 combat, Hitpoints 10: the skiller's whole point
        if archetype == "low" and slug != "hitpoints" and rng.random() < 0.3:
            continue  # never trained
        skills[slug] = max(_xp_near(rng, _level(rng, archetype)), skills[slug])
    if archetype == "pvm":
        for slug in COMBAT:
            skills[slug] = max(skills[slug], _xp_near(rng, 99))
    return skills


def _scores(rng: random.Random, archetype: str) -> dict[str, int]:
    scores: dict[str, int] = {}
    fights = {"main": 25, "pvm": 55, "mid": 8, "low": 2, "skiller": 0}[archetype]
    mean_kills = {"main": 120, "pvm": 400, "mid": 30, "low": 6, "skiller": 0}[archetype]
    for slug in rng.sample(catalogue.BOSS_SLUGS, fights):
        # Exponential kill counts: some land below the 5 kills needed to be ranked.
        scores[slug] = int(rng.expovariate(1 / mean_kills))
    for slug in SKILLING_BOSSES:
        if archetype != "low" and rng.random() < 0.7:
            scores[slug] = int(rng.expovariate(1 / 150))
    total_clues = 0
    for tier in _CLUE_TIERS:
        count = int(rng.expovariate(1 / {"low": 2, "skiller": 20}.get(archetype, 60)))
        scores[f"clue_scrolls_{tier}"] = count
        total_clues += count
    scores["clue_scrolls_all"] = total_clues
    if archetype in ("main", "pvm"):
        scores["last_man_standing"] = rng.choice((0, rng.randrange(400, 3_000)))
        scores["soul_wars_zeal"] = rng.choice((0, rng.randrange(100, 5_000)))
        scores["colosseum_glory"] = rng.choice((0, rng.randrange(200, 20_000)))
    if archetype != "low":
        scores["guardians_of_the_rift"] = rng.choice((0, 1, rng.randrange(2, 800)))
        scores["collections_logged"] = rng.randrange(100, 1_400)
    return {slug: value for slug, value in scores.items() if value}


def _growth(rng: random.Random, archetype: str, stats: Stats) -> Growth:
    if rng.random() < 0.4:
        return NO_GROWTH  # idle: most tracked accounts do not play every day
    open_skills = [s for s in catalogue.SKILL_SLUGS if stats.skills[s] < levels.MAX_EXPERIENCE]
    if archetype == "skiller":
        open_skills = [s for s in open_skills if s not in COMBAT]
    picked = rng.sample(open_skills, min(len(open_skills), rng.randint(1, 3)))
    skills = tuple((slug, rng.randrange(100, 3_000)) for slug in picked)
    if archetype == "skiller":
        bosses: tuple[tuple[str, int], ...] = ((rng.choice(SKILLING_BOSSES), rng.randint(3, 12)),)
    else:
        bosses = ((rng.choice(catalogue.BOSS_SLUGS), rng.randint(2, 10)),)
    return Growth(skills=skills, bosses=bosses)


def _generated_mode(n: int, archetype: str) -> GameMode:
    if archetype == "skiller":
        return GameMode.REGULAR
    if n % 23 == 5:
        return GameMode.HARDCORE
    if n % 29 == 11:
        return GameMode.ULTIMATE
    if n % 7 == 3:
        return GameMode.IRONMAN
    return GameMode.REGULAR


def _made(name: str, seed: int, archetype: str, mode: GameMode) -> PlayerSpec:
    rng = random.Random(seed)
    stats = Stats(_skills(rng, archetype), _scores(rng, archetype))
    return PlayerSpec(name=name, mode=mode, stats=stats, growth=_growth(rng, archetype, stats))


@functools.lru_cache(maxsize=4096)
def generated_player(n: int) -> PlayerSpec:
    """`gen N`: the same for a given N everywhere; built on first lookup."""
    archetype = _ARCHETYPES[n % len(_ARCHETYPES)]
    return _made(f"gen {n}", n, archetype, _generated_mode(n, archetype))


# Named demo players, one per table, to try by hand and to test mode detection.
DEMO_NAMES: dict[GameMode, str] = {
    GameMode.REGULAR: "Zezima",
    GameMode.IRONMAN: "Iron Demo",
    GameMode.HARDCORE: "HC Demo",
    GameMode.ULTIMATE: "UIM Demo",
    GameMode.DEADMAN: "DMM Demo",
    GameMode.SEASONAL: "League Demo",
    GameMode.TOURNAMENT: "Tourney Demo",
    GameMode.FRESH_START: "Fresh Demo",
    GameMode.DEFENCE_PURE: "Def Pure",
    GameMode.SKILLER: "Skill3r",
}
DEAD_HARDCORE = "HC Fallen"
DE_IRONED = "Deironed"


def _demo_players() -> Iterator[PlayerSpec]:
    names = DEMO_NAMES
    yield _made(names[GameMode.REGULAR], 1_001, "main", GameMode.REGULAR)
    yield _made(names[GameMode.IRONMAN], 1_002, "main", GameMode.IRONMAN)
    yield _made(names[GameMode.HARDCORE], 1_003, "mid", GameMode.HARDCORE)
    yield _made(names[GameMode.ULTIMATE], 1_004, "pvm", GameMode.ULTIMATE)
    yield _made(names[GameMode.SKILLER], 1_005, "skiller", GameMode.SKILLER)
    pure = _made(names[GameMode.DEFENCE_PURE], 1_006, "pvm", GameMode.DEFENCE_PURE)
    yield _with_skill(pure, "defence", 0)
    deadman = _made(names[GameMode.DEADMAN], 1_007, "main", GameMode.DEADMAN)
    yield _with_score(deadman, "deadman_points", 4_200)
    league = _made(names[GameMode.SEASONAL], 1_008, "main", GameMode.SEASONAL)
    yield _with_score(league, "league_points", 27_500)
    tourney = _made(names[GameMode.TOURNAMENT], 1_009, "pvm", GameMode.TOURNAMENT)
    yield _with_score(tourney, "deadman_points", 900)
    yield _made(names[GameMode.FRESH_START], 1_010, "mid", GameMode.FRESH_START)
    # Died as a hardcore: still listed there, frozen below the ironman values,
    # which keep growing. A tracker should now call them an ironman.
    fallen = _made(DEAD_HARDCORE, 1_011, "main", GameMode.IRONMAN)
    yield _frozen(fallen, GameMode.HARDCORE)
    # De-ironed: the ironman table stopped, the regular one moves on.
    deironed = _made(DE_IRONED, 1_012, "main", GameMode.REGULAR)
    yield _frozen(deironed, GameMode.IRONMAN)


def _with_skill(spec: PlayerSpec, slug: str, xp: int) -> PlayerSpec:
    growth = Growth(tuple(g for g in spec.growth.skills if g[0] != slug), spec.growth.bosses)
    stats = Stats({**spec.stats.skills, slug: xp}, spec.stats.scores)
    return PlayerSpec(spec.name, spec.mode, stats, spec.ranks, growth, spec.frozen)


def _with_score(spec: PlayerSpec, slug: str, score: int) -> PlayerSpec:
    stats = Stats(spec.stats.skills, {**spec.stats.scores, slug: score})
    return PlayerSpec(spec.name, spec.mode, stats, spec.ranks, spec.growth, spec.frozen)


def _frozen(spec: PlayerSpec, table_mode: GameMode) -> PlayerSpec:
    # Demo players must move for the difference to show, so give idle ones growth.
    growth = spec.growth if spec.growth is not NO_GROWTH else Growth((("slayer", 1_000),))
    frozen = {TABLES[table_mode]: spec.stats.scaled(0.9)}
    return PlayerSpec(spec.name, spec.mode, spec.stats, spec.ranks, growth, frozen)


@functools.cache
def demo_players() -> tuple[PlayerSpec, ...]:
    return tuple(_demo_players())
