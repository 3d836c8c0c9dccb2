"""The charts on a player's change page (`admin/players/player/change_form.html`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.urls import reverse

from hiscores import catalogue

from ..models import Player
from ..records import HiscoreRecord

# The change page's charts: a range staff choose (days back from now; "all" from
# the first record), at most CHART_POINTS points each; a month at first.
CHART_RANGES: dict[str, int | None] = {"day": 1, "week": 7, "month": 30, "year": 365, "all": None}
CHART_RANGE = "month"
CHART_POINTS = 200


def chart_context(player: Player, *, now: datetime) -> dict[str, Any]:
    """What `admin/players/player/change_form.html` draws its charts from: the
    skill and boss charts and the gains table fetch the history API in the
    browser (with the staff session); the overall XP series of each range is
    embedded, since the API's timelines are per skill or boss only. The first
    record's date lets the page fit "all" (and any range longer than the
    history) to the data."""
    first = HiscoreRecord.objects.filter(player=player).order_by("fetched_at")
    first_at = first.values_list("fetched_at", flat=True).first()
    return {
        "chart_history_url": reverse("player-history", kwargs={"username": player.username_key}),
        # The recent achievements and the chart's marks (players/player_achievements.js).
        "chart_achievements_url": reverse(
            "player-achievements", kwargs={"username": player.username_key}
        ),
        "chart_range": CHART_RANGE,
        "chart_ranges": [(name, name.capitalize()) for name in CHART_RANGES],
        "chart_first_at": first_at.isoformat() if first_at else "",
        "chart_skills": [(m.slug, m.name) for m in catalogue.SKILLS],
        "chart_bosses": [(m.slug, m.name) for m in catalogue.BOSSES],
        "chart_overall": {
            name: overall_timeline(player, now=now, days=days, first_at=first_at)
            for name, days in CHART_RANGES.items()
        },
    }


def overall_timeline(
    player: Player, *, now: datetime, days: int | None, first_at: datetime | None = None
) -> list[dict[str, Any]]:
    """Overall XP over the last `days` (None: since the first record): the latest
    CHART_POINTS records (one range read on the (player, fetched_at) index), led
    by the state at the window start when they reach back that far."""
    if first_at is None:
        return []
    start = now - timedelta(days=days) if days is not None else first_at - timedelta(seconds=1)
    records = HiscoreRecord.objects.filter(player=player).order_by("-fetched_at")
    rows = list(
        records.filter(fetched_at__gt=start, fetched_at__lte=now).values_list(
            "fetched_at", "overall_experience"
        )[:CHART_POINTS]
    )
    rows.reverse()
    if len(rows) < CHART_POINTS and first_at <= start:
        before = records.filter(fetched_at__lte=start).values_list("overall_experience")[:1]
        rows[:0] = [(start, experience) for (experience,) in before]
    return [{"at": at.isoformat(), "experience": experience} for at, experience in rows]
