"""The HTTP client for the OSRS hiscores: one request in, a `Snapshot` or a domain error out.

Pure on purpose (no ORM, no rate limiting, no breaker): the gateway wraps it with
those, and tests swap the transport for an `httpx.MockTransport`.
"""

from __future__ import annotations

import os
import re
import threading
from urllib.parse import quote

import httpx
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from .deadline import Deadline
from .errors import DeadlineExceeded, HiscoresRateLimited, HiscoresUnavailable, PlayerNotFound
from .modes import GameMode
from .parser import MAX_BODY_BYTES, parse_csv, parse_json
from .snapshot import Snapshot
from .usernames import InvalidUsername, clean

# What Jagex's throttling page says when it answers 200 instead of 429.
_BLOCKED = re.compile(rb"\b(?:temporarily\s+)?blocked\b|too many requests", re.IGNORECASE)


class HiscoresClient:
    """One keep-alive connection pool to the hiscores, reused for every request."""

    def __init__(
        self,
        *,
        base_url: str | None = None,
        connect_timeout: float | None = None,
        read_timeout: float | None = None,
        user_agent: str | None = None,
        transport: httpx.BaseTransport | None = None,
    ):
        self.base_url = (base_url or settings.OSRS_HISCORES_BASE_URL).rstrip("/")
        connect = settings.OSRS_CONNECT_TIMEOUT if connect_timeout is None else connect_timeout
        read = settings.OSRS_READ_TIMEOUT if read_timeout is None else read_timeout
        self._http = httpx.Client(
            timeout=httpx.Timeout(connect=connect, read=read, write=read, pool=connect),
            # The site sits behind bot protection that rejects clients without one.
            headers={"User-Agent": user_agent or settings.OSRS_USER_AGENT},
            # A redirect is how Jagex throttles sometimes; following it would
            # parse a block page as if it were the answer.
            follow_redirects=False,
            transport=transport,
        )

    def fetch(
        self, username: str, mode: GameMode = GameMode.REGULAR, *, deadline: Deadline | None = None
    ) -> Snapshot:
        """The player's hiscores on `mode`'s table, from the JSON endpoint; within
        `deadline`, if given, or `DeadlineExceeded`."""
        body = self._get(username, mode, "index_lite.json", "application/json", deadline)
        try:
            return parse_json(body)
        except HiscoresUnavailable as exc:
            exc.status = 200  # the parser knows no HTTP; its class says what went wrong
            raise

    def fetch_csv(self, username: str, mode: GameMode = GameMode.REGULAR) -> Snapshot:
        """The same from the CSV endpoint; only known row layouts are read."""
        body = self._get(username, mode, "index_lite.ws", "text/plain")
        try:
            return parse_csv(body)
        except HiscoresUnavailable as exc:
            exc.status = 200
            raise

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> HiscoresClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def url(self, username: str, mode: GameMode, endpoint: str) -> str:
        # quote(), not httpx params: the hiscores expect %20 for a space, not "+".
        table = GameMode(mode).table
        return f"{self.base_url}/m={table}/{endpoint}?player={quote(username, safe='')}"

    def _get(
        self,
        username: str,
        mode: GameMode,
        endpoint: str,
        accept: str,
        deadline: Deadline | None = None,
    ) -> bytes:
        try:
            name = clean(username)
        except InvalidUsername as exc:
            # No such name can be on the hiscores; asking would only spend the rate limit.
            raise PlayerNotFound(f"{username!r} cannot be an OSRS name: {exc}") from exc
        url = self.url(name, mode, endpoint)
        timeout = self._http.timeout
        if deadline is not None:
            _check(deadline)
            timeout = deadline.cap(timeout)
        try:
            with self._http.stream(
                "GET", url, headers={"Accept": accept}, timeout=timeout
            ) as response:
                status = response.status_code
                # Error bodies are never read: they are HTML, and could be any size.
                body = _read_capped(response, deadline) if status == 200 else b""
                location = response.headers.get("Location", "")
        except httpx.TimeoutException as exc:
            if deadline is not None:
                _check(deadline)
            raise HiscoresUnavailable(f"The hiscores timed out ({type(exc).__name__}).") from exc
        except httpx.HTTPError as exc:
            raise HiscoresUnavailable(f"The hiscores could not be reached: {exc!r}") from exc
        _raise_for_status(status, name, location)
        _raise_for_page(body)
        return body


def _check(deadline: Deadline) -> None:
    if deadline.expired:
        raise DeadlineExceeded(f"The hiscores did not answer within {deadline.seconds:g} s.")


def _read_capped(response: httpx.Response, deadline: Deadline | None) -> bytes:
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        # Each read has its own timeout: a body trickling in must still end in time.
        if deadline is not None:
            _check(deadline)
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise HiscoresUnavailable(
                f"The hiscores sent more than {MAX_BODY_BYTES} bytes.", status=response.status_code
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _raise_for_status(status: int, name: str, location: str) -> None:
    if status == 200:
        return
    if status == 404:
        raise PlayerNotFound(f"{name!r} is not on this hiscores table.", status=status)
    if status == 429:
        raise HiscoresRateLimited("The hiscores are throttling us (429).", status=status)
    if status == 403:
        raise HiscoresRateLimited("The hiscores refused us (403, bot protection).", status=status)
    if 300 <= status < 400:
        raise HiscoresRateLimited(
            f"The hiscores redirected us ({status} to {location[:100]!r}), a sign of throttling.",
            status=status,
        )
    if status >= 500:
        raise HiscoresUnavailable(f"The hiscores failed ({status}).", status=status)
    raise HiscoresUnavailable(f"The hiscores answered an unexpected {status}.", status=status)


def _raise_for_page(body: bytes) -> None:
    """A 200 that is a page, not data: maintenance, overload, or a block notice."""
    start = body.lstrip()[:1]
    if start in (b"{", b"-") or start.isdigit():
        return  # JSON or CSV: the parser decides whether it is the expected one
    if _BLOCKED.search(body):
        raise HiscoresRateLimited("The hiscores answered a page saying we are blocked.", status=200)
    kind = "an HTML page" if start == b"<" else f"{body[:40]!r}"
    raise HiscoresUnavailable(f"The hiscores answered {kind} instead of data.", status=200)


_default: HiscoresClient | None = None
_default_pid: int | None = None
_default_lock = threading.Lock()


def default_client() -> HiscoresClient:
    """The process's client, built from settings on first use.

    Rebuilt after a fork (Celery prefork workers): sockets of a pool opened in the
    parent must not be shared by its children.
    """
    global _default, _default_pid
    with _default_lock:
        if _default is None or _default_pid != os.getpid():
            _default, _default_pid = HiscoresClient(), os.getpid()
        return _default


@receiver(setting_changed)
def _forget_default_client(*, setting: str, **kwargs: object) -> None:
    # Tests point the service at a fake server by changing settings.
    global _default
    if setting.startswith("OSRS_") and setting != "OSRS_MAX_REQUESTS_PER_SECOND":
        with _default_lock:
            _default = None
