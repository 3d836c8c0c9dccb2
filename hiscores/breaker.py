"""A circuit breaker around the hiscores, shared by every worker process and host.

When the hiscores keep failing, hammering them only prolongs a block, so after
`OSRS_BREAKER_FAILURE_THRESHOLD` consecutive transient failures the breaker
opens and every caller gets `CircuitOpen` at once, with no request made. After
`OSRS_BREAKER_RESET_SECONDS` it is half-open: exactly one caller gets a trial
call (the others still get `CircuitOpen`); a trial success closes it, a trial
failure opens it for another period.

The errors say how they count (`hiscores.errors`): a transient failure of a
request made is a failure; any other answer that proves the service up
(`PlayerNotFound` too) a success; an error with no request made (`CircuitOpen`,
`HiscoresBusy`), an implausible answer (`ImplausibleResponse`) and errors that
are not the hiscores' count as nothing.

A success clears what was counted before its call was admitted. A call admitted
on the clean record (closed, no failures: nearly every call) has nothing to
clear, so its success costs the shared store nothing; failures counted while it
ran are cleared by the next success admitted after them, and a breaker opened
meanwhile stays open until its trial, as a late failure does not extend it.

The state is one small record: in Redis when `REDIS_URL` is set (updated under
WATCH/MULTI, so two hosts never both take the trial), otherwise in a file under
`var/` (`OSRS_BREAKER_STATE_FILE`) held under `fcntl.flock`. The clock is
`time.time()`: half-open is a matter of seconds, not of clock precision.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Literal, ParamSpec, TypeVar

import redis
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from hiscores.errors import CircuitOpen, HiscoresError, HiscoresUnavailable
from hiscores.ratelimit import DEFAULT_KEY_PREFIX, locked_file, redis_client, replace_contents

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")

Status = Literal["closed", "open", "half_open"]

# A trial whose caller died (a killed worker) must not hold the breaker half-open
# for ever: after this long another caller may try. Longer than a fetch can take
# (limiter wait, then connect and read timeouts) and than Celery's hard time limit.
TRIAL_LEASE_SECONDS = 120.0


@dataclass(frozen=True, slots=True)
class BreakerState:
    """What dashboards and metrics show. Times are Unix seconds."""

    status: Status
    consecutive_failures: int
    opened_at: float | None
    retry_at: float | None


@dataclass(frozen=True, slots=True)
class _Record:
    """The stored state. Closed with no failures is the empty record (nothing stored)."""

    failures: int = 0
    opened_at: float | None = None
    retry_at: float | None = None
    trial: str | None = None
    trial_until: float | None = None

    @property
    def is_open(self) -> bool:
        return self.opened_at is not None

    def encode(self) -> bytes:
        return json.dumps(asdict(self)).encode()

    @classmethod
    def decode(cls, raw: bytes | None) -> _Record:
        if not raw:
            return cls()
        try:
            return cls(**json.loads(raw))
        except (ValueError, TypeError):
            # Unreadable state (a crash mid-write, an older layout): start closed.
            return cls()


class BreakerStore(ABC):
    """Where the record lives, with one atomic read-modify-write."""

    @abstractmethod
    def load(self) -> _Record: ...

    @abstractmethod
    def transact(self, change: Callable[[_Record], tuple[_Record, T]]) -> T:
        """Apply `change` to the stored record atomically; return its second value."""

    @abstractmethod
    def clear(self) -> None: ...


class RedisBreakerStore(BreakerStore):
    def __init__(self, *, url: str, key_prefix: str = DEFAULT_KEY_PREFIX):
        self.key = f"{key_prefix}breaker"
        self.redis = redis_client(url)

    def load(self) -> _Record:
        try:
            return _Record.decode(self.redis.get(self.key))
        except redis.RedisError as exc:
            raise _unavailable(exc) from exc

    def transact(self, change: Callable[[_Record], tuple[_Record, T]]) -> T:
        outcome: list[T] = []

        def run(pipe: redis.client.Pipeline) -> None:
            # Runs again from the top if another client changed the key meanwhile.
            outcome.clear()
            record = _Record.decode(pipe.get(self.key))
            new, result = change(record)
            outcome.append(result)
            if new != record:
                pipe.multi()
                if new == _Record():
                    pipe.delete(self.key)
                else:
                    pipe.set(self.key, new.encode())

        try:
            self.redis.transaction(run, self.key)
        except redis.RedisError as exc:
            raise _unavailable(exc) from exc
        return outcome[0]

    def clear(self) -> None:
        try:
            self.redis.delete(self.key)
        except redis.RedisError as exc:
            raise _unavailable(exc) from exc


def _unavailable(exc: Exception) -> HiscoresUnavailable:
    return HiscoresUnavailable(f"The circuit breaker's Redis is unavailable: {exc}")


class FileBreakerStore(BreakerStore):
    """The record as JSON in a file under flock: shared by the processes of one host."""

    def __init__(self, *, path: Path | str):
        self.path = Path(path)

    def load(self) -> _Record:
        with locked_file(self.path) as handle:
            return _Record.decode(handle.read())

    def transact(self, change: Callable[[_Record], tuple[_Record, T]]) -> T:
        with locked_file(self.path) as handle:
            record = _Record.decode(handle.read())
            new, result = change(record)
            if new != record:
                replace_contents(handle, new.encode() if new != _Record() else b"")
        return result

    def clear(self) -> None:
        with locked_file(self.path) as handle:
            replace_contents(handle, b"")


class Permit:
    """Leave to make one call. Its outcome is reported once: success, failure or neither."""

    def __init__(self, breaker: CircuitBreaker, *, trial: str | None, clean: bool = False):
        self._breaker = breaker
        self.trial = trial
        # Admitted on the clean record: a success has nothing to clear.
        self._clean = clean
        self._reported = False

    @property
    def is_trial(self) -> bool:
        return self.trial is not None

    def call(self, fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        """Run `fn` and report how it went."""
        try:
            result = fn(*args, **kwargs)
        except HiscoresError as error:
            if not error.request_made:
                self.release()
            elif error.transient:
                self.failed()
            elif error.proves_up:
                self.succeeded()
            else:
                self.release()
            raise
        except BaseException:
            self.release()
            raise
        self.succeeded()
        return result

    def succeeded(self) -> None:
        if self._claim() and not self._clean:
            self._breaker._record_success()

    def failed(self) -> None:
        if self._claim():
            self._breaker._record_failure(self.trial)

    def release(self) -> None:
        """Count nothing: no request was made, it failed for our own reasons, or
        its answer proves nothing about the service."""
        if self._claim() and self.trial is not None:
            self._breaker._release_trial(self.trial)

    def _claim(self) -> bool:
        reported, self._reported = self._reported, True
        return not reported


@dataclass(frozen=True, slots=True)
class _Admission:
    trial: str | None = None
    # Set when the call is refused: the breaker's next trial.
    refused_until: float | None = None


class CircuitBreaker:
    def __init__(
        self,
        store: BreakerStore,
        *,
        failure_threshold: int,
        reset_seconds: float,
        trial_lease_seconds: float = TRIAL_LEASE_SECONDS,
    ):
        if failure_threshold < 1:
            raise ValueError(f"A failure threshold must be at least 1, not {failure_threshold!r}.")
        if not reset_seconds > 0:
            raise ValueError(f"A reset period must be positive, not {reset_seconds!r}.")
        self._store = store
        self.failure_threshold = failure_threshold
        self.reset_seconds = reset_seconds
        self.trial_lease_seconds = trial_lease_seconds

    def admit(self) -> Permit:
        """A permit for one call, or `CircuitOpen` if the breaker is open (or half-open
        while another caller holds the trial)."""
        now = time.time()
        if self._store.load() == _Record():
            # Closed with no failures, nearly always: one read, no transaction. A
            # failure recorded meanwhile by another caller costs one extra call.
            return Permit(self, trial=None, clean=True)

        def change(record: _Record) -> tuple[_Record, _Admission]:
            if not record.is_open:
                return record, _Admission()
            assert record.retry_at is not None
            trial_running = record.trial is not None and (record.trial_until or 0) > now
            if now < record.retry_at or trial_running:
                return record, _Admission(refused_until=record.retry_at)
            trial = uuid.uuid4().hex
            until = now + self.trial_lease_seconds
            return replace(record, trial=trial, trial_until=until), _Admission(trial=trial)

        admission = self._store.transact(change)
        if admission.refused_until is not None:
            until = admission.refused_until
            raise CircuitOpen(_open_message(until, now), retry_at=until)
        return Permit(self, trial=admission.trial)

    def call(self, fn: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
        """`fn(*args, **kwargs)` if the breaker allows it; its outcome is counted."""
        return self.admit().call(fn, *args, **kwargs)

    def state(self) -> BreakerState:
        record = self._store.load()
        if not record.is_open:
            status: Status = "closed"
        elif time.time() >= (record.retry_at or 0):
            status = "half_open"
        else:
            status = "open"
        return BreakerState(
            status=status,
            consecutive_failures=record.failures,
            opened_at=record.opened_at,
            retry_at=record.retry_at,
        )

    def reset(self) -> None:
        """Close the breaker and forget the failures (an operator's decision)."""
        self._store.clear()

    def _record_success(self) -> None:
        if self._store.load() == _Record():
            return  # nothing to clear: spare the shared store a transaction
        self._store.transact(lambda record: (_Record(), None))

    def _record_failure(self, trial: str | None) -> None:
        now = time.time()

        def change(record: _Record) -> tuple[_Record, None]:
            failures = record.failures + 1
            trial_failed = trial is not None and record.trial == trial
            if trial_failed or (not record.is_open and failures >= self.failure_threshold):
                return _Record(failures, opened_at=now, retry_at=now + self.reset_seconds), None
            # A call that began before the breaker opened and failed since: count it,
            # but leave the open period (and any trial) as they are.
            return replace(record, failures=failures), None

        self._store.transact(change)

    def _release_trial(self, trial: str) -> None:
        def change(record: _Record) -> tuple[_Record, None]:
            if record.trial != trial:
                return record, None
            return replace(record, trial=None, trial_until=None), None

        self._store.transact(change)


def _open_message(retry_at: float, now: float) -> str:
    if retry_at <= now:
        return "The hiscores circuit breaker is half-open and another call is its trial."
    return f"The hiscores circuit breaker is open; the next trial in {retry_at - now:.0f} s."


_breaker: CircuitBreaker | None = None
_breaker_lock = threading.Lock()


def get_breaker() -> CircuitBreaker:
    """This process's breaker, built once from settings."""
    global _breaker
    with _breaker_lock:
        if _breaker is None:
            store: BreakerStore
            if settings.REDIS_URL:
                store = RedisBreakerStore(url=settings.REDIS_URL)
            else:
                store = FileBreakerStore(path=settings.OSRS_BREAKER_STATE_FILE)
            _breaker = CircuitBreaker(
                store,
                failure_threshold=settings.OSRS_BREAKER_FAILURE_THRESHOLD,
                reset_seconds=settings.OSRS_BREAKER_RESET_SECONDS,
            )
        return _breaker


@receiver(setting_changed)
def _forget_breaker(*, setting: str, **kwargs: Any) -> None:
    global _breaker
    if setting in {
        "REDIS_URL",
        "OSRS_BREAKER_STATE_FILE",
        "OSRS_BREAKER_FAILURE_THRESHOLD",
        "OSRS_BREAKER_RESET_SECONDS",
    }:
        with _breaker_lock:
            _breaker = None
