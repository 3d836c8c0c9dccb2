"""Benchmark of a group's reads at 2,000 members. Prints figures, then one GOAL line.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/osrsdiff .venv/bin/python -m bench.groups

Needs PostgreSQL: it creates its own database (`osrsdiff_bench_groups` on the
same server), migrates it, fills it, and drops it at the end.

10,000 tracked players with four records each over the last 40 days (every
record a few skills and a boss further), their deltas built by
`rebuild_deltas`; a group holding 2,000 of them, added in one call of the API
(timed, with 500 names not tracked that join as pending). Then the median of
50 reads, as served with a JWT, of the group's gains (overall and a skill over
a week, and a boss over a month), records, hiscores and statistics, and of the
standings of a two-metric competition of the group's 2,000 members that
started 30 days ago, each divided by the median of one player's stats in the
same run (goal <= 5 for the week's gains: a group's gains cost a few player
reads, not one per member).
"""

from __future__ import annotations

import logging
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from bench.support import create_postgres_database, goal, refuse

BENCH_DB = "osrsdiff_bench_groups"
CALLS = 50
PLAYERS = 10_000
MEMBERS = 2_000
PENDING = 500
AGES = (timedelta(days=40), timedelta(days=12), timedelta(days=5), timedelta(hours=20))
RATIO_GOAL = 5.0

drop_database = create_postgres_database(BENCH_DB, script="bench/groups.py")

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from rest_framework_simplejwt.tokens import RefreshToken  # noqa: E402

from hiscores import catalogue, levels  # noqa: E402
from hiscores.modes import GameMode  # noqa: E402
from players.models import Player  # noqa: E402
from players.records import HiscoreRecord  # noqa: E402

NOW = datetime.now(UTC).replace(microsecond=0)
RECORDS = HiscoreRecord._meta.db_table
PLAYERS_TABLE = Player._meta.db_table
COLUMNS = (
    "player_id, fetched_at, last_checked_at, overall_rank, overall_level, "
    "overall_experience, skills_data, bosses_data, activities_data, values_digest,"
    " game_mode, flagged"
)


def history(rng: random.Random) -> list[tuple]:
    """Four records' values, each a few skills and a boss further than the last."""
    xp = {slug: rng.randint(100_000, 3_000_000) for slug in catalogue.SKILL_SLUGS}
    kc = {
        slug: rng.randint(5, 400) if i % 4 == 0 else None
        for i, slug in enumerate(catalogue.BOSS_SLUGS)
    }
    rows = []
    for _ in AGES:
        for slug in rng.sample(catalogue.SKILL_SLUGS, 3):
            xp[slug] = min(xp[slug] + rng.randint(500, 40_000), levels.MAX_EXPERIENCE)
        boss = rng.choice(catalogue.BOSS_SLUGS)
        kc[boss] = (kc[boss] or 4) + rng.randint(1, 4)
        skills = ", ".join(
            f'"{s}": {{"rank": 90000, "level": {levels.level(v)}, "experience": {v}}}'
            for s, v in xp.items()
        )
        bosses = ", ".join(
            f'"{s}": null' if v is None else f'"{s}": {{"rank": 5000, "kc": {v}}}'
            for s, v in kc.items()
        )
        rows.append(
            (
                50_000,
                sum(levels.level(v) for v in xp.values()),
                sum(xp.values()),
                "{" + skills + "}",
                "{" + bosses + "}",
                "{}",
            )
        )
    return rows


def load() -> None:
    started = time.perf_counter()
    players = Player.objects.bulk_create(
        [
            Player(username=f"M{i:05d}", username_key=f"m{i:05d}", next_fetch_at=NOW)
            for i in range(PLAYERS)
        ],
        batch_size=5_000,
    )
    rng = random.Random(14)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {RECORDS} ({COLUMNS}) FROM STDIN") as copy,
    ):
        for player in players:
            for age, values in zip(AGES, history(rng), strict=True):
                at = NOW - age
                copy.write_row(
                    (
                        player.id,
                        at,
                        at,
                        *values,
                        f"{player.id:012x}{at.timestamp():020.0f}",
                        GameMode.REGULAR,
                        False,
                    )
                )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {PLAYERS_TABLE} p SET latest_record_id = (SELECT r.id FROM {RECORDS} r "
            "WHERE r.player_id = p.id ORDER BY r.fetched_at DESC LIMIT 1)"
        )
    vacuum()
    call_command("rebuild_deltas", "--processes", "2", stdout=Quiet())
    vacuum()
    elapsed = time.perf_counter() - started
    print(f"loaded {PLAYERS:,} players, their records and deltas in {elapsed:.1f} s")


