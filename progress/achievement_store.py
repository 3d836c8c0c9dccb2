"""Stored achievements: kept up to date as records are written, rebuilt from the
history on demand, and the body of the achievements endpoint (docs/api.md,
"Achievements"). Both paths apply `progress.achievements.reached_by` to each
record and the record before it, so a rebuild stores exactly what the
incremental path did."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db import transaction
from kombu.exceptions import KombuError

from players.models import Player
from players.records import HiscoreRecord

from . import achievements
from .achievements import Reached
from .models import Achievement
from .signals import achievement_reached
from .states import State, state_of
from .trends import RECENT_DAYS, elapsed_rate, projected_at

logger = logging.getLogger(__name__)

NEAREST = 10
# A pace measured over less than this says nothing about the days to come.
MIN_RATE_SPAN = timedelta(days=1)
_COLUMNS = (
    "id",
    "player_id",
    "fetched_at",
    "last_checked_at",
    "overall_experience",
    "overall_level",
    "skills_data",
    "bosses_data",
    "activities_data",
)


def _row(player_id: int, reached: Reached) -> Achievement:
    d = reached.definition
    return Achievement(
        player_id=player_id,
        key=d.key,
        metric=d.metric,
        measure=d.measure,
        threshold=d.threshold,
        achieved_at=reached.achieved_at,
        achieved_after=reached.achieved_after,
        achieved_before=reached.achieved_before,
    )


def history_reached(records: Iterable[Any]) -> list[Reached]:
    """Every achievement a player's records (oldest first) reached, first time each."""
    found: dict[str, Reached] = {}
    previous: State | None = None
    previous_checked_at = None
    for record in records:
        state = state_of(record)
        for reached in achievements.reached_by(
            state, previous, previous_checked_at, already=found.keys()
        ):
            found[reached.definition.key] = reached
        previous, previous_checked_at = state, record.last_checked_at
    return list(found.values())


def _records(player_id: int) -> Iterator[HiscoreRecord]:
    return (
        HiscoreRecord.objects.for_player(player_id)
        .order_by("fetched_at")
        .only(*_COLUMNS)
        .iterator(chunk_size=500)
    )


def rebuild(player_id: int) -> int:
    """Replace a player's achievements with what its history shows. Returns how many."""
    with transaction.atomic():
        # The player's row locked: an incremental update waits, then sees these.
        if not Player.objects.select_for_update().filter(pk=player_id).exists():
            return 0
        rows = [_row(player_id, r) for r in history_reached(_records(player_id))]
        Achievement.objects.filter(player_id=player_id).delete()
        Achievement.objects.bulk_create(rows)
    return len(rows)


def on_record_written(sender: Any, records: Iterable[HiscoreRecord], **kwargs: Any) -> None:
    """The receiver of `players.signals.record_written` (connected in progress.apps)."""
    for record in records:
        try:
            record_achievements(record)
        except Exception:  # one player's failure must not stop the others'
            logger.exception("achievements", extra={"player_id": record.player_id})


def record_achievements(record: HiscoreRecord) -> list[Achievement]:
    """Store what one new record reached and announce the dated ones once committed.
    A record written before others (history written out of order), or one that shows
    an achievement the record before already showed but nobody stored (the
    catalogue grew), queues the player's achievements rebuilt instead."""
    with transaction.atomic():
        player = Player.objects.select_for_update().filter(pk=record.player_id).first()
        if player is None:
            return []
        # Counted records only (`for_player`): a held one reaches nothing until released.
        later = (
            HiscoreRecord.objects.for_player(record.player_id)
            .filter(fetched_at__gt=record.fetched_at)
            .exists()
        )
        previous = (
            HiscoreRecord.objects.for_player(record.player_id)
            .filter(fetched_at__lt=record.fetched_at)
            .order_by("-fetched_at")
            .only(*_COLUMNS)
            .first()
        )
        stored = set(
            Achievement.objects.filter(player_id=record.player_id).values_list("key", flat=True)
        )
        previous_state = state_of(previous) if previous is not None else None
        # A first record with achievements stored: the history before it moved
        # away (a name transfer, docs/api.md "Flags"), and theirs with it.
        moved_away = previous is None and bool(stored)
        if later or moved_away or _missed(previous_state, stored):
            # A long history takes minutes: rebuilt by a task, not in the collector's
            # path with the player locked.
            transaction.on_commit(partial(queue_rebuild, record.player_id))
            return []
        reached = achievements.reached_by(
            state_of(record),
            previous_state,
            previous.last_checked_at if previous is not None else None,
            already=stored,
        )
        rows = [_row(record.player_id, r) for r in reached]
        Achievement.objects.bulk_create(rows, ignore_conflicts=True)
        news = [row for row in rows if row.achieved_at is not None]
        if news:
            transaction.on_commit(
                partial(
                    achievement_reached.send, sender=Achievement, player=player, achievements=news
                ),
                robust=True,
            )
    return rows


