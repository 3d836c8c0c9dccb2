"""The table of records (`BestGain`), kept equal to the rules of `progress.bests`.

Each player has a cursor (`BestCursor`): every record fetched at or before
`through_at` is folded into their rows. Folding a record in compares it with the
candidates `progress.bests` names (each period's first record in the window
before it, and the breaks of the year before it, `BestBreak`) and keeps the
better of each metric and period. The receiver of `players.signals.record_written`
folds in every record past the cursor, normally the one just written; a signal
lost with a killed process is made good by the player's next record, or by
`manage.py rebuild_records` (docs/operations.md, "Records"). A record written
before the cursor (history loaded after the fact) rebuilds the player's rows.

Folding in is the same code for one new record and for a whole history: the
rebuild resets the cursor and folds in everything, so the two cannot disagree.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import (
    DateTimeField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Subquery,
    Value,
)

from api.params import PERIODS
from players.models import Player
from players.records import HiscoreRecord

from . import bests_store as store
from .bests import (
    LONGEST,
    Bests,
    bests_ending_at,
    broken_metrics,
    fold_into,
    merge,
    unfolded_metrics,
)
from .models import BestBreak, BestCursor
from .rebuildable import commit_without_waiting_for_the_disk
from .states import STATE_FIELDS, State, state_of

_RECORD_FIELDS = ("id", *STATE_FIELDS)
# Records read per query while folding in a long history (a growing chunk: one
# new record costs a query of one or two rows).
MAX_CHUNK = 256
# States of the newest records kept while folding in, so that the day, week and
# month windows' first records are decoded once, not once per window.
KEPT_STATES = 3_000

Row = tuple[int, datetime]  # a record's id and fetched_at


def _load_states(ids: Iterable[int]) -> dict[int, State]:
    records = HiscoreRecord.objects.filter(pk__in=list(ids)).only(*_RECORD_FIELDS)
    return {record.pk: state_of(record) for record in records}


class _Kept:
    """The states of the newest records folded in, at most KEPT_STATES."""

    def __init__(self) -> None:
        self.states: OrderedDict[int, State] = OrderedDict()

    def add(self, states: dict[int, State]) -> None:
        self.states.update(states)
        while len(self.states) > KEPT_STATES:
            self.states.popitem(last=False)


class _Records:
    """A player's records fetched at or after `since` (or all), in order, read a
    chunk at a time: `head` is the next one, `state()` its state (decoded a chunk
    at a time, unless `kept` holds it; a stream with `keep` adds its states there)."""

    def __init__(
        self,
        player_id: int,
        since: datetime | None,
        kept: _Kept,
        *,
        after: bool = False,
        keep: bool = False,
    ) -> None:
        self.player_id, self.chunk, self.kept, self.keep = player_id, 2, kept, keep
        self.bound = ("fetched_at__gt" if after else "fetched_at__gte", since)
        self.rows: deque[Row] = deque()
        self.states: dict[int, State] = {}
        self.exhausted = False

    def _fill(self) -> None:
        lookup, since = self.bound
        records = (
            HiscoreRecord.objects.counted().filter(player_id=self.player_id).order_by("fetched_at")
        )
        if since is not None:
            records = records.filter(**{lookup: since})
        batch = list(records.values_list("pk", "fetched_at")[: self.chunk])
        self.exhausted = len(batch) < self.chunk
        self.chunk = min(self.chunk * 2, MAX_CHUNK)
        if batch:
            self.rows.extend(batch)
            self.bound = ("fetched_at__gt", batch[-1][1])

    @property
    def head(self) -> Row | None:
        if not self.rows and not self.exhausted:
            self._fill()
        return self.rows[0] if self.rows else None

    def state(self) -> State:
        """The head's state."""
        record_id = self.rows[0][0]
        state = self.states.get(record_id) or self.kept.states.get(record_id)
        if state is None:
            missing = [pk for pk, _ in self.rows if pk not in self.kept.states]
            loaded = _load_states(missing)
            if self.keep:
                self.kept.add(loaded)
            else:
                self.states.update(loaded)
            state = loaded[record_id]
        return state

    def pop(self) -> None:
        record_id, _ = self.rows.popleft()
        self.states.pop(record_id, None)

    def skip_before(self, moment: datetime) -> Row | None:
        """Drop the records before `moment`; the first at or after it, if any."""
        while (row := self.head) is not None and row[1] < moment:
            self.pop()
        return row


