"""Simulation of the scheduling policy beside fixed intervals. Prints figures and GOAL lines.

    .venv/bin/python -m bench.scheduling [--players 10000] [--days 14] [--seed 11]

Pure Python, no database, seeded: the real `players.policy` (learn, schedule,
plan) against a simulated clock, and on the same population the best fixed
schedule the budget allows (round-robin, every player at the same interval:
players / budget, 5.56 h at the defaults).

Population. Stats change when a player logs out (docs/hiscores.md), so each
session ends in one change. Each player has a usual start hour (UTC: European
and American evenings, some anywhere). 70% are occasional: spells of play a few
days to a few months apart (a quarter of them dormant), a spell lasting a day or
a few, one to three sessions a day; 25% play daily (most days, one to three
sessions of 1-4 hours, breaks of 1-5 hours); 5% grind all day (13-17 hours of
1-4 hour sessions with short breaks). Four competitions (50 to 250
participants, active and occasional) and 50 manual requests a day.

Budget. A limiter slot every 2 s (0.5 fetches/s); every 5 s tick the policy plans
as many fetches as there are slots before the next tick (from the due players:
a heap keyed by `schedule(...).at` stands in for the `next_fetch_at` index), and
each fetch happens at its slot. Before t = 0 the service ran the fixed schedule
for two weeks, and each rhythm starts as `learn` made it from those fetches
(what the records of a running service tell). After the 14 measured days the run
goes on until every measured change has been found, each player leaving once
its own have been.

Measured. Changes detected per 1,000 fetches; the delay from each change to the
fetch that finds it, for the players who play every day (daily and grinders;
occasional players and all changes are printed beside them); the worst
staleness of any player (longest time unfetched); deadlines met (a fetch within
10 minutes before each start and after each end). Goals: 3x fixed's changes per
1,000 fetches, delays no worse than fixed, staleness within the maximum
interval, every deadline met.
"""

from __future__ import annotations

import argparse
import heapq
import math
import random
import statistics
import time
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from bench.support import goal, table
from players.policy import (
    DEFAULT_SETTINGS,
    PlayerState,
    PolicySettings,
    Reason,
    learn,
    plan,
    schedule,
)

DAY = 86_400.0
HOUR = 3_600.0
RATE = 0.5
SLOT = 1 / RATE
TICK = 5.0
HISTORY_DAYS = 14
EPOCH = datetime(2025, 3, 3, tzinfo=UTC).timestamp()  # a Monday, 00:00 UTC: t = 0
MIN_INTERVAL = timedelta(minutes=60)  # the default fetch_interval_minutes
MANUAL_PER_DAY = 50
EVERY_DAY = ("daily", "grinder")


# --- population -------------------------------------------------------------------


@dataclass
class Simulated:
    kind: str
    changes: list[float]  # logout times, seconds from t = 0, sorted


def usual_start(rng: random.Random) -> float:
    roll = rng.random()
    if roll < 0.5:
        return rng.gauss(18, 2.5) % 24  # European evenings
    if roll < 0.85:
        return rng.gauss(1, 2.5) % 24  # American evenings
    return rng.uniform(0, 24)


def play_day(rng: random.Random, day: int, start: float, spread: float) -> list[float]:
    sessions = rng.choices((1, 2, 3), (6, 3, 1))[0]
    t = day * DAY + (start + rng.gauss(0, spread)) * HOUR
    logouts = []
    for _ in range(sessions):
        t += rng.uniform(1, 4) * HOUR
        logouts.append(t)
        t += rng.uniform(1, 5) * HOUR
    return logouts


def grind_day(rng: random.Random, day: int, start: float) -> list[float]:
    t = day * DAY + (start + rng.gauss(0, 1)) * HOUR
    bedtime = t + rng.uniform(13, 17) * HOUR
    logouts = []
    while (t := t + rng.uniform(1, 4) * HOUR) <= bedtime:
        logouts.append(t)
        t += rng.uniform(5, 45) * 60
    return logouts


