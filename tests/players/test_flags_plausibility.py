"""The plausibility rules (players/plausibility.py), checked against what they
promise: growth within the fastest rates never flags; several falls always do."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from players.plausibility import (
    FALLS_TO_FLAG,
    GRACE_HOURS,
    MAX_XP_PER_HOUR,
    allowed_gain,
    first_followed,
    judge,
    watched_values,
)

SKILLS = sorted(MAX_XP_PER_HOUR)
metric_values = st.dictionaries(
    st.sampled_from([f"skill.{s}" for s in SKILLS] + ["boss.zulrah", "boss.vorkath"]),
    st.integers(0, 50_000_000),
    min_size=FALLS_TO_FLAG,
)


def test_falls_below_the_threshold_do_not_flag_and_at_it_do():
    before = {"skill.attack": 100, "skill.strength": 100, "boss.zulrah": 10, "skill.magic": 5}
    two = judge(before, {**before, "skill.attack": 90, "boss.zulrah": 9}, hours=1)
    three = judge(
        before, {**before, "skill.attack": 90, "skill.strength": 1, "boss.zulrah": 9}, hours=1
    )
    assert not two.flagged and len(two.falls) == 2
    assert three.flagged and three.falls["skill.strength"] == (100, 1)


def test_a_value_that_becomes_unranked_is_no_fall():
    before = {"skill.attack": 100, "skill.strength": 100, "boss.zulrah": 10}
    assert not judge(before, {}, hours=1).falls


def test_activities_are_not_watched_and_unranked_rows_are_left_out():
    fields = {
        "overall_experience": 500,
        "skills_data": {"attack": {"experience": 300}, "sailing": None},
        "bosses_data": {"zulrah": {"kc": 4}, "vorkath": None},
        "activities_data": {"last_man_standing": {"score": 500}},
    }
    assert watched_values(fields) == {"overall": 500, "skill.attack": 300, "boss.zulrah": 4}


def test_a_gain_beyond_the_fastest_rate_flags():
    hours = 2.0
    allowed = allowed_gain("skill.agility", hours)
    assert allowed == int(MAX_XP_PER_HOUR["agility"] * (hours + GRACE_HOURS))
    ok = judge({"skill.agility": 0}, {"skill.agility": allowed}, hours=hours)
    too_much = judge({"skill.agility": 0}, {"skill.agility": allowed + 1}, hours=hours)
    assert not ok.flagged
    assert too_much.impossible == {"skill.agility": (allowed + 1, allowed)}
    assert allowed_gain("boss.zulrah", hours) is None  # kills are not bounded here


def test_a_skill_unranked_before_counts_from_zero():
    allowed = allowed_gain("skill.cooking", 1)
    assert not judge({}, {"skill.cooking": allowed}, hours=1).flagged
    assert judge({}, {"skill.cooking": allowed + 1}, hours=1).impossible == {
        "skill.cooking": (allowed + 1, allowed)
    }


@given(metric_values, st.floats(0, 1_000), st.data())
def test_growth_within_the_rates_never_flags(before, hours, data):
    after = {
        metric: value + data.draw(st.integers(0, allowed_gain(metric, hours) or 10_000))
        for metric, value in before.items()
    }
    verdict = judge(before, after, hours=hours)
    assert not verdict.flagged
    assert not verdict.falls


@given(metric_values, st.data())
def test_enough_falls_always_flag(before, data):
    falling = data.draw(
        st.lists(st.sampled_from(sorted(before)), min_size=FALLS_TO_FLAG, unique=True)
    )
    after = dict(before)
    for metric in falling:
        after[metric] = before[metric] - data.draw(st.integers(1, 1_000))
    verdict = judge(before, after, hours=1)
    assert verdict.flagged
    assert set(verdict.falls) == set(falling)


def test_the_suggestion_looks_for_a_state_the_answer_could_follow():
    newest_first = [
        {"skill.attack": 300, "boss.zulrah": 9},
        {"skill.attack": 100, "boss.zulrah": 2},
    ]
    assert first_followed({"skill.attack": 150, "boss.zulrah": 3}, newest_first) == 1
    assert first_followed({"skill.attack": 50, "boss.zulrah": 3}, newest_first) is None
