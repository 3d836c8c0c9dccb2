"""Stored achievements: kept up to date as records are written, rebuilt from the
history on demand, and the body of the achievements endpoint (docs/api.md,
"Achievements"). Both paths apply `progress.achievements.reached_by` to each
record and the record before it, so a rebuild stores exactly what the
incremental path did."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Subquery
from kombu.exceptions import KombuError

from players.models import Player
from players.records import HiscoreRecord

from . import achievements
from .achievements import Reached
from .bulk import insert_rows
from .models import Achievement
from .rebuildable import commit_without_waiting_for_the_disk
from .signals import achievement_reached
from .states import STATE_FIELDS, State, state_of
from .trends import RECENT_DAYS, elapsed_rate, projected_at

logger = logging.getLogger(__name__)

NEAREST = 10
# A pace measured over less than this says nothing about the days to come.
MIN_RATE_SPAN = timedelta(days=1)
_COLUMNS = ("id", "player_id", "last_checked_at", *STATE_FIELDS)


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
    """The receiver of `players.signals.record_written` (connected in progress.apps):
    a collection batch's records (one per player) at once, in one transaction
    (`record_batch`). Should that fail, or a player have several new records (a
    merged history), each record goes on its own, so one player's failure costs
    the others nothing."""
    records = list(records)
    per_player = Counter(record.player_id for record in records)
    single = [record for record in records if per_player[record.player_id] == 1]
    alone = [record for record in records if per_player[record.player_id] > 1]
    if len(single) > 1:
        try:
            record_batch(single)
        except Exception:
            logger.exception("achievements batch", extra={"records": len(single)})
            alone = records
    else:
        alone = records
    for record in alone:
        try:
            record_achievements(record)
        except Exception:  # one player's failure must not stop the others'
            logger.exception("achievements", extra={"player_id": record.player_id})


def record_achievements(record: HiscoreRecord) -> int:
    """`record_batch` for one record."""
    return record_batch([record])


def record_batch(records: list[HiscoreRecord]) -> int:
    """Store what new records (one per player) reached and announce the dated ones
    once committed; returns how many were stored. The players are locked in one
    statement, then one read each of what comes before and after the records, of
    the records before and of the stored achievements, and one write of the
    rows reached (`progress.bulk`), however many players.

    A record written before others (history written out of order), or one that
    shows an achievement the record before already showed but nobody stored (the
    catalogue grew), queues its player's achievements rebuilt instead."""
    by_player = {record.player_id: record for record in records}
    if len(by_player) != len(records):
        raise ValueError("record_batch takes one record per player")
    with transaction.atomic():
        # Lost to a crash, what was reached is missed by the next record: rebuilt then.
        commit_without_waiting_for_the_disk()
        # Locked in id order, as the recording path locks them.
        players = list(
            Player.objects.select_for_update()
            .filter(pk__in=by_player)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not players:
            return 0
        # Read after the lock (see players.recording._locked_with_latest_digest):
        # what a transaction the lock waited for committed is seen.
        neighbours = _neighbours([by_player[pid] for pid in players])
        previous = {
            record.pk: record
            for record in HiscoreRecord.objects.filter(
                pk__in=[pk for _, pk in neighbours.values() if pk is not None]
            ).only(*_COLUMNS)
        }
        stored: dict[int, set[str]] = {pid: set() for pid in players}
        for player_id, key in Achievement.objects.filter(player_id__in=players).values_list(
            "player_id", "key"
        ):
            stored[player_id].add(key)
        rows: list[tuple[int, Reached]] = []
        news: dict[int, list[Achievement]] = {}
        rebuilds: list[int] = []
        for player_id in players:
            record = by_player[player_id]
            if record.pk not in neighbours:
                # Deleted since it was written: the history changed under it.
                rebuilds.append(player_id)
                continue
            later, previous_id = neighbours[record.pk]
            before = previous.get(previous_id) if previous_id is not None else None
            previous_state = state_of(before) if before is not None else None
            # A first record with achievements stored: the history before it moved
            # away (a name transfer, docs/api.md "Flags"), and theirs with it.
            moved_away = before is None and bool(stored[player_id])
            if later or moved_away or _missed(previous_state, stored[player_id]):
                # A long history takes minutes: rebuilt by a task, not in the
                # collector's path with the player locked.
                rebuilds.append(player_id)
                continue
            reached = achievements.reached_by(
                state_of(record),
                previous_state,
                before.last_checked_at if before is not None else None,
                already=stored[player_id],
            )
            rows += [(player_id, r) for r in reached]
            if dated := [_row(player_id, r) for r in reached if r.achieved_at is not None]:
                news[player_id] = dated
        _insert(rows)
        for player_id in rebuilds:
            transaction.on_commit(partial(queue_rebuild, player_id))
        # The whole rows only for the players announced, as they are under the lock.
        for player_id, player in Player.objects.in_bulk(list(news)).items():
            transaction.on_commit(
                partial(
                    achievement_reached.send,
                    sender=Achievement,
                    player=player,
                    achievements=news[player_id],
                ),
                robust=True,
            )
    return len(rows)


# A stored achievement as the endpoint reads it; written with its player.
_ACHIEVED_COLUMNS = (
    "key",
    "metric",
    "measure",
    "threshold",
    "achieved_at",
    "achieved_after",
    "achieved_before",
)
_INSERT_COLUMNS = ("player_id", *_ACHIEVED_COLUMNS)


def _insert(rows: list[tuple[int, Reached]]) -> None:
    """Store the reached achievements (a player's first record reaches some
    thirty at once, a batch's first records over a thousand). None is stored
    yet: the players are locked and what they had was read under the lock
    (`already` of `reached_by`)."""
    adapt = connection.ops.adapt_datetimefield_value
    insert_rows(
        Achievement,
        _INSERT_COLUMNS,
        (
            (
                player_id,
                r.definition.key,
                r.definition.metric,
                r.definition.measure,
                r.definition.threshold,
                adapt(r.achieved_at),
                adapt(r.achieved_after),
                adapt(r.achieved_before),
            )
            for player_id, r in rows
        ),
    )


def _neighbours(records: list[HiscoreRecord]) -> dict[int, tuple[bool, int | None]]:
    """For each record still stored: whether a counted record of its player comes after it, and
    the id of the counted one just before it (None: none), probed on the (player,
    fetched_at) index in one query. Counted records only: a held one reaches
    nothing until released."""
    counted = HiscoreRecord.objects.counted().filter(player_id=OuterRef("player_id"))
    before = counted.filter(fetched_at__lt=OuterRef("fetched_at")).order_by("-fetched_at")
    rows = (
        HiscoreRecord.objects.filter(pk__in=[record.pk for record in records])
        .annotate(
            later=Exists(counted.filter(fetched_at__gt=OuterRef("fetched_at"))),
            previous_id=Subquery(before.values("pk")[:1]),
        )
        .values_list("pk", "later", "previous_id")
    )
    return {pk: (later, previous_id) for pk, later, previous_id in rows}


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
