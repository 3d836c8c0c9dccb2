"""Benchmark of the stats, history and leaderboard reads. Prints figures; asserts nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/osrsdiff .venv/bin/python -m bench.progress

Needs PostgreSQL (the reads are tuned for it): it creates its own database
(`osrsdiff_bench_progress` on the same server), migrates it, fills it, and drops
it at the end.

(a) One player with 1,000 records and one with 100,000 (each spread over three
    years): the median latency over 50 calls of stats, stats?at, history
    (period=year) and skill progress (days=365) through the real URL stack with
    a JWT, and the ratio 100,000 / 1,000 (goal <= 1.5: no read scans the history).
(b) The leaderboard of a week among 10,000 players (4 records each; goal < 200 ms).
(c) EXPLAIN of every query that touches the records, showing the index used.
"""

from __future__ import annotations

import logging
import random
import re
import statistics
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from bench.support import create_postgres_database, refuse

BENCH_DB = "osrsdiff_bench_progress"
CALLS = 50
SPAN = timedelta(days=3 * 365)
BOARD_PLAYERS = 10_000


drop_database = create_postgres_database(BENCH_DB, script="bench/progress.py")

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from rest_framework_simplejwt.tokens import RefreshToken  # noqa: E402

from hiscores import catalogue, levels  # noqa: E402
from hiscores.models import HiscoreRecord  # noqa: E402
from players.models import Player  # noqa: E402

NOW = datetime.now(UTC).replace(microsecond=0)
RECORDS = HiscoreRecord._meta.db_table
PLAYERS = Player._meta.db_table


# --- data -------------------------------------------------------------------------


