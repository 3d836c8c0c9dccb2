"""A player's state at a moment, as the progress rules see it.

`State` holds plain values keyed by slug (experience, kills, scores), built from
a stored record by `state_of`. The functions over a sequence of states are the
reference meaning of "the state at a moment" on a full history; the selectors
answer the same question with index probes on deduplicated storage, and the
tests check that both agree.
"""

from __future__ import annotations

import bisect
import enum
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class Baseline(enum.StrEnum):
    # The state at the window's start was known: a record at or before it.
    AT_START = "at_start"
    # The player was first seen inside the window: its first record stands in.
    FIRST_RECORD = "first_record"
    # The account changed game mode (docs/api.md, "Game modes"): only records
    # from the end record's table are compared, so the start is that table's
    # state at the window start, or its first record after it.
    MODE_CHANGED = "mode_changed"


@dataclass(frozen=True, slots=True)
class State:
    """Values first seen at `at`. In each mapping `None` means unranked (or an
    unknown value) and a missing key means the record had no such row."""

    at: datetime
    overall_experience: int | None = None
    overall_level: int | None = None
    skills: Mapping[str, int | None] = field(default_factory=dict)  # experience
    bosses: Mapping[str, int | None] = field(default_factory=dict)  # kills
    activities: Mapping[str, int | None] = field(default_factory=dict)  # scores
    # The table the record was read from (hiscores.modes.GameMode), when known:
    # what chooses the efficiency rates. Not a value: it never changes a gain.
    game_mode: str | None = None

    def values(self) -> tuple[Any, ...]:
        """Everything but the moment: two states with equal values are one state."""
        return (
            self.overall_experience,
            self.overall_level,
            dict(self.skills),
            dict(self.bosses),
            dict(self.activities),
        )


SECTIONS = ("skills", "bosses", "activities")
# The record fields `state_of` reads. A query for states names them all in
# `.only()`: a deferred one is read back by a query of its own, per record.
STATE_FIELDS = (
    "fetched_at",
    "overall_experience",
    "overall_level",
    "skills_data",
    "bosses_data",
    "activities_data",
    "game_mode",
)


def _number(value: Any) -> int | None:
    # The hiscores write -1 for "unranked" and sometimes 0 for an unknown total;
    # the collector stores null, but an odd value must never count as progress.
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _values(data: Mapping[str, Any] | None, key: str) -> dict[str, int | None]:
    return {
        slug: _number(entry.get(key)) if isinstance(entry, Mapping) else None
        for slug, entry in (data or {}).items()
    }


def state_of(record: Any, *, sections: Collection[str] = SECTIONS) -> State:
    """The State of a `HiscoreRecord` (or anything with its fields). Only the JSON
    columns named in `sections` are read, so a caller may defer the others."""
    overall_experience = _number(record.overall_experience)
    overall_level = _number(record.overall_level)
    return State(
        at=record.fetched_at,
        overall_experience=overall_experience or None,
        overall_level=overall_level or None,
        skills=_values(record.skills_data, "experience") if "skills" in sections else {},
        bosses=_values(record.bosses_data, "kc") if "bosses" in sections else {},
        activities=_values(record.activities_data, "score") if "activities" in sections else {},
        game_mode=getattr(record, "game_mode", None),
    )


def state_at(history: Sequence[State], moment: datetime) -> State | None:
    """The state at `moment`: the latest state at or before it, dated when its
    values were first seen (so repeating an unchanged snapshot changes nothing).

    `history` is sorted by `at`.
    """
    index = bisect.bisect_right([s.at for s in history], moment) - 1
    if index < 0:
        return None
    values = history[index].values()
    while index > 0 and history[index - 1].values() == values:
        index -= 1
    return history[index]


def window(
    history: Sequence[State], start: datetime, end: datetime
) -> tuple[State, State, Baseline] | None:
    """The two states a window compares: the state at `start` (or, for a player
    first seen inside the window, the first state in it) and the state at `end`."""
    end_state = state_at(history, end)
    if end_state is None:
        return None
    start_state = state_at(history, start)
    if start_state is not None:
        return start_state, end_state, Baseline.AT_START
    first = next(s for s in history if s.at > start)
    return first, end_state, Baseline.FIRST_RECORD
