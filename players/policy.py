"""Which players to fetch now, and why: the scheduling policy.

Pure: state in, decisions out, no clock and no database. After each fetch the
recording service calls `learn` and stores `schedule(...).at` as the player's
`next_fetch_at`; the beat tick hands the players that are due to `plan`.

Rules, in order of precedence
1. Deadline: a player with a deadline (a competition boundary, a staff "fetch
   at") is due from `deadline_window` before it, earliest deadline first. A
   deadline that passed unmet stays first until the fetch: the least late
   boundary is the best one left.
2. Manual: a requested fetch, oldest request first.
3. Owed: a pinned player once its fixed interval has passed, and any player
   about to exceed `max_interval`, longest owed first. Owed fetches are planned
   MAXIMUM_LEAD early, so that tick and queue never make a player staler than
   the maximum.
4. Learned: every other player once its own rhythm makes it due (below), the
   one most likely to have changed first.
Deadlines and manual requests ignore the minimum interval (a boundary is needed
whatever the schedule, and the API limits manual requests itself). Every other
fetch waits at least `min_interval` (the player's `fetch_interval_minutes`); a
pinned player is fetched at exactly that interval, and nothing learned applies.

The rhythm
Stats change when a player logs out with gains (docs/hiscores.md), so each fetch
answers one question: did the player change since the last fetch? `learn` keeps
how often it changes lately (changes per day, fading over RATE_MEMORY_DAYS) and
in which hours of the day (UTC) its changes happen (24 counts fading over
SHAPE_MEMORY_DAYS; a change is shared among the hours its fetch's window
covered). Together they give the expected changes in each hour of the day. A
player that changed at its last fetches is expected to change again soon; one
idle for weeks, hardly ever: it is fetched at the maximum interval.

When a learned fetch is due
Two aims pull apart: fetches that find a change, and a change of a player who
is playing seen within `patience`. With a bound on the wait, covering an hour
pays when its change rate is above a price and not at all below it, so a
player's active hours are those in which it changes at least `active_hour_rate`
times an hour, and it is due `patience` after its first active moment since the
last fetch: a change in its active hours waits at most that long. Changes in
its quiet hours, and idle or new players, are caught by a second trigger: a
player is also due once a change since its last fetch is more likely than
`likely_change`, which also keeps every rhythm learning. bench/scheduling.py
measures the outcome beside fixed intervals.

Why the index does the work
`schedule` depends on the player's own state only, so it is computed once per
fetch (and again when a deadline, request or pin changes) and stored in the
indexed `next_fetch_at`. A player never becomes due by the clock alone before
that moment: `plan` chooses exactly among the players whose `schedule(...).at`
has passed (tests/players/test_policy.py holds it to that). So the tick reads
only the rows with `next_fetch_at <= now`, about a tick's budget while the
budget keeps up, and ranks those few instead of scoring every player. When
demand outgrows the budget the due rows pile up; the tick can read them oldest
first in bounded batches, and owed players still go before learned ones.
"""

from __future__ import annotations

import bisect
import enum
import functools
import heapq
import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

HOUR = 3_600.0
DAY_HOURS = 24
# The recent rate bridges a day off, yet counts a returning player as active
# within hours and stops paying for a dropped habit within days.
RATE_MEMORY_DAYS = 2.0
# Habits: two weeks of hours of the day, enough changes to tell evenings from nights.
SHAPE_MEMORY_DAYS = 14.0
# Every hour keeps a little weight: anyone may play at an odd hour once.
SHAPE_FLOOR = 0.05
# Owed fetches are planned this early: a tick, the queue and the limiter come
# between a player falling due and its fetch.
MAXIMUM_LEAD = timedelta(minutes=15)


class Reason(enum.StrEnum):
    DEADLINE = "deadline"
    MANUAL = "manual"
    MAXIMUM_INTERVAL = "maximum_interval"
    PINNED = "pinned"
    LEARNED = "learned"


@dataclass(frozen=True, slots=True)
class Rhythm:
    """What a player's own fetches said about when it changes. The defaults are
    a new player's: a change a day, at any hour."""

    changes: float = 1.0
    """Fetches that found a change, fading over RATE_MEMORY_DAYS."""
    watched_days: float = 1.0
    """The days those fetches covered, fading alike."""
    hours: tuple[float, ...] = (0.0,) * DAY_HOURS
    """Changes by hour of the day (UTC), fading over SHAPE_MEMORY_DAYS."""

    @property
    def changes_per_day(self) -> float:
        return self.changes / self.watched_days if self.watched_days > 0 else 0.0


