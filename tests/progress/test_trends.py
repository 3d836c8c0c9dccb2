from __future__ import annotations

from datetime import timedelta

import pytest

from hiscores import levels
from progress.trends import (
    MAX_PROJECTION_DAYS,
    boss_projection,
    elapsed_rate,
    next_milestone,
    projected_at,
    skill_projection,
)
from tests.progress.builders import NOW


@pytest.mark.parametrize(
    ("kc", "milestone"), [(0, 50), (49, 50), (50, 100), (99, 100), (100, 200), (1234, 1300)]
)
def test_milestones_are_fifty_then_each_hundred(kc, milestone):
    assert next_milestone(kc) == milestone


def test_projection_is_remaining_over_rate():
    assert projected_at(100, 25.0, NOW) == NOW + timedelta(days=4)


@pytest.mark.parametrize("rate", [0.0, -3.0, None])
def test_no_progress_projects_nothing(rate):
    assert projected_at(100, rate, NOW) is None


def test_a_pace_over_less_than_a_day_is_no_pace_and_projects_nothing():
    assert elapsed_rate(250_000, NOW - timedelta(minutes=4), NOW) is None
    assert elapsed_rate(250_000, NOW - timedelta(days=2), NOW) == pytest.approx(125_000)
    assert set(skill_projection(1_000_000, None, NOW).values()) == {None}
    assert set(boss_projection(80, None, NOW).values()) == {None}


def test_a_projection_beyond_a_century_is_none_not_an_overflow():
    assert projected_at(10**12, 1e-9, NOW) is None
    assert projected_at(MAX_PROJECTION_DAYS, 1.0, NOW) is not None


def test_skill_projection_targets_the_next_virtual_level_and_99():
    xp = levels.experience_for_level(50)
    projection = skill_projection(xp, 1000.0, NOW)
    assert projection["next_level"] == 51
    needed = levels.experience_for_level(51) - xp
    assert projection["next_level_at"] == NOW + timedelta(days=needed / 1000)
    needed = levels.experience_for_level(99) - xp
    assert projection["level_99_at"] == NOW + timedelta(days=needed / 1000)


def test_skill_projection_at_126_has_no_next_level():
    projection = skill_projection(levels.experience_for_level(126), 1000.0, NOW)
    assert projection == {"next_level": None, "next_level_at": None, "level_99_at": None}


def test_unknown_experience_projects_nothing():
    assert set(skill_projection(None, 1000.0, NOW).values()) == {None}
    assert set(boss_projection(None, 3.0, NOW).values()) == {None}
