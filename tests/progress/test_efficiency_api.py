from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from progress import efficiency
from progress.efficiency_reports import efficiency_totals
from tests.factories import PlayerFactory
from tests.progress.builders import NOW, add_record, boss_entries, skill_entries

pytestmark = pytest.mark.django_db

MAIN = efficiency.rates().tables["main"]


def xp_of(entries):
    return {slug: e["experience"] for slug, e in entries.items() if e}


def test_a_players_efficiency_comes_from_its_latest_record(clock, api, player):
    skills = skill_entries(2_000_000)
    add_record(player, NOW - timedelta(days=3), skills=skill_entries(1_000_000))
    add_record(player, NOW - timedelta(days=1), skills=skills, bosses=boss_entries(zulrah=300))
    body = api.get("/api/players/zezima/efficiency").json()
    assert body["ehp"] == pytest.approx(MAIN.ehp(xp_of(skills)), abs=1e-4)
    assert body["ehb"] == pytest.approx(300 / MAIN.boss_rates["zulrah"], abs=1e-4)
    assert body["ttm_hours"] == pytest.approx(MAIN.time_to_max(xp_of(skills)), abs=1e-4)
    assert body["rates_version"] == efficiency.rates().version
    assert body["account_type"] == "main" and body["fell_back_to_main"] is False
    earlier = api.get(
        "/api/players/zezima/efficiency", {"at": (NOW - timedelta(days=2)).isoformat()}
    ).json()
    assert earlier["ehp"] == pytest.approx(MAIN.ehp(xp_of(skill_entries(1_000_000))), abs=1e-4)
    assert earlier["ehb"] == 0


def test_unknown_player_no_record_and_bad_moment(clock, api, player):
    assert api.get("/api/players/nobody/efficiency").json()["error_code"] == "player_not_found"
    assert api.get("/api/players/zezima/efficiency").json()["error_code"] == "no_records"
    response = api.get("/api/players/zezima/efficiency", {"at": "yesterday"})
    assert response.status_code == 422


def test_history_reports_ehp_and_ehb_gained_and_never_negative(clock, api, player):
    add_record(player, NOW - timedelta(days=20), skills=skill_entries(1_000_000))
    add_record(
        player,
        NOW - timedelta(days=2),
        skills=skill_entries(1_000_000, runecraft=3_000_000, mining=500_000),
        bosses=boss_entries(zulrah=60),
    )
    body = api.get("/api/players/zezima/history", {"period": "month"}).json()
    start = xp_of(skill_entries(1_000_000))
    end = {**start, "runecraft": 3_000_000, "mining": 1_000_000}  # mining rolled back: 0
    assert body["ehp_gained"] == pytest.approx(MAIN.ehp(end) - MAIN.ehp(start), abs=1e-3)
    assert body["ehp_gained"] > 0
    # Zulrah first ranked at 60: counted from the minimum (5) less one, as every gain is.
    assert body["ehb_gained"] == pytest.approx(56 / MAIN.boss_rates["zulrah"], abs=1e-4)


def test_efficiency_leaderboards_rank_totals_and_gains(clock, api, player):
    other = PlayerFactory(username="Lynx Titan")
    add_record(player, NOW - timedelta(days=20), skills=skill_entries(1_000_000))
    add_record(
        player, NOW - timedelta(days=1), skills=skill_entries(1_000_000, runecraft=2_000_000)
    )
    add_record(other, NOW - timedelta(days=20), skills=skill_entries(5_000_000))
    totals = api.get("/api/leaderboards/efficiency/ehp").json()
    assert [e["username"] for e in totals] == ["Lynx Titan", "Zezima"]
    assert totals[0]["rank"] == 1 and totals[0]["value"] > totals[1]["value"]
    gains = api.get("/api/leaderboards/efficiency/ehp", {"period": "week"}).json()
    assert [e["username"] for e in gains] == ["Zezima"]
    assert gains[0]["value"] > 0
    assert api.get("/api/leaderboards/efficiency/ehx").status_code == 404
    assert api.get("/api/leaderboards/efficiency/ehb", {"period": "fortnight"}).status_code == 422


def _queries_to_rank_totals() -> int:
    with CaptureQueriesContext(connection) as queries:
        efficiency_totals(measure="ehp", limit=10)
    return len(queries)


def test_the_efficiency_totals_board_costs_as_many_queries_for_many_players_as_for_one(
    clock, player
):
    add_record(player, NOW - timedelta(days=1), skills=skill_entries(1_000_000))
    one = _queries_to_rank_totals()
    for n in range(3):
        add_record(PlayerFactory(), NOW - timedelta(days=1), skills=skill_entries(2_000_000 + n))
    assert _queries_to_rank_totals() == one
