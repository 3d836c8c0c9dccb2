"""What can go wrong when asking the hiscores. Callers catch these and nothing else."""

from __future__ import annotations


class HiscoresError(Exception):
    """Base of every hiscores failure. `status` is the HTTP status, if one came back."""

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.status = status


class PlayerNotFound(HiscoresError):
    """404: unknown name, renamed away, banned, or not on that table. Not transient."""


class HiscoresUnavailable(HiscoresError):
    """Transient: 5xx, timeouts, connection errors, a body that is not the expected JSON."""


class HiscoresRateLimited(HiscoresUnavailable):
    """Jagex pushed back: 429, a 403 bot challenge, a redirect, an HTML block page."""


class CircuitOpen(HiscoresUnavailable):
    """The breaker is open: no request was made."""


class HiscoresBusy(HiscoresUnavailable):
    """Our own rate limit had no request slot free soon enough: no request was made."""
