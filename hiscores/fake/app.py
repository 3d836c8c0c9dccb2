"""The fake hiscores without the HTTP: who is there, what each table answers,
which faults are armed, how far growth has gone, and which requests came in.

`FakeHiscoresServer` (server.py) serves this over HTTP; tests may also use it
directly.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from hiscores.fake.faults import Fault, FaultBook, FaultKind
from hiscores.fake.generated import demo_players, generated_player
from hiscores.fake.players import PlayerBook, Profile, UnknownPlayer
from hiscores.fake.render import PAGES, render_csv, render_json
from hiscores.fake.samples import sample_players
from hiscores.modes import MODE_BY_TABLE, TABLES, GameMode
from hiscores.usernames import InvalidUsername, normalise

DEFAULT_GENERATED = 1_000
DEFAULT_STEP_SECONDS = 30.0
REQUEST_LOG_LIMIT = 100_000

HTML = "text/html; charset=utf-8"
JSON = "application/json"
TEXT = "text/plain; charset=utf-8"


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: bytes
    content_type: str = HTML
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0  # seconds to wait before answering
    hang: bool = False  # wait `delay` (or until the server stops), then drop the connection


_NOT_FOUND = Reply(404, PAGES["not_found"])
_STATUS_FAULTS: dict[FaultKind, Reply] = {
    FaultKind.NOT_FOUND: _NOT_FOUND,
    FaultKind.RATE_LIMITED: Reply(429, PAGES["rate_limited"]),
    FaultKind.BOT_CHALLENGE: Reply(403, PAGES["challenge"]),
    FaultKind.SERVER_ERROR: Reply(500, PAGES["server_error"]),
    FaultKind.BAD_GATEWAY: Reply(502, PAGES["bad_gateway"]),
    FaultKind.SERVICE_UNAVAILABLE: Reply(503, PAGES["service_unavailable"]),
    FaultKind.GATEWAY_TIMEOUT: Reply(504, PAGES["gateway_timeout"]),
    FaultKind.UNKNOWN_ERROR: Reply(520, PAGES["unknown_error"]),
    FaultKind.TIMEOUT_ERROR: Reply(524, PAGES["timeout_error"]),
    FaultKind.HTML: Reply(200, PAGES["maintenance"]),
    FaultKind.BLOCKED: Reply(200, PAGES["blocked"]),
    FaultKind.UNAVAILABLE: Reply(200, b"Unavailable", TEXT),
}


class GrowthClock:
    """Growth steps as a pure function of the wall clock: one step every
    `step_seconds` since `origin`, not counting time spent paused."""

    def __init__(self, *, enabled: bool, step_seconds: float, origin: float) -> None:
        if step_seconds <= 0:
            raise ValueError("step_seconds must be positive.")
        self.step_seconds = step_seconds
        self._enabled = enabled
        self._since = origin
        self._banked = 0

    @property
    def enabled(self) -> bool:
        return self._enabled

    def steps(self, now: float) -> int:
        if not self._enabled:
            return self._banked
        return self._banked + max(math.floor((now - self._since) / self.step_seconds), 0)

    def set_enabled(self, enabled: bool, now: float) -> None:
        if enabled == self._enabled:
            return
        if enabled:
            self._since = now
        else:
            self._banked = self.steps(now)
        self._enabled = enabled


class RequestLog:
    """When hiscores requests arrived (the last `limit` of them) and how many in all."""

    def __init__(self, limit: int = REQUEST_LOG_LIMIT) -> None:
        self._lock = threading.Lock()
        self._entries: deque[tuple[float, str, str | None]] = deque(maxlen=limit)
        self.count = 0

    def record(self, at: float, table: str, player: str | None) -> None:
        with self._lock:
            self._entries.append((at, table, player))
            self.count += 1

    def entries(self, since: float | None = None) -> list[tuple[float, str, str | None]]:
        with self._lock:
            entries = list(self._entries)
        return entries if since is None else [e for e in entries if e[0] >= since]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.count = 0


def _key(raw: str | None) -> str | None:
    if raw is None:
        return None
    try:
        return normalise(raw)
    except InvalidUsername:
        return None


class FakeHiscores:
    def __init__(
        self,
        *,
        grow: bool = False,
        generated: int = DEFAULT_GENERATED,
        step_seconds: float = DEFAULT_STEP_SECONDS,
        growth_origin: float | None = None,
    ) -> None:
        if generated < 0:
            raise ValueError("generated must be zero or more.")
        self._grow_initially = grow
        self._step_seconds = step_seconds
        self._growth_origin = growth_origin
        self.players = PlayerBook(
            (*sample_players(), *demo_players()), generated=generated, generator=generated_player
        )
        self.fault_book = FaultBook()
        self.log = RequestLog()
        self.clock = self._new_clock()

    def _new_clock(self) -> GrowthClock:
        origin = time.time() if self._growth_origin is None else self._growth_origin
        return GrowthClock(
            enabled=self._grow_initially, step_seconds=self._step_seconds, origin=origin
        )

    # --- what the hiscores endpoints answer ------------------------------------

    def answer(self, table: str, fmt: str, player: str | None) -> Reply:
        """The reply to `GET /m={table}/index_lite.{fmt}?player={player}`."""
        now = time.time()
        key = _key(player)
        self.log.record(now, table, key)
        fault = self.fault_book.take(key)
        if fault is not None and fault.kind in _STATUS_FAULTS:
            return _STATUS_FAULTS[fault.kind]
        if fault is not None and fault.kind is FaultKind.REDIRECT:
            return Reply(302, b"", headers=(("Location", f"/m={table}/overall"),))
        if fault is not None and fault.kind is FaultKind.HANG:
            return Reply(0, b"", hang=True, delay=fault.delay)
        reply = self._data(table, fmt, key, now, fault)
        if fault is not None and fault.kind is FaultKind.SLOW:
            return Reply(reply.status, reply.body, reply.content_type, delay=fault.delay)
        return reply

    def _data(
        self, table: str, fmt: str, key: str | None, now: float, fault: Fault | None
    ) -> Reply:
        if key is None or table not in MODE_BY_TABLE:
            return _NOT_FOUND
        profile = self.players.profile(key, table, self.clock.steps(now))
        if profile is None:
            return _NOT_FOUND
        kind = fault.kind if fault is not None else None
        if kind is FaultKind.ROLLBACK:
            profile = Profile(profile.name, profile.stats.lowered(fault.amount), profile.ranks)
        render = render_json if fmt == "json" else render_csv
        values = fault.values if kind is FaultKind.HOSTILE else None
        body = render(profile, table, extra_row=kind is FaultKind.EXTRA_ROW, values=values)
        if kind is FaultKind.TRUNCATED:
            body = body[: len(body) // 2]
        return Reply(200, body, JSON if fmt == "json" else TEXT)

    # --- the Python API (the control HTTP API calls these too) ------------------

    def set_fault(
        self,
        kind: str,
        *,
        times: int | None = 1,
        probability: float | None = None,
        player: str | None = None,
        delay: float | None = None,
        amount: int | None = None,
        seed: int = 0,
        values: dict[str, dict[str, int]] | None = None,
    ) -> Fault:
        """Arm a fault (a `FaultKind` value such as "503", "slow", "extra_row") for the
        next `times` requests (None: until cleared), or for each request with
        `probability`, optionally only for `player`. `hostile` serves the raw
        `values` given, e.g. `{"overall": {"rank": 2**31 + 5}, "zulrah": {"score": -7}}`."""
        return self.fault_book.add(
            kind,
            times=times,
            probability=probability,
            player=player,
            delay=delay,
            amount=amount,
            seed=seed,
            values=values,
        )

    def clear_faults(self, fault_id: int | None = None) -> int:
        return self.fault_book.clear(fault_id)

    def faults(self) -> list[Fault]:
        return self.fault_book.active()

    def add_player(
        self,
        name: str,
        *,
        mode: GameMode | str | None = None,
        skills: dict[str, int] | None = None,
        bosses: dict[str, int] | None = None,
        activities: dict[str, int] | None = None,
        grows: bool = False,
    ) -> str:
        """Add or update a player (XP by skill slug, kills/scores by slug); returns
        the display name. Unlisted values stay as they are (new players start
        untrained). Raises ValueError on a bad name, mode, slug or value."""
        game_mode = None if mode is None else GameMode(mode)
        spec = self.players.put(
            name,
            steps=self.clock.steps(time.time()),
            mode=game_mode,
            skills=skills,
            scores={**(bosses or {}), **(activities or {})},
            grows=grows,
        )
        return spec.name

    def gain(self, name: str, metric: str, amount: int) -> None:
        """Grant `amount` XP (skill) or kills/score; negative rolls back. Raises
        UnknownPlayer, or ValueError for an unknown metric."""
        self.players.gain(name, metric, amount)

    def roll_back(self, name: str, amount: int) -> None:
        """Lower the player's values for good (every trained skill by `amount` XP,
        scores by a share of it), as a Jagex rollback does. Raises UnknownPlayer."""
        self.players.roll_back(name, amount, steps=self.clock.steps(time.time()))

    def change_mode(self, name: str, mode: GameMode | str, *, keep_old: bool = True) -> None:
        """Move the player to `mode`'s tables (a de-iron, a hardcore death); the
        tables left keep their values frozen, or forget the player. Raises
        UnknownPlayer, or ValueError for an unknown mode."""
        self.players.change_mode(
            name, GameMode(mode), steps=self.clock.steps(time.time()), keep_old=keep_old
        )

    def rename_player(self, name: str, new_name: str) -> str:
        """The account behind `name` takes `new_name` (stats, growth and grants go
        with it; the old name answers 404). Returns the new display name. Raises
        UnknownPlayer, or ValueError for a bad or taken new name."""
        return self.players.rename(name, new_name).name

    def remove_player(self, name: str) -> None:
        """The name answers 404 on every table from now on. Raises UnknownPlayer."""
        self.players.remove(name)

    def set_growth(self, enabled: bool) -> None:
        self.clock.set_enabled(enabled, time.time())

    @property
    def growing(self) -> bool:
        return self.clock.enabled

    def reset(self) -> None:
        """Back to how the server started: players, grants, faults, growth, request log."""
        self.players.reset()
        self.fault_book.clear()
        self.log.clear()
        self.clock = self._new_clock()

    def request_times(self, since: float | None = None) -> list[float]:
        return [entry[0] for entry in self.log.entries(since)]

    @property
    def request_count(self) -> int:
        return self.log.count

    def document(self, name: str, mode: GameMode | str = GameMode.REGULAR) -> dict[str, Any]:
        """What the JSON endpoint would answer now for `name` on `mode`'s table, faults
        aside. Raises UnknownPlayer when that table does not list them."""
        table = TABLES[GameMode(mode)]
        key = _key(name)
        steps = self.clock.steps(time.time())
        profile = None if key is None else self.players.profile(key, table, steps)
        if profile is None:
            raise UnknownPlayer(name)
        return json.loads(render_json(profile, table))

    def player_names(self) -> list[str]:
        """The named players (samples, demo ones, added ones); `gen N` come on top."""
        return self.players.names()