def population(rng: random.Random, players: int, first_day: int, last_day: int) -> list[Simulated]:
    """Every player's logouts from `first_day` to `last_day` (the module docstring
    gives the mix)."""
    out = []
    for _ in range(players):
        roll, start, changes = rng.random(), usual_start(rng), []
        if roll < 0.05:
            kind = "grinder"
            for day in range(first_day, last_day):
                if rng.random() < 0.95:
                    changes += grind_day(rng, day, start)
        elif roll < 0.30:
            kind = "daily"
            for day in range(first_day, last_day):
                if rng.random() < 0.85:
                    changes += play_day(rng, day, start, spread=1.0)
        else:
            kind = "occasional"
            gap = 365.0 if rng.random() < 0.25 else math.exp(rng.uniform(math.log(3), math.log(60)))
            day = first_day - int(rng.uniform(0, gap))
            while day < last_day:
                day += int(rng.expovariate(1 / gap)) + 1
                spell = 1
                while rng.random() < 0.5:
                    spell += 1
                for d in range(max(day, first_day), min(day + spell, last_day)):
                    changes += play_day(rng, d, start, spread=2.0)
                day += spell
        out.append(Simulated(kind, sorted(changes)))
    return out


@dataclass
class Competition:
    starts: float
    ends: float
    participants: list[int]


