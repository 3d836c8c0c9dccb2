"""One time budget for a caller that must not wait long: a person adding a player.

Every wait on the way to the hiscores takes what is left of it: the limiter's
wait for a slot, then the connect and read timeouts of each request, and the
body's read, across every request of a detection. A request cut short by the
deadline is `DeadlineExceeded`, which tells the breaker nothing about the
hiscores (they may have been about to answer).
"""

from __future__ import annotations

import time

import httpx


class Deadline:
    """A moment on the monotonic clock, `seconds` from when it is made."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._at = time.monotonic() + seconds

    def remaining(self) -> float:
        """Seconds left; 0 once it has passed."""
        return max(0.0, self._at - time.monotonic())

    @property
    def expired(self) -> bool:
        return self.remaining() <= 0

    def cap(self, timeout: httpx.Timeout) -> httpx.Timeout:
        """`timeout` with no part longer than what is left."""
        left = self.remaining()

        def capped(value: float | None) -> float:
            return left if value is None else min(value, left)

        return httpx.Timeout(
            connect=capped(timeout.connect),
            read=capped(timeout.read),
            write=capped(timeout.write),
            pool=capped(timeout.pool),
        )
