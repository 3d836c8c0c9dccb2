"""Records and states shaped the way the collector stores them, for progress tests,
and hypothesis strategies drawing histories of them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st

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


# Few distinct values, so that equal values, rollbacks and unranked rows all come up.
experience = st.none() | st.sampled_from([0, 400_000, 900_000, 2_500_000])
kills = st.none() | st.sampled_from([5, 12, 60, 200])
# Gaps from minutes to months, so that records fall on every side of every period.
gaps = st.sampled_from([600, 3_600, 20 * 3_600, 3 * 86_400, 8 * 86_400, 40 * 86_400, 300 * 86_400])


@st.composite
def record_values(
    draw,
    *,
    overalls: Sequence[int | str | None] = ("sum", None, 0, 60_000_000, 90_000_000),
    revealing: bool = False,
) -> dict[str, Any]:
    """`add_record`'s keywords: Overall is one of `overalls`, where "sum" is the
    skills' total when every skill is ranked and unknown otherwise; `revealing`
    sometimes makes it a total that gives away a lone unranked skill instead."""
    # Every other skill known or every one unranked: with attack alone unranked and
    # Overall known, Overall reveals its experience.
    skills = skill_entries(
        draw(st.sampled_from([None, 1_000_000])),
        attack=draw(experience),
        sailing=draw(experience),
    )
    bosses = boss_entries(zulrah=draw(kills), mimic=draw(kills))
    activities = activity_entries(last_man_standing=draw(st.none() | st.sampled_from([600, 800])))
    # A row the hiscores did not list yet, or no longer list.
    unlisted = ((skills, "sailing"), (bosses, "mimic"), (activities, "last_man_standing"))
    for section, slug in unlisted:
        if draw(st.booleans()) and draw(st.booleans()):
            del section[slug]
    overall = draw(st.sampled_from(overalls))
    if overall == "sum":
        known = [e["experience"] for e in skills.values() if e is not None]
        overall = sum(known) if len(known) == len(skills) else None
        if overall is None and revealing and draw(st.booleans()):
            # A total that reveals a lone unranked skill, not always growing with it.
            overall = sum(known) + draw(st.sampled_from([-100, 0, 300_000, 800_000]))
    return {
        "skills": skills,
        "bosses": bosses,
        "activities": activities,
        "overall_experience": overall,
    }


@st.composite
def histories(draw, values: st.SearchStrategy, *, max_records: int) -> list[tuple[int, dict]]:
    """One player's records: (seconds after the start, `values` drawn), `gaps` apart."""
    at, history = 0, []
    for _ in range(draw(st.integers(1, max_records))):
        at += draw(gaps)
        history.append((at, draw(values)))
    return history
