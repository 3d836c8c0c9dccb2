"""Benchmark of the collector. Prints figures, then one GOAL line per goal.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/osrsdiff REDIS_URL=redis://127.0.0.1:6379/8 \\
        .venv/bin/python -m bench.collection

(a) Pipeline: a real worker with 2 processes against the fake hiscores on
    loopback, PostgreSQL and Redis, the limiter set high: stored fetches per
    second, divided by the rate at which as many processes fetch and parse from
    the same fake with the same HTTP client alone, measured just before and just
    after (goal >= 0.25: the pipeline, not Jagex, stays out of the way; absolute
    rates swing with the machine, their ratio much less). Then with the limiter
    as the bottleneck (50/s): achieved / allowed (goal >= 0.95).
    `BENCH_PART=pipeline` runs this part alone.
(b) Scheduler tick with 100,000 tracked players: claim and enqueue when 1,000 are
    due (goal < 0.5 s) and when all 100,000 are (goal < 10 s, in batches); and
    when all are due but the budget is 1,000, so that the scheduling policy
    ranks a bounded read of them: deadlines, manual requests, then the learned
    players likeliest to have changed (goal < 0.5 s, as for 1,000 due).
    `BENCH_PART=tick` runs this part alone.
(c) Storage: bytes per stored record, and records written per 1,000 fetches
    when 90% of players are unchanged (goal: 100, one per change).
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from urllib.parse import urlsplit

from bench.support import goal, postgres_database, refuse, table

SCRIPT = "bench/collection.py"
WORKER_PROCESSES = 2
PIPELINE_PLAYERS = 3000
BARE_SECONDS = 8.0
# Long enough for a batch in flight (about a second of the limiter) to be recorded.
SETTLE_SECONDS = 5.0


def main() -> None:
    # Part (c) records in this process: a log line per fetch would bury the figures.
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if not os.environ.get("REDIS_URL"):
        refuse(
            SCRIPT, "needs REDIS_URL (the full stack): the figures are for PostgreSQL and Redis."
        )
    with postgres_database(_database_name(), script=SCRIPT):
        from hiscores.fake import FakeHiscoresServer

        if os.environ.get("BENCH_PART") == "tick":
            goals = []
            print("\n(b) scheduler tick with 100,000 tracked players")
            print(table(scheduler_ticks(goals), ("due", "claimed+queued", "seconds", "goal")))
            print("\n".join(goals))
            return
        with FakeHiscoresServer(port=0, grow=True, step_seconds=1, generated=200_000) as fake:
            goals: list[str] = []
            print(f"\n(a) pipeline, {WORKER_PROCESSES} processes, fake hiscores on loopback")
            print(table(pipeline(fake, goals), ("run", "limit req/s", "fetches", "s", "fetches/s")))
            if os.environ.get("BENCH_PART") == "pipeline":
                print("\n".join(goals))
                return
            print("\n(b) scheduler tick with 100,000 tracked players")
            print(table(scheduler_ticks(goals), ("due", "claimed+queued", "seconds", "goal")))
            print("\n(c) storage")
            for label, value in storage(fake, goals):
                print(f"    {label}: {value}")
    print()
    print("\n".join(goals))


def _database_name() -> str:
    """Named after DATABASE_URL's database, so that runs against different
    databases never drop each other's."""
    beside = urlsplit(os.environ.get("DATABASE_URL", "")).path.strip("/") or "osrsdiff"
    return f"{beside}_collection"


def _purge_queues() -> None:
    from osrsdiff.celery import app

    with app.connection_for_write() as conn:
        for queue in ("fetch", "celery"):
            conn.default_channel.client.delete(queue)


