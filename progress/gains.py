"""What a player gained between two states: pure rules, no database.

The rules (one place for the history, the skill and boss progress and the
leaderboards):
- A value that went down (a hiscores rollback) is never a gain: the gain is 0
  and the change is reported as an anomaly.
- A row absent from the older state gained 0: progress is never invented for a
  row the hiscores did not list yet.
- Kills and scores unranked at the start and ranked at the end count from the
  ranking minimum minus one (a boss first listed at 5 kills counts 1): a lower
  bound, marked approximate.
- A skill unranked at the start and ranked at the end counts 0 (approximate),
  unless it is the only skill not known at both ends and Overall is known at
  both: Overall counts every skill, so the hidden start is Overall minus the others.
- Overall with an unknown total at either end is the sum of the skill gains,
  approximate unless every skill was known at both ends.
- Levels come from experience through the XP table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hiscores import catalogue, levels

from .states import State


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


# The row is missing from a state (not the same as unranked, which is None).
ABSENT: Any = _Absent()


@dataclass(frozen=True, slots=True)
class Gain:
    value: int = 0
    # The true gain may be larger: `value` is a lower bound.
    approximate: bool = False
    # (start, end) when the value went down.
    rollback: tuple[int | None, int | None] | None = None


def count_gain(start: Any, end: Any, *, minimum: int | None) -> Gain:
    """Kills or score. `start`/`end` are a value, None (unranked) or ABSENT."""
    if end is ABSENT or start is ABSENT:
        return Gain(approximate=start is ABSENT and isinstance(end, int) and end > 0)
    if end is None:
        # Ranked, then below the minimum: only a rollback lowers a count.
        return Gain(rollback=(start, None)) if start is not None else Gain()
    if start is None:
        if minimum is None:  # a row the catalogue does not know: its minimum neither
            return Gain(approximate=True)
        return Gain(max(end - (minimum - 1), 0), approximate=True)
    if end < start:
        return Gain(rollback=(start, end))
    return Gain(end - start)


@dataclass(frozen=True, slots=True)
class SkillChange:
    gain: Gain
    # Experience at each end: as stored, inferred from Overall, or None if unknown.
    start: int | None
    end: int | None


def _hidden_start(start: State, end: State, slug: str) -> int | None:
    """The experience of an unranked skill at the start, from Overall, when sound."""
    if start.overall_experience is None or end.overall_experience is None:
        return None
    others = (set(start.skills) | set(end.skills)) - {slug}
    if any(start.skills.get(s) is None or end.skills.get(s) is None for s in others):
        return None
    hidden = start.overall_experience - sum(start.skills[s] for s in others)
    return hidden if hidden >= 0 else None


def skill_change(start: State, end: State, slug: str) -> SkillChange:
    xp0 = start.skills.get(slug, ABSENT)
    xp1 = end.skills.get(slug, ABSENT)
    if xp1 is ABSENT or xp1 is None or xp0 is ABSENT:
        known0 = xp0 if isinstance(xp0, int) else None
        known1 = xp1 if isinstance(xp1, int) else None
        # Ranked, then unranked: the hidden experience may have grown (no rollback:
        # others overtaking pushes a skill out of the ranking). A row new since the
        # start may hold experience gained in the window: 0 is a lower bound too.
        approximate = (known0 is not None and xp1 is None) or (xp0 is ABSENT and bool(known1))
        return SkillChange(Gain(approximate=approximate), known0, known1)
    if xp0 is None:
        hidden = _hidden_start(start, end, slug)
        if hidden is None or hidden > xp1:
            return SkillChange(Gain(approximate=True), None, xp1)
        return SkillChange(Gain(xp1 - hidden), hidden, xp1)
    if xp1 < xp0:
        return SkillChange(Gain(rollback=(xp0, xp1)), xp0, xp1)
    return SkillChange(Gain(xp1 - xp0), xp0, xp1)


def skill_slugs(*states: State) -> list[str]:
    return _slugs(catalogue.SKILL_SLUGS, *(s.skills for s in states))


def boss_slugs(*states: State) -> list[str]:
    return _slugs(catalogue.BOSS_SLUGS, *(s.bosses for s in states))


def activity_slugs(*states: State) -> list[str]:
    return _slugs(catalogue.ACTIVITY_SLUGS, *(s.activities for s in states))


def _slugs(known: tuple[str, ...], *maps: Any) -> list[str]:
    extra = sorted({slug for m in maps for slug in m} - set(known))
    return [*known, *extra]


def overall_gain(start: State, end: State, skills: dict[str, SkillChange]) -> Gain:
    o0, o1 = start.overall_experience, end.overall_experience
    if o0 is not None and o1 is not None:
        return Gain(rollback=(o0, o1)) if o1 < o0 else Gain(o1 - o0)
    # A total is unknown: the skills add up to it.
    sound = all(
        isinstance(start.skills.get(s), int) and isinstance(end.skills.get(s), int)
        for s in set(start.skills) | set(end.skills)
    )
    total = sum(change.gain.value for change in skills.values())
    return Gain(total, approximate=not sound)


def minimum_of(slug: str) -> int | None:
    metric = catalogue.BY_SLUG.get(slug)
    return metric.minimum if metric else None


def gain_of(start: State, end: State, metric: str) -> Gain:
    """One catalogue metric's gain (`overall` or a skill, boss or activity slug)."""
    if metric == "overall":
        skills = {s: skill_change(start, end, s) for s in skill_slugs(start, end)}
        return overall_gain(start, end, skills)
    if metric in catalogue.SKILL_SLUGS:
        return skill_change(start, end, metric).gain
    section = "bosses" if metric in catalogue.BOSS_SLUGS else "activities"
    values0, values1 = getattr(start, section), getattr(end, section)
    return count_gain(
        values0.get(metric, ABSENT), values1.get(metric, ABSENT), minimum=minimum_of(metric)
    )


def level_gains(change: SkillChange) -> tuple[int, int]:
    """(real, virtual) levels gained, from the experience at both ends."""
    if change.start is None or change.end is None or change.end < change.start:
        return 0, 0
    real = levels.level(change.end) - levels.level(change.start)
    virtual = levels.virtual_level(change.end) - levels.virtual_level(change.start)
    return real, virtual
