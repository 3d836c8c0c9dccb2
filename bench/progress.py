"""Benchmark of the stats, history and leaderboard reads. Prints figures, then one
GOAL line per goal.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/osrsdiff .venv/bin/python -m bench.progress

Needs PostgreSQL (the reads are tuned for it): it creates its own database
(`osrsdiff_bench_progress` on the same server), migrates it, fills it, and drops
it at the end.

(a) One player with 1,000 records and one with 100,000 (each spread over three
    years): the median latency over 50 calls of stats, stats?at, history
    (period=year) and skill progress (days=365) through the real URL stack with
    a JWT, each with the kept answers dropped first (the read's own work), and
    the ratio 100,000 / 1,000 (goal <= 1.5: no read scans the history).
(b) Leaderboards among 10,000 and then 100,000 players (4 records each, every
    record a few skills and a boss further; past 10,000 the players replay the
    first 10,000's histories), their deltas built by `rebuild_deltas` in two
    processes (timed): the median of a week's board (limit 100) of a skill, a
    boss, an activity and overall, and of a year's overall board, divided by the
    median of one player's stats as served, in the same run (goal <= 3 at both
    sizes for the slowest board: a board costs about one player's read, however
    many players); and the week's boards at 10,000 players built afresh, the
    kept answers dropped (goal < 200 ms). Boards, like a player's stats, are
    conditional reads served on stamps while nothing they show has changed
    (docs/api.md, "Conditional requests"): the ratio compares the two as
    served, and each board is also printed built afresh.
(c) EXPLAIN of every query that touches the records or the deltas, showing the
    index used.
(d) Achievements and efficiency of the two players of (a) and of a third whose
    1,000 records are the last 1,000 of the 100,000 (the same latest state, so
    the same achievements listed): their achievements rebuilt from the history
    by `rebuild_achievements` (timed), then the median over 50 fresh calls of
    the achievements and efficiency reads (calls alternating between the two
    players compared) and the ratio 100,000 / 1,000. The
    goal (<= 1.5: the read never scans the history) compares the two players
    in the same state; against (a)'s small player, whose history reached far
    fewer achievements, the ratio is printed too (the body grows with the
    achievements listed).

(e) Records (progress.bests): `rebuild_records` over the two players of (a)
    (timed); the median of their records read (`/records`, fresh) and the ratio
    100,000 / 1,000 (goal <= 1.5: a records read never scans the history); among
    the 10,000 players of (b), one new record for each of RECORD_WRITES players
    written through the recording service in batches of MAX_BATCH with the
    records receiver disconnected, then folded in as the receiver does: the fold's
    cost per record over the write's (goal < 0.2); and the records board (week,
    limit 100: a skill, a boss, overall) against one player's stats (goal <= 3).

    The write and the fold-in go in batches of MAX_BATCH (50) because that is what
    production does: a collection task fetches up to MAX_BATCH players
    (players.scheduling) and `fetch_record_successes` writes their records in one
    transaction and sends one `record_written` for the batch, so the receiver folds
    in a task's batch at once. The per-record figures are each batch's time over
    its records, for the write and the fold-in alike.

    The records board is a conditional read (docs/api.md, "Conditional requests"),
    measured as served, as the stats read it is compared with, and printed built
    afresh too.

    python -m bench.progress --records   # part (e) alone, with its own 10,000 players

    python -m bench.progress --boards    # the boards alone: (b), and (e)'s records board
    python -m bench.progress --boards=10000   # the same, at 10,000 players only

    BENCH_PROGRESS_BIG_RECORDS=20000 python -m bench.progress --records
    # a shorter history for the big player, for a quick look (the rebuild of 100,000
    # records takes a few minutes); the GOAL lines then say how many records.

BENCH_PROGRESS_DB names the database, so two runs on one server do not meet.
"""

from __future__ import annotations

import logging
import os
import re
import statistics
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime

from bench.support import create_postgres_database, goal, refuse