def on_record_written(sender: Any, records: Iterable[HiscoreRecord], **kwargs: Any) -> None:
    """The receiver of `players.signals.record_written` (connected in progress.apps):
    the whole batch folded in with a few queries (`fold_batch`)."""
    records = list(records)
    earliest: dict[int, datetime] = {}
    for record in records:
        moment = earliest.get(record.player_id)
        earliest[record.player_id] = min(moment, record.fetched_at) if moment else record.fetched_at
    fold_batch(earliest, written=records)


def fold_batch(earliest: dict[int, datetime], *, written: Iterable[HiscoreRecord] = ()) -> None:
    """Fold in the records written at or after `earliest[player]` for each player;
    `written` may give those records, whose values are then not read back.

    The usual case, a player's one record past their cursor (their first record,
    with no cursor yet, too), is folded in for the whole batch at once: the
    cursors locked in one query, each new record's window firsts, the record
    before it and whether one follows it in another, the breaks and the states
    needed in two more, the stored rows that could change in one, and one write
    each for the rows, the breaks and the cursors, however many players. Any other
    case (history written before the cursor, several records past it) goes
    through `advance`, one player at a time."""
    if not earliest:
        return
    with transaction.atomic():
        # Lost to a crash, the cursors stay behind: the next record folds it all in.
        commit_without_waiting_for_the_disk()
        rest = _fold_singles(earliest, _one_each(written, earliest))
    for player_id in sorted(rest):
        advance(player_id, written_since=earliest[player_id])


def _one_each(written: Iterable[HiscoreRecord], earliest: dict[int, datetime]) -> dict[int, Any]:
    """Each player's one given record at `earliest[player]`, when they have one only."""
    out: dict[int, Any] = {}
    twice: set[int] = set()
    for record in written:
        if record.player_id in out:
            twice.add(record.player_id)
        elif record.fetched_at == earliest.get(record.player_id):
            out[record.player_id] = record
    return {player_id: record for player_id, record in out.items() if player_id not in twice}


def _fold_singles(earliest: dict[int, datetime], given: dict[int, Any]) -> set[int]:
    """Fold in each player's one new record; returns the players left to `advance`.
    `given` holds the new records whose values are known already."""
    ids = sorted(earliest)
    cursors = store.locked_cursors(ids)
    if missing := [player_id for player_id in ids if player_id not in cursors]:
        store.create_cursors(missing)
        cursors |= store.locked_cursors(missing)
    cursors = {
        player_id: cursor
        for player_id, cursor in cursors.items()
        if player_id in given and (cursor[0] is None or earliest[player_id] > cursor[0])
    }
    rest = set(earliest) - set(cursors)
    if not cursors:
        return rest
    probes = _window_probes([given[player_id].pk for player_id in cursors])
    single: dict[int, int] = {}
    for record_id, row in probes.items():
        player_id, through = row["player_id"], cursors.get(row["player_id"], (None,))[0]
        # The one record past the cursor: none follows it, and the one before it
        # (if any) was folded in.
        folded = row["previous"] is None or (through is not None and row["previous_at"] <= through)
        if player_id in cursors and not row["later"] and folded:
            single[player_id] = record_id
    rest |= set(cursors) - set(single)
    if not single:
        return rest
    probes = {record_id: probes[record_id] for record_id in single.values()}
    # A player's first record starts every window and breaks nothing: no gain ends
    # at it, and only its cursor moves.
    later = {record_id: row for record_id, row in probes.items() if row["previous"] is not None}
    breaks = _batch_breaks(later)
    wanted = {pk for row in later.values() for pk in row["ids"]}
    wanted |= {pk for marked in breaks.values() for pk in marked}
    known = {
        record.pk: state_of(record)
        for record in given.values()
        # A record given with every field `state_of` reads is not read again.
        if record.pk in later and record.get_deferred_fields().isdisjoint(STATE_FIELDS)
    }
    states = known | _load_states(wanted - set(known))
    found: dict[int, tuple[Bests, list[BestBreak]]] = {}
    for player_id, record_id in single.items():
        if record_id not in later:
            continue
        row = probes[record_id]
        end = states[record_id]
        firsts = {
            period: states[pk]
            for period, pk in row["firsts"].items()
            if pk is not None and states[pk].at < end.at
        }
        marked = sorted(
            ((states[pk], set(metrics)) for pk, metrics in breaks.get(player_id, {}).items()),
            key=lambda pair: pair[0].at,
        )
        previous = states[row["previous"]]
        # The record before is folded in: what it gains alike is not computed again.
        candidates = bests_ending_at(end, firsts, marked, unfolded_metrics(previous, end))
        broken = broken_metrics(previous, end)
        new_breaks = (
            [
                BestBreak(
                    record_id=record_id,
                    player_id=player_id,
                    fetched_at=end.at,
                    metrics=sorted(broken),
                )
            ]
            if broken
            else []
        )
        found[player_id] = (candidates, new_breaks)
    stored = store.stored_many(found)
    rows: list[tuple] = []
    for player_id, (candidates, _) in found.items():
        mine = stored.get(player_id, {})
        changed = merge(mine, candidates)
        key = cursors[player_id][1]
        rows += store.rows_of(player_id, key, {metric: mine[metric] for metric in changed})
    store.upsert(rows)
    BestBreak.objects.bulk_create(
        [b for _, new_breaks in found.values() for b in new_breaks], ignore_conflicts=True
    )
    store.move_cursors(
        {player_id: probes[record_id]["at"] for player_id, record_id in single.items()}
    )
    return rest


