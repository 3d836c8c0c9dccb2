"""What the benchmarks share: a throwaway PostgreSQL database and the real processes.

Run a benchmark as a module from the project root (`python -m bench.collection`)
so that `bench/hiscores.py` cannot shadow the `hiscores` package.
"""

from __future__ import annotations

import contextlib
import operator
import os
import sys
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg


def refuse(script: str, message: str) -> None:
    print(f"{script}: {message}", file=sys.stderr)
    sys.exit(2)


def create_postgres_database(name: str, *, script: str) -> Callable[[], None]:
    """Create database `name` beside DATABASE_URL's, point Django at it and
    migrate it. Returns the function that drops it again."""
    parts = urlsplit(os.environ.get("DATABASE_URL", ""))
    if parts.scheme not in ("postgres", "postgresql"):
        refuse(
            script,
            "needs DATABASE_URL pointing at PostgreSQL; SQLite figures say nothing of production.",
        )
    maintenance = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))

    def admin(sql: str) -> None:
        with psycopg.connect(maintenance, autocommit=True) as conn:
            conn.execute(sql)

    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-long-enough-for-hs256")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "osrsdiff.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)

    def drop() -> None:
        from django.db import connections

        connections.close_all()
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return drop


@contextlib.contextmanager
def postgres_database(name: str, *, script: str) -> Iterator[None]:
    """`create_postgres_database` for the length of a `with` block."""
    drop = create_postgres_database(name, script=script)
    try:
        yield
    finally:
        drop()


def table(rows: list[tuple], header: tuple) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "  ".join(str(v).rjust(w) for v, w in zip(r, widths, strict=True))  # noqa: E731
    return "\n".join([line(header), line(tuple("-" * w for w in widths)), *map(line, rows)])


_COMPARISONS = {
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    ">=": operator.ge,
    ">": operator.gt,
}


def goal(name: str, measured: float, op: str, target: float, *, digits: int = 2) -> str:
    """A benchmark's closing line for one goal, the same in every benchmark:
    `GOAL <name>: <measured> <op> <target> -> met` (or `-> missed`). The verdict is
    the printed figure's, rounded to `digits`, so that the line reads true."""
    shown = round(measured, digits)
    verdict = "met" if _COMPARISONS[op](shown, target) else "missed"
    return f"GOAL {name}: {shown:.{digits}f} {op} {target:g} -> {verdict}"
