"""What can go wrong when asking the hiscores. Callers catch these and nothing else.

Each error says what it means for a fetch, so the breaker, the gateway and the
players' bookkeeping read one answer instead of sorting the classes each their
own way:

- `outcome`: the name a fetch that ended in this error is logged under
  (`players.models.FetchOutcome` uses the same values).
- `request_made`: whether a request reached the hiscores. When we stopped it
  ourselves (breaker open, no rate-limit slot) the breaker counts nothing and the
  fetch is deferred, not failed.
- `transient`: whether the same request may well succeed shortly, so a retry is
  worth it; a transient failure of a request made counts against the breaker.
- `proves_up`: whether an answer that ended in this (non-transient) error shows
  the hiscores are up, so the breaker counts it a success. A 404 does; an
  implausible answer about one player says nothing either way.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar


class Outcome(StrEnum):
    """How a fetch that raised one of these errors ended."""

    NOT_FOUND = "not_found"
    THROTTLED = "throttled"
    UNAVAILABLE = "unavailable"
    DEFERRED = "deferred"


class HiscoresError(Exception):
    """Base of every hiscores failure. `status` is the HTTP status, if one came back;
    `retry_at` (Unix seconds) is when asking again makes sense, if the error knows."""

    outcome: ClassVar[Outcome] = Outcome.UNAVAILABLE
    request_made: ClassVar[bool] = True
    transient: ClassVar[bool] = True
    proves_up: ClassVar[bool] = True
    retry_at: float | None = None

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.status = status


class PlayerNotFound(HiscoresError):
    """404: unknown name, renamed away, banned, or not on that table. Not transient."""

    outcome = Outcome.NOT_FOUND
    transient = False


class HiscoresUnavailable(HiscoresError):
    """Transient: 5xx, timeouts, connection errors, a body that is not the expected JSON."""

    outcome = Outcome.UNAVAILABLE


class ImplausibleResponse(HiscoresUnavailable):
    """A well-formed answer holding a value no player can have (`hiscores.bounds`).

    Logged as unavailable, never stored. Not transient: asked again at once, the
    hiscores would most likely say the same, so the player backs off instead. Not
    a proof either way for the breaker: one player's bad row is no outage, and a
    garbled answer is no sign of health.
    """

    transient = False
    proves_up = False


class DeadlineExceeded(HiscoresUnavailable):
    """The caller's deadline (`hiscores.deadline`) ran out before the hiscores answered.

    Not a verdict on the hiscores, which may have been about to answer: the breaker
    counts nothing. Not transient: the caller has no time left to retry.
    """

    transient = False
    proves_up = False


class HiscoresRateLimited(HiscoresUnavailable):
    """Jagex pushed back: 429, a 403 bot challenge, a redirect, an HTML block page."""

    outcome = Outcome.THROTTLED


class CircuitOpen(HiscoresUnavailable):
    """The breaker is open: no request was made. `retry_at` is the breaker's next trial."""

    outcome = Outcome.DEFERRED
    request_made = False

    def __init__(self, message: str, *, retry_at: float):
        super().__init__(message)
        self.retry_at = retry_at


class HiscoresBusy(HiscoresUnavailable):
    """Our own rate limit had no request slot free soon enough: no request was made."""

    outcome = Outcome.DEFERRED
    request_made = False
