"""The name-change review rules (players.renames.review): pure, checked against
a plain restatement of docs/api.md ("Name changes") and with properties."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from hiscores import catalogue
from players.fastest_rates import MAX_XP_PER_HOUR
from players.models import NameChangeStatus
from players.renames import MIN_REVIEW_HOURS, review
from tests.factories import skills_data

HOUR = timedelta(hours=1)


def fields(xp: int | dict[str, int] = 1_000_000, *, zulrah=None, lms=None, clues=None) -> dict:
    skills = skills_data(xp)
    return {
        "overall_experience": sum(s["experience"] for s in skills.values()),
        "skills_data": skills,
        "bosses_data": {"zulrah": None if zulrah is None else {"rank": 1, "kc": zulrah}},
        "activities_data": {
            "last_man_standing": None if lms is None else {"rank": 1, "score": lms},
            "clue_scrolls_all": None if clues is None else {"rank": 1, "score": clues},
        },
    }


def test_a_new_name_not_on_the_table_is_denied():
    result = review(fields(), None, HOUR)
    assert result.decision == NameChangeStatus.DENIED


def test_the_same_values_later_are_approved():
    result = review(fields(zulrah=50), fields(zulrah=50), 3 * HOUR)
    assert result.decision == NameChangeStatus.APPROVED
    assert result.evidence["went_down"] == [] and result.evidence["too_fast"] == []


def test_experience_that_went_down_is_denied_with_the_metric_named():
    result = review(fields(2_000_000), fields({"attack": 1_000}), 10 * HOUR)
    assert result.decision == NameChangeStatus.DENIED
    assert "attack" in result.reasons[0]
    assert {d["metric"] for d in result.evidence["went_down"]} >= {"attack", "overall"}


def test_kills_that_went_down_or_became_unranked_are_denied():
    assert review(fields(zulrah=50), fields(zulrah=49), HOUR).decision == NameChangeStatus.DENIED
    assert review(fields(zulrah=50), fields(), HOUR).decision == NameChangeStatus.DENIED


def test_a_rating_that_falls_in_play_is_not_compared():
    result = review(fields(lms=900, clues=10), fields(lms=500, clues=10), HOUR)
    assert result.decision == NameChangeStatus.APPROVED


def test_a_counting_activity_that_went_down_is_denied():
    result = review(fields(clues=10), fields(clues=9), HOUR)
    assert result.decision == NameChangeStatus.DENIED


def test_a_gain_beyond_the_fastest_rate_waits_for_staff():
    rate = MAX_XP_PER_HOUR["agility"]
    old = fields(1_000_000)
    new = fields({**{m.slug: 1_000_000 for m in catalogue.SKILLS}, "agility": 1_000_000 + 3 * rate})
    result = review(old, new, 2 * HOUR)
    assert result.decision == NameChangeStatus.PENDING
    assert result.evidence["too_fast"] == [
        {"metric": "agility", "gained": 3 * rate, "allowed": 2 * rate}
    ]
    # Given the time, the same gain is fine.
    assert review(old, new, 3 * HOUR).decision == NameChangeStatus.APPROVED


def test_a_short_gap_counts_as_the_minimum_hours():
    rate = MAX_XP_PER_HOUR["farming"]
    old = fields(1_000_000)
    new = fields({**{m.slug: 1_000_000 for m in catalogue.SKILLS}, "farming": 1_000_000 + rate})
    assert MIN_REVIEW_HOURS >= 1
    assert review(old, new, timedelta(minutes=5)).decision == NameChangeStatus.APPROVED


def test_no_record_of_the_old_name_waits_for_staff():
    assert review(None, fields(), HOUR).decision == NameChangeStatus.PENDING


xp = st.integers(min_value=0, max_value=200_000_000)
gains = st.integers(min_value=-5_000_000, max_value=5_000_000)
SKILLS = [m.slug for m in catalogue.SKILLS]


@given(
    start=st.dictionaries(st.sampled_from(SKILLS), xp),
    change=st.dictionaries(st.sampled_from(SKILLS), gains),
    hours=st.integers(min_value=0, max_value=500),
)
def test_the_decision_is_the_documented_rule(start, change, hours):
    """The rule restated plainly: any skill lower is a denial; else any skill
    gaining more than its rate times max(hours, 1) waits; else approved."""
    end = {
        slug: min(max(start.get(slug, 0) + change.get(slug, 0), 0), 200_000_000) for slug in SKILLS
    }
    begin = {slug: start.get(slug, 0) for slug in SKILLS}
    result = review(fields(begin), fields(end), timedelta(hours=hours))

    lower = any(end[s] < begin[s] for s in SKILLS)
    fast = any(end[s] - begin[s] > int(MAX_XP_PER_HOUR[s] * max(hours, 1)) for s in SKILLS)
    expected = (
        NameChangeStatus.DENIED
        if lower
        else NameChangeStatus.PENDING
        if fast
        else NameChangeStatus.APPROVED
    )
    assert result.decision == expected
    assert result.reasons
