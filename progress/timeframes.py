"""The time windows the progress endpoints read from query parameters:
`start`/`end`, `period` and `days`. Anything unusable is a 422 naming the field."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from players.api.stats import invalid, moment_param

# A period is the span ending now (or at `end`): fixed lengths, so "month" is
# the same 30 days whatever the calendar says.
PERIODS: dict[str, timedelta] = {
    "day": timedelta(days=1),
    "week": timedelta(days=7),
    "month": timedelta(days=30),
    "year": timedelta(days=365),
}
DEFAULT_DAYS = 30
MAX_DAYS = 3650
_WHOLE_NUMBER = re.compile(r"^\d{1,9}$")


@dataclass(frozen=True, slots=True)
class Window:
    start: datetime
    end: datetime


def period_param(raw: str | None, *, field: str = "period") -> timedelta:
    if raw is None or raw.strip().lower() not in PERIODS:
        raise invalid(field, f"Must be one of: {', '.join(PERIODS)}.")
    return PERIODS[raw.strip().lower()]


def int_param(raw: str | None, *, field: str, default: int, low: int, high: int) -> int:
    if raw is None:
        return default
    text = raw.strip()
    if not _WHOLE_NUMBER.match(text) or not low <= int(text) <= high:
        raise invalid(field, f"Must be a whole number from {low} to {high}.")
    return int(text)


def days_param(raw: str | None) -> int:
    return int_param(raw, field="days", default=DEFAULT_DAYS, low=1, high=MAX_DAYS)


def history_window(params: Mapping[str, str], *, now: datetime) -> Window:
    """The window of `GET .../history`: `start` (and `end`, default now) or `period`
    (ending at `end`, default now); never both `start` and `period`."""
    has_start, has_period = "start" in params, "period" in params
    if has_start and has_period:
        raise invalid("period", "Give either start or period, not both.")
    if not has_start and not has_period:
        raise invalid("start", "Give start (and optionally end), or period.")
    end = moment_param(params["end"], field="end", now=now) if "end" in params else now
    if has_period:
        return Window(end - period_param(params["period"]), end)
    start = moment_param(params["start"], field="start", now=now)
    if start >= end:
        raise invalid("start", "start must be before end.")
    return Window(start, end)


def days_window(days: int, *, now: datetime) -> Window:
    return Window(now - timedelta(days=days), now)