def _window_probes(record_ids: list[int]) -> dict[int, dict]:
    """For each new record still stored and counted: each period's first record in
    the window before it, the record before it (and when it was fetched), and
    whether a record follows it, probed on the (player, fetched_at) index in one
    query."""
    records = HiscoreRecord.objects.counted().filter(player=OuterRef("player_id"))
    probes = {}
    for period, length in PERIODS.items():
        after = records.filter(
            fetched_at__gte=ExpressionWrapper(
                OuterRef("fetched_at") - Value(length), output_field=DateTimeField()
            )
        ).order_by("fetched_at")
        probes[f"{period}_id"] = Subquery(after.values("pk")[:1])
    before = records.filter(fetched_at__lt=OuterRef("fetched_at")).order_by("-fetched_at")
    probes["previous_id"] = Subquery(before.values("pk")[:1])
    probes["previous_at"] = Subquery(before.values("fetched_at")[:1])
    probes["later"] = Exists(records.filter(fetched_at__gt=OuterRef("fetched_at")))
    out = {}
    for row in (
        HiscoreRecord.objects.counted()
        .filter(pk__in=record_ids)
        .values("pk", "player_id", "fetched_at", **probes)
    ):
        firsts = {period: row[f"{period}_id"] for period in PERIODS}
        ids = {row["pk"], *(pk for pk in firsts.values() if pk is not None)}
        if row["previous_id"] is not None:
            ids.add(row["previous_id"])
        out[row["pk"]] = {
            "player_id": row["player_id"],
            "at": row["fetched_at"],
            "firsts": firsts,
            "previous": row["previous_id"],
            "previous_at": row["previous_at"],
            "later": row["later"],
            "ids": ids,
        }
    return out


def _batch_breaks(probes: dict[int, dict]) -> dict[int, dict[int, list[str]]]:
    """Each player's breaks in the longest period before their new record: player ->
    record id -> the metrics it breaks, in one query (none for players whose new
    record is their first: a break is a record after another)."""
    spans = {
        row["player_id"]: (row["at"] - LONGEST, row["at"])
        for row in probes.values()
        if row["previous"] is not None
    }
    if not spans:
        return {}
    # The batch's records are fetched together: one range for all, each player's
    # own kept below.
    rows = BestBreak.objects.filter(
        player_id__in=list(spans),
        fetched_at__gte=min(since for since, _ in spans.values()),
        fetched_at__lt=max(until for _, until in spans.values()),
    ).values_list("record_id", "player_id", "fetched_at", "metrics")
    out: dict[int, dict[int, list[str]]] = {}
    for record_id, player_id, fetched_at, metrics in rows:
        since, until = spans[player_id]
        if since <= fetched_at < until:
            out.setdefault(player_id, {})[record_id] = metrics
    return out


def advance(player_id: int, *, written_since: datetime | None = None, reset: bool = False) -> int:
    """Fold the player's records past their cursor into their rows, in one
    transaction with the cursor locked. From scratch when `reset`, or when a record
    was written at `written_since`, at or before the cursor. Returns how many
    records were folded in."""
    with transaction.atomic():
        key = Player.objects.filter(pk=player_id).values_list("username_key", flat=True).first()
        if key is None:
            return 0
        cursor = BestCursor.objects.select_for_update().filter(pk=player_id).first()
        if cursor is None:
            BestCursor.objects.bulk_create([BestCursor(player_id=player_id)], ignore_conflicts=True)
            cursor = BestCursor.objects.select_for_update().get(pk=player_id)
        through = cursor.through_at
        if reset or (
            written_since is not None and through is not None and written_since <= through
        ):
            store.clear(player_id)
            BestBreak.objects.filter(player_id=player_id).delete()
            through = None
        folded = _fold(player_id, key, through)
        through_at = folded[1] if folded else through
        BestCursor.objects.filter(pk=player_id).update(through_at=through_at)
        return folded[0] if folded else 0


