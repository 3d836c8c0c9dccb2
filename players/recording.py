"""Turning hiscores answers into stored history: the single place records are written."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import DateTimeField, OuterRef, Subquery, Value
from django.utils import timezone
from prometheus_client import Counter

from hiscores.errors import HiscoresError
from hiscores.snapshot import Snapshot
from hiscores.usernames import InvalidUsername, normalise

from . import flags, game_modes, policy
from .conditional import players_recorded
from .deadlines import DEADLINE_WINDOW, consume_deadlines
from .models import FetchAttempt, FetchOutcome, FlagStatus, Player, PlayerFlag, PlayerStatus
from .plausibility import Verdict
from .records import HiscoreRecord, record_fields
from .scheduling import STATE_FIELDS, player_state, policy_settings, rhythm_columns
from .signals import record_written
from .tallies import TallyCounts, tally_fetches

logger = logging.getLogger(__name__)

# Exported at /metrics (osrsdiff.metrics): one count per logged attempt.
FETCH_ATTEMPTS = Counter(
    "osrsdiff_fetch_attempts", "Fetch attempts logged, by outcome.", ["outcome"]
)
for _outcome in FetchOutcome.values:
    FETCH_ATTEMPTS.labels(outcome=_outcome)  # every outcome is exported, from 0


@dataclass(frozen=True, slots=True)
class Answer:
    """What the hiscores answered for one player, waiting to be recorded."""

    player_id: int
    snapshot: Snapshot
    started_at: datetime
    finished_at: datetime
    # The game mode whose table answered, when every table was asked
    # (players.game_modes); None: the player's own mode's table.
    detected_mode: str | None = None


def fetch_record_success(
    *, player_id: int, snapshot: Snapshot, started_at: datetime
) -> FetchOutcome | None:
    """`fetch_record_successes` for one answer. Returns its outcome, or None when
    the player was deleted meanwhile (nothing is written then)."""
    answer = Answer(player_id, snapshot, started_at, finished_at=timezone.now())
    return fetch_record_successes([answer]).get(player_id)


def fetch_record_successes(answers: Iterable[Answer]) -> dict[int, FetchOutcome]:
    """Store what a batch of fetches returned, in one transaction with their players
    locked: one locking select, then one statement per kind of write, however many
    players the batch holds.

    A new record is written only when a value changed since the latest one, so a
    repeated or redelivered fetch stores nothing twice, and an unchanged fetch
    only moves timestamps. Returns each recorded player's outcome; players deleted
    meanwhile are left out, and nothing is written for them.

    A record no account could have reached from the last counted one
    (`players.plausibility`), and every record of a player whose flag is open, is
    written flagged: held for staff, counted nowhere (`players.flags`). An answer
    from another table than the player's mode records the game-mode change
    (`players.game_modes`); each record keeps the table it came from.
    """
    by_player = {answer.player_id: answer for answer in answers}
    # Building and hashing the JSON needs no lock: done before taking any.
    fields = {player_id: record_fields(a.snapshot) for player_id, a in by_player.items()}
    with transaction.atomic():
        players = _locked_with_latest_digest(list(by_player))
        now = timezone.now()
        # The newest held record (id, digest) of each player whose flag is open.
        newest_held = flags.newest_held(
            [pid for pid, player in players.items() if player.open_flag_id is not None]
        )
        suspects = flags.verdicts(
            {
                pid: (player.latest_record_id, fields[pid])
                for pid, player in players.items()
                if player.open_flag_id is None
                and player.latest_record is not None
                and player.latest_record.values_digest != fields[pid]["values_digest"]
            },
            now=now,
        )
        flagged_now: list[tuple[HiscoreRecord, Verdict]] = []
        outcomes: dict[int, FetchOutcome] = {}
        written: list[HiscoreRecord] = []
        confirmed: list[int] = []  # newest records (held ones too) the fetch found unchanged
        attempts: list[FetchAttempt] = []
        # The player columns whose new value differs from player to player.
        varying: dict[str, dict[int, Any]] = defaultdict(dict)
        tally = TallyCounts()
        _with_next_deadlines(players.values(), now=now, into=varying)
        for player_id, answer in by_player.items():
            player = players.get(player_id)
            if player is None:
                continue
            fetched, latest = fields[player_id], player.latest_record
            mode = answer.detected_mode or player.game_mode
            held = player.open_flag_id is not None or player_id in suspects
            newest = newest_held.get(player_id) or (
                (latest.pk, latest.values_digest) if latest is not None else None
            )
            if newest is not None and newest[1] == fetched["values_digest"]:
                # Ranks drift while a player is idle; they alone are no reason for a row.
                confirmed.append(newest[0])
                outcome = FetchOutcome.UNCHANGED
            else:
                record = HiscoreRecord(
                    player_id=player_id,
                    fetched_at=now,
                    last_checked_at=now,
                    game_mode=mode,
                    flagged=held,
                    **fetched,
                )
                written.append(record)
                if player_id in suspects:
                    flagged_now.append((record, suspects[player_id]))
                varying["last_changed_at"][player_id] = now
                outcome = FetchOutcome.FLAGGED if held else FetchOutcome.STORED
            if answer.detected_mode is not None:
                varying["modes_checked_at"][player_id] = now
                if answer.detected_mode != player.game_mode:
                    game_modes.change_record(
                        player_id=player_id,
                        from_mode=player.game_mode,
                        to_mode=answer.detected_mode,
                        now=now,
                    )
                    varying["game_mode"][player_id] = answer.detected_mode
            # A held answer changed too: the rhythm learns that the account moved.
            changed = outcome is not FetchOutcome.UNCHANGED
            _learn_and_schedule(player, changed=changed, at=now, into=varying)
            tally.add(player.next_fetch_reason, changed=changed)
            if name := _hiscores_spelling(answer.snapshot, player):
                varying["username"][player_id] = name
            outcomes[player_id] = outcome
            attempts.append(
                _attempt(player_id, outcome, answer.started_at, answer.finished_at, status=200)
            )
        if not outcomes:
            return outcomes
        players_recorded(
            (players[player_id].username_key for player_id in outcomes),
            respelled="username" in varying,
        )
        _insert(written)
        flags.flags_open(flagged_now, now=now)
        counted = [record for record in written if not record.flagged]
        if confirmed:
            HiscoreRecord.objects.filter(pk__in=confirmed).update(last_checked_at=now)
        # The record written for the player just now (ids are set): the latest that
        # counts. A held record is not.
        for record in counted:
            varying["latest_record"][record.player_id] = record.pk
        _update_players(
            list(outcomes),
            {
                "last_fetched": now,
                "status": PlayerStatus.OK.value,
                "failure_count": 0,
                "not_found_count": 0,
                "status_reason": "",
                "fetch_claimed_until": None,
            },
            varying,
        )
        _log_attempts(attempts)
        tally_fetches(now, tally)  # last: its rows are shared by every batch
        if counted:
            # Robust: the records are committed, whatever a receiver does.
            transaction.on_commit(
                partial(record_written.send, sender=HiscoreRecord, records=counted), robust=True
            )
    return outcomes


def _insert(records: list[HiscoreRecord]) -> None:
    """`bulk_create` (ids set, on PostgreSQL and SQLite) as one INSERT ... VALUES.
    Given many rows, Django sends PostgreSQL each column as one array (UNNEST), and
    quoting every JSON document into an array literal costs more than all of a
    batch's other statements together (bench/collection.py). A value given as an
    expression keeps it to VALUES; the attribute gets its plain value back."""
    if not records:
        return
    first = records[0]
    moment = first.last_checked_at
    first.last_checked_at = Value(moment, output_field=DateTimeField())
    try:
        HiscoreRecord.objects.bulk_create(records)
    finally:
        first.last_checked_at = moment


def _locked_with_latest_digest(player_ids: list[int]) -> dict[int, Player]:
    """The players, locked in id order (so two batches never wait on each other in
    a cycle), then read with their latest record's digest and their open flag's
    id (an index probe). Archived players are never recorded.

    Two statements: on PostgreSQL a statement that waited for a row lock sees the
    row as committed, but everything else it reads (the joined latest record, the
    flag) as it was when it began, before the transaction it waited for (a flag
    resolution, another fetch) committed. The read after the lock sees it all."""
    locked = Player.objects.select_for_update().filter(pk__in=player_ids).order_by("pk")
    ids = list(locked.values_list("pk", flat=True))
    open_flag = PlayerFlag.objects.filter(player=OuterRef("pk"), status=FlagStatus.OPEN)
    read = (
        Player.objects.select_related("latest_record")
        .only(
            "username",
            "username_key",
            "game_mode",
            "next_fetch_reason",
            *STATE_FIELDS,
            "latest_record__values_digest",
        )
        .annotate(open_flag_id=Subquery(open_flag.values("pk")[:1]))
        .filter(pk__in=ids, archived=False)
    )
    return {player.pk: player for player in read}


def _with_next_deadlines(
    players: Iterable[Player], *, now: datetime, into: dict[str, dict[int, Any]]
) -> None:
    """Drop the deadlines a fetch now meets (players.deadlines: from their window's
    opening on), and give each player its next one: two statements, and none
    for a batch without deadlines."""
    with_deadline = [p for p in players if p.fetch_deadline is not None]
    if not with_deadline:
        return
    remaining = consume_deadlines([p.pk for p in with_deadline], met_until=now + DEADLINE_WINDOW)
    for player in with_deadline:
        player.fetch_deadline = into["fetch_deadline"][player.pk] = remaining.get(player.pk)


def _learn_and_schedule(
    player: Player, *, changed: bool, at: datetime, into: dict[str, dict[int, Any]]
) -> None:
    """What the fetch taught the policy about the player, and its next fetch
    (players.policy): the columns of the batch's one UPDATE."""
    state = policy.learn(player_state(player), changed=changed, at=at)
    due = policy.schedule(state, policy_settings())
    into["next_fetch_at"][player.pk] = due.at
    into["next_fetch_reason"][player.pk] = due.reason.value
    for column, value in rhythm_columns(state.rhythm).items():
        into[column][player.pk] = value


