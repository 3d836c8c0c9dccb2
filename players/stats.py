"""HiscoreStats: one stored record as the API shows it (docs/api.md, "Statistics").

Every catalogue row is present in every answer (a spreadsheet keeps its
columns), always as an object of the same shape: a value the hiscores do not
give (unranked) is `null` inside it, never -1 or 0, and never the whole entry
(one shape for typed clients). Rows the catalogue does not know yet are carried
through under their own slug.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from hiscores import catalogue, levels
from hiscores.usernames import normalise

from .errors import NoRecords
from .models import Player
from .records import HiscoreRecord


def _section(
    data: Mapping[str, Any] | None,
    slugs: Iterable[str],
    convert: Callable[[Mapping[str, Any]], dict[str, Any]],
) -> dict[str, dict[str, Any]]:
    data = data or {}
    out = {slug: _entry(data.get(slug), convert) for slug in slugs}
    for slug, entry in data.items():
        if slug not in out:  # a row newer than the catalogue: keep it
            out[slug] = _entry(entry, convert)
    return out


def _entry(entry: Any, convert: Callable[[Mapping[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    # Records store an unranked row (or one from before it existed) as null or
    # leave it out: either way, its values are unknown.
    return convert(entry if isinstance(entry, Mapping) else {})


def _known(value: Any, lowest: int = 0) -> int | None:
    # The hiscores write -1 for unranked (and 0 for an unknown total); the
    # collector stores null, and nothing here may ever show those numbers.
    return value if isinstance(value, int) and value >= lowest else None


def _skill(entry: Mapping[str, Any]) -> dict[str, Any]:
    experience = _known(entry.get("experience"))
    return {
        "rank": _known(entry.get("rank"), 1),
        "level": _known(entry.get("level"), 1),
        "experience": experience,
        "virtual_level": levels.virtual_level(experience) if experience is not None else None,
    }


def _boss(entry: Mapping[str, Any]) -> dict[str, Any]:
    return {"rank": _known(entry.get("rank"), 1), "kc": _known(entry.get("kc"))}


def _activity(entry: Mapping[str, Any]) -> dict[str, Any]:
    return {"rank": _known(entry.get("rank"), 1), "score": _known(entry.get("score"))}


def stats_of(record: HiscoreRecord, *, username: str) -> dict[str, Any]:
    """The HiscoreStats body for one record."""
    skills = _section(record.skills_data, catalogue.SKILL_SLUGS, _skill)
    known_levels = {slug: s["level"] for slug, s in skills.items() if s["level"]}
    return {
        "username": username,
        "fetched_at": record.fetched_at,
        "last_checked_at": record.last_checked_at,
        "overall": {
            "rank": _known(record.overall_rank, 1),
            "level": _known(record.overall_level, 1),
            "experience": _known(record.overall_experience, 1),
        },
        "skills": skills,
        "bosses": _section(record.bosses_data, catalogue.BOSS_SLUGS, _boss),
        "activities": _section(record.activities_data, catalogue.ACTIVITY_SLUGS, _activity),
        # An unranked combat skill hides its level; the formula then counts it as
        # a fresh account would (1, Hitpoints 10), so this is a lower bound.
        "combat_level": levels.combat_level(known_levels),
        "total_level": _known(record.overall_level, 1),
    }


def player_stats(*, player: Player, at: datetime | None = None) -> dict[str, Any]:
    """The player's latest stats, or the stats as they stood at `at` (one index probe)."""
    if at is None:
        record = player.latest_record
        if record is None:
            raise NoRecords(details={"username": player.username})
    else:
        record = HiscoreRecord.objects.as_of(player.id, at)
        if record is None:
            raise NoRecords(
                "This player has no hiscores record at or before that moment.",
                details={"username": player.username, "at": at.isoformat()},
            )
    return stats_of(record, username=player.username)


def stats_by_names(names: Sequence[str]) -> dict[str, dict[str, Any] | None]:
    """HiscoreStats for each name as the client spelled it; `None` for a name nobody
    tracks or a player never fetched. One query, whatever the number of names.

    Names must already be legal (see `hiscores.usernames.clean`).
    """
    keys = {name: normalise(name) for name in names}
    players = Player.objects.filter(username_key__in=set(keys.values())).select_related(
        "latest_record"
    )
    by_key = {player.username_key: player for player in players}
    out: dict[str, dict[str, Any] | None] = {}
    for name, key in keys.items():
        player = by_key.get(key)
        record = player.latest_record if player else None
        out[name] = stats_of(record, username=player.username) if record else None
    return out