def _fold(player_id: int, key: str, through: datetime | None) -> tuple[int, datetime] | None:
    """Fold in the records after `through`; (how many, the last one's moment), or
    None when there were none."""
    kept = _Kept()
    new = _Records(player_id, through, kept, after=True, keep=True)
    if new.head is None:
        return None
    first_at = new.head[1]
    starts = {
        period: _Records(player_id, first_at - length, kept) for period, length in PERIODS.items()
    }
    previous = _prime(player_id, through, new, starts)
    breaks = deque(_breaks(player_id, first_at - LONGEST, first_at))
    stored = store.stored(player_id)
    changed: set[tuple[str, str]] = set()
    new_breaks: list[BestBreak] = []
    count, last_at = 0, first_at
    while (head := new.head) is not None:
        record_id, state = head[0], new.state()
        new.pop()
        firsts = {}
        for period, length in PERIODS.items():
            stream = starts[period]
            row = stream.skip_before(state.at - length)
            if row is not None and row[1] < state.at:
                firsts[period] = stream.state()
        while breaks and breaks[0][0].at < state.at - LONGEST:
            breaks.popleft()
        changed |= fold_into(stored, state, previous, firsts, breaks)
        if broken := broken_metrics(previous, state):
            breaks.append((state, broken))
            new_breaks.append(
                BestBreak(
                    record_id=record_id,
                    player_id=player_id,
                    fetched_at=state.at,
                    metrics=sorted(broken),
                )
            )
        previous, last_at, count = state, state.at, count + 1
    store.upsert(store.rows_of(player_id, key, {metric: stored[metric] for metric in changed}))
    BestBreak.objects.bulk_create(new_breaks, ignore_conflicts=True)
    return count, last_at


def _prime(
    player_id: int,
    through: datetime | None,
    new: _Records,
    starts: dict[str, _Records],
) -> State | None:
    """Find each window's first record, and the record at `through`, with one probe
    each on the (player, fetched_at) index in one query, and read their states and
    the first new records' in another. Returns the state at `through`."""
    first_at = new.head[1]
    records = HiscoreRecord.objects.counted().filter(player=OuterRef("pk"))
    probes = {}
    for period, length in PERIODS.items():
        after = records.filter(fetched_at__gte=first_at - length).order_by("fetched_at")
        probes[f"{period}_id"] = Subquery(after.values("pk")[:1])
        probes[f"{period}_at"] = Subquery(after.values("fetched_at")[:1])
    if through is not None:
        before = records.filter(fetched_at__lte=through).order_by("-fetched_at")
        probes["previous"] = Subquery(before.values("pk")[:1])
    row = Player.objects.filter(pk=player_id).values(**probes).get()
    for period, stream in starts.items():
        stream.rows.append((row[f"{period}_id"], row[f"{period}_at"]))
        stream.bound = ("fetched_at__gt", row[f"{period}_at"])
    previous_id = row.get("previous")
    wanted = {pk for pk, _ in new.rows} | {row[f"{period}_id"] for period in PERIODS}
    states = _load_states(wanted | ({previous_id} if previous_id else set()))
    new.kept.add({pk: states[pk] for pk, _ in new.rows})
    for stream in starts.values():
        stream.states.update({pk: states[pk] for pk, _ in stream.rows})
    if previous_id is None:
        return None
    return states[previous_id]


def _breaks(player_id: int, since: datetime, before: datetime) -> list[tuple[State, set[str]]]:
    """The player's breaks fetched from `since` to before `before`, in order: each
    record's state and the metrics it breaks."""
    marked = dict(
        BestBreak.objects.filter(
            player_id=player_id, fetched_at__gte=since, fetched_at__lt=before
        ).values_list("record_id", "metrics")
    )
    records = HiscoreRecord.objects.filter(pk__in=list(marked)).order_by("fetched_at")
    return [(state_of(record), set(marked[record.pk])) for record in records.only(*_RECORD_FIELDS)]
