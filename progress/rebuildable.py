"""Writes the service can build again from the records, and so need not wait for
the disk: the deltas' windows, the records' table and cursors, the stored
achievements (docs/architecture.md, "Record").

A transaction of them lost to a crash of the database leaves them as they were
before it, which each repairs on its own: an expired window is refreshed again, a
cursor behind the player's latest record folds it in with their next record (or
`manage.py rebuild_records`), an achievement nobody stored has the player's
achievements rebuilt with their next record. The records themselves are written
by `players.recording`, whose commit waits as every other does.
"""

from __future__ import annotations

from django.db import connection


def commit_without_waiting_for_the_disk() -> None:
    """Inside the transaction (`transaction.atomic`) that writes them: PostgreSQL
    answers its commit before flushing it. Nothing when that transaction is part
    of an outer one, whose other writes may not be rebuildable."""
    if connection.vendor == "postgresql" and len(connection.atomic_blocks) == 1:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