@dataclass(frozen=True, slots=True)
class PlayerState:
    player_id: int
    last_fetched: datetime
    """A player never fetched: when it was tracked, with `requested_at` then too."""
    min_interval: timedelta
    """The player's `fetch_interval_minutes`: the most often it may be fetched."""
    rhythm: Rhythm = Rhythm()
    pinned: bool = False
    """Staff fixed the interval: fetched every `min_interval`, whatever its rhythm."""
    requested_at: datetime | None = None
    """A manual request, met by any fetch after it."""
    deadline: datetime | None = None
    """The next deadline, met by any fetch within `deadline_window` before it."""


@dataclass(frozen=True, slots=True)
class PolicySettings:
    max_interval: timedelta = timedelta(days=7)
    """No player goes longer unfetched (unless its minimum interval is longer)."""
    deadline_window: timedelta = timedelta(minutes=10)
    """How long before a deadline a fetch meets it."""
    patience: timedelta = timedelta(hours=5)
    """The longest a change in a player's active hours should wait."""
    active_hour_rate: float = 0.025
    """Changes per hour that make an hour of the day active: once in 40 days."""
    likely_change: float = 0.5
    """A change this likely since the last fetch makes any player due."""

    def __post_init__(self):
        if not 0 < self.likely_change < 1:
            raise ValueError("likely_change must be between 0 and 1")


DEFAULT_SETTINGS = PolicySettings()


@dataclass(frozen=True, slots=True)
class Due:
    at: datetime
    reason: Reason


@dataclass(frozen=True, slots=True)
class Decision:
    player_id: int
    reason: Reason


def learn(state: PlayerState, *, changed: bool, at: datetime) -> PlayerState:
    """The state after a fetch at `at` that found a change or not."""
    rhythm = state.rhythm
    start = state.last_fetched.timestamp() / HOUR
    end = max(start, at.timestamp() / HOUR)
    days = (end - start) / DAY_HOURS
    keep = math.exp(-days / RATE_MEMORY_DAYS)
    fade = math.exp(-days / SHAPE_MEMORY_DAYS)
    hours = [count * fade for count in rhythm.hours]
    if changed:
        # The change happened somewhere in the window: each hour of it gets a
        # share by how often the player changed in that hour before.
        covered = _coverage(start, end) if end > start else _point(end)
        weights = [c * (count + SHAPE_FLOOR) for c, count in zip(covered, hours, strict=True)]
        total = sum(weights)
        hours = [count + weight / total for count, weight in zip(hours, weights, strict=True)]
    return replace(
        state,
        last_fetched=max(state.last_fetched, at),
        rhythm=Rhythm(
            changes=rhythm.changes * keep + changed,
            watched_days=rhythm.watched_days * keep + days,
            hours=tuple(hours),
        ),
    )


def schedule(state: PlayerState, settings: PolicySettings = DEFAULT_SETTINGS) -> Due:
    """When the player is next due and why: what `next_fetch_at` stores."""
    routine, reason = _routine(state, settings)
    due = Due(_moment(routine), reason)
    requested = _pending_request(state)
    if requested is not None and requested < due.at:
        due = Due(requested, Reason.MANUAL)
    opens = _pending_deadline(state, settings)
    if opens is not None and opens <= due.at:
        due = Due(opens, Reason.DEADLINE)
    return due


def plan(
    states: Iterable[PlayerState],
    *,
    now: datetime,
    budget: int,
    settings: PolicySettings = DEFAULT_SETTINGS,
) -> list[Decision]:
    """Up to `budget` players to fetch now, in the order of the module's rules."""
    if budget <= 0:
        return []
    ranked = [key for key in (_rank(s, now, settings) for s in states) if key is not None]
    chosen = heapq.nsmallest(budget, ranked)
    return [Decision(player_id, reason) for *_, player_id, reason in chosen]


def _rank(state: PlayerState, now: datetime, settings: PolicySettings) -> tuple | None:
    """A sort key (smaller goes first; the player id breaks ties), or None when
    the player is not due. Due means exactly what `schedule` says."""
    if schedule(state, settings).at > now:
        return None
    opens = _pending_deadline(state, settings)
    if opens is not None and opens <= now:
        return (0, state.deadline.timestamp(), state.player_id, Reason.DEADLINE)
    requested = _pending_request(state)
    if requested is not None and requested <= now:
        return (1, requested.timestamp(), state.player_id, Reason.MANUAL)
    last = state.last_fetched.timestamp()
    if state.pinned:
        return (2, last + state.min_interval.total_seconds(), state.player_id, Reason.PINNED)
    owed = _owed(state, settings)
    if now.timestamp() >= owed:
        return (2, owed, state.player_id, Reason.MAXIMUM_INTERVAL)
    # Most expected changes since the last fetch: the likeliest to find one.
    expected = _profile(state.rhythm).expected(last / HOUR, now.timestamp() / HOUR)
    return (3, -expected, state.player_id, Reason.LEARNED)


