"""The bodies of the history endpoints: ProgressAnalysis, SkillProgress and
BossProgress, from a handful of index probes and one bounded timeline read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from hiscores import levels
from players.models import Player

from .analysis import analyse, per_day
from .efficiency_reports import efficiency_gained
from .gains import ABSENT, Gain, count_gain, level_gains, minimum_of, skill_change
from .selectors import TIMELINE_POINTS, RecordPair, start_record, timeline, window_records
from .states import State, state_of
from .timeframes import Window, days_window
from .trends import RECENT_DAYS, boss_projection, elapsed_rate, skill_projection


def progress_analysis(*, player: Player, window: Window) -> dict[str, Any]:
    pair = window_records(player, window)
    analysis = analyse(state_of(pair.start), state_of(pair.end))
    return {
        **_header(player, window, pair),
        **analysis.body(),
        **efficiency_gained(player.game_mode, analysis),
    }


def _header(player: Player, window: Window, pair: RecordPair) -> dict[str, Any]:
    return {
        "username": player.username,
        "period_start": window.start,
        "period_end": window.end,
        "baseline": pair.baseline.value,
        "start_record_at": pair.start.fetched_at,
        "end_record_at": pair.end.fetched_at,
    }


def _recent_start(player: Player, window: Window, pair: RecordPair, now: datetime) -> State:
    """The state a week ago (or at the window start, for a shorter window)."""
    moment = now - timedelta(days=RECENT_DAYS)
    if moment <= window.start:
        return state_of(pair.start)
    record, _ = start_record(player.id, moment, game_mode=pair.end.game_mode)
    return state_of(record or pair.end)


def _since(window_start: datetime, state: State) -> datetime:
    # A player first seen inside the window has been watched since then only.
    return max(window_start, state.at)


def _anomaly(gain: Gain) -> dict[str, Any] | None:
    return None if gain.rollback is None else {"start": gain.rollback[0], "end": gain.rollback[1]}


def _points(
    player: Player,
    window: Window,
    pair: RecordPair,
    column: str,
    key: str,
    point: Callable[[datetime, Any], dict[str, Any]],
) -> list[dict[str, Any]]:
    """The chart: the state at the window start, then the records inside it (sampled)."""
    rows = timeline(
        player.id,
        window,
        column=column,
        key=key,
        points=TIMELINE_POINTS - 1,
        last_at=pair.end.fetched_at,
    )
    first_at = max(window.start, pair.start.fetched_at)
    points = [point(at, value) for at, value in rows]
    if not points or points[0]["at"] != first_at:
        points.insert(0, point(first_at, getattr(pair.start, column).get(key)))
    return points


def _number(entry: Any, key: str) -> int | None:
    value = entry.get(key) if isinstance(entry, dict) else None
    return value if isinstance(value, int) and value >= 0 else None


def _skill_point(at: datetime, entry: Any) -> dict[str, Any]:
    experience = _number(entry, "experience")
    return {
        "at": at,
        "experience": experience,
        "level": levels.level(experience) if experience is not None else None,
    }


def _boss_point(at: datetime, entry: Any) -> dict[str, Any]:
    return {"at": at, "kc": _number(entry, "kc")}


def _skill_value(experience: int | None) -> dict[str, int | None]:
    if experience is None:
        return {"experience": None, "level": None, "virtual_level": None}
    return {
        "experience": experience,
        "level": levels.level(experience),
        "virtual_level": levels.virtual_level(experience),
    }


def skill_progress(*, player: Player, skill: str, days: int, now: datetime) -> dict[str, Any]:
    window = days_window(days, now=now)
    pair = window_records(player, window)
    start, end = state_of(pair.start), state_of(pair.end)
    change = skill_change(start, end, skill)
    real, virtual = level_gains(change)
    recent = skill_change(_recent_start(player, window, pair, now), end, skill).gain.value
    recent_since = max(now - timedelta(days=RECENT_DAYS), _since(window.start, start))
    recent_rate = elapsed_rate(recent, recent_since, now)
    return {
        **_header(player, window, pair),
        "skill": skill,
        "days": days,
        "start": _skill_value(change.start),
        "end": _skill_value(change.end),
        "experience_gained": change.gain.value,
        "levels_gained": real,
        "virtual_levels_gained": virtual,
        "rate_per_day": per_day(change.gain.value, (end.at - start.at).total_seconds()),
        "approximate": change.gain.approximate,
        "anomaly": _anomaly(change.gain),
        "timeline": _points(player, window, pair, "skills_data", skill, _skill_point),
        "trend": {
            "recent_rate_per_day": recent_rate,
            "window_rate_per_day": elapsed_rate(
                change.gain.value, _since(window.start, start), now
            ),
            **skill_projection(change.end, recent_rate, now),
        },
    }


def _kills(state: State, boss: str) -> Any:
    return state.bosses.get(boss, ABSENT)


def boss_progress(*, player: Player, boss: str, days: int, now: datetime) -> dict[str, Any]:
    window = days_window(days, now=now)
    pair = window_records(player, window)
    start, end = state_of(pair.start), state_of(pair.end)
    minimum = minimum_of(boss)
    gain = count_gain(_kills(start, boss), _kills(end, boss), minimum=minimum)
    recent_start = _recent_start(player, window, pair, now)
    recent = count_gain(_kills(recent_start, boss), _kills(end, boss), minimum=minimum).value
    recent_since = max(now - timedelta(days=RECENT_DAYS), _since(window.start, start))
    recent_rate = elapsed_rate(recent, recent_since, now)
    end_kc = end.bosses.get(boss)
    return {
        **_header(player, window, pair),
        "boss": boss,
        "days": days,
        "start": {"kc": start.bosses.get(boss)},
        "end": {"kc": end_kc},
        "kills_gained": gain.value,
        "rate_per_day": per_day(gain.value, (end.at - start.at).total_seconds()),
        "approximate": gain.approximate,
        "anomaly": _anomaly(gain),
        "timeline": _points(player, window, pair, "bosses_data", boss, _boss_point),
        "trend": {
            "recent_rate_per_day": recent_rate,
            "window_rate_per_day": elapsed_rate(gain.value, _since(window.start, start), now),
            **boss_projection(end_kc, recent_rate, now),
        },
    }
