"""Board reads compiled once per process.

A board page is one small indexed query run before every answer, and building
it through the ORM each time (the queryset, its SQL, its converters) cost about
as much as running it (bench.progress, parts (b) and (e)), as it did for a
player's version (players.conditional). So the query is compiled once with
stand-ins for the values that vary, and each read swaps the real values in.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import QuerySet


class CompiledQuery:
    """A `values_list` queryset's SQL, run with fresh values for its stand-ins."""

    def __init__(self, queryset: QuerySet) -> None:
        self._compiler = queryset.query.get_compiler(DEFAULT_DB_ALIAS)
        self._sql, self._params = self._compiler.as_sql()
        columns = [column[0] for column in self._compiler.select]
        self._converters = self._compiler.get_converters(columns)

    def rows(self, values: dict[Any, Any]) -> list[tuple]:
        """The rows, each stand-in (a key of `values`) replaced by its value."""
        swapped = {_adapted(stand_in): _adapted(value) for stand_in, value in values.items()}
        params = [swapped.get(param, param) for param in self._params]
        with connection.cursor() as cursor:
            cursor.execute(self._sql, params)
            rows = cursor.fetchall()
        if not self._converters:
            return rows
        return [tuple(row) for row in self._compiler.apply_converters(rows, self._converters)]


def _adapted(value: Any) -> Any:
    # As a DateTimeField hands a moment to the database (text on SQLite).
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value
