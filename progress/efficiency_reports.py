"""The efficiency bodies: a player's EHP, EHB and times to max, the EHP and EHB a
progress window gained, and the efficiency leaderboards (docs/api.md,
"Efficiency"). Every figure is computed here, when read, from the records and the
rate tables (`progress.efficiency`); nothing efficient is stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hiscores import catalogue
from players.errors import NoRecords
from players.models import Player
from players.records import HiscoreRecord

from . import efficiency
from .analysis import Analysis, analyse
from .deltas import expired_players, refresh
from .errors import LeaderboardsBuilding
from .leaderboards import READ_REFRESH_LIMIT
from .models import Delta, DeltaWindow
from .states import STATE_FIELDS, State, state_of


def _choice(game_mode: str, state: State) -> efficiency.Choice:
    return efficiency.table_for(game_mode, state.skills)


def efficiency_of(game_mode: str, state: State) -> dict[str, Any]:
    choice = _choice(game_mode, state)
    return {
        "ehp": round(choice.skills.ehp(state.skills), 5),
        "ehb": round(choice.bosses.ehb(state.bosses), 5),
        "ttm_hours": round(max(0.0, choice.skills.time_to_max(state.skills)), 5),
        "tt200m_hours": round(max(0.0, choice.skills.time_to_200m_all(state.skills)), 5),
        "algorithm": efficiency.ALGORITHM,
        "rates_version": efficiency.rates().version,
        **choice.body(),
        "unranked_skills": [s for s in efficiency.SKILLS if state.skills.get(s) is None],
    }


def player_efficiency(*, player: Player, at: datetime | None = None) -> dict[str, Any]:
    """The player's efficiency from its latest record, or from the state at `at`."""
    record = player.latest_record if at is None else HiscoreRecord.objects.as_of(player.id, at)
    if record is None:
        raise NoRecords(details={"username": player.username})
    return {
        "username": player.username,
        "record_at": record.fetched_at,
        **efficiency_of(player.game_mode, state_of(record)),
    }


def efficiency_gained(game_mode: str, analysis: Analysis) -> dict[str, float]:
    """`ehp_gained` and `ehb_gained` of a window: both ends under the one table the
    end state chooses, gains by the progress rules, so never negative."""
    choice = _choice(game_mode, analysis.end)
    return {
        "ehp_gained": round(
            efficiency.ehp_gained(
                choice.skills, analysis.start.skills, analysis.end.skills, analysis.experience
            ),
            5,
        ),
        "ehb_gained": round(efficiency.ehb_gained(choice.bosses, analysis.bosses), 5),
    }


# -- leaderboards ---------------------------------------------------------------

MEASURES = ("ehp", "ehb")


@dataclass(frozen=True, slots=True)
class EfficiencyEntry:
    username: str
    value: float
    account_type: str


def _sorted(entries: list[EfficiencyEntry], limit: int) -> list[EfficiencyEntry]:
    entries.sort(key=lambda e: (-e.value, e.username.lower()))
    return [e for e in entries if e.value > 0][:limit]


def efficiency_totals(*, measure: str, limit: int) -> list[EfficiencyEntry]:
    """Tracked players ranked by their current EHP or EHB (latest record). Computed
    for every tracked player as read: the cost grows with the players tracked."""
    sections = ("skills",) if measure == "ehp" else ("skills", "bosses")
    players = Player.objects.filter(latest_record__isnull=False).select_related("latest_record")
    entries = []
    for player in players.only("username", "game_mode", *_RECORD_FIELDS):
        state = state_of(player.latest_record, sections=sections)
        body = efficiency_of(player.game_mode, state)
        entries.append(EfficiencyEntry(player.username, body[measure], body["account_type"]))
    return _sorted(entries, limit)


_RECORD_FIELDS = tuple(f"latest_record__{name}" for name in STATE_FIELDS)


def efficiency_gains(
    *, measure: str, period: str, now: datetime, limit: int
) -> list[EfficiencyEntry]:
    """Tracked players ranked by the EHP or EHB gained over `period`: the two records
    each player's maintained window compares (`progress.deltas`, refreshed first as
    the gain leaderboards are), for the players who gained experience (EHP) or kills
    (EHB) in it."""
    expired = expired_players(now, period=period, limit=READ_REFRESH_LIMIT + 1)
    if len(expired) > READ_REFRESH_LIMIT:
        raise LeaderboardsBuilding(details={"period": period})
    refresh(expired, now=now, periods=[period])
    gaining = Delta.objects.filter(period=period, gained__gt=0)
    if measure == "ehp":
        gaining = gaining.filter(metric__in=catalogue.SKILL_SLUGS)
    else:
        gaining = gaining.filter(metric__in=catalogue.BOSS_SLUGS)
    windows = DeltaWindow.objects.filter(
        period=period, id__in=gaining.values("window_id")
    ).select_related("player", "start_record", "end_record")
    entries = []
    for window in windows:
        if window.start_record is None or window.end_record is None:
            continue
        analysis = analyse(state_of(window.start_record), state_of(window.end_record))
        gained = efficiency_gained(window.player.game_mode, analysis)
        choice = _choice(window.player.game_mode, analysis.end)
        entries.append(
            EfficiencyEntry(
                window.player.username, gained[f"{measure}_gained"], choice.account_type
            )
        )
    return _sorted(entries, limit)
