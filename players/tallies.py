"""Where the hiscores budget goes: successful fetches per hour and reason, and
how many found a change (`FetchTally`), for the staff dashboard.

The recording service adds a batch's counts with one upsert, the last statement
of its transaction: every batch of the hour writes the same few rows, so each
holds them only for the commit.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from django.db import connection

from .models import FetchTally


class TallyCounts:
    """One batch's fetches and changes by reason."""

    def __init__(self) -> None:
        self.fetches: Counter[str] = Counter()
        self.changed: Counter[str] = Counter()

    def add(self, reason: str, *, changed: bool) -> None:
        self.fetches[reason] += 1
        self.changed[reason] += changed


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def tally_fetches(now: datetime, counts: TallyCounts) -> None:
    """Add the counts to the hour of `now`: one INSERT ... ON CONFLICT DO UPDATE
    (PostgreSQL and SQLite alike), rows in reason order so that two batches lock
    them in the same order."""
    if not counts.fetches:
        return
    hour = FetchTally._meta.get_field("hour").get_db_prep_value(
        hour_of(now), connection, prepared=False
    )
    reasons = sorted(counts.fetches)
    table = connection.ops.quote_name(FetchTally._meta.db_table)
    values = ", ".join(["(%s, %s, %s, %s)"] * len(reasons))
    params = [
        value
        for reason in reasons
        for value in (hour, reason, counts.fetches[reason], counts.changed[reason])
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (hour, reason, fetches, changed) VALUES {values} "
            "ON CONFLICT (hour, reason) DO UPDATE SET "
            f"fetches = {table}.fetches + excluded.fetches, "
            f"changed = {table}.changed + excluded.changed",
            params,
        )


def tallies_since(start: datetime) -> list[FetchTally]:
    return list(FetchTally.objects.filter(hour__gte=hour_of(start)).order_by("hour", "reason"))
