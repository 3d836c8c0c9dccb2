"""Achievements: the catalogue (data in `progress/achievements.json`, expanded over
the hiscores catalogue) and the pure rules that say which record first shows one
and what its date window is (docs/api.md, "Achievements").

The rules:
- An achievement is reached by the first record whose value is at or above its
  threshold; a later rollback below it does not undo it, and reaching it again
  does not move its date.
- Its window runs from the record before's `last_checked_at` (`achieved_after`)
  to the record that shows it (`achieved_before`, also `achieved_at`), but only
  when the record before shows the value below the threshold: a known value, or
  an unranked count whose ranking minimum is not above the threshold (unranked
  kills are below the minimum). Otherwise (the first record, a skill unranked
  before, a row the record before did not list, as when the hiscores add a boss)
  the date is unknown: `achieved_at` and `achieved_after` are null, never made up.
- Rows the catalogue does not know give no achievement; an unranked value
  reaches nothing.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from hiscores import catalogue, levels

from .gains import ABSENT, minimum_of
from .states import State

CATALOGUE_FILE = Path(__file__).with_name("achievements.json")

# What a definition measures, and in which part of a state.
LEVEL = "level"  # a skill's real level
EXPERIENCE = "experience"
BASE_LEVEL = "base_level"  # the lowest real level over every skill
OVERALL_EXPERIENCE = "overall_experience"
TOTAL_LEVEL = "total_level"
KILLS = "kills"
SCORE = "score"


@dataclass(frozen=True, slots=True)
class Definition:
    key: str
    name: str
    metric: str
    measure: str
    threshold: int


@dataclass(frozen=True, slots=True)
class Reached:
    definition: Definition
    achieved_at: datetime | None
    achieved_after: datetime | None
    achieved_before: datetime


def _name(metric: str) -> str:
    return catalogue.BY_SLUG[metric].name if metric in catalogue.BY_SLUG else metric


def _short(amount: int) -> str:
    if amount >= 1_000_000_000 and amount % 100_000_000 == 0:
        return f"{amount / 1_000_000_000:g}b"
    if amount >= 1_000_000 and amount % 100_000 == 0:
        return f"{amount / 1_000_000:g}m"
    return f"{amount:,}"


def definitions_from(data: dict[str, Any]) -> tuple[Definition, ...]:
    out: list[Definition] = []

    def add(metric: str, measure: str, threshold: int, name: str) -> None:
        out.append(Definition(f"{metric}.{measure}.{threshold}", name, metric, measure, threshold))

    for slug in catalogue.SKILL_SLUGS:
        for level in data["skill_levels"]:
            add(slug, LEVEL, level, f"{level} {_name(slug)}")
        for amount in data["skill_experience"]:
            add(slug, EXPERIENCE, amount, f"{_short(amount)} {_name(slug)} experience")
    for level in data["base_levels"]:
        add("overall", BASE_LEVEL, level, f"Base {level} stats")
    add("overall", BASE_LEVEL, data["maxed_level"], "Maxed")
    for amount in data["overall_experience"]:
        add("overall", OVERALL_EXPERIENCE, amount, f"{_short(amount)} overall experience")
    for level in data["total_level"]:
        add("overall", TOTAL_LEVEL, level, f"{level:,} total level")
    for slug in catalogue.BOSS_SLUGS:
        for kills in data["boss_kills"]:
            add(slug, KILLS, kills, f"{kills:,} {_name(slug)} kills")
    for slug, amounts in data["clue_scrolls"].items():
        for amount in amounts:
            add(slug, SCORE, amount, f"{amount:,} {_name(slug)}")
    return tuple(out)


@cache
def definitions() -> tuple[Definition, ...]:
    return definitions_from(json.loads(CATALOGUE_FILE.read_text()))


@cache
def by_key() -> dict[str, Definition]:
    return {d.key: d for d in definitions()}


def value_of(definition: Definition, state: State) -> Any:
    """The state's value of what `definition` measures: a number, None (unranked or
    unknown) or ABSENT (the record did not list the row)."""
    measure, metric = definition.measure, definition.metric
    if measure in (LEVEL, EXPERIENCE):
        experience = state.skills.get(metric, ABSENT)
        if measure == LEVEL and isinstance(experience, int):
            return levels.level(experience)
        return experience
    if measure == BASE_LEVEL:
        return base_level(state)
    if measure == OVERALL_EXPERIENCE:
        return state.overall_experience
    if measure == TOTAL_LEVEL:
        return state.overall_level
    if measure == KILLS:
        return state.bosses.get(metric, ABSENT)
    return state.activities.get(metric, ABSENT)


def base_level(state: State) -> Any:
    """The lowest real level over every skill (levels grow with experience)."""
    found = [state.skills.get(slug, ABSENT) for slug in catalogue.SKILL_SLUGS]
    if any(v is ABSENT for v in found):
        return ABSENT
    if any(v is None for v in found):
        return None
    return levels.level(min(found))


def is_reached(definition: Definition, value: Any) -> bool:
    return isinstance(value, int) and value >= definition.threshold


def _known_below(definition: Definition, value: Any) -> bool:
    """Whether a value in the record before proves the threshold was not reached then."""
    if isinstance(value, int):
        return value < definition.threshold
    if value is None and definition.measure in (KILLS, SCORE):
        minimum = minimum_of(definition.metric)
        return minimum is not None and minimum <= definition.threshold
    return False


@cache
def groups() -> tuple[tuple[Definition, tuple[Definition, ...]], ...]:
    """The definitions by what they measure, thresholds ascending: one value read
    per group and state, however many milestones the group has."""
    by_value: dict[tuple[str, str], list[Definition]] = {}
    for definition in definitions():
        by_value.setdefault((definition.metric, definition.measure), []).append(definition)
    return tuple(
        (members[0], tuple(sorted(members, key=lambda d: d.threshold)))
        for members in by_value.values()
    )


def reached_by(
    state: State,
    previous: State | None,
    previous_checked_at: datetime | None,
    *,
    already: Collection[str] = frozenset(),
) -> list[Reached]:
    """The achievements, not in `already`, that `state` (a record first seen at
    `state.at`) shows, dated against the record before it (`previous`, last
    confirmed at `previous_checked_at`), or undated when there is none."""
    out = []
    for first, members in groups():
        value = value_of(first, state)
        if not isinstance(value, int) or value < first.threshold:
            continue
        before = value_of(first, previous) if previous is not None else ABSENT
        for definition in members:
            if definition.threshold > value:
                break
            if definition.key in already:
                continue
            dated = previous is not None and _known_below(definition, before)
            out.append(
                Reached(
                    definition,
                    achieved_at=state.at if dated else None,
                    achieved_after=previous_checked_at if dated else None,
                    achieved_before=state.at,
                )
            )
    return out


def progress_of(definition: Definition, state: State) -> tuple[int, float] | None:
    """(value, progress 0..1) towards an achievement not reached; None when unknown.
    Levels count the experience towards them."""
    value = value_of(definition, state)
    if definition.measure == LEVEL:
        experience = value_of(Definition("", "", definition.metric, EXPERIENCE, 0), state)
        if not isinstance(experience, int):
            return None
        needed = levels.experience_for_level(definition.threshold)
        return value, min(1.0, experience / needed)
    if definition.measure == BASE_LEVEL:
        if not isinstance(value, int):
            return None
        needed = levels.experience_for_level(definition.threshold)
        have = sum(min(state.skills[s], needed) for s in catalogue.SKILL_SLUGS)
        return value, min(1.0, have / (needed * len(catalogue.SKILL_SLUGS)))
    if not isinstance(value, int):
        return None
    return value, min(1.0, value / definition.threshold)


def remaining(definition: Definition, state: State) -> tuple[str, int] | None:
    """What is left to gain, and in which quantity a rate is measured (the key into
    a rate per day), for achievements a single rate projects; None otherwise."""
    if definition.measure == LEVEL:
        experience = state.skills.get(definition.metric)
        if experience is None:
            return None
        needed = levels.experience_for_level(definition.threshold) - experience
        return f"skills.{definition.metric}", needed
    if definition.measure in (EXPERIENCE, KILLS, SCORE):
        section = {EXPERIENCE: "skills", KILLS: "bosses", SCORE: "activities"}[definition.measure]
        value = getattr(state, section).get(definition.metric)
        if value is None:
            return None
        return f"{section}.{definition.metric}", definition.threshold - value
    if definition.measure == OVERALL_EXPERIENCE and state.overall_experience is not None:
        return "overall", definition.threshold - state.overall_experience
    return None
