"""Rows written in bulk, without a model instance each: by COPY on PostgreSQL,
one executemany INSERT elsewhere. A rebuild or a collection batch writes
hundreds to thousands of rows at once, and building and compiling a model each
cost more than the database's work (bench.progress; bench.collection).

Only for rows that cannot be stored already (COPY has no ON CONFLICT): their
players' rows of the table are locked, or just deleted, in the writing
transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import connection
from django.db.models import Model


def insert_rows(model: type[Model], columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """Insert `rows` (tuples of the `columns`' values, dates adapted as the
    database takes them) into the model's table."""
    rows = list(rows)
    if not rows:
        return
    ops = connection.ops
    table = ops.quote_name(model._meta.db_table)
    names = ", ".join(ops.quote_name(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