BENCH_DB = os.environ.get("BENCH_PROGRESS_DB", "osrsdiff_bench_progress")
CALLS = 50
BOARD_SIZES = (10_000, 100_000)
BIG_RECORDS = int(os.environ.get("BENCH_PROGRESS_BIG_RECORDS", "100000"))
BOARDS = {
    "attack week": "/api/leaderboards/attack?period=week&limit=100",
    "zulrah week": "/api/leaderboards/zulrah?period=week&limit=100",
    "clue_scrolls_all week": "/api/leaderboards/clue_scrolls_all?period=week&limit=100",
    "overall week": "/api/leaderboards/overall?period=week&limit=100",
    "overall year": "/api/leaderboards/overall?period=year&limit=100",
}
RATIO_GOAL = 3.0
BOARD_MS_GOAL = 200.0
HISTORY_RATIO_GOAL = 1.5
RECORD_WRITES = 500
RECORDS_BOARDS = {
    "attack week": "/api/leaderboards/records/attack?period=week&limit=100",
    "zulrah week": "/api/leaderboards/records/zulrah?period=week&limit=100",
    "overall year": "/api/leaderboards/records/overall?period=year&limit=100",
}
FOLD_SHARE_GOAL = 0.2


drop_database = create_postgres_database(BENCH_DB, script="bench/progress.py")

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from rest_framework_simplejwt.tokens import RefreshToken  # noqa: E402

from bench.data.progress import (  # noqa: E402
    DELTA_TABLES,
    NOW,
    RECORDS,
    RECORDS_TABLE,
    SPAN,
    Indented,
    add_board_players,
    build_deltas,
    load,
    rebuild_records,
    same_state,
    snapshot_after,
    toast_summary,
    vacuum,
)
from players.models import Player  # noqa: E402
from players.recording import Answer, fetch_record_successes  # noqa: E402
from players.records import HiscoreRecord  # noqa: E402
from players.scheduling import MAX_BATCH  # noqa: E402
from players.signals import record_written  # noqa: E402
from progress import bests_table, efficiency  # noqa: E402

# --- measurements -------------------------------------------------------------------


def get(client: Client, url: str):
    # With PostgreSQL configured the service is HTTPS only (docs/operations.md).
    return client.get(url, secure=True)


def median_ms(client: Client, url: str, calls: int = CALLS, *, fresh: bool = False) -> float:
    """The median of `calls` reads of `url`, as served; when `fresh`, with the kept
    answers (docs/operations.md) dropped before each, so that it is the read's own work."""
    for _ in range(3):
        assert_ok(get(client, url), url)
    samples = []
    for _ in range(calls):
        if fresh:
            cache.clear()
        started = time.perf_counter()
        response = get(client, url)
        samples.append((time.perf_counter() - started) * 1000)
        assert_ok(response, url)
    return statistics.median(samples)


def assert_ok(response, url: str) -> None:
    if response.status_code != 200:
        refuse(
            "bench/progress.py",
            f"{url} answered {response.status_code}: {response.content[:300]!r}",
        )


def reads(name: str) -> dict[str, str]:
    at = (NOW - SPAN / 2).isoformat().replace("+00:00", "Z")
    base = f"/api/players/{name.replace(' ', '%20')}"
    return {
        "stats": f"{base}/stats",
        "stats?at": f"{base}/stats?at={at}",
        "history year": f"{base}/history?period=year",
        "skill 365 days": f"{base}/history/skills/attack?days=365",
    }


def explain(client: Client, label: str, url: str) -> None:
    cache.clear()  # the read itself, not a kept answer
    with CaptureQueriesContext(connection) as captured:
        get(client, url)
    print(f"\n-- {label}: {url}")
    for query in captured.captured_queries:
        sql = query["sql"]
        if not any(table in sql for table in (RECORDS, *DELTA_TABLES, RECORDS_TABLE)):
            continue
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS OFF, COSTS OFF) {sql}")
            plan = [line for (line,) in cursor.fetchall()]
        shown = " ".join(sql.split())
        print(f"   {shown[:150]}{'...' if len(shown) > 150 else ''}")
        # Plan nodes only, and a node repeated with other constants shown once.
        seen: dict[str, list] = {}
        for line in plan:
            if any(w in line for w in ("Scan", "Join", "Nested", "SubPlan", "Time:")):
                node = line.strip()
                key = re.sub(r"\d+(\.\d+)?|'[^']*'", "#", node)
                seen.setdefault(key, [node, 0])[1] += 1
        for node, count in seen.values():
            print(f"      {node[:160]}{f'   [x{count}]' if count > 1 else ''}")


