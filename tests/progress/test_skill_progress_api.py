from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.dateparse import parse_datetime
from drf_spectacular.generators import SchemaGenerator

from hiscores import catalogue, levels
from players.records import HiscoreRecord
from tests.progress.builders import NOW, add_record, skill_entries

pytestmark = pytest.mark.django_db

URL = "/api/players/zezima/history/skills/{skill}"


def get(api, skill: str = "attack", **params):
    return api.get(URL.format(skill=skill), params)


def at(text: str) -> datetime:
    return parse_datetime(text)


def daily_attack(player, days: int, *, start_xp: int, per_day: int) -> None:
    """One record a day for `days` days up to yesterday, attack growing steadily."""
    for index in range(days):
        xp = start_xp + index * per_day
        add_record(player, NOW - timedelta(days=days - index), skills=skill_entries(attack=xp))


def test_start_end_gain_and_rate_over_the_window(clock, api, player):
    daily_attack(player, 40, start_xp=1_000_000, per_day=10_000)
    body = get(api, days=30).json()
    assert body["start"]["experience"] == 1_100_000  # the record 30 days ago
    assert body["end"]["experience"] == 1_390_000
    assert body["experience_gained"] == 290_000
    assert body["levels_gained"] == levels.level(1_390_000) - levels.level(1_100_000)
    assert body["rate_per_day"] == pytest.approx(10_000)
    assert body["trend"]["window_rate_per_day"] == pytest.approx(290_000 / 30)
    assert body["baseline"] == "at_start"


def test_default_window_is_thirty_days(clock, api, player):
    add_record(player, NOW - timedelta(days=1))
    assert get(api).json()["days"] == 30


def test_the_trend_projects_the_next_level_and_99_at_the_recent_rate(clock, api, player):
    daily_attack(player, 40, start_xp=1_000_000, per_day=70_000)
    trend = get(api, days=30).json()["trend"]
    end_xp = 1_000_000 + 39 * 70_000
    assert trend["recent_rate_per_day"] == pytest.approx(6 * 70_000 / 7)
    assert trend["next_level"] == levels.virtual_level(end_xp) + 1
    rate = trend["recent_rate_per_day"]
    to_next = levels.experience_for_level(trend["next_level"]) - end_xp
    second = timedelta(seconds=1)
    expected = NOW + timedelta(days=to_next / rate)
    assert at(trend["next_level_at"]) == pytest.approx(expected, abs=second)
    to_99 = levels.experience_for_level(99) - end_xp
    assert at(trend["level_99_at"]) == pytest.approx(NOW + timedelta(days=to_99 / rate), abs=second)


def test_without_recent_progress_there_is_no_projection(clock, api, player):
    add_record(player, NOW - timedelta(days=20), skills=skill_entries(attack=500_000))
    add_record(player, NOW - timedelta(days=10), skills=skill_entries(attack=600_000))
    trend = get(api, days=30).json()["trend"]
    assert trend["recent_rate_per_day"] == 0
    assert trend["window_rate_per_day"] > 0
    assert trend["next_level"] is trend["next_level_at"] is trend["level_99_at"] is None


def test_past_99_there_is_no_level_99_date_but_a_next_virtual_level(clock, api, player):
    add_record(player, NOW - timedelta(days=5), skills=skill_entries(attack=14_000_000))
    add_record(player, NOW - timedelta(days=1), skills=skill_entries(attack=14_500_000))
    trend = get(api, days=30).json()["trend"]
    assert trend["level_99_at"] is None
    assert trend["next_level"] == levels.virtual_level(14_500_000) + 1


def test_at_the_experience_cap_there_is_no_next_level(clock, api, player):
    add_record(player, NOW - timedelta(days=5), skills=skill_entries(attack=190_000_000))
    add_record(player, NOW - timedelta(days=1), skills=skill_entries(attack=200_000_000))
    trend = get(api, days=30).json()["trend"]
    assert trend["next_level"] is None
    assert trend["next_level_at"] is None


def test_timeline_starts_with_the_state_at_the_window_start(clock, api, player):
    add_record(player, NOW - timedelta(days=50), skills=skill_entries(attack=100_000))
    add_record(player, NOW - timedelta(days=3), skills=skill_entries(attack=150_000))
    timeline = get(api, days=30).json()["timeline"]
    assert [(at(p["at"]), p["experience"]) for p in timeline] == [
        (NOW - timedelta(days=30), 100_000),
        (NOW - timedelta(days=3), 150_000),
    ]
    assert timeline[1]["level"] == levels.level(150_000)


def test_first_seen_inside_the_window_is_the_baseline(clock, api, player):
    add_record(player, NOW - timedelta(days=4), skills=skill_entries(attack=100_000))
    add_record(player, NOW - timedelta(days=2), skills=skill_entries(attack=180_000))
    body = get(api, days=30).json()
    assert body["baseline"] == "first_record"
    assert [p["experience"] for p in body["timeline"]] == [100_000, 180_000]
    assert body["trend"]["window_rate_per_day"] == pytest.approx(80_000 / 4)