def _reset(players: int) -> list[int]:
    from django.utils import timezone

    from hiscores.breaker import get_breaker
    from players.models import FetchAttempt, Player
    from players.records import HiscoreRecord

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
         "--concurrency", str(WORKER_PROCESSES), "--loglevel", "WARNING",
         "--without-mingle", "--without-gossip"],
        env=env,
        stdout=open(os.path.join(log_dir, f"worker-{rate}.log"), "w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip


def pipeline(fake, goals: list[str]) -> list[tuple]:
    rows = []
    log_dir = tempfile.mkdtemp(prefix="bench-collection-")
    names = [f"gen {n}" for n in range(1, PIPELINE_PLAYERS + 1)]
    # The limiter set high: what the pipeline itself sustains, beside the client alone.
    before = bare_rate(fake, names)
    done, elapsed = _run_pipeline(fake, rate=100_000.0, players=PIPELINE_PLAYERS, log_dir=log_dir)
    after = bare_rate(fake, names)
    stored = done / elapsed
    rows.append(("bare client, before", "-", "-", f"{BARE_SECONDS:.0f}", f"{before:.0f}"))
    rows.append(("stored, pipeline", "unlimited", done, f"{elapsed:.1f}", f"{stored:.0f}"))
    rows.append(("bare client, after", "-", "-", f"{BARE_SECONDS:.0f}", f"{after:.0f}"))
    ratio = stored / ((before + after) / 2)
    rows.append(("stored / bare", "", "", "", f"{ratio:.3f}"))
    goals.append(
        goal("stored fetches/s over bare fetch-and-parse/s, limiter high", ratio, ">=", 0.25)
    )
    # The limiter as the bottleneck: how much of the allowed rate is used.
    rate, window = 50.0, 20.0
    done, elapsed = _run_pipeline(
        fake, rate=rate, players=PIPELINE_PLAYERS, log_dir=log_dir, window=window
    )
    rows.append(("stored, pipeline", f"{rate:g}", done, f"{elapsed:.0f}", f"{done / elapsed:.1f}"))
    used = done / (rate * elapsed)
    rows.append(("achieved / allowed", "", "", "", f"{used:.3f}"))
    goals.append(
        goal("achieved/allowed with the limiter the bottleneck at 50/s", used, ">=", 0.95, digits=3)
    )
    return rows


def bare_rate(fake, names: list[str]) -> float:
    """Fetches parsed per second by WORKER_PROCESSES processes, each with the
    HTTP client alone (no limiter, breaker, broker or database), over BARE_SECONDS."""
    context = multiprocessing.get_context("spawn")
    ready = context.Barrier(WORKER_PROCESSES)
    rates = context.Queue()
    processes = [
        context.Process(
            target=_fetch_and_parse,
            args=(fake.base_url, names[k::WORKER_PROCESSES], ready, rates),
        )
        for k in range(WORKER_PROCESSES)
    ]
    for process in processes:
        process.start()
    total = sum(rates.get(timeout=120) for _ in processes)
    for process in processes:
        process.join()
    return total


def _fetch_and_parse(base_url: str, names: list[str], ready, rates) -> None:
    from hiscores.client import HiscoresClient

    with HiscoresClient(base_url=base_url) as client:
        client.fetch(names[0])  # the connection is up before the clock starts
        ready.wait()
        done, started = 0, time.perf_counter()
        for name in itertools.cycle(names):
            client.fetch(name)
            done += 1
            if time.perf_counter() - started >= BARE_SECONDS:
                break
        rates.put(done / (time.perf_counter() - started))


def _run_pipeline(fake, *, rate: float, players: int, log_dir: str, window: float | None = None):
    """Queue a fetch of every player in batches, as the scheduler does, and count
    stored fetches: all of them, or those within `window` seconds."""
    from django.conf import settings
    from django.utils import timezone

    from players.models import FetchAttempt, FetchOutcome
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
        stored = FetchAttempt.objects.filter(outcome=FetchOutcome.STORED)
        _wait(FetchAttempt.objects.exists, 60)
        if window is None:
            started, at_start = time.monotonic(), stored.count()
            _wait(lambda: FetchAttempt.objects.count() >= players, 600)
            return stored.count() - at_start, time.monotonic() - started
        # A batch's fetches become visible together when it is recorded: count
        # those answered within the window, once the batches in flight are in.
        opened = timezone.now()
        time.sleep(window)
        closed = timezone.now()
        time.sleep(SETTLE_SECONDS)
        answered = stored.filter(finished_at__gte=opened, finished_at__lt=closed).count()
        return answered, (closed - opened).total_seconds()
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


def scheduler_ticks(goals: list[str]) -> list[tuple]:
    from django.conf import settings
    from django.utils import timezone

    from players.models import Player
    from players.tasks import schedule_due_fetches

    rows = []
    ids = _reset(100_000)
    _vary_rhythms(ids)
    later = timezone.now() + timedelta(hours=1)
    # (due, budget: the rate a 5 s tick queues twice over, seconds goal)
    for due, rate, limit in (
        (1_000, 100_000.0, 0.5),
        (100_000, 100_000.0, 10.0),
        (100_000, 100.0, 0.5),
    ):
        settings.OSRS_MAX_REQUESTS_PER_SECOND = rate
        settings.SCHEDULER_TICK_SECONDS = 5
        budget = int(rate * 5 * 2)
        _purge_queues()
        now = timezone.now()
        Player.objects.update(next_fetch_at=later, fetch_claimed_until=None)
        Player.objects.filter(pk__in=ids[:due]).update(next_fetch_at=now - timedelta(minutes=1))
        started = time.perf_counter()
        queued = schedule_due_fetches()
        elapsed = time.perf_counter() - started
        label = f"{due:,}" if budget >= due else f"{due:,}, budget {budget:,}"
        rows.append((label, f"{queued:,}", f"{elapsed:.3f}", f"< {limit:g} s"))
        name = f"scheduler tick seconds, {due:,} of 100,000 due"
        if budget < due:
            name += f", ranked for a budget of {budget:,}"
        goals.append(goal(name, elapsed, "<", limit, digits=3))
    _purge_queues()
    return rows


def _vary_rhythms(ids: list[int]) -> None:
    """Players as the policy sees them after a while: fetched days ago, rhythms
    from idle to grinding, a few with a deadline or a manual request."""
    from django.db.models import F, FloatField
    from django.db.models.functions import Cast
    from django.utils import timezone

    from players.models import FetchReason, Player

    now = timezone.now()
    Player.objects.update(
        last_fetched=now - timedelta(days=3),
        rhythm_changes=Cast(F("id") % 50, FloatField()) / 5.0,
        rhythm_watched_days=2.0,
    )
    Player.objects.filter(pk__in=ids[:100:2]).update(
        next_fetch_reason=FetchReason.DEADLINE, fetch_deadline=now + timedelta(minutes=5)
    )
    Player.objects.filter(pk__in=ids[1:100:2]).update(
        next_fetch_reason=FetchReason.MANUAL, fetch_requested_at=now - timedelta(minutes=5)
    )


def storage(fake, goals: list[str]) -> list[tuple[str, str]]:
    from django.db import connection
    from django.utils import timezone

    from hiscores.client import HiscoresClient
    from players.recording import fetch_record_success
    from players.records import HiscoreRecord

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
    # One record per change, none for an unchanged fetch.
    goals.append(
        goal("records written per 1,000 fetches, 90% unchanged", written, "==", 100, digits=0)
    )
    return [
        ("records written per 1,000 fetches with 90% unchanged (goal 100)", f"{written}"),
        ("bytes per record, table + TOAST + indexes", f"{total / count:,.0f}"),
        ("bytes per record, the row itself (compressed JSON)", f"{row_bytes:,.0f}"),
    ]


if __name__ == "__main__":
    main()
