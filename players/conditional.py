"""What an answer built from a player's records depends on, for `api.conditional`
(docs/api.md, "Conditional requests").

Records are only ever added, by `players.recording`: a fetch either writes a new
latest record or moves the latest one's `last_checked_at`. So the latest
record's id and `last_checked_at`, with the player's display name, change
whenever any answer about the player may: their latest stats, their stats at a
moment, their history. The player row carries the latest record's id, so this
is one query on the unique name key joined by primary key, compiled once per
process (building it each time cost more than running it).

The query runs only when the player's stamps (`api.conditional`, "stamped_by")
changed since the kept body was built: every write of those columns replaces
them. The collector's writes (`players.recording`) replace the stamp of each
player they record; any other write of them (a rename, a merge, a flag, a
player added or deleted) goes through the model's save or delete and replaces
the stamp all players share (`player_columns_written`), since a rename leaves the
old name's key unknown to the receiver. The collector replaces that shared
stamp too when the hiscores spell a name otherwise: reads of many players
(the boards, `progress.board_stamps`) show names.

A page of the players list shows columns that many writes change (the
schedule, the status), and no cheap query dates it: it is kept under a stamp
of its own (`LISTED_STAMP`, `api.conditional.stamps_only`), which every write
of Player rows replaces unless it wrote only columns the list never reads
(`UNLISTED_FIELDS`). Every such write is seen: the model's save and delete, its
queryset's update (bulk updates included), and the collector's own UPDATE.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from django.db import DEFAULT_DB_ALIAS, connection
from rest_framework.request import Request

from api.conditional import Version, restamp, stamped_by, stamps_only
from hiscores.usernames import InvalidUsername, normalise

from .models import Player

_COLUMNS = ("username_key", "pk", "username", "latest_record_id", "latest_record__last_checked_at")
# The Player columns among them, as `save(update_fields=...)` names them.
_PLAYER_FIELDS = frozenset({"username_key", "username", "latest_record", "latest_record_id"})
# Replaced by any change of a player's name or of who is tracked: what a read
# naming many players (a board) depends on beside its own data.
EVERY_PLAYER_STAMP = "stamp:players"
# Replaced by any write of a column a page of the players list shows, filters or
# orders by.
LISTED_STAMP = "stamp:players:listed"
# The Player columns no page of the list reads: a write of these alone keeps the
# pages. Any other column counts as read, so a column added later is never missed.
UNLISTED_FIELDS = frozenset(
    {
        "fetch_claimed_until",
        "next_fetch_reason",
        "rhythm_changes",
        "rhythm_watched_days",
        "rhythm_hours",
        "pinned",
        "fetch_requested_at",
        "fetch_deadline",
        "failure_count",
        "not_found_count",
        "status_reason",
        "latest_record",
        "latest_record_id",
        "added_by",
        "added_by_id",
        "modes_checked_at",
    }
)


def _stamp_of(key: str) -> str:
    # A name key may hold spaces, which some caches refuse in a key.
    return "stamp:player:" + key.replace(" ", "+")


def _player_stamps(*, username: str, **_) -> list[str] | None:
    try:
        key = normalise(username)
    except InvalidUsername:
        return None
    return [EVERY_PLAYER_STAMP, _stamp_of(key)]


def players_recorded(keys: Iterable[str], *, respelled: bool = False) -> None:
    """Called by `players.recording` inside the transaction that records the
    players under these name keys (latest record, its last_checked_at, the
    display name; `respelled` when a display name changed)."""
    # Their last fetch is listed: the list's stamp goes with theirs.
    shared = [LISTED_STAMP, *([EVERY_PLAYER_STAMP] if respelled else [])]
    restamp([_stamp_of(key) for key in keys] + shared)


def player_rows_changed(sender, instance, update_fields=None, **kwargs) -> None:
    """Connected to Player's post_save and post_delete (players.apps)."""
    player_columns_written(update_fields)


def player_columns_written(fields: Iterable[str] | None) -> None:
    """Called by every write of Player rows but the collector's, inside its
    transaction, with the columns it wrote (None: any, a row added or deleted)."""
    keys = []
    if fields is None or not _PLAYER_FIELDS.isdisjoint(fields):
        keys.append(EVERY_PLAYER_STAMP)
    if fields is None or not UNLISTED_FIELDS.issuperset(fields):
        keys.append(LISTED_STAMP)
    restamp(keys)


# A page of the players list, in any order or filter.
listed_version = stamps_only(lambda **_: [LISTED_STAMP])


@stamped_by(_player_stamps)
def player_version(request: Request, *, username: str, **_) -> Version | None:
    """For a read of one player (`{username}` in the path). None when the name is
    not legal, nobody tracks it or it has no record yet: the view says which."""
    try:
        key = normalise(username)
    except InvalidUsername:
        return None
    row = _row_by_key(key)
    if row is None or row[3] is None:
        return None
    return Version(token=_token([row]), modified=row[4])


# Stands for the name in the compiled query, then is swapped for the real one.
_PLACEHOLDER = "\x00name"


@functools.cache
def _compiled():
    query = Player.objects.filter(username_key=_PLACEHOLDER).values_list(*_COLUMNS)[:1]
    compiler = query.query.get_compiler(DEFAULT_DB_ALIAS)
    sql, params = compiler.as_sql()
    converters = compiler.get_converters([column[0] for column in compiler.select])
    return compiler, sql, params, converters


def _row_by_key(key: str) -> tuple | None:
    """`Player.objects.filter(username_key=key).values_list(*_COLUMNS).first()`."""
    compiler, sql, params, converters = _compiled()
    with connection.cursor() as cursor:
        cursor.execute(sql, [key if param == _PLACEHOLDER else param for param in params])
        row = cursor.fetchone()
    if row is None or not converters:
        return row
    return tuple(next(iter(compiler.apply_converters([list(row)], converters))))


def names_version(request: Request, **_) -> Version | None:
    """For a read of the players named in `?usernames=a,b,c`, in one query. Only an
    ETag: a name untracked since leaves no date that would say the answer changed."""
    keys = _keys(request.query_params.get("usernames", "").split(","))
    if keys is None:
        return None  # an illegal name: the view's 422
    rows = Player.objects.filter(username_key__in=keys).values_list(*_COLUMNS)
    return Version(token=_token(sorted(rows)), modified=None)


def _keys(names: Iterable[str]) -> set[str] | None:
    # Spelled as the view reads them (api.params.NameListField, then
    # players.stats.stats_by_names), so the version covers exactly its players.
    try:
        return {normalise(name.strip()) for name in names}
    except InvalidUsername:
        return None


def _token(rows: Iterable[tuple]) -> str:
    return "|".join(
        f"{key}:{pk}:{username}:{record}:{checked.isoformat() if checked else ''}"
        for key, pk, username, record, checked in rows
    )
