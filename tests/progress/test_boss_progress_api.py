from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils.dateparse import parse_datetime
from drf_spectacular.generators import SchemaGenerator

from hiscores import catalogue
from tests.progress.builders import NOW, add_record, boss_entries

pytestmark = pytest.mark.django_db


def get(api, boss: str = "zulrah", **params):
    return api.get(f"/api/players/zezima/history/bosses/{boss}", params)


def test_kills_gained_and_rate_over_the_window(clock, api, player):
    add_record(player, NOW - timedelta(days=40), bosses=boss_entries(zulrah=100))
    add_record(player, NOW - timedelta(days=20), bosses=boss_entries(zulrah=160))
    add_record(player, NOW - timedelta(days=2), bosses=boss_entries(zulrah=190))
    body = get(api, days=30).json()
    assert (body["start"], body["end"]) == ({"kc": 100}, {"kc": 190})
    assert body["kills_gained"] == 90
    assert body["rate_per_day"] == pytest.approx(90 / 38)
    assert [p["kc"] for p in body["timeline"]] == [100, 160, 190]
    assert body["approximate"] is False


def test_an_unranked_boss_is_an_object_of_nulls_at_both_ends_and_on_the_timeline(
    clock, api, player
):
    add_record(player, NOW - timedelta(days=20), bosses=boss_entries(zulrah=None))
    add_record(player, NOW - timedelta(days=2), bosses=boss_entries(zulrah=None, vorkath=9))
    body = get(api, days=30).json()
    assert (body["start"], body["end"]) == ({"kc": None}, {"kc": None})
    assert body["timeline"]
    assert all(set(point) == {"at", "kc"} and point["kc"] is None for point in body["timeline"])


def test_next_milestone_is_reached_at_the_recent_rate(clock, api, player):
    add_record(player, NOW - timedelta(days=10), bosses=boss_entries(vorkath=120))
    add_record(player, NOW - timedelta(days=7), bosses=boss_entries(vorkath=130))
    add_record(player, NOW - timedelta(days=1), bosses=boss_entries(vorkath=165))
    trend = get(api, boss="vorkath", days=30).json()["trend"]
    assert trend["recent_rate_per_day"] == pytest.approx(35 / 7)
    assert trend["window_rate_per_day"] == pytest.approx(45 / 10)
    assert trend["next_milestone"] == 200
    expected = NOW + timedelta(days=35 / (35 / 7))
    assert parse_datetime(trend["next_milestone_at"]) == pytest.approx(
        expected, abs=timedelta(seconds=1)
    )


@pytest.mark.parametrize(("kc", "milestone"), [(5, 50), (49, 50), (50, 100), (99, 100), (100, 200)])
def test_milestones_are_fifty_then_every_hundred(clock, api, player, kc, milestone):
    before = kc - 2 if kc - 2 >= 5 else None
    add_record(player, NOW - timedelta(days=3), bosses=boss_entries(zulrah=before))
    add_record(player, NOW - timedelta(days=1), bosses=boss_entries(zulrah=kc))
    assert get(api).json()["trend"]["next_milestone"] == milestone


def test_without_progress_the_trend_projects_nothing(clock, api, player):
    add_record(player, NOW - timedelta(days=3), bosses=boss_entries(zulrah=80))
    trend = get(api).json()["trend"]
    assert trend == {
        "recent_rate_per_day": 0.0,
        "window_rate_per_day": 0.0,
        "next_milestone": None,
        "next_milestone_at": None,
    }


def test_a_boss_first_listed_counts_from_its_minimum_and_is_approximate(clock, api, player):
    add_record(player, NOW - timedelta(days=40), bosses=boss_entries())
    add_record(player, NOW - timedelta(days=1), bosses=boss_entries(tzkal_zuk=2, zulrah=7))
    zuk = get(api, boss="tzkal_zuk").json()
    assert (zuk["kills_gained"], zuk["approximate"]) == (2, True)
    assert get(api, boss="zulrah").json()["kills_gained"] == 3


def test_a_rollback_is_reported_and_counts_nothing(clock, api, player):
    add_record(player, NOW - timedelta(days=10), bosses=boss_entries(zulrah=300))
    add_record(player, NOW - timedelta(days=1), bosses=boss_entries(zulrah=250))
    body = get(api).json()
    assert body["kills_gained"] == 0
    assert body["anomaly"] == {"start": 300, "end": 250}


def test_unknown_boss_lists_the_valid_slugs(clock, api, player):
    body = get(api, boss="jad").json()
    assert body["error_code"] == "unknown_metric"
    assert body["details"]["valid"] == list(catalogue.BOSS_SLUGS)


def test_a_skill_is_not_a_boss(clock, api, player):
    assert get(api, boss="attack").status_code == 404


@pytest.mark.parametrize("days", ["0", "-5", "100000", "week"])
def test_bad_days_are_validation_errors(clock, api, player, days):
    add_record(player, NOW - timedelta(days=1))
    response = get(api, days=days)
    assert response.status_code == 422
    assert response.json()["error_code"] == "validation_error"


def test_the_schema_describes_the_boss_progress_body_exactly(clock, api, player):
    add_record(player, NOW - timedelta(days=3), bosses=boss_entries(zulrah=10))
    body = get(api).json()
    components = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    assert set(components["BossProgress"]["properties"]) == set(body)
    assert set(components["BossTrend"]["properties"]) == set(body["trend"])
    assert set(components["BossPoint"]["properties"]) == set(body["timeline"][0])
