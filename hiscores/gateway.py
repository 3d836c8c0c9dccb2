"""The one polite way to call the hiscores: breaker first, then a rate-limit slot, then
the request, whose outcome the breaker counts.

The order matters: an open breaker answers `CircuitOpen` without spending a slot
of the shared budget, and a caller that finds no slot within `max_wait` gets
`HiscoresBusy` (no request made, nothing counted) instead of parking a worker.
A caller with a `Deadline` (`hiscores.deadline`) waits for a slot no longer
than what is left of it, and the request gets the rest.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import Histogram

from hiscores import detection
from hiscores.breaker import get_breaker
from hiscores.client import HiscoresClient, default_client
from hiscores.deadline import Deadline
from hiscores.errors import HiscoresBusy, HiscoresError
from hiscores.modes import GameMode
from hiscores.ratelimit import get_rate_limiter
from hiscores.snapshot import Snapshot

DEFAULT_MAX_WAIT = 30.0

# Exported at /metrics (osrsdiff.metrics). Only requests that went out: not the
# ones the breaker or the limiter stopped.
REQUEST_SECONDS = Histogram(
    "osrsdiff_hiscores_request_duration_seconds",
    "Time a hiscores request took, by how it ended: ok, the error's outcome "
    "(not_found, throttled, unavailable), or error (not a hiscores error).",
    ["outcome"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0),
)


@contextmanager
def _timed_request() -> Iterator[None]:
    started, outcome = time.perf_counter(), "error"
    try:
        yield
        outcome = "ok"
    except HiscoresError as error:
        outcome = error.outcome
        raise
    finally:
        REQUEST_SECONDS.labels(outcome=outcome).observe(time.perf_counter() - started)


def fetch(
    username: str,
    mode: GameMode = GameMode.REGULAR,
    *,
    client: HiscoresClient | None = None,
    max_wait: float = DEFAULT_MAX_WAIT,
    deadline: Deadline | None = None,
) -> Snapshot:
    """The player's hiscores on `mode`'s table, within the global rate limit.

    Raises `CircuitOpen` or `HiscoresBusy` when no request was made, and
    otherwise what the client raises (`PlayerNotFound`, `HiscoresUnavailable`,
    `DeadlineExceeded`, ...).
    """
    if deadline is not None:
        max_wait = min(max_wait, deadline.remaining())
    permit = get_breaker().admit()
    try:
        waited = get_rate_limiter().acquire(max_wait=max_wait)
    except BaseException:
        # The limiter's own store failed: not the hiscores' fault, count nothing.
        permit.release()
        raise
    if waited is None:
        permit.release()
        raise HiscoresBusy(f"No hiscores request slot is free within {max_wait:g} s.")
    with _timed_request():
        return permit.call((client or default_client()).fetch, username, mode, deadline=deadline)


def detect_mode(
    username: str,
    *,
    client: HiscoresClient | None = None,
    max_wait: float = DEFAULT_MAX_WAIT,
    deadline: Deadline | None = None,
) -> detection.Detection:
    """The account's game mode and its table's snapshot, from which tables know it
    (one to four polite requests, all within `deadline` if given)."""

    def polite_fetch(name: str, mode: GameMode) -> Snapshot:
        return fetch(name, mode, client=client, max_wait=max_wait, deadline=deadline)

    return detection.detect_mode(username, fetch=polite_fetch)
