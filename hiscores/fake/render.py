"""The bytes the fake answers with: index_lite JSON and CSV, and the HTML pages
the real site serves when it will not answer.

Ranks are recorded ones where a real response gave them, otherwise made up from
the value (monotone, so more XP never ranks lower). A skill below the top two
million reads `-1, 1, -1` (or `-1, 1, 0` when never trained) while Overall still
counts it, as on the real hiscores.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping

from hiscores import catalogue, levels
from hiscores.catalogue import Metric
from hiscores.fake.players import Profile
from hiscores.modes import TABLES, GameMode

SKILL_RANK_LIMIT = 2_000_000

# A row Jagex has not added yet, for the `extra_row` fault: it lands among the
# bosses, so every later row moves down one place.
EXTRA_ROW = catalogue.Metric("Maggot Queen", "maggot_queen", catalogue.Kind.BOSS, 5)
_ROWS_WITH_EXTRA: tuple[Metric, ...] = tuple(
    row
    for metric in catalogue.ACTIVITIES
    for row in ((metric, EXTRA_ROW) if metric.name == "Maggot King" else (metric,))
)

# Rows only one kind of world uses; every other table reads them -1 (docs/hiscores.md, "Values").
_ONLY_ON = {
    "league_points": {TABLES[GameMode.SEASONAL]},
    "deadman_points": {TABLES[GameMode.DEADMAN], TABLES[GameMode.TOURNAMENT]},
}


def _skill_rank(xp: int) -> int:
    rank = int(2_400_000 / (1 + xp / 40_000))
    return max(rank, 1) if rank <= SKILL_RANK_LIMIT else -1


def _overall_rank(total_xp: int) -> int:
    rank = int(3_000_000 / (1 + total_xp / 2_000_000))
    return max(rank, 1) if rank <= SKILL_RANK_LIMIT else -1


def _score_rank(score: int) -> int:
    return max(int(900_000 / (1 + score / 20)), 1)


SkillRow = tuple[str, int, int, int]  # name, rank, level, xp
ScoreRow = tuple[str, int, int]  # name, rank, score


def skill_rows(profile: Profile) -> list[SkillRow]:
    ranks, skills = profile.ranks, profile.stats.skills
    rows: list[SkillRow] = []
    total_level = total_xp = 0
    for metric in catalogue.SKILLS:
        xp = skills[metric.slug]
        level = levels.level(xp)
        total_level += level
        total_xp += xp
        rank = ranks.get(metric.slug) or _skill_rank(xp)
        if rank == -1:
            rows.append((metric.name, -1, 1, xp and -1))
        else:
            rows.append((metric.name, rank, level, xp))
    overall_rank = ranks.get(catalogue.OVERALL.slug) or _overall_rank(total_xp)
    rows.insert(0, (catalogue.OVERALL.name, overall_rank, total_level, total_xp))
    return rows


def score_rows(profile: Profile, table: str, *, extra_row: bool = False) -> list[ScoreRow]:
    ranks, scores = profile.ranks, profile.stats.scores
    rows: list[ScoreRow] = []
    for metric in _ROWS_WITH_EXTRA if extra_row else catalogue.ACTIVITIES:
        score = scores.get(metric.slug, 0)
        only_on = _ONLY_ON.get(metric.slug)
        if score < (metric.minimum or 1) or (only_on is not None and table not in only_on):
            rows.append((metric.name, -1, -1))
            continue
        rank = ranks.get(metric.slug)
        rows.append((metric.name, _score_rank(score) if rank is None else rank, score))
    return rows


# Raw values by row slug, then by field as the JSON body names them (the `hostile` fault).
Values = Mapping[str, Mapping[str, int]]


def _with_values(
    skills: list[SkillRow], scores: list[ScoreRow], values: Values | None
) -> tuple[list[SkillRow], list[ScoreRow]]:
    """The rows with the `values` given in place of their own."""
    if not values:
        return skills, scores
    by_name = {catalogue.BY_SLUG[slug].name: fields for slug, fields in values.items()}

    def skill(row: SkillRow) -> SkillRow:
        name, rank, level, xp = row
        given = by_name.get(name, {})
        return name, given.get("rank", rank), given.get("level", level), given.get("xp", xp)

    def score(row: ScoreRow) -> ScoreRow:
        name, rank, value = row
        given = by_name.get(name, {})
        return name, given.get("rank", rank), given.get("score", value)

    return [skill(row) for row in skills], [score(row) for row in scores]


def _rows(
    profile: Profile, table: str, extra_row: bool, values: Values | None
) -> tuple[list[SkillRow], list[ScoreRow]]:
    scores = score_rows(profile, table, extra_row=extra_row)
    return _with_values(skill_rows(profile), scores, values)


def render_json(
    profile: Profile, table: str, *, extra_row: bool = False, values: Values | None = None
) -> bytes:
    # Formatted by hand rather than json.dumps over 116 dicts: a third of the time,
    # and this runs on every request. Names are JSON-quoted once each.
    skill_list, score_list = _rows(profile, table, extra_row, values)
    skills = ",".join(
        f'{{"id":{i},"name":{_quoted(name)},"rank":{rank},"level":{level},"xp":{xp}}}'
        for i, (name, rank, level, xp) in enumerate(skill_list)
    )
    activities = ",".join(
        f'{{"id":{i},"name":{_quoted(name)},"rank":{rank},"score":{score}}}'
        for i, (name, rank, score) in enumerate(score_list)
    )
    document = (
        f'{{"name":{json.dumps(profile.name)},"skills":[{skills}],"activities":[{activities}]}}'
    )
    return document.encode()


@functools.cache
def _quoted(name: str) -> str:
    return json.dumps(name)


def render_csv(
    profile: Profile, table: str, *, extra_row: bool = False, values: Values | None = None
) -> bytes:
    skills, scores = _rows(profile, table, extra_row, values)
    lines = [f"{rank},{level},{xp}" for _, rank, level, xp in skills]
    lines += [f"{rank},{score}" for _, rank, score in scores]
    # Like the recordings: no newline after the last line.
    return "\n".join(lines).encode()


def _page(title: str, text: str) -> bytes:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title></head>\n<body><h1>{title}</h1><p>{text}</p></body></html>\n"
    ).encode()


PAGES: Mapping[str, bytes] = {
    "not_found": _page(
        "404 - Page not found", "Sorry, the page you were looking for could not be found."
    ),
    "challenge": _page(
        "Just a moment...", "Checking your browser before accessing secure.runescape.com."
    ),
    "rate_limited": _page("429 Too Many Requests", "You are being rate limited."),
    "server_error": _page("Internal Server Error", "The server encountered an error."),
    "bad_gateway": _page("502 Bad Gateway", "The web server reported a bad gateway error."),
    "service_unavailable": _page("503 Service Unavailable", "The service is unavailable."),
    "gateway_timeout": _page("504 Gateway Time-out", "The web server did not answer in time."),
    "unknown_error": _page("520: Web server is returning an unknown error", "Error code 520"),
    "timeout_error": _page("524: A timeout occurred", "Error code 524"),
    "maintenance": _page(
        "Old School RuneScape - Hiscores", "The hiscores are currently down for maintenance."
    ),
    "blocked": _page(
        "Old School RuneScape - Hiscores",
        "Your IP has been temporarily blocked due to an excessive number of requests.",
    ),
    "overall": _page("Old School RuneScape - Hiscores", "Overall hiscores."),
}
