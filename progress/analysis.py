"""The whole difference between two states: every metric's gain, levels, daily
rates (none over less than a day), rollbacks and approximations (the body of
ProgressAnalysis). Pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .gains import (
    ABSENT,
    Gain,
    activity_slugs,
    boss_slugs,
    count_gain,
    level_gains,
    minimum_of,
    overall_gain,
    skill_change,
    skill_slugs,
)
from .states import State

SECONDS_PER_DAY = 86_400
# The shortest span a daily rate is given for (docs/api.md, "Rates"): a gain
# made in minutes, multiplied up to a day, says nothing of a day's play (250,000
# XP in 4 minutes would read as 81 million a day).
MIN_RATE_SECONDS = SECONDS_PER_DAY


def per_day(gained: int, seconds: float) -> float | None:
    """A gain per day over a span of `seconds`; None (no rate) when the span is
    shorter than MIN_RATE_SECONDS. Every rate and projection the API gives comes
    from here, so they all follow that rule."""
    return gained * SECONDS_PER_DAY / seconds if seconds >= MIN_RATE_SECONDS else None


@dataclass(frozen=True, slots=True)
class Analysis:
    start: State
    end: State
    experience: dict[str, Gain]  # "overall", then every skill
    levels: dict[str, int]  # real levels: "overall" is the total level
    virtual_levels: dict[str, int]
    bosses: dict[str, Gain]
    activities: dict[str, Gain]

    @property
    def span_seconds(self) -> float:
        """The time between the two states compared (when each was first seen)."""
        return (self.end.at - self.start.at).total_seconds()

    def gains(self) -> dict[str, Gain]:
        """Every metric by slug: overall, skills, bosses, activities."""
        return {**self.experience, **self.bosses, **self.activities}

    def daily_rates(self) -> dict[str, float | None]:
        span = self.span_seconds
        return {slug: per_day(gain.value, span) for slug, gain in self.gains().items()}

    def anomalies(self) -> list[dict[str, Any]]:
        return [
            {"metric": slug, "start": gain.rollback[0], "end": gain.rollback[1]}
            for slug, gain in self.gains().items()
            if gain.rollback is not None
        ]

    def approximate(self) -> list[str]:
        return [slug for slug, gain in self.gains().items() if gain.approximate]

    def body(self) -> dict[str, Any]:
        """The gain fields of ProgressAnalysis: every metric listed, 0 when unchanged."""
        return {
            "experience_gained": {slug: g.value for slug, g in self.experience.items()},
            "levels_gained": self.levels,
            "virtual_levels_gained": self.virtual_levels,
            "boss_kills_gained": {slug: g.value for slug, g in self.bosses.items()},
            "activity_scores_gained": {slug: g.value for slug, g in self.activities.items()},
            "daily_rates": self.daily_rates(),
            "anomalies": self.anomalies(),
            "approximate": self.approximate(),
        }


def analyse(start: State, end: State) -> Analysis:
    changes = {slug: skill_change(start, end, slug) for slug in skill_slugs(start, end)}
    level_pairs = {slug: level_gains(change) for slug, change in changes.items()}
    l0, l1 = start.overall_level, end.overall_level
    # The total level counts hidden (unranked) skills too: prefer it when known.
    if l0 is not None and l1 is not None:
        total_levels = max(l1 - l0, 0)
    else:
        total_levels = sum(real for real, _ in level_pairs.values())
    return Analysis(
        start=start,
        end=end,
        experience={
            "overall": overall_gain(start, end, changes),
            **{slug: change.gain for slug, change in changes.items()},
        },
        levels={"overall": total_levels, **{s: p[0] for s, p in level_pairs.items()}},
        virtual_levels={
            "overall": sum(virtual for _, virtual in level_pairs.values()),
            **{s: p[1] for s, p in level_pairs.items()},
        },
        bosses={
            slug: count_gain(
                start.bosses.get(slug, ABSENT),
                end.bosses.get(slug, ABSENT),
                minimum=minimum_of(slug),
            )
            for slug in boss_slugs(start, end)
        },
        activities={
            slug: count_gain(
                start.activities.get(slug, ABSENT),
                end.activities.get(slug, ABSENT),
                minimum=minimum_of(slug),
            )
            for slug in activity_slugs(start, end)
        },
    )
