from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.generators import SchemaGenerator

from hiscores import catalogue
from tests.progress.builders import NOW, add_record, boss_entries, skill_entries

pytestmark = pytest.mark.django_db

URL = "/api/players/zezima/history"


def iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error_code"] == code
    return body


def test_a_week_compares_the_state_at_its_start_with_the_latest(clock, api, player):
    add_record(player, NOW - timedelta(days=20), skills=skill_entries(1_000_000))
    add_record(
        player,
        NOW - timedelta(days=6),
        skills=skill_entries(1_000_000, attack=1_400_000),
        bosses=boss_entries(zulrah=10),
    )
    add_record(
        player,
        NOW - timedelta(days=2),
        skills=skill_entries(1_000_000, attack=1_500_000),
        bosses=boss_entries(zulrah=30),
    )
    body = api.get(URL, {"period": "week"}).json()
    assert body["baseline"] == "at_start"
    assert body["period_start"] == iso(NOW - timedelta(days=7))
    assert body["period_end"] == iso(NOW)
    assert body["start_record_at"] == iso(NOW - timedelta(days=20))
    assert body["end_record_at"] == iso(NOW - timedelta(days=2))
    assert body["experience_gained"]["attack"] == 500_000
    assert body["experience_gained"]["overall"] == 500_000
    assert body["levels_gained"]["attack"] == 4  # 73 -> 77 by the XP table
    assert body["boss_kills_gained"]["zulrah"] == 26  # unranked, first listed at 5
    assert body["approximate"] == ["zulrah"]
    assert body["daily_rates"]["attack"] == pytest.approx(500_000 / 18)
    assert body["anomalies"] == []


def test_every_catalogue_metric_is_listed_with_zero_when_unchanged(clock, api, player):
    add_record(player, NOW - timedelta(days=3))
    body = api.get(URL, {"period": "day"}).json()
    assert list(body["experience_gained"]) == ["overall", *catalogue.SKILL_SLUGS]
    assert list(body["boss_kills_gained"]) == list(catalogue.BOSS_SLUGS)
    assert list(body["activity_scores_gained"]) == list(catalogue.ACTIVITY_SLUGS)
    # One record compared with itself: no span, so no rate (docs/api.md, "Rates").
    assert set(body["daily_rates"].values()) == {None}
    assert body["start_record_at"] == body["end_record_at"]


def test_a_player_first_seen_inside_the_window_is_measured_from_the_first_record(
    clock, api, player
):
    add_record(player, NOW - timedelta(days=3), skills=skill_entries(200_000))
    add_record(player, NOW - timedelta(days=1), skills=skill_entries(200_000, magic=260_000))
    body = api.get(URL, {"period": "month"}).json()
    assert body["baseline"] == "first_record"
    assert body["start_record_at"] == iso(NOW - timedelta(days=3))
    assert body["experience_gained"]["magic"] == 60_000
    assert body["daily_rates"]["magic"] == pytest.approx(30_000)


def test_a_rollback_is_an_anomaly_and_never_a_gain(clock, api, player):
    add_record(player, NOW - timedelta(days=5), bosses=boss_entries(vorkath=500))
    add_record(player, NOW - timedelta(days=1), bosses=boss_entries(vorkath=480))
    body = api.get(URL, {"start": iso(NOW - timedelta(days=6))}).json()
    assert body["boss_kills_gained"]["vorkath"] == 0
    assert body["anomalies"] == [{"metric": "vorkath", "start": 500, "end": 480}]


def test_start_and_end_pick_the_states_standing_then(clock, api, player):
    for days, xp in [(30, 100_000), (20, 150_000), (10, 400_000), (1, 900_000)]:
        add_record(player, NOW - timedelta(days=days), skills=skill_entries(100_000, fishing=xp))
    body = api.get(
        URL, {"start": iso(NOW - timedelta(days=25)), "end": iso(NOW - timedelta(days=5))}
    ).json()
    assert body["experience_gained"]["fishing"] == 300_000
    assert body["end_record_at"] == iso(NOW - timedelta(days=10))


def test_period_may_end_at_a_given_end(clock, api, player):
    add_record(player, NOW - timedelta(days=40), skills=skill_entries(100_000))
    add_record(player, NOW - timedelta(days=33), skills=skill_entries(100_000, mining=150_000))
    add_record(player, NOW - timedelta(days=1), skills=skill_entries(100_000, mining=990_000))
    body = api.get(URL, {"period": "week", "end": iso(NOW - timedelta(days=30))}).json()
    assert body["experience_gained"]["mining"] == 50_000


def test_unknown_player_is_not_found(clock, api):
    assert_error(api.get("/api/players/nobody/history", {"period": "day"}), 404, "player_not_found")


def test_player_without_records_has_no_records(clock, api, player):
    assert_error(api.get(URL, {"period": "day"}), 404, "no_records")


def test_window_ending_before_the_first_record_has_no_records(clock, api, player):
    add_record(player, NOW - timedelta(days=1))
    params = {"start": "2020-01-01T00:00:00Z", "end": "2020-02-01T00:00:00Z"}
    assert_error(api.get(URL, params), 404, "no_records")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "start"),
        ({"start": "2026-06-01T00:00:00Z", "period": "week"}, "period"),
        ({"period": "fortnight"}, "period"),
        ({"period": ""}, "period"),
        ({"start": "yesterday"}, "start"),
        ({"start": "2026-06-01T00:00:00"}, "start"),
        ({"start": "2026-06-10T00:00:00Z", "end": "2026-06-01T00:00:00Z"}, "start"),
        ({"start": "2026-06-10T00:00:00Z", "end": "2026-06-10T00:00:00Z"}, "start"),
        ({"start": "2026-06-10T00:00:00Z", "end": "2027-01-01T00:00:00Z"}, "end"),
        ({"start": "2010-01-01T00:00:00Z"}, "start"),
        ({"start": "2026-06-10T00:00:00Z", "end": "not a date"}, "end"),
        ({"period": "week", "end": "2026-06-10"}, "end"),
    ],
)
def test_bad_windows_are_validation_errors_naming_the_field(clock, api, player, params, field):
    add_record(player, NOW - timedelta(days=1))
    body = assert_error(api.get(URL, params), 422, "validation_error")
    assert list(body["details"]) == [field]


def test_cost_does_not_grow_with_the_history(clock, api, player):
    def queries() -> int:
        cache.clear()  # the body is built each time, not read from the cache
        with CaptureQueriesContext(connection) as captured:
            assert api.get(URL, {"period": "week"}).status_code == 200
        return len(captured.captured_queries)

    add_record(player, NOW - timedelta(days=100))
    add_record(player, NOW - timedelta(days=1), skills=skill_entries(200_000))
    few = queries()
    for hours in range(1, 60):
        add_record(player, NOW - timedelta(days=100, hours=-hours), skills=skill_entries(hours))
    assert queries() == few


def test_the_schema_describes_the_progress_body_exactly(clock, api, player):
    add_record(player, NOW - timedelta(days=1))
    body = api.get(URL, {"period": "week"}).json()
    components = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    described = components["ProgressAnalysis"]
    assert set(described["properties"]) == set(body)
    assert set(components["ExperienceGained"]["properties"]) == set(body["experience_gained"])
    assert set(components["DailyRates"]["properties"]) == set(body["daily_rates"])
    assert set(components["BossKillsGained"]["properties"]) == set(body["boss_kills_gained"])
