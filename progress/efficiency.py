"""Efficient hours played (EHP) and bossed (EHB), time to max and to 200m all:
computed when read from the rate tables in `progress/rates/`, never stored with a
record, so a new table changes every figure at once and a gain, measured under one
table at both ends, is never negative (docs/api.md, "Efficiency"). Pure.

The tables are Wise Old Man's (figures carried over with attribution, see the data
file); the method is theirs too:
- a skill is trained by methods in experience brackets, each with a rate per hour;
- training some skills gives bonus experience in others (e.g. Defence gives Ranged
  and Prayer), either from the start of training ("start" bonuses) or counted as
  already there when the origin skill reaches 200m ("end" bonuses);
- a skill's EHP is the time it saved: the time left to 200m in every skill it
  gives bonus experience to (directly or through another) with the skill reset to
  0, minus that time with the skill as it is;
- EHB is kills divided by kills per hour, per boss.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from hiscores import catalogue, levels

from .gains import Gain

MAX_EXPERIENCE = levels.MAX_EXPERIENCE
EXPERIENCE_AT_99 = levels.experience_for_level(levels.MAX_LEVEL)
ALGORITHM = "wise-old-man-ehp-v2"
RATES_FILE = Path(__file__).parent / "rates" / "wom.json"
SKILLS: tuple[str, ...] = catalogue.SKILL_SLUGS

# Bonuses whose size is scaled by the difference between a method's nominal rate and
# its real one (origin skill, bonus skill): drift net fishing, swimming and firefact.
_SCALED_BONUSES = {("hunter", "fishing"), ("thieving", "agility"), ("firemaking", "thieving")}
# EHP totals each table keeps, of the states last asked. A records rebuild asks a
# record's EHP as the end of its windows and again as the first record of the day's,
# week's and month's windows of later records (progress.bests): about 2 x 3,000
# states apart for a player fetched every 15 minutes.
EHP_KEPT = 8_192
SKILL_TIMES_KEPT = 4_096
SCALED_KEPT = 4_096


@dataclass(frozen=True, slots=True)
class Method:
    start_exp: int
    rate: float
    real_rate: float | None = None


@dataclass(frozen=True, slots=True)
class Bonus:
    origin_skill: str
    bonus_skill: str
    start_exp: int
    end_exp: int
    end: bool
    ratio: float


def _rounded(value: float) -> float:
    # Half up at five decimals, as the reference does (not Python's half-to-even).
    return math.floor(value * 100_000 + 0.5) / 100_000


class Table:
    """One account type's rates: the skill methods and bonuses, and the kills per
    hour of each boss (empty when the type has no boss table)."""

    def __init__(self, name: str, data: Mapping[str, Any]) -> None:
        self.name = name
        self.methods: dict[str, list[Method]] = {}
        self.bonuses_of: dict[str, list[Bonus]] = {}
        bonuses: list[Bonus] = []
        for entry in data["skills"]:
            self.methods[entry["skill"]] = [
                Method(m["start_exp"], m["rate"], m.get("real_rate")) for m in entry["methods"]
            ]
            skill_bonuses = [Bonus(**b) for b in entry["bonuses"]]
            self.bonuses_of[entry["skill"]] = skill_bonuses
            bonuses.extend(skill_bonuses)
        self.boss_rates: dict[str, float] = {b["boss"]: b["rate"] for b in data["bosses"]}
        # Which skills each skill gives bonus experience to, in the order first given.
        self.direction: dict[str, list[str]] = {}
        for bonus in bonuses:
            targets = self.direction.setdefault(bonus.origin_skill, [])
            if bonus.bonus_skill not in targets:
                targets.append(bonus.bonus_skill)

        # Bonuses flowing from skills that feed many others first (Slayer before the
        # combat skills it feeds): the order in which bonus experience piles up.
        def fan_out(b: Bonus) -> int:
            return -len(self.direction.get(b.bonus_skill, []))

        self.start_bonuses = sorted((b for b in bonuses if not b.end), key=fan_out)
        self.end_bonuses = sorted((b for b in bonuses if b.end), key=fan_out)
        # The skills whose experience `bonus_experience` reads: each bonus's origin,
        # and both skills of a scaled one. Resetting any other skill leaves the bonus
        # experience as it was, so `ehp_by_skill` need not compute it again.
        self.bonus_inputs = frozenset(
            {b.origin_skill for b in bonuses}
            | {
                skill
                for b in self.end_bonuses
                if (b.origin_skill, b.bonus_skill) in _SCALED_BONUSES
                for skill in (b.origin_skill, b.bonus_skill)
            }
        )
        # Pure functions whose answers are kept: a record's EHP is asked for once per
        # gain measured to or from it; an EHP asks some 75 training times, nearly all
        # asked by the EHP before too (a history's states differ in a few skills);
        # a scaled bonus reads two skills, asked once per skill `ehp_by_skill` resets.
        self._ehp_of = lru_cache(maxsize=EHP_KEPT)(self._total_ehp)
        self._skill_times = lru_cache(maxsize=SKILL_TIMES_KEPT, typed=True)(self._skill_time)
        self._scaled_between = lru_cache(maxsize=SCALED_KEPT)(self._scaled_bonus_of)
        self.maximum = self._maximum_hours()

    @property
    def has_bosses(self) -> bool:
        return bool(self.boss_rates)

    # -- time to train --------------------------------------------------------

    def skill_time(self, skill: str, start: float, end: float, *, real: bool = False) -> float:
        """Hours to train `skill` from `start` to `end` experience."""
        return self._skill_times(skill, start, end, real)

    def _skill_time(self, skill: str, start: float, end: float, real: bool) -> float:
        methods = self.methods.get(skill)
        if not methods or (len(methods) == 1 and methods[0].rate == 0):
            # Skills trained for free alongside others (Hitpoints, Magic, ...).
            return (end - start) / MAX_EXPERIENCE
        hours = 0.0
        for index, current in enumerate(methods):
            following = methods[index + 1] if index + 1 < len(methods) else None
            if current.rate == 0:
                continue
            rate = current.real_rate if real and current.real_rate else current.rate
            if following and following.start_exp > start and current.start_exp < end:
                gained = min(following.start_exp, end) - max(start, current.start_exp)
                hours += gained / rate
            if following is None and end > current.start_exp:
                hours += (end - max(current.start_exp, start)) / rate
        return hours

    def _maximum_hours(self) -> dict[str, float]:
        zero = dict.fromkeys(SKILLS, 0)
        start_bonus = self.bonus_experience(zero, end=False)
        end_bonus = self.bonus_experience(zero, end=True)
        hours = {
            skill: self.skill_time(skill, start_bonus[skill], MAX_EXPERIENCE - end_bonus[skill])
            for skill in SKILLS
        }
        hours["overall"] = sum(hours.values())
        return hours

    # -- bonus experience -----------------------------------------------------

    def bonus_experience(self, stats: Mapping[str, float], *, end: bool) -> dict[str, float]:
        """The bonus experience each skill receives on the way to 200m all."""
        received = dict.fromkeys(SKILLS, 0.0)
        for bonus in self.end_bonuses if end else self.start_bonuses:
            if end and (bonus.origin_skill, bonus.bonus_skill) in _SCALED_BONUSES:
                scaled = self._scaled_bonus(stats, bonus.origin_skill, bonus.bonus_skill)
                if scaled:
                    received[bonus.bonus_skill] += scaled
                    continue
            cap = min(bonus.end_exp, MAX_EXPERIENCE)
            origin_start = max(stats[bonus.origin_skill], bonus.start_exp)
            if not end:
                origin_start += received[bonus.origin_skill]
            origin_end = cap - received[bonus.origin_skill] if end else cap
            amount = max(0, origin_end - origin_start) * bonus.ratio
            received[bonus.bonus_skill] = min(MAX_EXPERIENCE, received[bonus.bonus_skill] + amount)
        return received

    def _scaled_bonus(self, stats: Mapping[str, float], origin: str, target: str) -> float:
        """The bonus left to give when the origin's method is slower in reality than
        on paper: the paper bonus minus what the extra real time would have given."""
        return self._scaled_between(origin, target, stats[origin], stats[target])

    def _scaled_bonus_of(
        self, origin: str, target: str, origin_exp: float, target_exp: float
    ) -> float:
        origin_method = next((m for m in self.methods.get(origin, []) if m.real_rate), None)
        target_methods = self.methods.get(target) or []
        origin_bonuses = self.bonuses_of.get(origin) or []
        ratio = origin_bonuses[0].ratio if origin_bonuses else 0
        if origin_method is None or not target_methods or not ratio:
            return 0
        origin_start = max(origin_method.start_exp, origin_exp)
        real = self.skill_time(origin, origin_start, MAX_EXPERIENCE, real=True) + self.skill_time(
            target, target_exp, MAX_EXPERIENCE, real=True
        )
        paper = self.skill_time(origin, origin_start, MAX_EXPERIENCE) + self.skill_time(
            target, target_exp, MAX_EXPERIENCE
        )
        return (MAX_EXPERIENCE - origin_start) * ratio - (real - paper) * target_methods[-1].rate

    # -- EHP, EHB -------------------------------------------------------------

    def ehp_by_skill(self, experience: Mapping[str, int | None]) -> dict[str, float]:
        """Each skill's EHP and the total under "overall". Unknown (unranked)
        experience counts as 0."""
        stats = {skill: max(0, experience.get(skill) or 0) for skill in SKILLS}
        start_bonus = self.bonus_experience(stats, end=False)
        end_bonus = self.bonus_experience(stats, end=True)
        result: dict[str, float] = {}
        for origin in SKILLS:
            affected = list(self.direction.get(origin, []))
            # Indirect effects too (Woodcutting -> Firemaking -> Cooking).
            for skill in affected:
                for dependant in self.direction.get(skill, []):
                    if dependant not in affected:
                        affected.append(dependant)
            reset = {**stats, origin: 0}
            if origin in self.bonus_inputs:
                reset_start_bonus = self.bonus_experience(reset, end=False)
                reset_end_bonus = self.bonus_experience(reset, end=True)
            else:
                reset_start_bonus, reset_end_bonus = start_bonus, end_bonus
            hours = 0.0
            for skill in [*affected, origin]:
                start = stats[skill] + start_bonus[skill]
                end = MAX_EXPERIENCE - end_bonus[skill]
                if end - start <= 0 and skill != origin:
                    continue
                saved = self.skill_time(
                    skill,
                    reset[skill] + reset_start_bonus[skill],
                    MAX_EXPERIENCE - reset_end_bonus[skill],
                ) - self.skill_time(skill, start, end)
                hours += min(self.maximum[skill], saved) if end - start <= 0 else saved
            result[origin] = _rounded(hours)
        result["overall"] = sum(result.values())
        return result

    def ehp(self, experience: Mapping[str, int | None]) -> float:
        return self._ehp_of(tuple(max(0, experience.get(skill) or 0) for skill in SKILLS))

    def forget(self) -> None:
        """Drop the kept answers (bench.progress measures a fold-in without them)."""
        self._ehp_of.cache_clear()
        self._skill_times.cache_clear()
        self._scaled_between.cache_clear()

    def _total_ehp(self, experience: tuple[int, ...]) -> float:
        return self.ehp_by_skill(dict(zip(SKILLS, experience, strict=True)))["overall"]

    def ehb(self, kills: Mapping[str, int | None]) -> float:
        return sum(
            self.boss_hours(boss, max(0, kills.get(boss) or 0))
            for boss, rate in self.boss_rates.items()
            if rate > 0
        )

    def boss_hours(self, boss: str, kills: int) -> float:
        """Hours to kill `boss` `kills` times (0 without a rate)."""
        rate = self.boss_rates.get(boss, 0)
        return _rounded(kills / rate) if rate > 0 else 0.0

    def time_to_max(self, experience: Mapping[str, int | None]) -> float:
        """Hours until every skill is 99."""
        maxed = dict.fromkeys(SKILLS, EXPERIENCE_AT_99)
        capped = {s: min(max(0, experience.get(s) or 0), EXPERIENCE_AT_99) for s in SKILLS}
        return self.ehp(maxed) - self.ehp(capped)

    def time_to_200m_all(self, experience: Mapping[str, int | None]) -> float:
        return self.maximum["overall"] - self.ehp(experience)


@dataclass(frozen=True, slots=True)
class Rates:
    version: str
    attribution: Mapping[str, str]
    tables: Mapping[str, Table]


def load_rates(path: Path = RATES_FILE) -> Rates:
    document = json.loads(path.read_text())
    tables = {name: Table(name, data) for name, data in document["tables"].items()}
    return Rates(document["version"], document["attribution"], tables)


@cache
def rates() -> Rates:
    return load_rates()


# -- account types ----------------------------------------------------------

MAIN = "main"
IRONMAN_MODES = {"ironman", "hardcore_ironman"}
F2P_SKILLS = frozenset(
    {
        "attack", "defence", "strength", "hitpoints", "ranged", "prayer", "magic",
        "cooking", "woodcutting", "fishing", "firemaking", "crafting", "smithing",
        "mining", "runecraft",
    }
)  # fmt: skip
COMBAT_SKILLS = ("attack", "defence", "strength", "hitpoints", "ranged", "prayer", "magic")
_IRON_F2P = {"f2p": "f2p_ironman", "f2p_lvl3": "f2p_lvl3_ironman"}


def build_of(game_mode: str, experience: Mapping[str, int | None]) -> str:
    """The account's build, from its game mode and what its stats show: `lvl3`
    (combat level 3: no combat experience beyond the 1,154 Hitpoints starts with),
    `def1` (Defence at 1), `f2p` (no experience in a members' skill), or `main`.
    Only known (ranked) experience counts as evidence."""
    f2p = all(not experience.get(skill) for skill in SKILLS if skill not in F2P_SKILLS)
    level3 = game_mode == "skiller" or all(
        (experience.get(skill) or 0) <= (1154 if skill == "hitpoints" else 0)
        for skill in COMBAT_SKILLS
    )
    if level3:
        return "f2p_lvl3" if f2p else "lvl3"
    if f2p:
        return "f2p"
    if game_mode == "skiller_defence" or (experience.get("defence") or 0) == 0:
        return "def1"
    return MAIN


def table_name(game_mode: str, build: str) -> str:
    """The table Wise Old Man would use for this game mode and build (which may not
    exist; `table_for` falls back to main)."""
    # Free-to-play irons of every kind share the F2P ironman tables.
    if game_mode in (*IRONMAN_MODES, "ultimate_ironman") and build in _IRON_F2P:
        return _IRON_F2P[build]
    if game_mode == "ultimate_ironman":
        return "ultimate"
    if game_mode in IRONMAN_MODES:
        return "ironman"
    return build


@dataclass(frozen=True, slots=True)
class Choice:
    account_type: str  # the table wanted
    skills: Table  # the table used for EHP
    bosses: Table  # the table used for EHB

    def body(self) -> dict[str, Any]:
        return {
            "account_type": self.account_type,
            "ehp_table": self.skills.name,
            "ehb_table": self.bosses.name,
            "fell_back_to_main": self.skills.name != self.account_type
            or self.bosses.name != self.account_type,
        }


def table_for(game_mode: str, experience: Mapping[str, int | None]) -> Choice:
    """The tables for an account: its own, or main's where it has none (a game mode
    without tables, such as deadman or leagues, or a build without a boss table)."""
    wanted = table_name(game_mode, build_of(game_mode, experience))
    tables = rates().tables
    skills = tables.get(wanted, tables[MAIN])
    bosses = skills if skills.has_bosses else tables[MAIN]
    return Choice(wanted, skills, bosses)


# -- gains ------------------------------------------------------------------


def ehp_gained(
    table: Table,
    start: Mapping[str, int | None],
    end: Mapping[str, int | None],
    gains: Mapping[str, Gain],
) -> float:
    """EHP gained under one table: the EHP at the end less the EHP at the end with
    each skill's gain (by the progress rules: a rollback, or a skill unranked at
    either end, gained 0 or a lower bound) taken away. Never negative."""
    after: dict[str, int] = {}
    before: dict[str, int] = {}
    for skill in SKILLS:
        known = end.get(skill)
        if known is None:
            known = start.get(skill)
        gained = gains[skill].value if skill in gains else 0
        after[skill] = max(0, known or 0)
        before[skill] = max(0, after[skill] - gained)
    return max(0.0, table.ehp(after) - table.ehp(before))


def ehb_gained(table: Table, gains: Mapping[str, Gain]) -> float:
    """EHB is linear in kills: each boss's kills gained over its rate."""
    return sum(
        table.boss_hours(boss, gains[boss].value)
        for boss, rate in table.boss_rates.items()
        if rate > 0 and boss in gains
    )
