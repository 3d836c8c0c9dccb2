"""Rates and projections for one skill or boss: at the pace of the last days,
when is the next level, 99, or the next kill-count milestone. Pure."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hiscores import levels

from .analysis import per_day

RECENT_DAYS = 7
# Further out than this a projection says nothing (and would overflow a date).
MAX_PROJECTION_DAYS = 36_500


def elapsed_rate(gained: int, since: datetime, until: datetime) -> float | None:
    """Gain per day of calendar time: the pace a projection assumes; None over
    less than a day (`analysis.per_day`), and then nothing is projected."""
    return per_day(gained, (until - since).total_seconds())


def projected_at(remaining: int, rate_per_day: float | None, now: datetime) -> datetime | None:
    """When `remaining` more is reached at `rate_per_day`; None without progress
    or without a rate."""
    if rate_per_day is None or rate_per_day <= 0 or remaining < 0:
        return None
    days = remaining / rate_per_day
    return now + timedelta(days=days) if days <= MAX_PROJECTION_DAYS else None


def next_milestone(kc: int) -> int:
    """50 below 100 kills, then every multiple of 100."""
    if kc < 50:
        return 50
    if kc < 100:
        return 100
    return (kc // 100 + 1) * 100


def skill_projection(
    experience: int | None, rate_per_day: float | None, now: datetime
) -> dict[str, Any]:
    """`next_level` (virtual, up to 126) and when it and 99 come at `rate_per_day`;
    all None when there is no progress or the experience is unknown."""
    nothing = {"next_level": None, "next_level_at": None, "level_99_at": None}
    if experience is None or rate_per_day is None or rate_per_day <= 0:
        return nothing
    current = levels.virtual_level(experience)
    next_level = current + 1 if current < levels.MAX_VIRTUAL_LEVEL else None
    level_99_at = None
    if current < levels.MAX_LEVEL:
        needed = levels.experience_for_level(levels.MAX_LEVEL) - experience
        level_99_at = projected_at(needed, rate_per_day, now)
    return {
        "next_level": next_level,
        "next_level_at": (
            projected_at(levels.experience_for_level(next_level) - experience, rate_per_day, now)
            if next_level is not None
            else None
        ),
        "level_99_at": level_99_at,
    }


def boss_projection(kc: int | None, rate_per_day: float | None, now: datetime) -> dict[str, Any]:
    if kc is None or rate_per_day is None or rate_per_day <= 0:
        return {"next_milestone": None, "next_milestone_at": None}
    milestone = next_milestone(kc)
    return {
        "next_milestone": milestone,
        "next_milestone_at": projected_at(milestone - kc, rate_per_day, now),
    }
