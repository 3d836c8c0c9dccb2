"""Benchmarks for the hiscores source. Prints figures; asserts nothing.

    .venv/bin/python -m bench.hiscores [--seconds 20] [--limits 2,10,50] [--no-pyrate]

(a) Parse throughput on one core: responses a second for `parse_json` and
    `parse_csv` over the recorded samples.
(b) The global rate limiter's accuracy: four worker processes call the gateway's
    `fetch` for `gen N` players with a real `HiscoresClient` against the fake
    hiscores, as fast as the limiter lets them, for `--seconds` per limit. The
    figures come from the fake's own request log: achieved/allowed (goal 0.95 to
    1.00) and the most requests in any sliding 1 s window (goal: at most limit + 1).
    Each limiter back end is measured (Redis, file), and beside them
    pyrate-limiter's Redis and SQLite+filelock buckets configured for the same
    even spacing, the alternative the issue asked to evaluate.

It ends with one line per goal of our own limiter, over every limit and back end:
`GOAL <name>: <measured> <op> <target> -> met` (or `-> missed`).

Redis: `BENCH_REDIS_URL`, else `REDIS_URL`, else redis://127.0.0.1:6379/13; the
keys are per run and deleted after it. About 4.5 minutes with the defaults.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import tempfile
import time
import uuid
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "osrsdiff.settings")
# Settings insist on a secret once REDIS_URL is set; nothing here signs anything.
os.environ.setdefault("SECRET_KEY", "bench-only-secret-long-enough-for-hs256")

import django

django.setup()

import redis  # noqa: E402

from hiscores import gateway  # noqa: E402
from hiscores.breaker import CircuitBreaker, FileBreakerStore  # noqa: E402
from hiscores.client import HiscoresClient  # noqa: E402
from hiscores.errors import HiscoresBusy, HiscoresError  # noqa: E402
from hiscores.fake import FakeHiscoresServer  # noqa: E402
from hiscores.parser import parse_csv, parse_json  # noqa: E402
from hiscores.ratelimit import FileRateLimiter, RateLimiter, RedisRateLimiter  # noqa: E402

from .support import goal  # noqa: E402

SAMPLES = Path(__file__).resolve().parent.parent / "hiscores" / "fake" / "samples"
REDIS_URL = (
    os.environ.get("BENCH_REDIS_URL") or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/13"
)
WORKERS = 4
GENERATED_PLAYERS = 1000


# --- (a) parse throughput ---------------------------------------------------------


def parse_throughput(
    parse: Callable[[bytes], object], bodies: list[bytes], seconds: float
) -> float:
    done, started = 0, time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        for body in bodies:
            parse(body)
        done += len(bodies)
    return done / (time.perf_counter() - started)


# --- (b) limiter accuracy ---------------------------------------------------------


class PyrateLimiter:
    """pyrate-limiter behind the one method the gateway calls, `acquire`, for
    comparison only.

    `Rate(1, interval)` is its even-spacing configuration (no bursts), the same
    promise as ours. It has no "is a slot free within max_wait?" question: a
    refusal comes only after waiting `max_wait`.
    """

    def __init__(self, *, bucket: object):
        from pyrate_limiter import Limiter

        self._limiter = Limiter(bucket)

    def close(self) -> None:
        self._limiter.close()

    def acquire(self, *, max_wait: float) -> float | None:
        started = time.monotonic()
        if not self._limiter.try_acquire("hiscores", blocking=True, timeout=max(0.0, max_wait)):
            return None
        return time.monotonic() - started


def _interval_ms(rate: float) -> int:
    return max(1, round(1000 / rate))


@dataclass(frozen=True)
class Backend:
    label: str
    kind: str


BACKENDS = [
    Backend("slots, Redis", "redis"),
    Backend("slots, file", "file"),
    Backend("pyrate Redis", "pyrate-redis"),
    Backend("pyrate SQLite", "pyrate-sqlite"),
]


def build_limiter(kind: str, rate: float, place: str) -> RateLimiter | PyrateLimiter:
    """`place` is a Redis key prefix or a file path, fresh for each run."""
    if kind == "redis":
        return RedisRateLimiter(url=REDIS_URL, rate=rate, key_prefix=place)
    if kind == "file":
        return FileRateLimiter(path=place, rate=rate)
    from pyrate_limiter import Rate, RedisBucket, SQLiteBucket

    rates = [Rate(1, _interval_ms(rate))]
    if kind == "pyrate-redis":
        bucket = RedisBucket.init(rates, redis.Redis.from_url(REDIS_URL), f"{place}pyrate")
    else:
        bucket = SQLiteBucket.init_from_file(
            rates, table="hiscores", db_path=place, use_file_lock=True
        )
    return PyrateLimiter(bucket=bucket)


def worker(index: int, base_url: str, tasks, results) -> None:
    """One worker process, kept for every run so no run pays process start-up."""
    client = HiscoresClient(base_url=base_url)
    # Open the keep-alive connection now, so no timed request pays for a TCP connect.
    client.fetch("gen 1")
    results.put(index)
    while (task := tasks.get()) is not None:
        results.put(run(index, client, *task))
    client.close()


def run(
    index: int,
    client: HiscoresClient,
    kind: str,
    rate: float,
    place: str,
    breaker_file: str,
    start_at: float,
    seconds: float,
) -> int:
    """Fetch through the gateway as fast as the limiter allows; return the errors seen."""
    limiter = build_limiter(kind, rate, place)
    breaker = CircuitBreaker(
        FileBreakerStore(path=breaker_file), failure_threshold=1000, reset_seconds=1
    )
    # The gateway as the workers run it, on this run's own limiter and breaker.
    gateway.get_rate_limiter = lambda: limiter
    gateway.get_breaker = lambda: breaker
    deadline = start_at + seconds
    time.sleep(max(0.0, start_at - time.time()))
    player, errors = index, 0
    while True:
        # Slots before the deadline only, so that the run allows rate x seconds. Half
        # an interval of margin: the limiter measures max_wait from when it holds its
        # lock, a little after this line.
        max_wait = deadline - time.time() - 0.5 / rate
        if max_wait < 0:
            break
        try:
            gateway.fetch(f"gen {player % GENERATED_PLAYERS + 1}", client=client, max_wait=max_wait)
        except HiscoresBusy:
            break
        except HiscoresError:
            errors += 1
        player += WORKERS
    close(limiter)
    return errors


def close(limiter: RateLimiter | PyrateLimiter) -> None:
    if isinstance(limiter, PyrateLimiter):
        limiter.close()
    elif isinstance(limiter, RedisRateLimiter):
        limiter.redis.close()


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """The most requests in any sliding window [t, t + window)."""
    best = 0
    for i, start in enumerate(times):
        best = max(best, bisect_left(times, start + window, lo=i) - i)
    return best


@dataclass(frozen=True)
class Accuracy:
    ratio: float
    peak: int
    errors: int


class Workers:
    """The worker processes, started once (spawned: no sockets or threads inherited)."""

    def __init__(self, base_url: str):
        context = multiprocessing.get_context("spawn")
        self.results = context.Queue()
        self.tasks = [context.Queue() for _ in range(WORKERS)]
        self.processes = [
            context.Process(target=worker, args=(index, base_url, self.tasks[index], self.results))
            for index in range(WORKERS)
        ]
        for process in self.processes:
            process.start()
        for _ in self.processes:
            self.results.get(timeout=120)

    def run(self, *task: object, timeout: float) -> int:
        for queue in self.tasks:
            queue.put(task)
        return sum(self.results.get(timeout=timeout) for _ in self.processes)

    def stop(self) -> None:
        for queue in self.tasks:
            queue.put(None)
        for process in self.processes:
            process.join(timeout=10)


def measure(
    fake: FakeHiscoresServer,
    workers: Workers,
    backend: Backend,
    rate: float,
    seconds: float,
    scratch: Path,
) -> Accuracy:
    run_id = uuid.uuid4().hex[:8]
    on_redis = backend.kind in ("redis", "pyrate-redis")
    place = f"bench:{run_id}:" if on_redis else str(scratch / f"{backend.kind}-{run_id}.state")
    breaker_file = str(scratch / f"breaker-{run_id}.state")
    fake.log.clear()
    # Time for every worker to build its limiter before the first slot.
    start_at = time.time() + 1.0
    errors = workers.run(
        backend.kind, rate, place, breaker_file, start_at, seconds, timeout=seconds + 60
    )
    if on_redis:
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(match=f"{place}*"):
            client.delete(key)
        client.close()
    times = sorted(t for t in fake.request_times() if t >= start_at)
    return Accuracy(ratio=len(times) / (rate * seconds), peak=max_in_window(times), errors=errors)


def pyrate_available() -> bool:
    try:
        import filelock  # noqa: F401
        import pyrate_limiter  # noqa: F401
    except ImportError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="per limiter run")
    parser.add_argument("--limits", default="2,10,50", help="requests a second, comma-separated")
    parser.add_argument("--parse-seconds", type=float, default=2.0, help="per format")
    parser.add_argument("--no-pyrate", action="store_true", help="skip pyrate-limiter")
    options = parser.parse_args()
    limits = [float(limit) for limit in options.limits.split(",")]

    print("(a) parse throughput, one core")
    for name, parse, pattern in (
        ("parse_json", parse_json, "*.json"),
        ("parse_csv", parse_csv, "*.csv"),
    ):
        bodies = [path.read_bytes() for path in sorted(SAMPLES.glob(pattern))]
        per_second = parse_throughput(parse, bodies, options.parse_seconds)
        print(f"    {name:<10} {per_second:>9,.0f} responses/s  ({len(bodies)} samples)")

    backends = BACKENDS
    if options.no_pyrate or not pyrate_available():
        if not options.no_pyrate:
            print("\n(pyrate-limiter or filelock is not installed: its columns are left out)")
        backends = [backend for backend in BACKENDS if not backend.kind.startswith("pyrate")]

    print(
        f"\n(b) rate limiter accuracy: {WORKERS} processes through gateway.fetch against "
        f"the fake hiscores, {options.seconds:g} s per run"
    )
    print(
        "    cell = achieved/allowed, most requests in any 1 s window (goal 0.95-1.00, <= limit+1)"
    )
    print("    " + f"{'limit':>7} | " + " | ".join(f"{b.label:^16}" for b in backends))
    with (
        FakeHiscoresServer(port=0, grow=False) as fake,
        tempfile.TemporaryDirectory(prefix="osrsdiff-bench-") as scratch,
    ):
        workers = Workers(fake.base_url)
        errors = 0
        # Our own limiter's runs: the goals are about it, pyrate's are the comparison.
        ours: list[tuple[float, Accuracy]] = []
        try:
            for rate in limits:
                cells = []
                for backend in backends:
                    accuracy = measure(fake, workers, backend, rate, options.seconds, Path(scratch))
                    errors += accuracy.errors
                    if not backend.kind.startswith("pyrate"):
                        ours.append((rate, accuracy))
                    cells.append(f"{accuracy.ratio:5.3f}, {accuracy.peak:>3}".center(16))
                print("    " + f"{rate:>5g}/s | " + " | ".join(cells), flush=True)
        finally:
            workers.stop()
    if errors:
        print(f"    ({errors} requests failed; they are counted above as sent)")
    print()
    print(goal("limiter achieved/allowed, worst run", min(a.ratio for _, a in ours), ">=", 0.95))
    print(goal("limiter achieved/allowed, most", max(a.ratio for _, a in ours), "<=", 1.0))
    excess = max(a.peak - rate for rate, a in ours)
    print(goal("limiter most requests in 1 s over the limit", excess, "<=", 1, digits=0))


if __name__ == "__main__":
    main()
