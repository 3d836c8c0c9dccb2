"""Conditional reads of history and progress (docs/api.md, "Conditional requests"):
an answer whose window ends now is kept for the minute at most; one with a
fixed end only until the player's latest record changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils.http import http_date

from tests.progress.builders import NOW, add_record, skill_entries

pytestmark = pytest.mark.django_db

HISTORY = "/api/players/zezima/history"
ATTACK = "/api/players/zezima/history/skills/attack"
ZULRAH = "/api/players/zezima/history/bosses/zulrah"
WEEK = {"period": "week"}
FIXED = {"start": "2026-06-01T00:00:00Z", "end": "2026-06-15T12:00:00Z"}


@pytest.fixture
def history(player):
    add_record(player, NOW - timedelta(days=20), skills=skill_entries(1_000_000))
    add_record(player, NOW - timedelta(days=2), skills=skill_entries(1_000_000, attack=1_500_000))
    return player


def test_a_window_ending_now_is_answered_again_in_the_next_minute(clock, api, history):
    first = api.get(HISTORY, WEEK)
    assert first["Last-Modified"] == http_date(NOW.timestamp())
    clock.shift(timedelta(seconds=30))
    same_minute = api.get(HISTORY, WEEK, HTTP_IF_NONE_MATCH=first["ETag"])
    assert same_minute.status_code == 304
    clock.shift(timedelta(seconds=40))
    next_minute = api.get(HISTORY, WEEK, HTTP_IF_NONE_MATCH=first["ETag"])
    assert next_minute.status_code == 200
    assert next_minute.json()["period_end"] == "2026-06-15T12:01:10Z"
    assert next_minute["Last-Modified"] == http_date((NOW + timedelta(minutes=1)).timestamp())


def test_a_window_ending_now_is_kept_for_the_minute(clock, api, history):
    first = api.get(HISTORY, WEEK)
    clock.shift(timedelta(seconds=30))
    assert api.get(HISTORY, WEEK).json()["period_end"] == first.json()["period_end"]


def test_a_fixed_window_stays_valid_while_the_latest_record_does(clock, api, history):
    first = api.get(HISTORY, FIXED)
    clock.shift(timedelta(minutes=10))
    assert api.get(HISTORY, FIXED, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    add_record(history, NOW + timedelta(minutes=5), skills=skill_entries(1_000_000, attack=1))
    again = api.get(HISTORY, FIXED, HTTP_IF_NONE_MATCH=first["ETag"])
    # A new latest record is the version: sent again, the same window's answer.
    assert again.status_code == 200
    assert again.json() == first.json()


def test_a_new_record_shows_in_a_window_ending_now_at_once(clock, api, history):
    before = api.get(HISTORY, WEEK).json()
    add_record(history, NOW, skills=skill_entries(1_000_000, attack=1_600_000))
    after = api.get(HISTORY, WEEK).json()
    assert before["experience_gained"]["attack"] == 500_000
    assert after["experience_gained"]["attack"] == 600_000


@pytest.mark.parametrize(("url", "days"), [(ATTACK, "30"), (ZULRAH, "30")])
def test_progress_gets_304_within_the_minute_and_the_new_record_after(
    clock, api, history, url, days
):
    first = api.get(url, {"days": days})
    assert first.status_code == 200
    assert api.get(url, {"days": days}, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    add_record(history, NOW, skills=skill_entries(1_000_000, attack=1_600_000))
    assert api.get(url, {"days": days}, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_skill_progress_is_kept_apart_per_skill_and_days(clock, api, history):
    attack = api.get(ATTACK, {"days": "30"}).json()
    assert api.get(ATTACK, {"days": "7"}).json()["days"] == 7
    assert api.get("/api/players/zezima/history/skills/defence").json()["skill"] == "defence"
    assert api.get(ATTACK, {"days": "30"}).json() == attack
    assert attack["experience_gained"] == 500_000


def test_errors_are_answered_by_the_view(clock, api, history):
    assert api.get(HISTORY).status_code == 422  # neither start nor period
    assert api.get("/api/players/zezima/history/skills/cooking_pots").status_code == 404
    assert api.get("/api/players/nobody/history", WEEK).status_code == 404
