from __future__ import annotations

from datetime import timedelta

import pytest

from players.errors import Unprocessable
from progress.timeframes import MAX_DAYS, PERIODS, days_param, history_window, int_param
from tests.progress.builders import NOW


def details(exc: pytest.ExceptionInfo) -> dict:
    return exc.value.details


def test_period_is_the_span_ending_now():
    window = history_window({"period": "month"}, now=NOW)
    assert (window.start, window.end) == (NOW - timedelta(days=30), NOW)


@pytest.mark.parametrize("period", ["Week", " week "])
def test_period_ignores_case_and_spaces(period):
    assert history_window({"period": period}, now=NOW).start == NOW - PERIODS["week"]


def test_end_defaults_to_now():
    window = history_window({"start": "2026-06-01T00:00:00+02:00"}, now=NOW)
    assert window.start.isoformat() == "2026-05-31T22:00:00+00:00"
    assert window.end == NOW


def test_timestamps_are_kept_in_utc():
    window = history_window(
        {"start": "2026-06-01T00:00:00-05:00", "end": "2026-06-02T00:00:00Z"}, now=NOW
    )
    assert window.start.utcoffset() == timedelta(0)


def test_a_moment_within_a_day_ahead_is_accepted():
    end = (NOW + timedelta(hours=23)).isoformat()
    assert history_window({"period": "day", "end": end}, now=NOW).end == NOW + timedelta(hours=23)


def test_start_and_period_together_are_refused():
    with pytest.raises(Unprocessable) as exc:
        history_window({"start": "2026-06-01T00:00:00Z", "period": "day"}, now=NOW)
    assert "period" in details(exc)


@pytest.mark.parametrize("raw", [None, "1", "3650", " 30 "])
def test_days_accepts_whole_numbers_in_range(raw):
    expected = 30 if raw is None else int(raw)
    assert days_param(raw) == expected


@pytest.mark.parametrize("raw", ["0", "-1", str(MAX_DAYS + 1), "1e3", "7.0", "+7", "", "seven"])
def test_days_refuses_anything_else(raw):
    with pytest.raises(Unprocessable) as exc:
        days_param(raw)
    assert list(details(exc)) == ["days"]


def test_int_param_names_its_field():
    with pytest.raises(Unprocessable) as exc:
        int_param("500", field="limit", default=20, low=1, high=100)
    assert details(exc) == {"limit": ["Must be a whole number from 1 to 100."]}
