"""What the group views read (docs/api.md, "Groups"): a handful of queries
whatever the number of members.

Gains over a named period read the maintained deltas (`progress.deltas`), as the
leaderboards do: the group's expired windows are refreshed first while they are
few, so the rows are what the gain rules compute from the records now. Gains
between `start` and `end` have no maintained rows and read two records per member.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Avg, BigIntegerField, Count, F, Q, Sum
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.db.models.functions import Cast

from hiscores import catalogue
from hiscores.usernames import normalise
from players.models import Player
from players.records import HiscoreRecord
from progress.achievements import by_key
from progress.bests import EFFICIENCY_METRICS, EFFICIENCY_SCALE
from progress.deltas import refresh
from progress.errors import LeaderboardsBuilding
from progress.gains import gain_of
from progress.leaderboards import READ_REFRESH_LIMIT
from progress.models import Achievement, BestGain, Delta, DeltaWindow

from .competitions import boundary_states, sections_for, value_of
from .models import Group, Membership, MemberStatus

# Overall level of a player with every skill at 99.
MAXED_TOTAL = 99 * len(catalogue.SKILL_SLUGS)


@dataclass(frozen=True, slots=True)
class GainRow:
    username: str
    gained: int
    start: int | None
    end: int | None
    approximate: bool


def _members(group: Group) -> Any:
    return Membership.objects.filter(group=group, status=MemberStatus.TRACKED).values("player_id")


def _ranked(rows: list[GainRow]) -> list[dict[str, Any]]:
    rows.sort(key=lambda r: (-r.gained, normalise(r.username)))
    return [{"rank": n, **asdict(row)} for n, row in enumerate(rows, start=1)] if rows else []


class Ranked(Sequence):
    """A ranking the database pages: `len()` is the count, a slice one query (what
    the pagination asks of a list)."""

    def __init__(self, count: int, page: Callable[[int, int], list[dict]]) -> None:
        self.count, self.page = count, page

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index):
        if not isinstance(index, slice):
            raise TypeError("a ranking is read a page at a time")
        start, stop, _ = index.indices(self.count)
        return self.page(start, max(0, stop - start))


def gains_over_period(*, group: Group, metric: str, period: str, now: datetime) -> Ranked:
    """The tracked members ranked by their gain of `metric` over `period` (0 when
    none), ties by name. The database ranks them: each member's row is one probe
    of the window's unique index and one of the delta's key, and only the page
    leaves it."""
    members = _members(group)
    expired = list(
        DeltaWindow.objects.expired(now)
        .filter(period=period, player_id__in=members)
        .values_list("player_id", flat=True)[: READ_REFRESH_LIMIT + 1]
    )
    if len(expired) > READ_REFRESH_LIMIT:
        raise LeaderboardsBuilding(details={"period": period})
    refresh(expired, now=now)
    sql = f"""
        SELECT p.username, COALESCE(d.gained, 0) AS gained, d.start, d."end",
               COALESCE(d.approximate, FALSE)
        FROM {Membership._meta.db_table} m
        JOIN {Player._meta.db_table} p ON p.id = m.player_id
        LEFT JOIN {DeltaWindow._meta.db_table} w ON w.player_id = m.player_id AND w.period = %s
        LEFT JOIN {Delta._meta.db_table} d ON d.window_id = w.id AND d.metric = %s
        WHERE m.group_id = %s AND m.status = %s
        ORDER BY gained DESC, p.username_key
        LIMIT %s OFFSET %s
    """

    def page(offset: int, limit: int) -> list[dict]:
        with connection.cursor() as cursor:
            cursor.execute(sql, [period, metric, group.pk, MemberStatus.TRACKED, limit, offset])
            rows = cursor.fetchall()
        return [
            {"rank": rank, **asdict(GainRow(*row))}
            for rank, row in enumerate(rows, start=offset + 1)
        ]

    return Ranked(members.count(), page)


def gains_between(*, group: Group, metric: str, start: datetime, end: datetime) -> list[dict]:
    """Every tracked member's gain of `metric` from `start` to `end`, ranked."""
    players = dict(Player.objects.filter(pk__in=_members(group)).values_list("pk", "username"))
    pairs = boundary_states(players, start, end, sections=sections_for([metric]))
    rows = []
    for player_id, username in players.items():
        if player_id not in pairs:
            rows.append(GainRow(username, 0, None, None, False))
            continue
        s0, s1 = pairs[player_id]
        gain = gain_of(s0, s1, metric)
        rows.append(
            GainRow(
                username, gain.value, value_of(s0, metric), value_of(s1, metric), gain.approximate
            )
        )
    return _ranked(rows)


