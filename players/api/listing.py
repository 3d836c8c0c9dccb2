"""The players list without a filter, the list most clients read: its count and
its pages as two queries compiled once per process. Building them with the ORM
on every read cost as much as running them (bench/load.py, part (c)); the SQL is
the ORM's own, taken from the same querysets.

The count changes only when a player is added or deleted, writes that replace
the stamp every player shares (`players.conditional`): it is kept under that stamp
(`api.conditional.kept_value`), since counting 100,000 players costs some 30 ms
on every page. A page picks its rows' ids in order first and formats the
columns of those rows alone: a page deep in the list then formats 50 rows, not
every row it skips (docs/operations.md, "Capacity arithmetic").
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models.expressions import RawSQL

from api.conditional import kept_value

from ..conditional import EVERY_PLAYER_STAMP
from ..models import Player
from .serializers import page_rows

# An archived player (an old account's history, docs/api.md "Flags") is not listed.
LISTED = Player.objects.filter(archived=False)


class UnfilteredPages:
    """What DRF's pagination reads of a queryset, `count()` and a slice, for the
    unfiltered list: the slice is a page of `page_rows` rows."""

    def count(self) -> int:
        return kept_value(_COUNT_KEY, [EVERY_PLAYER_STAMP], _count)

    def __getitem__(self, window: slice) -> list[dict[str, Any]]:
        compiled = _compiled()
        params = list(compiled.page_params)
        params[compiled.limit_at], params[compiled.offset_at] = (
            window.stop - window.start,
            window.start,
        )
        with connection.cursor() as cursor:
            cursor.execute(compiled.page_sql, params)
            rows = cursor.fetchall()
        if compiled.converters:  # SQLite's booleans
            rows = compiled.compiler.apply_converters(rows, compiled.converters)
        return [dict(zip(compiled.names, row, strict=True)) for row in rows]


@dataclass(frozen=True)
class _Compiled:
    count_sql: str
    count_params: tuple
    page_sql: str
    page_params: tuple
    limit_at: int  # where a page's bounds go among page_params
    offset_at: int
    names: list[str]
    compiler: Any
    converters: dict


_COUNT_KEY = "players:listed"


def _count() -> int:
    compiled = _compiled()
    with connection.cursor() as cursor:
        cursor.execute(compiled.count_sql, compiled.count_params)
        return cursor.fetchone()[0]


# Placeholders for a page's bounds among the compiled page query's parameters.
_LIMIT, _OFFSET = object(), object()


@functools.cache
def _compiled() -> _Compiled:
    ids_sql, ids_params = LISTED.values("pk").query.sql_with_params()
    page = RawSQL(f"{ids_sql} LIMIT %s OFFSET %s", (*ids_params, _LIMIT, _OFFSET))
    rows = page_rows(Player.objects.filter(pk__in=page))
    compiler = rows.query.get_compiler(DEFAULT_DB_ALIAS)
    page_sql, page_params = compiler.as_sql()
    converters = compiler.get_converters([column[0] for column in compiler.select])
    plain_sql, plain_params = LISTED.order_by().values("pk").query.sql_with_params()
    return _Compiled(
        count_sql=f"SELECT COUNT(*) FROM ({plain_sql}) listed",
        count_params=tuple(plain_params),
        page_sql=page_sql,
        page_params=tuple(page_params),
        limit_at=_position(page_params, _LIMIT),
        offset_at=_position(page_params, _OFFSET),
        names=[*rows.query.values_select, *rows.query.annotation_select],
        compiler=compiler,
        converters=converters,
    )


def _position(params, placeholder: object) -> int:
    return next(index for index, param in enumerate(params) if param is placeholder)