def main() -> list[str]:
    logging.disable(logging.INFO)  # the request log would bury the figures
    small, big = load(BIG_RECORDS)
    user = get_user_model().objects.create_user("bench", password="x" * 20)
    client = signed_in(user)
    goals = []

    print(f"\n(a) median of {CALLS} fresh calls, ms  1,000 rec   100,000 rec   ratio")
    for label, small_url in reads(small.username).items():
        big_url = reads(big.username)[label]
        few, many = median_ms(client, small_url, fresh=True), median_ms(client, big_url, fresh=True)
        print(f"    {label:<22} {few:>10.2f} {many:>13.2f} {many / few:>7.2f}")
        name = f"{label}, 100,000 / 1,000 records"
        goals.append(goal(name, many / few, "<=", HISTORY_RATIO_GOAL))
    goals += achievements_and_efficiency(client, small, big)

    records_goals = player_records(client, small, big)

    for size, client, board_goals in leaderboards_at(user, BOARD_SIZES):
        print(f"    records: {toast_summary()}")
        goals += board_goals
        if size == BOARD_SIZES[0]:
            records_goals += records_among_players(client, size)

    print("\n(c) EXPLAIN ANALYZE of the queries that read records or deltas")
    client = signed_in(user)
    for label, url in reads(big.username).items():
        explain(client, f"{label} (100,000 records)", url)
    explain(client, "leaderboard overall week", BOARDS["overall week"])
    explain(client, "leaderboard zulrah week", BOARDS["zulrah week"])
    explain(client, "records (100,000 records)", records_url(big.username))
    explain(client, "records board zulrah week", RECORDS_BOARDS["zulrah week"])
    return goals + records_goals


