"""Records and states shaped the way the collector stores them, for progress tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hiscores import catalogue, levels
from players.models import Player
from players.records import HiscoreRecord
from players.signals import record_written
from progress.states import State
from tests.factories import HiscoreRecordFactory

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def skill_entries(default: int | None = 100_000, **xp: int | None) -> dict[str, Any]:
    """Every catalogue skill at `default` experience, or as given; None is unranked."""
    out = {}
    for slug in catalogue.SKILL_SLUGS:
        value = xp.get(slug, default)
        out[slug] = (
            None
            if value is None
            else {"rank": 1000, "level": levels.level(value), "experience": value}
        )
    return out


def boss_entries(**kc: int | None) -> dict[str, Any]:
    """Every catalogue boss, unranked unless given."""
    return {
        slug: None if kc.get(slug) is None else {"rank": 500, "kc": kc[slug]}
        for slug in (*catalogue.BOSS_SLUGS, *kc)
    }


def activity_entries(**score: int | None) -> dict[str, Any]:
    return {
        slug: None if score.get(slug) is None else {"rank": 500, "score": score[slug]}
        for slug in (*catalogue.ACTIVITY_SLUGS, *score)
    }


def add_record(
    player: Player,
    at: datetime,
    *,
    skills: dict[str, Any] | None = None,
    bosses: dict[str, Any] | None = None,
    activities: dict[str, Any] | None = None,
    **fields: Any,
) -> HiscoreRecord:
    """A record as the collector writes it: `latest_record` kept up to date, and
    `record_written` sent, as `players.recording` does after its commit."""
    record = HiscoreRecordFactory(
        player=player,
        fetched_at=at,
        skills_data=skills if skills is not None else skill_entries(),
        bosses_data=bosses if bosses is not None else boss_entries(),
        activities_data=activities if activities is not None else activity_entries(),
        **fields,
    )
    latest = player.latest_record
    if latest is None or latest.fetched_at < at:
        player.latest_record = record
        player.last_fetched = at
        player.save(update_fields=["latest_record", "last_fetched"])
    record_written.send(sender=HiscoreRecord, records=[record])
    return record


def state(
    at: datetime = NOW,
    *,
    skills: dict[str, int | None] | None = None,
    overall: int | str | None = "sum",
    bosses: dict[str, int | None] | None = None,
    activities: dict[str, int | None] | None = None,
) -> State:
    """A State; Overall defaults to the sum of the known skills (as the hiscores total)."""
    skills = dict(skills if skills is not None else dict.fromkeys(catalogue.SKILL_SLUGS, 100_000))
    if overall == "sum":
        overall = sum(v for v in skills.values() if v is not None) or None
    total_level = sum(levels.level(v) for v in skills.values() if v is not None) or None
    return State(
        at=at,
        overall_experience=overall,
        overall_level=total_level if overall is not None else None,
        skills=skills,
        bosses=dict(bosses or {}),
        activities=dict(activities or {}),
    )