class Character:
    """One player's hiscores, kept as JSON fragments per row so that a new record
    costs a few string joins: every record changes a few skills and bosses."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.xp = {slug: rng.randint(100_000, 3_000_000) for slug in catalogue.SKILL_SLUGS}
        self.kc = {
            slug: rng.randint(5, 400) if index % 3 else None
            for index, slug in enumerate(catalogue.BOSS_SLUGS)
        }
        self.score = {
            m.slug: m.minimum + rng.randint(0, 500) if index % 2 else None
            for index, m in enumerate(catalogue.OTHER_ACTIVITIES)
        }
        self.skill_json = {slug: self._skill(slug) for slug in self.xp}
        self.boss_json = {slug: self._count(slug, self.kc, "kc") for slug in self.kc}
        self.activity_json = {slug: self._count(slug, self.score, "score") for slug in self.score}

    def _skill(self, slug: str) -> str:
        xp = self.xp[slug]
        return f'"{slug}": {{"rank": 90000, "level": {levels.level(xp)}, "experience": {xp}}}'

    @staticmethod
    def _count(slug: str, values: dict, key: str) -> str:
        value = values[slug]
        return (
            f'"{slug}": null' if value is None else f'"{slug}": {{"rank": 5000, "{key}": {value}}}'
        )

    def play(self) -> None:
        """Some training and a few kills: what makes the next record differ."""
        for slug in self.rng.sample(catalogue.SKILL_SLUGS, 3):
            self.xp[slug] = min(
                self.xp[slug] + self.rng.randint(500, 40_000), levels.MAX_EXPERIENCE
            )
            self.skill_json[slug] = self._skill(slug)
        slug = self.rng.choice(catalogue.BOSS_SLUGS)
        self.kc[slug] = (self.kc[slug] or 4) + self.rng.randint(1, 4)
        self.boss_json[slug] = self._count(slug, self.kc, "kc")

    def row(self, player_id: int, at: datetime) -> tuple:
        overall = sum(self.xp.values())
        total = sum(levels.level(xp) for xp in self.xp.values())
        return (
            player_id,
            at,
            at,
            50_000,
            total,
            overall,
            "{" + ", ".join(self.skill_json.values()) + "}",
            "{" + ", ".join(self.boss_json.values()) + "}",
            "{" + ", ".join(self.activity_json.values()) + "}",
            # Unique per record; none of the reads measured here looks at it.
            f"{player_id:012x}{at.timestamp():020.0f}",
        )


def _copy_records(rows: Iterator[tuple]) -> int:
    columns = (
        "player_id, fetched_at, last_checked_at, overall_rank, overall_level, "
        "overall_experience, skills_data, bosses_data, activities_data, values_digest"
    )
    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {RECORDS} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


def _history(player: Player, count: int) -> int:
    character, first, step = Character(random.Random(count)), NOW - SPAN, SPAN / count

    def rows():
        for index in range(count):
            character.play()
            yield character.row(player.id, first + step * index)

    return _copy_records(rows())


def _link_latest(where: str = "") -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {PLAYERS} p SET latest_record_id = ("
            f"SELECT r.id FROM {RECORDS} r WHERE r.player_id = p.id "
            f"ORDER BY r.fetched_at DESC LIMIT 1) {where}"
        )


def _player(name: str) -> Player:
    return Player.objects.create(username=name, username_key=name.lower(), next_fetch_at=NOW)


def load() -> tuple[Player, Player]:
    started = time.perf_counter()
    small, big = _player("Few Records"), _player("Many Records")
    total = _history(small, 1_000) + _history(big, 100_000)
    board = Player.objects.bulk_create(
        [
            Player(username=f"B{i:05d}", username_key=f"b{i:05d}", next_fetch_at=NOW)
            for i in range(BOARD_PLAYERS)
        ],
        batch_size=2_000,
    )
    rng = random.Random(1)
    ages = (timedelta(days=40), timedelta(days=12), timedelta(days=5), timedelta(hours=20))

    def board_rows():
        for player in board:
            character = Character(rng)
            for age in ages:
                for _ in range(rng.randint(1, 6)):
                    character.play()
                yield character.row(player.id, NOW - age)

    total += _copy_records(board_rows())
    _link_latest()
    copied = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {RECORDS}")
        cursor.execute(f"VACUUM ANALYZE {PLAYERS}")
    print(
        f"loaded {total:,} records in {copied - started:.1f} s,"
        f" vacuumed in {time.perf_counter() - copied:.1f} s"
    )
    return Player.objects.get(pk=small.pk), Player.objects.get(pk=big.pk)


# --- measurements -------------------------------------------------------------------


def median_ms(client: Client, url: str, calls: int = CALLS) -> float:
    for _ in range(3):
        assert_ok(client.get(url), url)
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        response = client.get(url)
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
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    print(f"\n-- {label}: {url}")
    for query in captured.captured_queries:
        sql = query["sql"]
        if RECORDS not in sql:
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


def main() -> None:
    logging.disable(logging.INFO)  # the request log would bury the figures
    small, big = load()
    user = get_user_model().objects.create_user("bench", password="x" * 20)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")

    print(f"\n(a) median of {CALLS} calls, ms        1,000 rec   100,000 rec   ratio")
    for label, small_url in reads(small.username).items():
        big_url = reads(big.username)[label]
        few, many = median_ms(client, small_url), median_ms(client, big_url)
        print(f"    {label:<22} {few:>10.2f} {many:>13.2f} {many / few:>7.2f}")

    players = Player.objects.count()
    print(f"\n(b) leaderboard, week, {players:,} players, median of 20 calls")
    print(f"    records: {toast_summary()}")
    boards(client)

    print("\n(c) EXPLAIN ANALYZE of the queries that read records")
    for label, url in reads(big.username).items():
        explain(client, f"{label} (100,000 records)", url)
    explain(client, "leaderboard overall week", "/api/leaderboards/overall?period=week")
    explain(client, "leaderboard zulrah week", "/api/leaderboards/zulrah?period=week")


def boards(client: Client) -> None:
    for metric in ("overall", "attack", "zulrah", "clue_scrolls_all"):
        url = f"/api/leaderboards/{metric}?period=week&limit=100"
        print(f"    {metric:<22} {median_ms(client, url, calls=20):>10.2f} ms")


def toast_summary() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_size_pretty(pg_relation_size(oid)),"
            " pg_size_pretty(pg_relation_size(reltoastrelid)) FROM pg_class WHERE relname = %s",
            [RECORDS],
        )
        table, toast = cursor.fetchone()
    return f"table {table}, out-of-line TOAST {toast}"


if __name__ == "__main__":
    started = time.perf_counter()
    keep = "--keep" in sys.argv  # leave the database for a closer look
    try:
        main()
    finally:
        if not keep:
            drop_database()
    fate = "kept" if keep else "dropped"
    print(f"\ndone in {time.perf_counter() - started:.0f} s; {BENCH_DB} {fate}")
