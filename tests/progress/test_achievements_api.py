from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from hiscores import levels
from tests.progress.builders import NOW, add_record, boss_entries, skill_entries

pytestmark = pytest.mark.django_db

URL = "/api/players/zezima/achievements"
XP_99 = levels.experience_for_level(99)


def test_achieved_and_nearest_with_an_estimate_from_the_recent_pace(clock, api, player):
    add_record(
        player,
        NOW - timedelta(days=10),
        skills=skill_entries(1_000_000, attack=XP_99 - 100, fishing=12_000_000),
    )
    add_record(
        player,
        NOW - timedelta(days=4),
        skills=skill_entries(1_000_000, attack=XP_99, fishing=12_000_000),
        bosses=boss_entries(zulrah=40),
    )
    add_record(
        player,
        NOW - timedelta(days=1),
        skills=skill_entries(1_000_000, attack=XP_99, fishing=12_600_000),
        bosses=boss_entries(zulrah=45),
    )
    body = api.get(URL).json()
    (attack,) = [a for a in body["achieved"] if a["key"] == "attack.level.99"]
    assert attack["name"] == "99 Attack" and attack["threshold"] == 99
    assert attack["achieved_at"] == attack["achieved_before"]
    assert attack["achieved_after"] < attack["achieved_before"]
    nearest = {n["key"]: n for n in body["nearest"]}
    fishing = nearest["fishing.level.99"]
    assert fishing["value"] == levels.level(12_600_000)
    assert fishing["progress"] == pytest.approx(12_600_000 / XP_99, abs=1e-4)
    # 600,000 experience over the last week (the state then: the first record).
    left = XP_99 - 12_600_000
    days = left / (600_000 / 7)
    assert fishing["estimated_at"] is not None
    estimated = datetime.fromisoformat(fishing["estimated_at"].replace("Z", "+00:00"))
    assert abs((estimated - (NOW + timedelta(days=days))).total_seconds()) < 60
    assert body["nearest"] == sorted(body["nearest"], key=lambda n: (-n["progress"], n["key"]))


def test_a_pace_over_less_than_a_day_gives_no_estimate(clock, api, player):
    add_record(
        player, NOW - timedelta(hours=2), skills=skill_entries(1_000_000, fishing=12_000_000)
    )
    add_record(
        player, NOW - timedelta(minutes=4), skills=skill_entries(1_000_000, fishing=12_250_000)
    )
    body = api.get(URL).json()
    assert body["nearest"] and all(n["estimated_at"] is None for n in body["nearest"])


def test_unknown_player_and_a_player_without_records(clock, api, player):
    assert api.get("/api/players/nobody/achievements").json()["error_code"] == "player_not_found"
    assert api.get(URL).json() == {"achieved": [], "nearest": []}
