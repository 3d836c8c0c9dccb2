"""The windows of time the progress reports compare. Their query parameters are
parsed by `api.params` (WindowParams, DaysParams)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class Window:
    start: datetime
    end: datetime


def days_window(days: int, *, now: datetime) -> Window:
    return Window(now - timedelta(days=days), now)