def _latest_value(metric: str) -> Any:
    """The metric's value in a player's latest record, as a database expression."""
    if metric == "overall":
        return F("latest_record__overall_experience")
    if metric in catalogue.SKILL_SLUGS:
        column, key = "latest_record__skills_data", "experience"
    elif metric in catalogue.BOSS_SLUGS:
        column, key = "latest_record__bosses_data", "kc"
    else:
        column, key = "latest_record__activities_data", "score"
    return Cast(KeyTextTransform(key, KeyTransform(metric, column)), BigIntegerField())


def hiscores(*, group: Group, metric: str) -> Ranked:
    """Tracked members ranked by their latest value of `metric` (unknown last),
    ties by name; ranked and paged by the database."""
    players = (
        Player.objects.filter(pk__in=_members(group))
        .annotate(value=_latest_value(metric))
        .order_by(F("value").desc(nulls_last=True), "username_key")
        .values_list("username", "value")
    )

    def page(offset: int, limit: int) -> list[dict]:
        return [
            {"rank": rank, "username": name, "value": value}
            for rank, (name, value) in enumerate(players[offset : offset + limit], start=offset + 1)
        ]

    return Ranked(players.count(), page)


def records(*, group: Group, metric: str, period: str) -> Ranked:
    """The tracked members' records of `metric` over `period` (`progress.bests`),
    largest first, ties by name: members without a record (no gain above 0) are
    not listed, as on the records board."""
    rows = (
        BestGain.objects.filter(player_id__in=_members(group), metric=metric, period=period)
        .order_by("-value", "username_key")
        .values("value", "start_at", "end_at", "approximate", username=F("player__username"))
    )

    def page(offset: int, limit: int) -> list[dict]:
        return [
            {
                "rank": rank,
                "username": row["username"],
                "metric": metric,
                "period": period,
                "value": (
                    row["value"] / EFFICIENCY_SCALE
                    if metric in EFFICIENCY_METRICS
                    else row["value"]
                ),
                "start_record_at": row["start_at"],
                "end_record_at": row["end_at"],
                "approximate": row["approximate"],
            }
            for rank, row in enumerate(rows[offset : offset + limit], start=offset + 1)
        ]

    return Ranked(rows.count(), page)


def achievements(*, group: Group) -> Ranked:
    """The tracked members' dated achievements, most recent first (by the record
    that showed each, then name): those of unknown date (the first record already
    showed them) are not news and are not listed."""
    rows = (
        Achievement.objects.filter(player_id__in=_members(group), achieved_at__isnull=False)
        .order_by("-achieved_before", "player__username_key", "key")
        .values(
            "key",
            "metric",
            "threshold",
            "achieved_at",
            "achieved_after",
            "achieved_before",
            username=F("player__username"),
        )
    )

    def page(offset: int, limit: int) -> list[dict]:
        catalogue_entries = by_key()
        return [
            {
                "username": row["username"],
                "name": entry.name if (entry := catalogue_entries.get(row["key"])) else row["key"],
                "metric": row["metric"],
                "threshold": row["threshold"],
                "achieved_at": row["achieved_at"],
                "achieved_after": row["achieved_after"],
                "achieved_before": row["achieved_before"],
            }
            for row in rows[offset : offset + limit]
        ]

    return Ranked(rows.count(), page)


def statistics(*, group: Group) -> dict[str, Any]:
    counts = Membership.objects.filter(group=group).aggregate(
        members=Count("pk"),
        tracked=Count("pk", filter=Q(status=MemberStatus.TRACKED)),
        pending=Count("pk", filter=Q(status=MemberStatus.PENDING)),
        not_found=Count("pk", filter=Q(status=MemberStatus.NOT_FOUND)),
    )
    records = HiscoreRecord.objects.filter(
        pk__in=Player.objects.filter(pk__in=_members(group)).values("latest_record_id")
    )
    totals = records.aggregate(
        total_experience=Sum("overall_experience"),
        average_experience=Avg("overall_experience"),
        average_total_level=Avg("overall_level"),
        maxed=Count("pk", filter=Q(overall_level__gte=MAXED_TOTAL)),
    )
    return {
        **counts,
        "total_experience": totals["total_experience"] or 0,
        "average_experience": round(totals["average_experience"] or 0),
        "average_total_level": round(totals["average_total_level"] or 0),
        "maxed": totals["maxed"],
    }