def _hiscores_spelling(snapshot: Snapshot, player: Player) -> str | None:
    """The capitalisation the hiscores use for the player's name, when it differs from ours."""
    name = snapshot.display_name
    if name and name != player.username and _same_name(name, player.username_key):
        return name
    return None


def _same_name(display_name: str, key: str) -> bool:
    try:
        return normalise(display_name) == key
    except InvalidUsername:
        return False


def _update_players(
    player_ids: list[int], same: dict[str, Any], varying: dict[str, dict[int, Any]]
) -> None:
    """One multi-row UPDATE of the players: the `same` columns get one value each;
    each `varying` column a CASE with one branch per distinct value (rows not named
    keep theirs), or a plain value when every row gets the same one. Written as SQL,
    which both databases speak alike: built by the ORM, a batch's CASE branches
    cost more than the statement's work."""
    ops = connection.ops
    sets: list[str] = []
    params: list[Any] = []

    def value_of(column: str, value: Any) -> tuple[str, Any]:
        field = Player._meta.get_field(column)
        mark = "%s"
        if connection.features.requires_casted_case_in_updates:
            # PostgreSQL types a CASE of parameters only when told (so does bulk_update).
            mark = f"CAST(%s AS {field.cast_db_type(connection)})"
        return mark, field.get_db_prep_save(value, connection)

    for column, value in same.items():
        mark, prepared = value_of(column, value)
        sets.append(f"{ops.quote_name(Player._meta.get_field(column).column)} = {mark}")
        params.append(prepared)
    for column, values in varying.items():
        name = ops.quote_name(Player._meta.get_field(column).column)
        players_by_value: dict[Any, list[int]] = defaultdict(list)
        for player_id, value in values.items():
            players_by_value[_hashable(value)].append(player_id)
        if len(values) == len(player_ids) and len(players_by_value) == 1:
            mark, prepared = value_of(column, next(iter(values.values())))
            sets.append(f"{name} = {mark}")
            params.append(prepared)
            continue
        branches = []
        for ids in players_by_value.values():
            mark, prepared = value_of(column, values[ids[0]])
            branches.append(f"WHEN id IN ({', '.join(['%s'] * len(ids))}) THEN {mark}")
            params += [*ids, prepared]
        sets.append(f"{name} = CASE {' '.join(branches)} ELSE {name} END")
    table = ops.quote_name(Player._meta.db_table)
    marks = ", ".join(["%s"] * len(player_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {', '.join(sets)} WHERE id IN ({marks})", [*params, *player_ids]
        )


def _hashable(value: Any) -> Any:
    # The rhythm's hours are a tuple, a JSON list read back: one value either way.
    return tuple(value) if isinstance(value, list) else value


def fetch_record_failure(
    *, player_id: int, error: HiscoresError, started_at: datetime, final: bool
) -> FetchOutcome | None:
    """Log a fetch the hiscores failed, under the error's outcome. When `final` (no
    retry follows) also update the player: a 404 is asked again hours later
    (`_not_found`), anything else marks it failing and reschedules it."""
    with transaction.atomic():
        player = _locked(player_id)
        if player is None:
            return None
        now = timezone.now()
        outcome = FetchOutcome(error.outcome)
        if final and outcome == FetchOutcome.NOT_FOUND:
            _not_found(player, now)
        elif final:
            _give_up(player, now)
        _log_attempts(
            [_attempt(player.pk, outcome, started_at, now, status=error.status, message=str(error))]
        )
    return outcome


def fetch_record_error(
    *, player_id: int, error: Exception, started_at: datetime
) -> FetchOutcome | None:
    """Log a fetch that broke on our side (a bug, the database) as ERROR and give
    the player up as after failed retries: the lease is freed, and the backoff keeps
    a fault that repeats from spending a request every scheduler tick."""
    with transaction.atomic():
        player = _locked(player_id)
        if player is None:
            return None
        now = timezone.now()
        _give_up(player, now)
        message = f"{type(error).__name__}: {error}"
        _log_attempts(
            [_attempt(player.pk, FetchOutcome.ERROR, started_at, now, status=None, message=message)]
        )
    return FetchOutcome.ERROR


def fetch_defer(
    *, player_id: int, error: HiscoresError, started_at: datetime
) -> FetchOutcome | None:
    """Log a fetch that made no request (the breaker is open, or no rate-limit slot
    came soon) as DEFERRED and free the lease. The player keeps its status and is
    due again at the error's `retry_at`, or as it was (keeping its place in line)."""
    with transaction.atomic():
        player = _locked(player_id)
        if player is None:
            return None
        now = timezone.now()
        if error.retry_at is not None:
            player.next_fetch_at = max(now, datetime.fromtimestamp(error.retry_at, tz=UTC))
        player.fetch_claimed_until = None
        player.save(update_fields=["next_fetch_at", "fetch_claimed_until"])
        attempt = _attempt(
            player.pk, FetchOutcome.DEFERRED, started_at, now, status=None, message=str(error)
        )
        _log_attempts([attempt])
    return FetchOutcome.DEFERRED


def _not_found(player: Player, now: datetime) -> None:
    """A 404: a rename, a ban, or a hiccup of the hiscores. The name is asked
    NOT_FOUND_ATTEMPTS times in all, NOT_FOUND_RETRY_HOURS apart, before the
    player is marked not found; then every NOT_FOUND_BACKOFF_HOURS (it recovers
    when the name answers again). The reason says so in words, for the admin."""
    player.not_found_count += 1
    attempts = settings.NOT_FOUND_ATTEMPTS
    if player.not_found_count < attempts:
        hours = settings.NOT_FOUND_RETRY_HOURS
        player.status_reason = (
            f"The hiscores answered 404 for this name {player.not_found_count} time(s) of "
            f"{attempts} in a row; asked again in {hours:g} h before it is marked not found."
        )
    else:
        hours = settings.NOT_FOUND_BACKOFF_HOURS
        player.status = PlayerStatus.NOT_FOUND
        player.status_reason = (
            f"Not on the hiscores: 404 {player.not_found_count} times in a row (renamed, "
            f"banned, or off the {player.game_mode} table). Asked again every {hours:g} h; "
            "a name change request moves tracking to the new name."
        )
    player.next_fetch_at = now + timedelta(hours=hours)
    player.fetch_claimed_until = None
    player.save(
        update_fields=[
            "status",
            "status_reason",
            "not_found_count",
            "next_fetch_at",
            "fetch_claimed_until",
        ]
    )


def _locked(player_id: int) -> Player | None:
    return Player.objects.select_for_update().filter(pk=player_id).first()


def _give_up(player: Player, now: datetime) -> None:
    """Mark the player failing, free its lease and try again after a backoff that
    grows with consecutive failures, never beyond the player's own interval."""
    player.status = PlayerStatus.FAILING
    player.failure_count += 1
    minutes = min(2 ** min(player.failure_count, 10), player.fetch_interval_minutes)
    player.next_fetch_at = now + timedelta(minutes=minutes)
    player.fetch_claimed_until = None
    player.save(update_fields=["status", "failure_count", "next_fetch_at", "fetch_claimed_until"])


def _attempt(
    player_id: int,
    outcome: FetchOutcome,
    started_at: datetime,
    finished_at: datetime,
    *,
    status: int | None,
    message: str = "",
) -> FetchAttempt:
    return FetchAttempt(
        player_id=player_id,
        started_at=started_at,
        finished_at=finished_at,
        outcome=outcome,
        http_status=status,
        duration_ms=max(0, int((finished_at - started_at).total_seconds() * 1000)),
        message=message[:2000],
    )


def _log_attempts(attempts: list[FetchAttempt]) -> None:
    FetchAttempt.objects.bulk_create(attempts)
    for attempt in attempts:
        outcome = str(attempt.outcome)
        FETCH_ATTEMPTS.labels(outcome=outcome).inc()
        logger.info(
            "fetch",
            extra={
                "player_id": attempt.player_id,
                "outcome": outcome,
                "http_status": attempt.http_status,
            },
        )
