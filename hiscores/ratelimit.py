"""One budget of outgoing hiscores requests for every worker process on every host.

Jagex allows roughly one request every one to two seconds from an address, so
`OSRS_MAX_REQUESTS_PER_SECOND` (default 0.5) is shared by all workers: the state
lives in Redis when `REDIS_URL` is set, otherwise in a small file under `var/`
(`OSRS_RATE_LIMIT_FILE`) guarded by `fcntl.flock` (one host). Celery's own
`rate_limit` is per worker and does not count.

How: a shared "next free slot". Each caller atomically takes the slot
`t = max(now, next)`, moves `next` to `t + 1/rate` and sleeps until `t`. Requests
go out evenly spaced, never in bursts, and an idle spell earns no burst credit.
On Redis the step is one Lua script that reads Redis's own `TIME`, so hosts
whose clocks disagree still share one clock (each sleeps `t - now` as Redis saw
it). A caller that would wait more than `max_wait` takes nothing and is told so
at once, so a worker is never parked for long; it retries later.

Why our own rather than pyrate-limiter: run side by side through the gateway,
pyrate-limiter kept under the limit but used as little as 30% of it, could
not refuse a slot more than `max_wait` away without first waiting `max_wait`,
and stamps its buckets with each host's own clock (the measurements are in
docs/architecture.md, "The rate limiter, measured"; `bench/hiscores.py` repeats them).

A Redis outage raises `HiscoresUnavailable` within a couple of seconds (short
socket timeouts); the next call reconnects on its own, and the script is
reloaded if the restarted server forgot it.
"""

from __future__ import annotations

import fcntl
import math
import os
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import redis
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from redis.backoff import NoBackoff
from redis.retry import Retry

from hiscores.errors import HiscoresUnavailable

DEFAULT_KEY_PREFIX = "osrsdiff:hiscores:"


@dataclass(frozen=True, slots=True)
class Slot:
    """A reserved request slot: `at` on the shared clock, `wait` seconds from now."""

    at: float
    wait: float


class RateLimiter(ABC):
    """At most `rate` requests a second, evenly spaced, shared by every process."""

    def __init__(self, *, rate: float, sleep: Callable[[float], None] = time.sleep):
        if not (rate > 0 and math.isfinite(rate)):
            raise ValueError(f"A rate limit must be a positive number, not {rate!r}.")
        self.rate = rate
        self._sleep = sleep

    @property
    def interval(self) -> float:
        """Seconds between two slots."""
        return 1.0 / self.rate

    @abstractmethod
    def reserve(self, *, max_wait: float) -> Slot | None:
        """Take the next free slot, or nothing (`None`) if it is more than `max_wait` away."""

    @abstractmethod
    def reset(self) -> None:
        """Forget the schedule: the next caller gets a slot at once."""

    def acquire(self, *, max_wait: float) -> float | None:
        """Wait for a slot and return the seconds waited.

        Returns `None` at once, without taking a slot, when the next free slot is
        more than `max_wait` seconds away. Raises `HiscoresUnavailable` when the
        shared state cannot be reached.
        """
        slot = self.reserve(max_wait=max_wait)
        if slot is None:
            return None
        if slot.wait > 0:
            self._sleep(slot.wait)
        return slot.wait


def redis_client(url: str) -> redis.Redis:
    """A Redis client that fails fast instead of hanging a worker.

    Short timeouts; one immediate retry on a fresh connection after a
    connection error, so a Redis restart costs a reconnect and nothing more.
    Timeouts are not retried: the command may have run.
    """
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=1.0,
        socket_timeout=2.0,
        retry=Retry(NoBackoff(), 1, supported_errors=(redis.ConnectionError,)),
    )


# Microseconds as integers: exact in Lua's doubles, and a Lua number returned to
# Redis is truncated to an integer anyway. `%.0f` writes the number in full where
# plain conversion could round it.
_RESERVE_SCRIPT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local max_wait = tonumber(ARGV[2])
local slot = math.max(now, tonumber(redis.call('GET', KEYS[1])) or 0)
if slot - now > max_wait then
    return {0, slot, now}