def test_an_unranked_skill_is_an_object_of_nulls_at_both_ends(clock, api, player):
    add_record(player, NOW - timedelta(days=20), skills=skill_entries(attack=None))
    add_record(player, NOW - timedelta(days=2), skills=skill_entries(attack=None))
    body = get(api, days=30).json()
    unknown = {"experience": None, "level": None, "virtual_level": None}
    assert (body["start"], body["end"]) == (unknown, unknown)
    assert all(point["experience"] is point["level"] is None for point in body["timeline"])


def test_a_long_timeline_is_sampled_to_200_points_keeping_the_first_and_last(clock, api, player):
    add_record(player, NOW - timedelta(days=45), skills={"attack": None})
    first = NOW - timedelta(days=29)
    records = [
        HiscoreRecord(
            player=player,
            fetched_at=first + timedelta(hours=2 * index),
            last_checked_at=first + timedelta(hours=2 * index),
            overall_experience=1,
            skills_data={"attack": {"rank": 1, "level": 1, "experience": 1000 * index}},
        )
        for index in range(340)
    ]
    HiscoreRecord.objects.bulk_create(records)
    player.latest_record = HiscoreRecord.objects.latest_for(player.id)
    player.save()
    timeline = get(api, days=30).json()["timeline"]
    assert len(timeline) == 200
    assert timeline[0] == {"at": "2026-05-16T12:00:00Z", "experience": None, "level": None}
    assert timeline[1]["experience"] == 0
    assert timeline[-1]["experience"] == 339_000
    moments = [at(p["at"]) for p in timeline]
    assert moments == sorted(set(moments))
    # Evenly spread over the records: no stretch is left out.
    records = moments[1:]
    assert max(b - a for a, b in pairwise(records)) <= timedelta(hours=4)


def test_the_range_read_selects_one_key_not_whole_rows(clock, api, player):
    add_record(player, NOW - timedelta(days=3), skills=skill_entries(attack=100_000))
    with CaptureQueriesContext(connection) as captured:
        get(api, days=30)
    ranges = [q["sql"] for q in captured.captured_queries if "LIMIT 1" not in q["sql"]]
    reads = [sql for sql in ranges if "hiscores_hiscorerecord" in sql]
    assert reads
    for sql in reads:
        assert "bosses_data" not in sql
        assert "activities_data" not in sql


def test_unknown_skill_lists_the_valid_slugs(clock, api, player):
    response = get(api, skill="dungeoneering")
    assert response.status_code == 404
    body = response.json()
    assert body["error_code"] == "unknown_metric"
    assert body["details"]["valid"] == list(catalogue.SKILL_SLUGS)


@pytest.mark.parametrize("days", ["0", "-1", "3651", "99999999999999999999", "abc", "1.5", ""])
def test_bad_days_are_validation_errors(clock, api, player, days):
    add_record(player, NOW - timedelta(days=1))
    response = get(api, days=days)
    assert response.status_code == 422
    assert list(response.json()["details"]) == ["days"]


def test_unknown_player_is_not_found(clock, api):
    response = api.get("/api/players/nobody/history/skills/attack")
    assert response.json()["error_code"] == "player_not_found"


def test_player_without_records_has_no_records(clock, api, player):
    assert get(api).json()["error_code"] == "no_records"


def test_the_schema_describes_the_skill_progress_body_exactly(clock, api, player):
    add_record(player, NOW - timedelta(days=3), skills=skill_entries(attack=100_000))
    body = get(api).json()
    components = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    assert set(components["SkillProgress"]["properties"]) == set(body)
    assert set(components["SkillTrend"]["properties"]) == set(body["trend"])
    assert set(components["SkillPoint"]["properties"]) == set(body["timeline"][0])
    assert set(components["SkillValue"]["properties"]) == set(body["start"])


def test_a_player_watched_for_minutes_gets_no_rate_and_no_projection(clock, api, player):
    """The admin chart once read "+250,000 XP, 81,257,732 a day" after 4 minutes:
    under a day there is no rate to give (docs/api.md, "Rates")."""
    add_record(player, NOW - timedelta(minutes=5), skills=skill_entries(attack=1_000_000))
    add_record(player, NOW - timedelta(minutes=1), skills=skill_entries(attack=1_250_000))
    body = get(api, days=1).json()
    assert body["experience_gained"] == 250_000
    assert body["rate_per_day"] is None
    assert body["trend"] == {
        "recent_rate_per_day": None,
        "window_rate_per_day": None,
        "next_level": None,
        "next_level_at": None,
        "level_99_at": None,
    }
    history = api.get("/api/players/zezima/history", {"period": "day"}).json()
    assert history["experience_gained"]["attack"] == 250_000
    assert history["daily_rates"]["attack"] is None