class Quiet:
    def write(self, text: str) -> None:
        pass

    def flush(self) -> None:
        pass


def vacuum() -> None:
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def get(client: Client, url: str):
    # With PostgreSQL configured the service is HTTPS only (docs/operations.md).
    return client.get(url, secure=True)


def median_ms(client: Client, url: str) -> float:
    for _ in range(3):
        assert_ok(get(client, url), url)
    samples = []
    for _ in range(CALLS):
        cache.clear()  # the read's own work, not a kept answer
        started = time.perf_counter()
        response = get(client, url)
        samples.append((time.perf_counter() - started) * 1000)
        assert_ok(response, url)
    return statistics.median(samples)


def assert_ok(response, url: str) -> None:
    if response.status_code not in (200, 201):
        refuse(
            "bench/groups.py", f"{url} answered {response.status_code}: {response.content[:300]!r}"
        )


def competition(slug: str, user) -> int:
    """A competition of the group that started 30 days ago, on two metrics: made
    in place, as the API refuses a start in the past."""
    from groups.models import Competition, Group, Participant

    group = Group.objects.get(slug=slug)
    made = Competition.objects.create(
        title="Bench",
        metrics=["attack", "zulrah"],
        starts_at=NOW - timedelta(days=30),
        ends_at=NOW + timedelta(days=1),
        group=group,
        created_by=user,
    )
    Participant.objects.bulk_create(
        Participant(competition=made, player_id=m.player_id)
        for m in group.memberships.filter(player__isnull=False)
    )
    return made.pk


def main() -> list[str]:
    logging.disable(logging.INFO)  # the request log would bury the figures
    load()
    user = get_user_model().objects.create_user("bench", password="x" * 20)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    created = client.post(
        "/api/groups", {"name": "Bench Clan"}, content_type="application/json", secure=True
    )
    assert_ok(created, "/api/groups")
    slug = created.json()["slug"]
    names = [f"M{i:05d}" for i in range(0, PLAYERS, PLAYERS // MEMBERS)][:MEMBERS]
    names += [f"Unknown{i}" for i in range(PENDING)]
    started = time.perf_counter()
    added = client.post(
        f"/api/groups/{slug}/members",
        {"usernames": names},
        content_type="application/json",
        secure=True,
    )
    assert_ok(added, "members")
    print(
        f"added {added.json()['added']:,} names ({PENDING} pending) in one call: "
        f"{(time.perf_counter() - started) * 1000:.0f} ms"
    )
    stats = median_ms(client, f"/api/players/{names[0]}/stats")
    reads = {
        "gains overall week": f"/api/groups/{slug}/gains?metric=overall&period=week",
        "gains attack week": f"/api/groups/{slug}/gains?metric=attack&period=week",
        "gains zulrah month": f"/api/groups/{slug}/gains?metric=zulrah&period=month",
        "gains attack week, csv": f"/api/groups/{slug}/gains?metric=attack&period=week&format=csv",
        "records attack week": f"/api/groups/{slug}/records?metric=attack&period=week",
        "hiscores attack": f"/api/groups/{slug}/hiscores?metric=attack",
        "statistics": f"/api/groups/{slug}/statistics",
        "competition standings": f"/api/competitions/{competition(slug, user)}",
    }
    print(f"\nmedian of {CALLS} calls, ms (one player's stats: {stats:.2f})")
    figures = {}
    for label, url in reads.items():
        figures[label] = median_ms(client, url)
        print(f"    {label:<26} {figures[label]:>8.2f}   x{figures[label] / stats:.2f}")
    slowest = max(figures["gains overall week"], figures["gains attack week"])
    return [
        goal(
            f"group gains (week) at {MEMBERS:,} members / one player's stats",
            slowest / stats,
            "<=",
            RATIO_GOAL,
        )
    ]


if __name__ == "__main__":
    try:
        lines = main()
    finally:
        drop_database()
    print()
    print("\n".join(lines))
