"""Benchmark of the web tier under load while the collector runs. Prints figures;
asserts nothing.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/osrsdiff REDIS_URL=redis://127.0.0.1:6379/8 \\
        .venv/bin/python -m bench.load [--users 20] [--seconds 30]

gunicorn with 2 workers on PostgreSQL and Redis, 200 players with 30 days of
history (60 records each), and a Celery worker and beat fetching those players
from the fake hiscores every minute (3.3 fetches a second, under a 5/s limit) all
along, storing what changed. On loopback, an async
httpx client plays N users sending mixed authenticated reads (stats, history of
a week, a leaderboard, a page of the players list):

(a) saturation: every user sends its next request as soon as the last is
    answered; the most the service answers.
(b) paced: the users together send 300 requests a second (each on its own
    schedule, never more than one in flight); the latency at that rate.
(c) saturation on /health alone: the least a request costs, for scale.

Each prints requests/s, p50/p95/p99 latency and the error rate (goal: >= 300
req/s with p99 < 100 ms and no errors on 2 cores) per kind of read, and the CPU
each part of the system spent per request (the load generator shares the cores).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from bench.support import postgres_database, refuse, table

SCRIPT = "bench/load.py"
ROOT = Path(__file__).resolve().parent.parent
PLAYERS = 200
RECORDS_PER_PLAYER = 60
HISTORY_DAYS = 30
HISTORY_STEPS = 14_400  # of the fake's growth over those days
COLLECTOR_RATE = 5.0
PACED_RATE = 300.0
LEADERBOARD_METRICS = ("overall", "attack", "slayer", "woodcutting", "zulrah")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    options = parser.parse_args()
    if not os.environ.get("REDIS_URL"):
        refuse(
            SCRIPT, "needs REDIS_URL (the full stack): the figures are for PostgreSQL and Redis."
        )
    with postgres_database("osrsdiff_bench_load", script=SCRIPT):
        from hiscores.fake import FakeHiscoresServer

        names = seed_history()
        token = access_token()
        with (
            # Growth picks up where the seeded history ends: new fetches continue it.
            FakeHiscoresServer(
                port=0, grow=True, step_seconds=1, growth_origin=time.time() - HISTORY_STEPS
            ) as fake,
            tempfile.TemporaryDirectory(prefix="bench-load-") as scratch,
        ):
            processes = Processes(Path(scratch), fake.base_url, options.workers)
            try:
                web_url = processes.start()
                run(web_url, token, names, options, processes)
            finally:
                processes.stop()


# --- Data ---------------------------------------------------------------------------


def seed_history() -> list[str]:
    """200 generated players, each with a record every 12 hours for 30 days, as the
    fake hiscores would have served them while they played; due for a fetch now."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.utils import timezone

    from hiscores.fake import FakeHiscores
    from hiscores.fake.render import render_json
    from hiscores.models import HiscoreRecord
    from hiscores.modes import TABLES, GameMode
    from hiscores.parser import parse_json
    from players.models import Player

    started = time.perf_counter()
    call_command("seed_schedule", verbosity=0)
    get_user_model().objects.create_user("bench", password="bench-password-long-enough")
    fake = FakeHiscores(generated=PLAYERS)
    table_name = TABLES[GameMode.REGULAR]
    now = timezone.now()
    names = [f"gen {n}" for n in range(1, PLAYERS + 1)]
    players = Player.objects.bulk_create(
        # Every minute: the collector stays busy (200 players, 3.3 fetches/s) all along.
        Player(username=name, username_key=name, fetch_interval_minutes=1, next_fetch_at=now)
        for name in names
    )
    step = timedelta(days=HISTORY_DAYS) / RECORDS_PER_PLAYER
    records = []
    for player in players:
        for n in range(RECORDS_PER_PLAYER):
            # Growth steps between records: days of play for the fake's players.
            steps = n * HISTORY_STEPS // RECORDS_PER_PLAYER
            profile = fake.players.profile(player.username_key, table_name, steps)
            fields = parse_json(render_json(profile, table_name)).record_fields()
            moment = now - timedelta(days=HISTORY_DAYS) + n * step
            records.append(
                HiscoreRecord(player=player, fetched_at=moment, last_checked_at=moment, **fields)
            )
    HiscoreRecord.objects.bulk_create(records, batch_size=1000)
    for player in players:
        latest = HiscoreRecord.objects.filter(player=player).order_by("-fetched_at").first()
        player.latest_record = latest
        player.last_fetched = player.last_changed_at = latest.fetched_at
    Player.objects.bulk_update(players, ["latest_record", "last_fetched", "last_changed_at"])
    print(
        f"seeded {len(players)} players, {len(records):,} records "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return names


def access_token() -> str:
    from django.contrib.auth import get_user_model
    from rest_framework_simplejwt.tokens import AccessToken

    return str(AccessToken.for_user(get_user_model().objects.get(username="bench")))


# --- Processes --------------------------------------------------------------------------


class Processes:
    """gunicorn, a Celery worker and beat, as deployed, on the benchmark's database."""

    def __init__(self, scratch: Path, hiscores_url: str, web_workers: int):
        self.scratch = scratch
        self.port = free_port()
        self.web_workers = web_workers
        metrics_dir = scratch / "prometheus"
        metrics_dir.mkdir()
        self.env = dict(
            os.environ,
            OSRS_HISCORES_BASE_URL=hiscores_url,
            OSRS_MAX_REQUESTS_PER_SECOND=str(COLLECTOR_RATE),
            PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
            OSRSDIFF_VAR_DIR=str(scratch),
        )
        self.running: dict[str, subprocess.Popen] = {}

    def start(self) -> str:
        python = sys.executable
        commands = {
            "web": [python, "-m", "gunicorn", "osrsdiff.wsgi", "--bind",
                    f"127.0.0.1:{self.port}", "--workers", str(self.web_workers),
                    "--backlog", "2048"],
            "worker": [python, "-m", "celery", "-A", "osrsdiff", "worker", "--queues",
                       "fetch,celery", "--concurrency", "2", "--loglevel", "INFO",
                       "--without-mingle", "--without-gossip"],
            "beat": [python, "-m", "celery", "-A", "osrsdiff", "beat", "--loglevel", "INFO",
                     "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler",
                     "--schedule", str(self.scratch / "beat-schedule")],
        }  # fmt: skip
        self._purge_queues()
        for name, command in commands.items():
            self.running[name] = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env,
                stdout=open(self.scratch / f"{name}.log", "ab"),  # noqa: SIM115
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        url = f"http://127.0.0.1:{self.port}"
        _wait(lambda: _ready(url), 60, "gunicorn to be ready")
        return url

    def _purge_queues(self) -> None:
        from osrsdiff.celery import app

        with app.connection_for_write() as conn:
            for queue in ("fetch", "celery"):
                conn.default_channel.queue_purge(queue)

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time used so far by each part, children included."""
        usage = {name: _tree_cpu(process.pid) for name, process in self.running.items()}
        usage["load generator"] = _own_cpu()
        usage["postgres"] = _cpu_of_command("postgres")
        usage["redis-server"] = _cpu_of_command("redis-server")
        return usage

    def stop(self) -> None:
        for process in self.running.values():
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(process.pid, signal.SIGKILL)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ready(url: str) -> bool:
    import httpx

    try:
        return httpx.get(f"{url}/ready", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise SystemExit(f"{SCRIPT}: timed out after {timeout:g} s waiting for {what}")


_TICKS = os.sysconf("SC_CLK_TCK")


def _stat_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # utime, stime, cutime, cstime (children waited for): fields 14-17 of stat.
    return sum(int(value) for value in fields[11:15]) / _TICKS


def _children(pid: int) -> list[int]:
    try:
        raw = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in raw.split()]


def _tree_cpu(pid: int) -> float:
    return _stat_cpu(pid) + sum(_tree_cpu(child) for child in _children(pid))


def _own_cpu() -> float:
    usage = os.times()
    return usage.user + usage.system


def _cpu_of_command(command: str) -> float:
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == command:
                    total += _stat_cpu(int(entry.name))
            except OSError:
                continue
    return total


# --- Load --------------------------------------------------------------------------------


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    samples: list[str] = field(default_factory=list)  # a few error descriptions

    def add(self, kind: str, seconds: float, problem: str | None) -> None:
        self.latencies[kind].append(seconds)
        if problem is not None:
            self.errors[kind] += 1
            if len(self.samples) < 5:
                self.samples.append(f"{kind}: {problem}")


Mix = Callable[[random.Random], tuple[str, str]]


def reads(names: list[str]) -> Mix:
    """(kind, path) of one read, in the proportions clients would send them."""
    return lambda rng: request_mix(names, rng)


def request_mix(names: list[str], rng: random.Random) -> tuple[str, str]:
    name = rng.choice(names).replace(" ", "%20")
    roll = rng.random()
    if roll < 0.35:
        return "stats", f"/api/players/{name}/stats"
    if roll < 0.60:
        return "history (week)", f"/api/players/{name}/history?period=week"
    if roll < 0.80:
        offset = rng.randrange(0, len(names), 50)
        return "players list", f"/api/players?limit=50&offset={offset}"
    metric = rng.choice(LEADERBOARD_METRICS)
    return "leaderboard (week)", f"/api/leaderboards/{metric}?period=week"


async def user(
    client, mix: Mix, seed: int, until: float, results: Results, interval: float | None
) -> None:
    rng = random.Random(seed)
    next_at = time.perf_counter()
    while True:
        if interval is not None:
            # Paced: keep to this user's schedule; a late answer is not made up for
            # with a burst.
            next_at = max(next_at + interval, time.perf_counter())
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
        started = time.perf_counter()
        if started >= until:
            return
        kind, path = mix(rng)
        try:
            response = await client.get(path)
            problem = None if response.status_code == 200 else f"{response.status_code} {path}"
        except Exception as exc:  # a refused or dropped connection is an error
            problem = f"{type(exc).__name__}: {exc} {path}"
        results.add(kind, time.perf_counter() - started, problem)


async def load(
    web_url: str,
    token: str,
    mix: Mix,
    users: int,
    seconds: float,
    rate: float | None,
    cpu_seconds: Callable[[], dict[str, float]],
) -> tuple[Results, float, dict[str, float]]:
    """What `users` users sending `mix` for `seconds` saw, how long it took, and
    the CPU seconds each part of the system spent meanwhile."""
    import httpx

    results = Results()
    interval = None if rate is None else users / rate
    async with httpx.AsyncClient(
        base_url=web_url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
        limits=httpx.Limits(max_connections=users, max_keepalive_connections=users),
    ) as client:
        # Warm up (connections, gunicorn workers' first queries) without measuring.
        warm = Results()
        until = time.perf_counter() + 3
        await asyncio.gather(*(user(client, mix, n, until, warm, interval) for n in range(users)))
        cpu_before = cpu_seconds()
        started = time.perf_counter()
        until = started + seconds
        await asyncio.gather(
            *(user(client, mix, 1000 + n, until, results, interval) for n in range(users))
        )
        elapsed = time.perf_counter() - started
        cpu = {part: used - cpu_before[part] for part, used in cpu_seconds().items()}
        return results, elapsed, cpu


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(web_url: str, token: str, names: list[str], options, processes: Processes) -> None:
    from players.models import FetchAttempt

    print(
        f"gunicorn with {options.workers} workers, {options.users} users, "
        f"{options.seconds:g} s per run; the collector fetches {PLAYERS} players a minute "
        f"(limit {COLLECTOR_RATE:g}/s)"
    )
    runs: list[tuple[str, Mix, float | None]] = [
        ("(a) saturation", reads(names), None),
        (f"(b) paced at {PACED_RATE:g} req/s", reads(names), PACED_RATE),
        # The floor: what a request costs that does nothing (no token, no query).
        ("(c) saturation on /health alone, for scale", lambda rng: ("health", "/health"), None),
    ]
    for label, mix, rate in runs:
        fetched = FetchAttempt.objects.count()
        results, elapsed, cpu = asyncio.run(
            load(web_url, token, mix, options.users, options.seconds, rate, processes.cpu_seconds)
        )
        report(label, results, elapsed, FetchAttempt.objects.count() - fetched, cpu)


def report(label: str, results: Results, elapsed: float, fetches: int, cpu: dict) -> None:
    every = [s for values in results.latencies.values() for s in values]
    errors = sum(results.errors.values())
    print(f"\n{label}")
    rows = []
    for kind, values in sorted(results.latencies.items()):
        rows.append(_row(kind, values, results.errors[kind], elapsed))
    rows.append(_row("all", every, errors, elapsed))
    print(
        table(rows, ("read", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors"))
    )
    print(f"    error rate {errors / max(1, len(every)):.2%}; collector fetched {fetches} players")
    for sample in results.samples:
        print(f"    e.g. {sample}")
    # Where the machine's time went: the load generator shares the cores.
    count = max(1, len(every))
    shares = ", ".join(f"{part} {1000 * used / count:.2f}" for part, used in cpu.items())
    print(f"    CPU ms per request: {shares}; sum {1000 * sum(cpu.values()) / count:.2f}")
    print(
        f"    ({os.cpu_count()} cores: {sum(cpu.values()) / elapsed:.2f} of them busy on average)"
    )
    print("    goal: >= 300 req/s with p99 < 100 ms and no errors")


def _row(kind: str, values: list[float], errors: int, elapsed: float) -> tuple:
    ms = [v * 1000 for v in values]
    return (
        kind,
        len(values),
        f"{len(values) / elapsed:.0f}",
        f"{statistics.median(ms):.1f}",
        f"{percentile(ms, 0.95):.1f}",
        f"{percentile(ms, 0.99):.1f}",
        f"{max(ms):.1f}",
        errors,
    )


if __name__ == "__main__":
    main()
