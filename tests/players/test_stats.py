from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from hiscores import catalogue, levels
from players.errors import NoRecords
from players.stats import player_stats, stats_of
from tests.factories import HiscoreRecordFactory, PlayerFactory, skills_data

NOW = datetime(2026, 6, 15, tzinfo=UTC)


def record(**fields) -> SimpleNamespace:
    values = {
        "fetched_at": NOW,
        "last_checked_at": NOW,
        "overall_rank": 10,
        "overall_level": 1500,
        "overall_experience": 90_000_000,
        "skills_data": skills_data(1_000_000),
        "bosses_data": {},
        "activities_data": {},
    }
    return SimpleNamespace(**(values | fields))


UNKNOWN_SKILL = {"rank": None, "level": None, "experience": None, "virtual_level": None}


def test_a_record_from_before_a_skill_existed_shows_it_with_unknown_values():
    skills = skills_data(1_000_000)
    del skills["sailing"]
    assert stats_of(record(skills_data=skills), username="x")["skills"]["sailing"] == UNKNOWN_SKILL


def test_an_untrained_skill_listed_with_zero_experience_is_kept():
    skills = skills_data(1_000_000) | {"sailing": {"rank": None, "level": 1, "experience": 0}}
    sailing = stats_of(record(skills_data=skills), username="x")["skills"]["sailing"]
    assert sailing == {"rank": None, "level": 1, "experience": 0, "virtual_level": 1}


def test_combat_counts_an_unranked_combat_skill_as_a_new_account_would():
    base = {slug: levels.experience_for_level(60) for slug in catalogue.SKILL_SLUGS}
    ranked = stats_of(record(skills_data=skills_data(base)), username="x")["combat_level"]
    skills = skills_data(base) | {"hitpoints": None}
    unranked = stats_of(record(skills_data=skills), username="x")["combat_level"]
    # Hitpoints 60 -> counted as 10: 0.25 * 50 lower.
    assert ranked - unranked == 12


def test_an_unranked_entry_is_an_object_of_nulls_never_null_itself():
    skills = skills_data(1_000_000) | {"attack": None}
    body = stats_of(record(skills_data=skills, bosses_data={"zulrah": None}), username="x")
    assert body["skills"]["attack"] == UNKNOWN_SKILL
    assert body["bosses"]["zulrah"] == {"rank": None, "kc": None}
    assert all(v == {"rank": None, "score": None} for v in body["activities"].values())


def test_raw_hiscores_markers_never_leak_through():
    body = stats_of(
        record(
            overall_rank=-1,
            overall_level=0,
            overall_experience=0,
            skills_data={"attack": {"rank": -1, "level": 1, "experience": -1}},
            bosses_data={"zulrah": {"rank": -1, "kc": -1}},
        ),
        username="x",
    )
    assert body["overall"] == {"rank": None, "level": None, "experience": None}
    assert body["total_level"] is None
    assert body["skills"]["attack"] == {
        "rank": None,
        "level": 1,
        "experience": None,
        "virtual_level": None,
    }
    assert body["bosses"]["zulrah"] == {"rank": None, "kc": None}


@pytest.mark.django_db
def test_player_stats_at_a_moment_before_the_first_record_are_no_records():
    player = PlayerFactory()
    HiscoreRecordFactory(player=player, fetched_at=NOW, skills_data=skills_data(5))
    with pytest.raises(NoRecords):
        player_stats(player=player, at=NOW.replace(year=2025))


@pytest.mark.django_db
def test_player_stats_at_a_moment_probe_the_history():
    player = PlayerFactory()
    HiscoreRecordFactory(player=player, fetched_at=NOW, skills_data=skills_data(5))
    assert player_stats(player=player, at=NOW)["skills"]["attack"]["experience"] == 5