def queue_rebuild(player_id: int) -> None:
    from .tasks import rebuild_player_achievements  # the tasks import this module

    try:
        rebuild_player_achievements.apply_async(args=(player_id,), retry=False)
    except (KombuError, OSError):
        # The next record asks again; `manage.py rebuild_achievements` does it at once.
        logger.warning("achievements rebuild not queued", extra={"player_id": player_id})


def _missed(previous: State | None, stored: set[str]) -> bool:
    """Whether the record before shows an achievement nobody stored."""
    if previous is None:
        return False
    return bool(achievements.reached_by(previous, None, None, already=stored))


# -- the endpoint's body ----------------------------------------------------------


_ACHIEVED_COLUMNS = (
    "key",
    "metric",
    "measure",
    "threshold",
    "achieved_at",
    "achieved_after",
    "achieved_before",
)


def _achieved(row: tuple) -> dict[str, Any]:
    """A stored achievement as the endpoint lists it (from `_ACHIEVED_COLUMNS`: plain
    values, no model instances, for a player may hold hundreds)."""
    key, metric, measure, threshold, at, after, before = row
    definition = achievements.by_key().get(key)
    return {
        "name": definition.name if definition else key,
        "key": key,
        "metric": metric,
        "measure": measure,
        "threshold": threshold,
        "achieved_at": at,
        "achieved_after": after,
        "achieved_before": before,
    }


def _rates(player: Player, latest: State, now: datetime) -> tuple[dict[str, float], bool]:
    """Gain per day of each quantity over the last days (gains only: a rollback is
    no pace), and whether the span is long enough to project from."""
    moment = now - timedelta(days=RECENT_DAYS)
    then = HiscoreRecord.objects.as_of(player.id, moment) or HiscoreRecord.objects.first_after(
        player.id, moment
    )
    if then is None:
        return {}, False
    earlier = state_of(then)
    since = max(moment, earlier.at)
    rates: dict[str, float] = {}
    for section in ("skills", "bosses", "activities"):
        for slug, value in getattr(latest, section).items():
            before = getattr(earlier, section).get(slug)
            if isinstance(value, int) and isinstance(before, int):
                rates[f"{section}.{slug}"] = elapsed_rate(max(0, value - before), since, now)
    if latest.overall_experience is not None and earlier.overall_experience is not None:
        gained = max(0, latest.overall_experience - earlier.overall_experience)
        rates["overall"] = elapsed_rate(gained, since, now)
    return rates, now - since >= MIN_RATE_SPAN


def player_achievements(*, player: Player, now: datetime) -> dict[str, Any]:
    """Reached achievements, most recent first, and the nearest ones not reached yet
    (by progress), with a date at the recent pace when it is measured over a day or more."""
    rows = (
        Achievement.objects.filter(player=player)
        .order_by("-achieved_before", "key")
        .values_list(*_ACHIEVED_COLUMNS)
    )
    achieved = [_achieved(row) for row in rows]
    record = player.latest_record
    if record is None:
        return {"achieved": achieved, "nearest": []}
    latest = state_of(record)
    done = {row["key"] for row in achieved}
    candidates = []
    for definition in achievements.definitions():
        if definition.key in done:
            continue
        found = achievements.progress_of(definition, latest)
        if found is None or found[1] <= 0 or found[1] >= 1:
            continue
        candidates.append((definition, *found))
    candidates.sort(key=lambda c: (-c[2], c[0].key))
    nearest = candidates[:NEAREST]
    rates, projectable = _rates(player, latest, now) if nearest else ({}, False)
    body = []
    for definition, value, progress in nearest:
        left = achievements.remaining(definition, latest)
        estimated = None
        if projectable and left is not None and left[0] in rates:
            estimated = projected_at(left[1], rates[left[0]], now)
        body.append(
            {
                "name": definition.name,
                "key": definition.key,
                "metric": definition.metric,
                "measure": definition.measure,
                "threshold": definition.threshold,
                "value": value,
                "progress": round(progress, 4),
                "estimated_at": estimated,
            }
        )
    return {"achieved": achieved, "nearest": body}
