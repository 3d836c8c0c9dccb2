"""Benchmark of the collector. Prints figures; asserts nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/osrsdiff REDIS_URL=redis://127.0.0.1:6379/8 \\
        .venv/bin/python -m bench.collection

(a) Pipeline capacity: a real worker with 2 processes against the fake hiscores
    on loopback, PostgreSQL and Redis, the limiter set high: completed fetches
    per second (goal >= 200/s). Then with the limiter as the bottleneck (50/s):
    achieved / allowed (goal >= 0.95).
(b) Scheduler tick with 100,000 tracked players: claim and enqueue when 1,000 are
    due (goal < 0.5 s) and when all 100,000 are (goal < 10 s, in batches).
(c) Storage: bytes per stored record, and records written per 1,000 fetches
    when 90% of players are unchanged (goal about 100).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import timedelta

from bench.support import postgres_database, refuse, table

SCRIPT = "bench/collection.py"


def main() -> None:
    if not os.environ.get("REDIS_URL"):
        refuse(
            SCRIPT, "needs REDIS_URL (the full stack): the figures are for PostgreSQL and Redis."
        )
    with postgres_database("osrsdiff_bench_collection", script=SCRIPT):
        from hiscores.fake import FakeHiscoresServer

        with FakeHiscoresServer(port=0, grow=True, step_seconds=1, generated=200_000) as fake:
            rows = pipeline(fake)
            print("\n(a) pipeline, 2 worker processes, fake hiscores on loopback")
            print(
                table(rows, ("limit req/s", "fetches", "seconds", "fetches/s", "achieved/allowed"))
            )
            print("    goals: >= 200 fetches/s with the limiter high; >= 0.95 of a 50/s limit")
            print("\n(b) scheduler tick with 100,000 tracked players")
            print(table(scheduler_ticks(), ("due", "claimed+queued", "seconds", "goal")))
            print("\n(c) storage")
            for label, value in storage(fake):
                print(f"    {label}: {value}")


def _purge_queues() -> None:
    from osrsdiff.celery import app

    with app.connection_for_write() as conn:
        for queue in ("fetch", "celery"):
            conn.default_channel.client.delete(queue)


def _reset(players: int) -> list[int]:
    from django.utils import timezone

    from hiscores.breaker import get_breaker
    from hiscores.models import HiscoreRecord
    from players.models import FetchAttempt, Player

    FetchAttempt.objects.all().delete()
    Player.objects.update(latest_record=None)
    HiscoreRecord.objects.all().delete()
    Player.objects.all().delete()
    get_breaker().reset()
    now = timezone.now()
    Player.objects.bulk_create(
        Player(username=f"gen {n}", username_key=f"gen {n}", next_fetch_at=now)
        for n in range(1, players + 1)
    )
    return list(Player.objects.values_list("pk", flat=True))


def _start_worker(fake_url: str, rate: float, log_dir: str) -> subprocess.Popen:
    env = dict(os.environ, OSRS_HISCORES_BASE_URL=fake_url, OSRS_MAX_REQUESTS_PER_SECOND=str(rate))
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "osrsdiff", "worker", "--queues", "fetch,celery",
         "--concurrency", "2", "--loglevel", "WARNING", "--without-mingle", "--without-gossip"],
        env=env,
        stdout=open(os.path.join(log_dir, f"worker-{rate}.log"), "w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip


def pipeline(fake) -> list[tuple]:
    rows = []
    log_dir = tempfile.mkdtemp(prefix="bench-collection-")
    # The limiter set high: what the pipeline itself sustains.
    done, elapsed = _run_pipeline(fake, rate=100_000.0, players=3000, log_dir=log_dir)
    rows.append(("unlimited", done, f"{elapsed:.1f}", f"{done / elapsed:.0f}", "-"))
    # The limiter as the bottleneck: how much of the allowed rate is used.
    rate, window = 50.0, 20.0
    done, elapsed = _run_pipeline(fake, rate=rate, players=3000, log_dir=log_dir, window=window)
    ratio = f"{done / (rate * elapsed):.3f}"
    rows.append((f"{rate:g}", done, f"{elapsed:.0f}", f"{done / elapsed:.1f}", ratio))
    return rows


def _run_pipeline(fake, *, rate: float, players: int, log_dir: str, window: float | None = None):
    """Queue a fetch of every player in batches, as the scheduler does, and count
    completed fetches: all of them, or those within `window` seconds."""
    from django.conf import settings

    from players.models import FetchAttempt
    from players.scheduling import batch_size
    from players.tasks import fetch_players

    settings.OSRS_MAX_REQUESTS_PER_SECOND = rate
    _purge_queues()
    ids = _reset(players)
    worker = _start_worker(fake.base_url, rate, log_dir)
    try:
        time.sleep(4)  # worker boot
        size = batch_size()
        with fetch_players.app.producer_or_acquire() as producer:
            for start in range(0, len(ids), size):
                fetch_players.apply_async(args=(ids[start : start + size],), producer=producer)
        _wait(FetchAttempt.objects.exists, 60)
        started, at_start = time.monotonic(), FetchAttempt.objects.count()
        if window is None:
            _wait(lambda: FetchAttempt.objects.count() >= players, 600)
        else:
            time.sleep(window)
        return FetchAttempt.objects.count() - at_start, time.monotonic() - started
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)


def _wait(condition, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    raise SystemExit(f"timed out after {timeout} s")


def scheduler_ticks() -> list[tuple]:
    from django.conf import settings
    from django.utils import timezone

    from players.models import Player
    from players.tasks import schedule_due_fetches

    settings.OSRS_MAX_REQUESTS_PER_SECOND = 100_000.0
    settings.SCHEDULER_TICK_SECONDS = 5
    rows = []
    ids = _reset(100_000)
    later = timezone.now() + timedelta(hours=1)
    for due, goal in ((1_000, "< 0.5 s"), (100_000, "< 10 s")):
        _purge_queues()
        now = timezone.now()
        Player.objects.update(next_fetch_at=later, fetch_claimed_until=None)
        Player.objects.filter(pk__in=ids[:due]).update(next_fetch_at=now - timedelta(minutes=1))
        started = time.perf_counter()
        queued = schedule_due_fetches()
        elapsed = time.perf_counter() - started
        rows.append((f"{due:,}", f"{queued:,}", f"{elapsed:.3f}", goal))
    _purge_queues()
    return rows


def storage(fake) -> list[tuple[str, str]]:
    from django.db import connection
    from django.utils import timezone

    from hiscores.client import HiscoresClient
    from hiscores.models import HiscoreRecord
    from players.recording import fetch_record_success

    ids = _reset(1000)
    fake.set_growth(False)
    client = HiscoresClient(base_url=fake.base_url)
    names = {pk: f"gen {n}" for n, pk in enumerate(ids, start=1)}
    for pk, name in names.items():  # every player's first record
        fetch_record_success(player_id=pk, snapshot=client.fetch(name), started_at=timezone.now())
    before = HiscoreRecord.objects.count()
    for n, (pk, name) in enumerate(names.items()):
        if n % 10 == 0:  # one player in ten played since the last fetch
            fake.gain(name, "woodcutting", 1_000)
        fetch_record_success(player_id=pk, snapshot=client.fetch(name), started_at=timezone.now())
    written = HiscoreRecord.objects.count() - before
    with connection.cursor() as cursor:
        # FULL: the live records alone, without the dead versions updates left behind.
        cursor.execute("VACUUM FULL ANALYZE hiscores_hiscorerecord")
        cursor.execute("SELECT pg_total_relation_size('hiscores_hiscorerecord')")
        total = cursor.fetchone()[0]
        cursor.execute("SELECT avg(pg_column_size(r.*)) FROM hiscores_hiscorerecord r")
        row_bytes = cursor.fetchone()[0]
    count = HiscoreRecord.objects.count()
    return [
        ("records written per 1,000 fetches with 90% unchanged (goal ~100)", f"{written}"),
        ("bytes per record, table + TOAST + indexes", f"{total / count:,.0f}"),
        ("bytes per record, the row itself (compressed JSON)", f"{row_bytes:,.0f}"),
    ]


if __name__ == "__main__":
    main()
