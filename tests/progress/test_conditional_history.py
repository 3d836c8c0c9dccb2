"""Conditional reads of history and progress (docs/api.md, "Conditional requests"):
an answer whose window ends now is kept for a minute at most (each question's
minute starting at a second of its own); one with a fixed end only until the
player's latest record changes."""

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


def _turn(clock, api, url: str, query: dict) -> tuple[int, object, object]:
    """Step the clock a second at a time until the answer is built again: how many
    seconds that took, the answer before and the one after."""
    first = api.get(url, query)
    for second in range(1, 121):
        clock.shift(timedelta(seconds=1))
        again = api.get(url, query, HTTP_IF_NONE_MATCH=first["ETag"])
        if again.status_code == 200:
            return second, first, again
        assert again.status_code == 304
    raise AssertionError(f"{url} was not built again in two minutes")


def test_a_window_ending_now_is_answered_again_once_a_minute(clock, api, history):
    wait, first, again = _turn(clock, api, HISTORY, WEEK)
    assert 1 <= wait <= 60
    turned = NOW + timedelta(seconds=wait)
    assert first["Last-Modified"] == http_date((turned - timedelta(minutes=1)).timestamp())
    assert again["Last-Modified"] == http_date(turned.timestamp())
    assert again.json()["period_end"] == turned.isoformat().replace("+00:00", "Z")
    # From then on, the same answer for a whole minute.
    assert _turn(clock, api, HISTORY, WEEK)[0] == 60


def test_answers_ending_now_do_not_all_turn_in_the_same_second(clock, api, history):
    questions = [(HISTORY, {"period": period}) for period in ("day", "week", "month", "year")]
    questions += [
        (f"/api/players/zezima/history/skills/{skill}", {"days": "30"})
        for skill in ("attack", "strength", "defence", "magic")
    ]
    turns = set()
    for url, query in questions:
        clock.move_to(NOW)
        turns.add(_turn(clock, api, url, query)[0])
    # Aligned on the clock's minute, all eight would be built again together.
    assert len(turns) > 1


def test_a_window_ending_now_is_kept_for_the_minute(clock, api, history):
    _, _, built = _turn(clock, api, HISTORY, WEEK)  # the first second of its minute
    clock.shift(timedelta(seconds=59))
    assert api.get(HISTORY, WEEK).json()["period_end"] == built.json()["period_end"]


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