def _routine(state: PlayerState, settings: PolicySettings) -> tuple[float, Reason]:
    """The next fetch by the schedule alone, as a timestamp, and its reason."""
    last = state.last_fetched.timestamp()
    soonest = last + state.min_interval.total_seconds()
    if state.pinned:
        return soonest, Reason.PINNED
    owed = _owed(state, settings)
    profile = _profile(state.rhythm)
    start = last / HOUR
    active = profile.first_active(start, settings.active_hour_rate)
    # Expected changes x make a change 1 - e^-x likely.
    likely = profile.time_to(start, -math.log(1 - settings.likely_change))
    learned = min(active + settings.patience.total_seconds() / HOUR, likely) * HOUR
    if learned >= owed:
        return owed, Reason.MAXIMUM_INTERVAL
    return max(soonest, learned), Reason.LEARNED


def _owed(state: PlayerState, settings: PolicySettings) -> float:
    longest = max(settings.max_interval - MAXIMUM_LEAD, state.min_interval)
    return state.last_fetched.timestamp() + longest.total_seconds()


def _pending_request(state: PlayerState) -> datetime | None:
    requested = state.requested_at
    return requested if requested is not None and requested > state.last_fetched else None


def _pending_deadline(state: PlayerState, settings: PolicySettings) -> datetime | None:
    """When the window of an unmet deadline opens."""
    if state.deadline is None:
        return None
    opens = state.deadline - settings.deadline_window
    return opens if opens > state.last_fetched else None


def _moment(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


# --- the rhythm as changes per hour; times below are in hours since the epoch ---


class _Profile:
    """A rhythm's expected changes per hour of the day, with running totals so
    that any stretch of time costs O(1)."""

    __slots__ = ("daily", "hazards", "totals")

    def __init__(self, rhythm: Rhythm):
        weight = sum(rhythm.hours) + DAY_HOURS * SHAPE_FLOOR
        per_day = rhythm.changes_per_day
        self.hazards = [per_day * (count + SHAPE_FLOOR) / weight for count in rhythm.hours]
        self.totals = [0.0, *itertools.accumulate(self.hazards)]
        self.daily = self.totals[-1]

    def _running(self, t: float) -> float:
        """Expected changes from the epoch to t."""
        day, within = divmod(t, DAY_HOURS)
        hour = int(within)
        return day * self.daily + self.totals[hour] + self.hazards[hour] * (within - hour)

    def expected(self, start: float, end: float) -> float:
        return self._running(end) - self._running(start) if end > start else 0.0

    def time_to(self, start: float, target: float) -> float:
        """The moment the expected changes since start reach target."""
        if self.daily <= 0:
            return math.inf
        day, left = divmod(self._running(start) + target, self.daily)
        hour = min(bisect.bisect_right(self.totals, left) - 1, DAY_HOURS - 1)
        return day * DAY_HOURS + hour + (left - self.totals[hour]) / self.hazards[hour]

    def first_active(self, start: float, threshold: float) -> float:
        """The first moment from start in an hour where changes reach threshold."""
        hour = math.floor(start)
        for ahead in range(DAY_HOURS):
            if self.hazards[(hour + ahead) % DAY_HOURS] >= threshold:
                return start if ahead == 0 else float(hour + ahead)
        return math.inf


# The beat tick ranks the same due players again at every tick.
_profile = functools.lru_cache(maxsize=1 << 16)(_Profile)


def _coverage(start: float, end: float) -> list[float]:
    """Hours of each hour of the day between start and end."""
    days = math.floor((end - start) / DAY_HOURS)
    share = [float(days)] * DAY_HOURS
    t = start + days * DAY_HOURS
    while t < end:
        step = min(math.floor(t) + 1, end)
        share[int(t) % DAY_HOURS] += step - t
        t = step
    return share


def _point(t: float) -> list[float]:
    share = [0.0] * DAY_HOURS
    share[int(t) % DAY_HOURS] = 1.0
    return share
