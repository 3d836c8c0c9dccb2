"""The players list without a filter, the list most clients read: its count and
its pages as two queries compiled once per process. Building them with the ORM
on every read cost as much as running them (bench/load.py, part (c)); the SQL is
the ORM's own, taken from the same querysets.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection

from ..models import Player
from .serializers import page_rows

# An archived player (an old account's history, docs/api.md "Flags") is not listed.
LISTED = Player.objects.filter(archived=False)


class UnfilteredPages:
    """What DRF's pagination reads of a queryset, `count()` and a slice, for the
    unfiltered list: the slice is a page of `page_rows` rows."""

    def count(self) -> int:
        compiled = _compiled()
        with connection.cursor() as cursor:
            cursor.execute(compiled.count_sql, compiled.count_params)
            return cursor.fetchone()[0]

    def __getitem__(self, window: slice) -> list[dict[str, Any]]:
        compiled = _compiled()
        with connection.cursor() as cursor:
            cursor.execute(
                compiled.page_sql, [*compiled.page_params, window.stop - window.start, window.start]
            )
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
    names: list[str]
    compiler: Any
    converters: dict


@functools.cache
def _compiled() -> _Compiled:
    rows = page_rows(LISTED)
    compiler = rows.query.get_compiler(DEFAULT_DB_ALIAS)
    page_sql, page_params = compiler.as_sql()
    converters = compiler.get_converters([column[0] for column in compiler.select])
    plain_sql, plain_params = LISTED.order_by().values("pk").query.sql_with_params()
    return _Compiled(
        count_sql=f"SELECT COUNT(*) FROM ({plain_sql}) listed",
        count_params=tuple(plain_params),
        page_sql=f"{page_sql} LIMIT %s OFFSET %s",
        page_params=tuple(page_params),
        names=[*rows.query.values_select, *rows.query.annotation_select],
        compiler=compiler,
        converters=converters,
    )