def competitions(rng: random.Random, pop: list[Simulated]) -> list[Competition]:
    """Four competitions; 60% of each field plays every day."""
    regular = [i for i, p in enumerate(pop) if p.kind in EVERY_DAY]
    occasional = [i for i, p in enumerate(pop) if p.kind not in EVERY_DAY]
    plans = (
        ((1, 18), (8, 18), 250),
        ((3, 0), (10, 0), 150),
        ((6, 12), (7, 12), 100),
        ((9, 20), (13, 20), 50),
    )
    out = []
    for (start_day, start_hour), (end_day, end_hour), size in plans:
        field = rng.sample(regular, size * 6 // 10) + rng.sample(occasional, size - size * 6 // 10)
        out.append(
            Competition(start_day * DAY + start_hour * HOUR, end_day * DAY + end_hour * HOUR, field)
        )
    return out


# --- the two schedules ------------------------------------------------------------


def moment(t: float) -> datetime:
    return datetime.fromtimestamp(EPOCH + t, UTC)


def run_fixed(players: int, start: float, stop: float) -> list[list[float]]:
    interval = players * SLOT
    return [[t for t in _arange(start + i * SLOT, stop, interval)] for i in range(players)]


def _arange(first: float, stop: float, step: float):
    t = first
    while t < stop:
        yield t
        t += step


@dataclass
class PolicyRun:
    fetches: list[list[float]]  # each starting with the last fetch before t = 0
    reasons: list[list[Reason | None]]


def learned_history(pop: list[Simulated], start: float, days: int) -> list[PlayerState]:
    """Each player's state after `days` of the fixed schedule before `start`: the
    rhythm a running service learns from its records when it switches policy."""
    interval = len(pop) * SLOT
    states = []
    for pid, player in enumerate(pop):
        first = start - days * DAY + pid * SLOT
        state = PlayerState(pid, moment(first), MIN_INTERVAL)
        seen = bisect_right(player.changes, first)
        for fetched_at in _arange(first + interval, start, interval):
            found = bisect_right(player.changes, fetched_at)
            state = learn(state, changed=found > seen, at=moment(fetched_at))
            seen = found
        states.append(state)
    return states


def run_policy(
    pop: list[Simulated],
    states: list[PlayerState],
    comps: list[Competition],
    manual: list[tuple[float, int]],
    horizon: float,
    settings: PolicySettings,
) -> PolicyRun:
    """The beat tick from t = 0: `next_fetch_at` is a heap (the index), the due
    rows a dict. After the horizon a player leaves once its last change before
    the horizon has been found: only those delays are still measured."""
    n = len(pop)
    window = settings.deadline_window.total_seconds()
    deadlines: list[list[float]] = [[] for _ in range(n)]
    for comp in comps:
        for pid in comp.participants:
            deadlines[pid] += [comp.starts, comp.ends + window]
    for d in deadlines:
        d.sort()

    def next_deadline(pid: int, after: float) -> datetime | None:
        pending = [d for d in deadlines[pid] if d - window > after]
        return moment(pending[0]) if pending else None

    states = [replace(s, deadline=next_deadline(s.player_id, 0.0)) for s in states]
    fetches = [[s.last_fetched.timestamp() - EPOCH] for s in states]
    reasons: list[list[Reason | None]] = [[None] for _ in states]
    seen = [bisect_right(p.changes, f[0]) for p, f in zip(pop, fetches, strict=True)]
    last_measured = [bisect_left(p.changes, horizon) for p in pop]
    version = [0] * n
    index = [(schedule(s, settings).at.timestamp() - EPOCH, 0, s.player_id) for s in states]
    heapq.heapify(index)
    due: dict[int, PlayerState] = {}
    requests = iter([*sorted(manual), (math.inf, -1)])
    request = next(requests)
    now = slot = 0.0
    while index or due:
        while request[0] <= now:
            t, pid = request
            states[pid] = replace(states[pid], requested_at=moment(t))
            if pid in due:
                due[pid] = states[pid]
            else:
                version[pid] += 1
                at = schedule(states[pid], settings).at.timestamp() - EPOCH
                heapq.heappush(index, (at, version[pid], pid))
            request = next(requests)
        while index and index[0][0] <= now:
            _, ver, pid = heapq.heappop(index)
            if ver == version[pid]:
                due[pid] = states[pid]
        slot = max(slot, now)
        budget = max(0, math.ceil((now + TICK - slot) / SLOT))
        for decision in plan(due.values(), now=moment(now), budget=budget, settings=settings):
            pid, fetched_at = decision.player_id, slot
            slot += SLOT
            before = seen[pid]
            seen[pid] = bisect_right(pop[pid].changes, fetched_at)
            state = learn(due.pop(pid), changed=seen[pid] > before, at=moment(fetched_at))
            states[pid] = replace(state, deadline=next_deadline(pid, fetched_at))
            fetches[pid].append(fetched_at)
            reasons[pid].append(decision.reason)
            version[pid] += 1
            if fetched_at < horizon or seen[pid] < last_measured[pid]:
                at = schedule(states[pid], settings).at.timestamp() - EPOCH
                heapq.heappush(index, (at, version[pid], pid))
        now += TICK
        if not due and index:  # skip idle ticks up to the next due player or request
            wake = min(index[0][0], request[0])
            if wake > now:
                now = math.ceil(wake / TICK) * TICK
    return PolicyRun(fetches, reasons)


# --- measures ---------------------------------------------------------------------


@dataclass
class Figures:
    fetches: int
    hits: int
    delays: dict[str, list[float]]
    stalest: float
    deadlines_met: int
    deadlines: int
    by_reason: Counter

    @property
    def per_thousand(self) -> float:
        return 1000 * self.hits / self.fetches


def measure(pop, fetch_lists, comps, horizon, reasons=None) -> Figures:
    """Fetch lists start with each player's last fetch before t = 0."""
    fetched = hits = 0
    by_reason: Counter = Counter()
    delays: dict[str, list[float]] = {"every day": [], "occasional": [], "all": []}
    stalest = 0.0
    for pid, player in enumerate(pop):
        times, changes = fetch_lists[pid], player.changes
        for j in range(1, len(times)):
            previous, f = times[j - 1], times[j]
            if previous < horizon:
                stalest = max(stalest, min(f, horizon) - previous)
            if 0 <= f < horizon:
                fetched += 1
                hits += bisect_right(changes, f) > bisect_right(changes, previous)
                if reasons is not None:
                    by_reason[reasons[pid][j]] += 1
        stalest = max(stalest, horizon - times[-1])
        segment = "every day" if player.kind in EVERY_DAY else "occasional"
        for c in changes[bisect_left(changes, 0) : bisect_left(changes, horizon)]:
            found = times[bisect_left(times, c)] - c
            delays[segment].append(found)
            delays["all"].append(found)
    met = total = 0
    window = DEFAULT_SETTINGS.deadline_window.total_seconds()
    for comp in comps:
        for pid in comp.participants:
            times = fetch_lists[pid]
            for lo, hi in ((comp.starts - window, comp.starts), (comp.ends, comp.ends + window)):
                k = bisect_left(times, lo)
                met += k < len(times) and times[k] <= hi
                total += 1
    return Figures(fetched, hits, delays, stalest, met, total, by_reason)


def quantile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


def hours(seconds: float) -> str:
    return f"{seconds / HOUR:.2f} h"


def days(seconds: float) -> str:
    return f"{seconds / DAY:.3f} d"


def report(options, pop, fixed: Figures, policy: Figures, elapsed: float) -> None:
    kinds = Counter(p.kind for p in pop)
    print(
        f"{options.players:,} players ({kinds['occasional']:,} occasional, {kinds['daily']:,} "
        f"daily, {kinds['grinder']:,} grinders), {len(fixed.delays['all']):,} changes in "
        f"{options.days} days; budget {RATE} fetches/s, fixed interval "
        f"{hours(options.players * SLOT)}"
    )
    rows = [
        ("fetches", f"{fixed.fetches:,}", f"{policy.fetches:,}"),
        ("changes detected per 1,000 fetches", *(f"{f.per_thousand:.0f}" for f in (fixed, policy))),
    ]
    for segment, label in (
        ("every day", "players who play every day"),
        ("occasional", "occasional players"),
        ("all", "all changes"),
    ):
        for name, q in (("median", 0.5), ("p95", 0.95)):
            delays = (quantile(f.delays[segment], q) for f in (fixed, policy))
            rows.append((f"{name} delay, {label}", *map(hours, delays)))
    rows += [
        ("worst staleness, any player", days(fixed.stalest), days(policy.stalest)),
        ("deadlines met", *(f"{f.deadlines_met}/{f.deadlines}" for f in (fixed, policy))),
    ]
    print(table(rows, ("", "fixed", "policy")))
    spent = ", ".join(f"{r.value} {n:,}" for r, n in policy.by_reason.most_common())
    print(f"policy fetches by reason: {spent}; {policy.fetches / fixed.fetches:.0%} of the budget")
    print(f"simulated in {elapsed:.0f} s\n")

    # Each goal is measured against the fixed schedule of the same run.
    mine, theirs = policy.delays["every day"], fixed.delays["every day"]
    maximum_days = DEFAULT_SETTINGS.max_interval.total_seconds() / DAY
    for line in (
        goal(
            "changes detected per 1,000 fetches (target 3x fixed)",
            policy.per_thousand,
            ">=",
            round(3 * fixed.per_thousand),
            digits=0,
        ),
        *(
            goal(
                f"{name} delay in hours, players who play every day (target fixed's)",
                quantile(mine, q) / HOUR,
                "<=",
                round(quantile(theirs, q) / HOUR, 2),
            )
            for name, q in (("median", 0.5), ("p95", 0.95))
        ),
        goal("worst staleness in days", policy.stalest / DAY, "<=", maximum_days, digits=3),
        goal("deadlines met", policy.deadlines_met, ">=", policy.deadlines, digits=0),
    ):
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--players", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=14, help="measured days")
    parser.add_argument("--seed", type=int, default=11)
    hour = timedelta(hours=1)
    parser.add_argument("--patience-hours", type=float, default=DEFAULT_SETTINGS.patience / hour)
    parser.add_argument("--active-hour-rate", type=float, default=DEFAULT_SETTINGS.active_hour_rate)
    parser.add_argument("--likely-change", type=float, default=DEFAULT_SETTINGS.likely_change)
    options = parser.parse_args()
    settings = replace(
        DEFAULT_SETTINGS,
        patience=options.patience_hours * hour,
        active_hour_rate=options.active_hour_rate,
        likely_change=options.likely_change,
    )
    rng = random.Random(options.seed)
    horizon = options.days * DAY
    start = -HISTORY_DAYS * DAY
    stop = horizon + DEFAULT_SETTINGS.max_interval.total_seconds()
    pop = population(rng, options.players, -HISTORY_DAYS - 1, math.ceil(stop / DAY) + 1)
    comps = competitions(rng, pop)
    manual = [
        (rng.uniform(0, horizon), rng.randrange(options.players))
        for _ in range(MANUAL_PER_DAY * options.days)
    ]
    started = time.perf_counter()
    fixed = measure(pop, run_fixed(options.players, start, stop), comps, horizon)
    history = learned_history(pop, 0.0, HISTORY_DAYS)
    run = run_policy(pop, history, comps, manual, horizon, settings)
    policy = measure(pop, run.fetches, comps, horizon, run.reasons)
    report(options, pop, fixed, policy, time.perf_counter() - started)


if __name__ == "__main__":
    main()