def signed_in(user) -> Client:
    """A client with a fresh access token: the data of a part may take longer to
    build than a token lives (JWT_ACCESS_MINUTES)."""
    return Client(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")


def main_records() -> list[str]:
    """Part (e) alone: the two players of (a) and 10,000 board players."""
    logging.disable(logging.INFO)
    small, big = load(BIG_RECORDS)
    user = get_user_model().objects.create_user("bench", password="x" * 20)
    goals = player_records(signed_in(user), small, big)
    print(f"\n(e) records among {BOARD_SIZES[0]:,} players")
    add_board_players(0, BOARD_SIZES[0])
    client = signed_in(user)  # the building outlasts an access token
    goals += records_among_players(client, BOARD_SIZES[0])
    explain(client, f"records ({BIG_RECORDS:,} records)", records_url(big.username))
    explain(client, "records board zulrah week", RECORDS_BOARDS["zulrah week"])
    explain(client, "records board overall year", RECORDS_BOARDS["overall year"])
    return goals


def main_boards(sizes: tuple[int, ...]) -> list[str]:
    """The boards alone: part (b) at `sizes`, and at 10,000 players part (e)'s
    records board (its fold-in included, as the board reads what it leaves),
    without the players of (a)."""
    logging.disable(logging.INFO)
    user = get_user_model().objects.create_user("bench", password="x" * 20)
    goals: list[str] = []
    for size, client, board_goals in leaderboards_at(user, sizes):
        goals += board_goals
        explain(client, "leaderboard overall week", BOARDS["overall week"])
        explain(client, "leaderboard zulrah week", BOARDS["zulrah week"])
        if size == BOARD_SIZES[0]:
            print(f"\n(e) records among {size:,} players")
            goals += records_among_players(client, size)
            explain(client, "records board zulrah week", RECORDS_BOARDS["zulrah week"])
            explain(client, "records board overall year", RECORDS_BOARDS["overall year"])
    return goals


def leaderboards_at(user, sizes: tuple[int, ...]) -> Iterator[tuple[int, Client, list[str]]]:
    """Part (b) at each of `sizes` in turn, the players added and their deltas built:
    yields the size, a client signed in afresh and the size's goals, for the
    caller's own reads at that size."""
    seated = 0
    for size in sizes:
        print(f"\n(b) leaderboards among {size:,} players")
        add_board_players(seated, size - seated)
        seated = size
        build_deltas()
        client = signed_in(user)  # the building outlasts an access token
        stats, slowest, slowest_week = boards(client)
        goals = []
        if size == BOARD_SIZES[0]:
            goals.append(
                goal(f"week leaderboard at {size:,} players, ms", slowest_week, "<", BOARD_MS_GOAL)
            )
        name = f"slowest leaderboard / one player's stats at {size:,} players"
        goals.append(goal(name, slowest / stats, "<=", RATIO_GOAL))
        yield size, client, goals


def board_sizes(argument: str) -> tuple[int, ...]:
    """`--boards` (every size) or `--boards=N` (the sizes up to N)."""
    _, _, last = argument.partition("=")
    return tuple(size for size in BOARD_SIZES if not last or size <= int(last))


# --- records (e) ----------------------------------------------------------------------


def records_url(name: str) -> str:
    return f"/api/players/{name.replace(' ', '%20')}/records"


def player_records(client: Client, small: Player, big: Player) -> list[str]:
    print("\n(e) records of one player")
    rebuild_records(f"built from {BIG_RECORDS + 1_000:,} records of 2 players")
    few = median_ms(client, records_url(small.username), fresh=True)
    many = median_ms(client, records_url(big.username), fresh=True)
    rows = len(get(client, records_url(big.username)).json())
    print(f"    records read, median of {CALLS} fresh calls: 1,000 records {few:.2f} ms,")
    print(f"    {BIG_RECORDS:,} records {many:.2f} ms ({rows} records), ratio {many / few:.2f}")
    name = f"records read, {BIG_RECORDS:,} / 1,000 records"
    return [goal(name, many / few, "<=", HISTORY_RATIO_GOAL)]


def fold_cost(players: list[Player]) -> tuple[float, float]:
    """Seconds to write one new record for each player through the recording service
    (batches of MAX_BATCH, the records receiver disconnected), and to fold those
    records in as the receiver does."""
    written: list[list[HiscoreRecord]] = []

    def keep(sender, records, **kwargs):
        written.append(list(records))

    latest = HiscoreRecord.objects.in_bulk([p.latest_record_id for p in players])
    batches = [players[i : i + MAX_BATCH] for i in range(0, len(players), MAX_BATCH)]
    record_written.disconnect(dispatch_uid="progress.bests")
    record_written.connect(keep, dispatch_uid="bench.keep")
    try:
        started = time.perf_counter()
        for batch in batches:
            now = datetime.now(UTC)
            answers = [
                Answer(p.pk, snapshot_after(latest[p.latest_record_id], 5_000), now, now)
                for p in batch
            ]
            fetch_record_successes(answers)
        writing = time.perf_counter() - started
    finally:
        record_written.disconnect(dispatch_uid="bench.keep")
        record_written.connect(bests_table.on_record_written, dispatch_uid="progress.bests")
    # The EHP a process keeps for states it measured (progress.efficiency) holds the
    # rebuild's just before: a worker folding in a new record has none of its starts'.
    for table in efficiency.rates().tables.values():
        table.forget()
    started = time.perf_counter()
    for records in written:
        bests_table.on_record_written(sender=HiscoreRecord, records=records)
    return writing, time.perf_counter() - started


def records_among_players(client: Client, size: int) -> list[str]:
    rebuild_records(f"built for {size:,} more players")
    players = list(
        Player.objects.filter(username_key__startswith="b").order_by("pk")[:RECORD_WRITES]
    )
    writing, folding = fold_cost(players)
    count = len(players)
    print(
        f"    {count} new records: written in {writing * 1000 / count:.2f} ms each"
        f" (batches of {MAX_BATCH}), folded into the records in"
        f" {folding * 1000 / count:.2f} ms each"
    )
    goals = [
        goal("records fold-in / record write, per record", folding / writing, "<", FOLD_SHARE_GOAL)
    ]
    vacuum(RECORDS_TABLE)
    stats = median_ms(client, reads("B000001")["stats"])
    boards = {f"records {label}": url for label, url in RECORDS_BOARDS.items()}
    times = served_and_built(client, boards, stats)
    name = f"slowest records board / one player's stats at {size:,} players"
    goals.append(goal(name, max(served for served, _ in times.values()) / stats, "<=", RATIO_GOAL))
    return goals


def paired_medians_ms(client: Client, first: str, second: str) -> tuple[float, float]:
    """`median_ms(fresh=True)` of two reads, their calls alternating: a machine
    busy with other work slows both alike, and their ratio stays the reads' own."""
    for url in (first, second) * 3:
        assert_ok(get(client, url), url)
    samples: dict[str, list[float]] = {first: [], second: []}
    for _ in range(CALLS):
        for url in (first, second):
            cache.clear()
            started = time.perf_counter()
            response = get(client, url)
            samples[url].append((time.perf_counter() - started) * 1000)
            assert_ok(response, url)
    return statistics.median(samples[first]), statistics.median(samples[second])


def achievements_and_efficiency(client: Client, small: Player, big: Player) -> list[str]:
    """Part (d): the achievements and efficiency reads at 1,000 and 100,000 records."""
    same = same_state(big)
    names = [small.username, big.username, same.username]
    started = time.perf_counter()
    call_command("rebuild_achievements", *names, stdout=Indented("rebuild_achievements"))
    stored = {p.username: p.achievements.count() for p in (small, big, same)}
    print(
        f"\n(d) achievements rebuilt from 102,000 records in"
        f" {time.perf_counter() - started:.1f} s ({stored})"
    )
    print(f"    median of {CALLS} fresh calls, ms  1,000 rec   100,000 rec   ratio")
    goals = []
    for label, few_player in (
        ("achievements", small),
        ("achievements, same", same),
        ("efficiency", small),
    ):
        path = label.split(",")[0]
        few, many = paired_medians_ms(
            client,
            f"/api/players/{few_player.username_key}/{path}",
            f"/api/players/{big.username_key}/{path}",
        )
        print(f"    {label:<22} {few:>10.2f} {many:>13.2f} {many / few:>7.2f}")
        if label == "achievements, same":
            # The same achievements listed: what differs is the history's length alone.
            name = "achievements, 100,000 / 1,000 records (same state)"
            goals.append(goal(name, many / few, "<=", HISTORY_RATIO_GOAL))
    return goals


def boards(client: Client) -> tuple[float, float, float]:
    """Medians in ms: one player's stats and the slowest board, as served; the
    slowest week's board built afresh."""
    stats = median_ms(client, reads("B000001")["stats"])
    times = served_and_built(client, BOARDS, stats)
    week = max(built for label, (_, built) in times.items() if label.endswith("week"))
    return stats, max(served for served, _ in times.values()), week


def served_and_built(
    client: Client, boards: dict[str, str], stats: float
) -> dict[str, tuple[float, float]]:
    """Each board's median ms of 20 calls as served (the ratio's figure, beside the
    stats read as served) and built afresh (its own work, the kept answers dropped)."""
    print(f"    median ms of {CALLS} calls as served: one player's stats {stats:.2f}; of 20:")
    print(f"    {'':<22} {'as served':>11} {'x stats':>8} {'built afresh':>14}")
    times = {}
    for label, url in boards.items():
        times[label] = served, built = (
            median_ms(client, url, calls=20),
            median_ms(client, url, calls=20, fresh=True),
        )
        print(f"    {label:<22} {served:>8.2f} ms {served / stats:>7.2f} {built:>11.2f} ms")
    return times


if __name__ == "__main__":
    started = time.perf_counter()
    keep = "--keep" in sys.argv  # leave the database for a closer look
    only_boards = [arg for arg in sys.argv if arg.startswith("--boards")]
    try:
        if only_boards:
            goals = main_boards(board_sizes(only_boards[0]))
        elif "--records" in sys.argv:
            goals = main_records()
        else:
            goals = main()
    finally:
        if not keep:
            drop_database()
    fate = "kept" if keep else "dropped"
    print(f"\ndone in {time.perf_counter() - started:.0f} s; {BENCH_DB} {fate}\n")
    print("\n".join(goals))
