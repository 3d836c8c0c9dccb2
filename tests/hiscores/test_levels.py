"""Experience table, levels, virtual levels and the combat formula."""

from __future__ import annotations

import pytest

from hiscores import levels


@pytest.mark.parametrize(
    ("level", "experience"),
    [
        (1, 0),
        (2, 83),
        (10, 1_154),
        (50, 101_333),
        (92, 6_517_253),
        (99, 13_034_431),
        (126, 188_884_740),
    ],
)
def test_experience_table(level, experience):
    assert levels.experience_for_level(level) == experience


@pytest.mark.parametrize("level", [0, 127, -5])
def test_experience_for_an_impossible_level_is_refused(level):
    with pytest.raises(ValueError, match=r"1\.\.126"):
        levels.experience_for_level(level)


@pytest.mark.parametrize(
    ("experience", "level", "virtual"),
    [
        (-1, 1, 1),
        (0, 1, 1),
        (82, 1, 1),
        (83, 2, 2),
        (13_034_430, 98, 98),
        (13_034_431, 99, 99),
        (14_391_160, 99, 100),
        (188_884_739, 99, 125),
        (188_884_740, 99, 126),
        (200_000_000, 99, 126),
    ],
)
def test_level_and_virtual_level(experience, level, virtual):
    assert levels.level(experience) == level
    assert levels.virtual_level(experience) == virtual


COMBAT = ("attack", "strength", "defence", "hitpoints", "prayer", "ranged", "magic")


@pytest.mark.parametrize(
    ("stats", "combat"),
    [
        (dict.fromkeys(COMBAT, 99), 126),
        ({}, 3),  # a fresh account: Hitpoints 10, the rest 1
        ({"hitpoints": 10}, 3),
        # an obby mauler: 99 strength, everything else at its start
        ({"strength": 99, "hitpoints": 10}, 35),
        # a 1 defence pure
        ({"attack": 60, "strength": 99, "hitpoints": 85, "prayer": 52, "ranged": 99}, 79),
        # a ranger: 0.25 * (70 + 80 + 35) + 0.325 * floor(1.5 * 99) = 46.25 + 48.1
        ({"defence": 70, "hitpoints": 80, "prayer": 70, "ranged": 99}, 94),
        # 0.25 * (70 + 77 + 26) + 0.325 * (75 + 80) = 43.25 + 50.375
        ({"attack": 75, "strength": 80, "defence": 70, "hitpoints": 77, "prayer": 52}, 93),
        # a mage whose melee is higher: melee wins, 0.25 * 11 + 0.325 * 130 = 45.0
        ({"attack": 60, "strength": 70, "magic": 80}, 45),
    ],
)
def test_combat_level(stats, combat):
    assert levels.combat_level(stats) == combat