end
local following = slot + interval
local ttl_ms = math.ceil((following - now) / 1000) + 1000
redis.call('SET', KEYS[1], string.format('%.0f', following), 'PX', ttl_ms)
return {1, slot, now}
"""


class RedisRateLimiter(RateLimiter):
    """The schedule in one Redis key, moved by one Lua script on Redis's clock."""

    def __init__(
        self,
        *,
        url: str,
        rate: float,
        key_prefix: str = DEFAULT_KEY_PREFIX,
        sleep: Callable[[float], None] = time.sleep,
    ):
        super().__init__(rate=rate, sleep=sleep)
        self.key = f"{key_prefix}ratelimit:next"
        self.redis = redis_client(url)
        # register_script reloads the script on NOSCRIPT, e.g. after a restart.
        self._script = self.redis.register_script(_RESERVE_SCRIPT)

    def reserve(self, *, max_wait: float) -> Slot | None:
        interval_us = max(1, round(self.interval * 1_000_000))
        max_wait_us = max(0, math.floor(max_wait * 1_000_000))
        try:
            reply = self._script(keys=[self.key], args=[interval_us, max_wait_us])
        except redis.RedisError as exc:
            raise HiscoresUnavailable(f"The rate limiter's Redis is unavailable: {exc}") from exc
        granted, slot_us, now_us = reply
        if not granted:
            return None
        return Slot(at=slot_us / 1_000_000, wait=(slot_us - now_us) / 1_000_000)

    def reset(self) -> None:
        self.redis.delete(self.key)


@contextmanager
def locked_file(path: Path) -> Iterator[BinaryIO]:
    """The file at `path` (created if missing), held under an exclusive flock."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    with os.fdopen(fd, "r+b") as handle:
        # Released when the file is closed, even if the holder dies.
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield handle


def replace_contents(handle: BinaryIO, data: bytes) -> None:
    handle.seek(0)
    handle.truncate()
    handle.write(data)
    handle.flush()


class FileRateLimiter(RateLimiter):
    """The schedule in a small file under flock: every process on this host shares it.

    The file holds `next written_at` on this host's wall clock. If the clock has
    been set back since the last write, the old `next` is dropped rather than
    leaving every caller waiting for a moment that moved away.
    """

    def __init__(
        self,
        *,
        path: Path | str,
        rate: float,
        sleep: Callable[[float], None] = time.sleep,
    ):
        super().__init__(rate=rate, sleep=sleep)
        self.path = Path(path)

    def reset(self) -> None:
        with locked_file(self.path) as handle:
            replace_contents(handle, b"")

    def reserve(self, *, max_wait: float) -> Slot | None:
        with locked_file(self.path) as handle:
            now = time.time()
            following = self._read_next(handle.read(), now)
            slot = max(now, following)
            if slot - now > max_wait:
                return None
            replace_contents(handle, f"{slot + self.interval!r} {now!r}".encode())
        return Slot(at=slot, wait=slot - now)

    @staticmethod
    def _read_next(raw: bytes, now: float) -> float:
        try:
            following, written_at = (float(part) for part in raw.split())
        except ValueError:
            # New, or cut short by a crash mid-write: start from now.
            return 0.0
        return 0.0 if written_at > now else following


_limiter: RateLimiter | None = None
_limiter_lock = threading.Lock()


def get_rate_limiter() -> RateLimiter:
    """This process's limiter, built once from settings."""
    global _limiter
    with _limiter_lock:
        if _limiter is None:
            rate = settings.OSRS_MAX_REQUESTS_PER_SECOND
            if settings.REDIS_URL:
                _limiter = RedisRateLimiter(url=settings.REDIS_URL, rate=rate)
            else:
                _limiter = FileRateLimiter(path=settings.OSRS_RATE_LIMIT_FILE, rate=rate)
        return _limiter


@receiver(setting_changed)
def _forget_limiter(*, setting: str, **kwargs: object) -> None:
    global _limiter
    if setting in {"REDIS_URL", "OSRS_MAX_REQUESTS_PER_SECOND", "OSRS_RATE_LIMIT_FILE"}:
        with _limiter_lock:
            _limiter = None
