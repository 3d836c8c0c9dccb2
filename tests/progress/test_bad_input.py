"""Whatever arrives in a query string, the answer is the contract's error body or
a result: never a 500."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.progress.builders import NOW, add_record

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    "/api/players/zezima/history?period=week",
    "/api/players/zezima/history/skills/attack",
    "/api/players/zezima/history/bosses/zulrah",
    "/api/leaderboards/overall",
]

# Text shaped like what clients send by mistake, and anything at all.
params = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "0", "-1", "1e9", "NaN", "week", "2026-06-01", "\x00"]),
    st.datetimes().map(lambda d: d.isoformat()),
    st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat()),
    st.integers().map(str),
)
fuzz = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def tracked(player):
    add_record(player, NOW - timedelta(days=400))
    return player


@pytest.mark.parametrize("url", ENDPOINTS)
def test_every_progress_endpoint_needs_a_token(anon, url):
    response = anon.get(url)
    assert response.status_code == 401
    assert response.json()["error_code"] == "not_authenticated"


def _answered(response) -> None:
    assert response.status_code in (200, 404, 422), response.content
    if response.status_code != 200:
        body = response.json()
        assert body["error_code"] in ("validation_error", "no_records")
        assert body["details"]


@fuzz
@given(start=params, end=params, period=params)
def test_history_windows_never_fail(clock, api, tracked, start, end, period):
    for query in ({"start": start, "end": end}, {"period": period}, {"start": start}):
        _answered(api.get("/api/players/zezima/history", query))


@fuzz
@given(days=params)
def test_days_never_fail(clock, api, tracked, days):
    _answered(api.get("/api/players/zezima/history/skills/attack", {"days": days}))
    _answered(api.get("/api/players/zezima/history/bosses/zulrah", {"days": days}))


@fuzz
@given(period=params, limit=params)
def test_leaderboard_parameters_never_fail(clock, api, period, limit):
    _answered(api.get("/api/leaderboards/overall", {"period": period, "limit": limit}))


@fuzz
@given(at=params)
def test_stats_at_never_fails(clock, api, tracked, at):
    _answered(api.get("/api/players/zezima/stats", {"at": at}))
