"""The data `bench.progress` measures on: generated histories, copied in by COPY
(a few string joins a record: 100,000 records load in seconds), the board players,
and the derived tables built as an operator would build them.

Imported by `bench.progress` once its database is made and Django set up.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from django.core.management import call_command
from django.db import connection

from hiscores import catalogue, levels
from hiscores.modes import GameMode
from hiscores.snapshot import ScoreValue, SkillValue, Snapshot
from players.models import Player
from players.records import HiscoreRecord
from progress.models import BestGain, Delta, DeltaWindow

NOW = datetime.now(UTC).replace(microsecond=0)
SPAN = timedelta(days=3 * 365)
# Board players past this many replay an earlier one's history (`board_history`).
DISTINCT_BOARD_HISTORIES = 10_000
RECORDS = HiscoreRecord._meta.db_table
PLAYERS = Player._meta.db_table
DELTA_TABLES = (Delta._meta.db_table, DeltaWindow._meta.db_table)
RECORDS_TABLE = BestGain._meta.db_table


class Character:
    """One player's hiscores, kept as JSON fragments per row so that a new record
    costs a few string joins: every record changes a few skills and bosses."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.xp = {slug: rng.randint(100_000, 3_000_000) for slug in catalogue.SKILL_SLUGS}
        # Like most accounts: a few bosses ranked, most not.
        self.kc = {
            slug: rng.randint(5, 400) if index % 4 == 0 else None
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

    def values(self) -> tuple:
        """A record's overall rank, level and experience and its JSON columns."""
        return (
            50_000,
            sum(levels.level(xp) for xp in self.xp.values()),
            sum(self.xp.values()),
            "{" + ", ".join(self.skill_json.values()) + "}",
            "{" + ", ".join(self.boss_json.values()) + "}",
            "{" + ", ".join(self.activity_json.values()) + "}",
        )


def record_row(player_id: int, at: datetime, values: tuple) -> tuple:
    # The digest is unique per record; none of the reads measured here looks at it.
    digest = f"{player_id:012x}{at.timestamp():020.0f}"
    return (player_id, at, at, *values, digest, GameMode.REGULAR, False)


def copy_records(rows: Iterator[tuple]) -> int:
    columns = (
        "player_id, fetched_at, last_checked_at, overall_rank, overall_level, "
        "overall_experience, skills_data, bosses_data, activities_data, values_digest,"
        " game_mode, flagged"
    )
    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {RECORDS} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
    return count


def copy_history(player: Player, count: int) -> int:
    character, first, step = Character(random.Random(count)), NOW - SPAN, SPAN / count

    def rows():
        for index in range(count):
            character.play()
            yield record_row(player.id, first + step * index, character.values())

    return copy_records(rows())


def link_latest(where: str = "") -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {PLAYERS} p SET latest_record_id = ("
            f"SELECT r.id FROM {RECORDS} r WHERE r.player_id = p.id "
            f"ORDER BY r.fetched_at DESC LIMIT 1) {where}"
        )


def new_player(name: str) -> Player:
    return Player.objects.create(username=name, username_key=name.lower(), next_fetch_at=NOW)


def load(big_records: int) -> tuple[Player, Player]:
    started = time.perf_counter()
    small, big = new_player("Few Records"), new_player("Many Records")
    total = copy_history(small, 1_000) + copy_history(big, big_records)
    link_latest()
    copied = time.perf_counter()
    vacuum(RECORDS, PLAYERS)  # the planner needs the new rows' statistics
    print(
        f"loaded {total:,} records of 2 players in {copied - started:.1f} s,"
        f" vacuumed in {time.perf_counter() - copied:.1f} s"
    )
    return Player.objects.get(pk=small.pk), Player.objects.get(pk=big.pk)


BOARD_AGES = (timedelta(days=40), timedelta(days=12), timedelta(days=5), timedelta(hours=20))
_board_histories: list[list[tuple]] = []


def board_history(index: int) -> list[tuple]:
    """Board player `index`'s records' values, one per BOARD_AGES, each a little
    further than the one before. Players past the first DISTINCT_BOARD_HISTORIES
    replay an earlier one's history, so that 100,000 load in a minute (their gains
    tie in groups, and ties go by name, as boards order them)."""
    index %= DISTINCT_BOARD_HISTORIES
    rng = random.Random(index)
    while len(_board_histories) <= index:
        character, history = Character(rng), []
        for _ in BOARD_AGES:
            for _ in range(rng.randint(1, 3)):
                character.play()
            history.append(character.values())
        _board_histories.append(history)
    return _board_histories[index]


def add_board_players(first: int, count: int) -> None:
    """Players B{first}.. with a record at each of BOARD_AGES, copied in over two
    connections (the database's work, parsing and compressing JSON, is most of it)."""
    started = time.perf_counter()
    board = Player.objects.bulk_create(
        [
            Player(username=f"B{i:06d}", username_key=f"b{i:06d}", next_fetch_at=NOW)
            for i in range(first, first + count)
        ],
        batch_size=5_000,
    )
    histories = [board_history(index) for index in range(first, first + count)]

    def copy_half(half: slice) -> int:
        rows = (
            record_row(player.id, NOW - age, values)
            for player, history in zip(board[half], histories[half], strict=True)
            for age, values in zip(BOARD_AGES, history, strict=True)
        )
        try:
            return copy_records(rows)
        finally:
            connection.close()  # this thread's own

    middle = count // 2
    with ThreadPoolExecutor(2) as pool:
        total = sum(pool.map(copy_half, (slice(0, middle), slice(middle, count))))
    link_latest(f"WHERE p.id >= {board[0].id}")
    copied = time.perf_counter()
    vacuum(RECORDS, PLAYERS)
    print(
        f"    loaded {count:,} players' {total:,} records in {copied - started:.1f} s,"
        f" vacuumed in {time.perf_counter() - copied:.1f} s"
    )


def build_deltas() -> None:
    """What an operator runs after the upgrade: `rebuild_deltas` (two processes on
    two cores), for every player without deltas."""
    started = time.perf_counter()
    call_command("rebuild_deltas", "--processes", "2", stdout=Indented("rebuild_deltas"))
    built = time.perf_counter()
    vacuum(*DELTA_TABLES)
    rows = Delta.objects.count()
    print(
        f"    built {rows:,} delta rows in {built - started:.1f} s,"
        f" vacuumed in {time.perf_counter() - built:.1f} s"
    )


class Indented:
    """A command's progress lines, indented under the benchmark's."""

    def __init__(self, command: str = "rebuild_deltas") -> None:
        self.command = command

    def write(self, text: str) -> None:
        print(f"    {self.command}: {text.rstrip()}", flush=True)

    def flush(self) -> None:
        pass


def vacuum(*tables: str) -> None:
    with connection.cursor() as cursor:
        for name in tables:
            cursor.execute(f"VACUUM ANALYZE {name}")


def rebuild_records(label: str) -> None:
    started = time.perf_counter()
    call_command("rebuild_records", stdout=Indented("rebuild_records"))
    built = time.perf_counter()
    vacuum(RECORDS_TABLE)
    print(
        f"    {label}: {BestGain.objects.count():,} record rows in {built - started:.1f} s,"
        f" vacuumed in {time.perf_counter() - built:.1f} s"
    )


def snapshot_after(record: HiscoreRecord, gained: int) -> Snapshot:
    """The record's values with `gained` more attack experience and one more kill of
    every ranked boss: the next fetch's answer."""
    skills = {
        slug: None
        if entry is None
        else SkillValue(
            entry["rank"],
            levels.level(entry["experience"] + (gained if slug == "attack" else 0)),
            entry["experience"] + (gained if slug == "attack" else 0),
        )
        for slug, entry in record.skills_data.items()
    }
    overall = SkillValue(
        record.overall_rank,
        sum(v.level for v in skills.values() if v),
        sum(v.experience for v in skills.values() if v),
    )
    bosses = {
        slug: None if entry is None else ScoreValue(entry["rank"], entry["kc"] + 1)
        for slug, entry in record.bosses_data.items()
    }
    activities = {
        slug: None if entry is None else ScoreValue(entry["rank"], entry["score"])
        for slug, entry in record.activities_data.items()
    }
    return Snapshot(overall, skills, bosses, activities)


def same_state(big: Player, count: int = 1_000) -> Player:
    """A player whose history is the last `count` records of `big`'s: the same latest
    state, and so the same achievements (the older ones undated), from a short history."""
    player = new_player("Same State")
    columns = (
        "fetched_at, last_checked_at, overall_rank, overall_level, overall_experience,"
        " skills_data, bosses_data, activities_data, game_mode, flagged"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {RECORDS} (player_id, {columns}, values_digest)"
            f" SELECT %s, {columns}, values_digest FROM {RECORDS}"
            " WHERE player_id = %s ORDER BY fetched_at DESC LIMIT %s",
            [player.id, big.id, count],
        )
    link_latest(f"WHERE p.id = {player.id}")
    vacuum(RECORDS, PLAYERS)
    return Player.objects.get(pk=player.pk)


def toast_summary() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_size_pretty(pg_relation_size(oid)),"
            " pg_size_pretty(pg_relation_size(reltoastrelid)) FROM pg_class WHERE relname = %s",
            [RECORDS],
        )
        table, toast = cursor.fetchone()
    return f"table {table}, out-of-line TOAST {toast}"
