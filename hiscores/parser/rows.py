"""From named rows to a `Snapshot`: the value rules every body format shares.

Both formats end here, so "unranked", "unknown" and "not what we expected" mean
the same whichever format a body came in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hiscores import bounds, catalogue
from hiscores.catalogue import Kind
from hiscores.errors import HiscoresUnavailable
from hiscores.snapshot import ScoreValue, SkillValue, Snapshot

# A real response is about 10 kB; anything near this size is not a hiscores body,
# and reading it all would let one bad answer eat a worker's memory.
MAX_BODY_BYTES = 1024 * 1024
UNRANKED = bounds.NOT_LISTED


@dataclass(frozen=True, slots=True)
class SkillRow:
    name: str
    rank: int
    level: int
    xp: int


@dataclass(frozen=True, slots=True)
class ActivityRow:
    name: str
    rank: int
    score: int


def unavailable(message: str) -> HiscoresUnavailable:
    return HiscoresUnavailable(f"Unexpected hiscores body: {message}")


def short(name: str) -> str:
    """A row name fit for an error message, however long the body made it."""
    return repr(name if len(name) <= 40 else name[:40] + "...")


def body_text(body: bytes | str) -> str:
    """The body as text, refused when it is too big or not UTF-8."""
    if isinstance(body, bytes | bytearray | memoryview):
        raw = bytes(body)
        if len(raw) > MAX_BODY_BYTES:
            raise unavailable(f"{len(raw)} bytes, more than the {MAX_BODY_BYTES} allowed")
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise unavailable("not UTF-8 text") from exc
    if isinstance(body, str):
        # Characters first, so a huge string is refused before it is copied.
        if (
            len(body) > MAX_BODY_BYTES
            or len(body.encode("utf-8", "surrogatepass")) > MAX_BODY_BYTES
        ):
            raise unavailable(f"more than the {MAX_BODY_BYTES} bytes allowed")
        return body
    raise unavailable(f"a {type(body).__name__}, not bytes or text")


def _rank(rank: int) -> int | None:
    return rank if rank > 0 else None


def _overall(row: SkillRow) -> SkillValue | None:
    # Ranked accounts have been served Overall 0/0: that is "unknown", not a reset.
    if row.xp <= 0 or row.level <= 0:
        return None
    return SkillValue(_rank(row.rank), row.level, row.xp)


def _skill(row: SkillRow) -> SkillValue | None:
    if row.xp < 0 or row.level <= 0:
        return None
    # A never-trained new skill has been served as "-1, 1, 0": unranked, not a value.
    if row.rank == UNRANKED and row.xp == 0:
        return None
    return SkillValue(_rank(row.rank), row.level, row.xp)


def _score(row: ActivityRow) -> ScoreValue | None:
    # -1 means "below the listing minimum", never zero.
    if row.score < 0:
        return None
    return ScoreValue(_rank(row.rank), row.score)


def _check_names(rows: Sequence[SkillRow | ActivityRow]) -> None:
    seen: set[str] = set()
    for row in rows:
        if not row.name:
            raise unavailable("a row without a name")
        if row.name in seen:
            raise unavailable(f"the row {short(row.name)} appears twice")
        seen.add(row.name)


def _check_plausible(skill_rows: Sequence[SkillRow], activity_rows: Sequence[ActivityRow]) -> None:
    """Every value within `hiscores.bounds`, or `ImplausibleResponse`."""
    # Overall totals every skill: the catalogue's, listed or not, or more when the
    # answer lists skills the catalogue does not know yet.
    skills = max(len(catalogue.SKILLS), len(skill_rows) - 1)
    for row in skill_rows:
        name = f"the row {short(row.name)}"
        overall = row.name == catalogue.OVERALL.name
        bounds.RANK.check(name, "rank", row.rank)
        level = bounds.total_level(skills) if overall else bounds.SKILL_LEVEL
        level.check(name, "level", row.level)
        xp = bounds.total_xp(skills) if overall else bounds.SKILL_XP
        xp.check(name, "xp", row.xp)
    for row in activity_rows:
        name = f"the row {short(row.name)}"
        bounds.RANK.check(name, "rank", row.rank)
        bounds.SCORE.check(name, "score", row.score)


class _UnknownSlugs:
    """Slugs for rows the catalogue does not know yet, kept forward compatible."""

    def __init__(self) -> None:
        self._taken: set[str] = set(catalogue.BY_SLUG)

    def slug_for(self, name: str) -> str:
        slug = catalogue.slugify(name)
        if not slug:
            raise unavailable(f"the row {short(name)} has no letters or digits")
        # Two rows under one key would silently overwrite each other's values.
        if slug in self._taken:
            raise unavailable(f"the unknown row {short(name)} collides with the slug {slug!r}")
        self._taken.add(slug)
        return slug


def build_snapshot(
    skill_rows: Sequence[SkillRow],
    activity_rows: Sequence[ActivityRow],
    display_name: str | None = None,
) -> Snapshot:
    """Every catalogue slug is present (`None` when missing or unranked); unknown
    rows are kept under their slugified name."""
    _check_names([*skill_rows, *activity_rows])
    _check_plausible(skill_rows, activity_rows)
    unknown = _UnknownSlugs()

    overall_row: SkillRow | None = None
    skills: dict[str, SkillValue | None] = dict.fromkeys(catalogue.SKILL_SLUGS)
    for row in skill_rows:
        metric = catalogue.BY_NAME.get(row.name)
        if metric is None:
            skills[unknown.slug_for(row.name)] = _skill(row)
        elif metric.kind is not Kind.SKILL:
            raise unavailable(f"the activity {short(row.name)} is listed among the skills")
        elif metric is catalogue.OVERALL:
            overall_row = row
        else:
            skills[metric.slug] = _skill(row)
    # Without Overall the body is not a player's hiscores, whatever else it holds.
    if overall_row is None:
        raise unavailable("no Overall row")

    bosses: dict[str, ScoreValue | None] = dict.fromkeys(catalogue.BOSS_SLUGS)
    activities: dict[str, ScoreValue | None] = dict.fromkeys(catalogue.ACTIVITY_SLUGS)
    # Bosses come last in every layout so far, so a new row after the first boss
    # is most likely a new boss.
    past_first_boss = False
    for row in activity_rows:
        metric = catalogue.BY_NAME.get(row.name)
        if metric is None:
            target = bosses if past_first_boss else activities
            target[unknown.slug_for(row.name)] = _score(row)
        elif metric.kind is Kind.SKILL:
            raise unavailable(f"the skill {short(row.name)} is listed among the activities")
        elif metric.kind is Kind.BOSS:
            past_first_boss = True
            bosses[metric.slug] = _score(row)
        else:
            activities[metric.slug] = _score(row)

    return Snapshot(
        overall=_overall(overall_row),
        skills=skills,
        bosses=bosses,
        activities=activities,
        display_name=display_name,
    )
