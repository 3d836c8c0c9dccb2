"""Failures the fake injects on demand, the ones the real hiscores are known for.

A fault applies to the next `times` matching requests, or to each with a
`probability` drawn from its own seeded generator (so a sequence of requests
meets the same failures on every run), optionally only for one player.

`hostile` answers well-formed data holding the raw `values` given (a level of
5,000, XP of 2^40, a rank past 32 bits, negative XP): what a broken proxy or a
bug at Jagex could send, for the bounds (`hiscores.bounds`) and the columns.
"""

from __future__ import annotations

import enum
import itertools
import random
import threading
from dataclasses import dataclass, field
from typing import Any

from hiscores import catalogue
from hiscores.catalogue import Kind
from hiscores.usernames import normalise


class FaultKind(enum.StrEnum):
    NOT_FOUND = "404"
    RATE_LIMITED = "429"
    BOT_CHALLENGE = "403"
    SERVER_ERROR = "500"
    BAD_GATEWAY = "502"
    SERVICE_UNAVAILABLE = "503"
    GATEWAY_TIMEOUT = "504"
    UNKNOWN_ERROR = "520"
    TIMEOUT_ERROR = "524"
    HTML = "html"  # 200 with a maintenance page
    BLOCKED = "blocked"  # 200 with "your IP has been temporarily blocked"
    UNAVAILABLE = "unavailable"  # 200 with the body `Unavailable`
    REDIRECT = "redirect"  # 302 to the hiscores front page
    SLOW = "slow"  # answer normally after `delay` seconds
    HANG = "hang"  # never answer (until the server stops, or `delay`, at most 120 s)
    TRUNCATED = "truncated"  # 200 with the body cut in half
    EXTRA_ROW = "extra_row"  # a new boss row the catalogue does not know, mid-list
    ROLLBACK = "rollback"  # every value lower by `amount` XP (and a share of kills)
    HOSTILE = "hostile"  # 200 with the raw `values` given (default: Attack at level 5000)


DEFAULT_DELAY = {FaultKind.SLOW: 3.0, FaultKind.HANG: 120.0}
MAX_HANG_SECONDS = 120.0
DEFAULT_ROLLBACK_XP = 100_000

# Raw values by row slug ("overall" too), then by field as the JSON body names it.
Values = dict[str, dict[str, int]]
DEFAULT_HOSTILE_VALUES: Values = {"attack": {"level": 5000}}
_SKILL_FIELDS = frozenset({"rank", "level", "xp"})
_SCORE_FIELDS = frozenset({"rank", "score"})


@dataclass(slots=True)
class Fault:
    id: int
    kind: FaultKind
    times: int | None  # remaining; None: until cleared
    probability: float | None
    player: str | None  # normalised key
    delay: float
    amount: int
    seed: int
    values: Values | None  # for `hostile` only
    _rng: random.Random = field(repr=False)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": str(self.kind),
            "times": self.times,
            "probability": self.probability,
            "player": self.player,
            "delay": self.delay,
            "amount": self.amount,
            "seed": self.seed,
            "values": self.values,
        }


def make_fault(
    fault_id: int,
    kind: str,
    *,
    times: int | None = 1,
    probability: float | None = None,
    player: str | None = None,
    delay: float | None = None,
    amount: int | None = None,
    seed: int = 0,
    values: Values | None = None,
) -> Fault:
    """A validated fault; ValueError says what is wrong with the arguments."""
    try:
        fault_kind = FaultKind(str(kind))
    except ValueError:
        choices = ", ".join(k.value for k in FaultKind)
        raise ValueError(f"Unknown fault {kind!r}: use one of {choices}.") from None
    if times is not None and (not _is_int(times) or times < 1):
        raise ValueError("times must be a positive integer, or null for until cleared.")
    if probability is not None and (
        isinstance(probability, bool)
        or not isinstance(probability, int | float)
        or not 0 < probability <= 1
    ):
        raise ValueError("probability must be a number above 0 and at most 1.")
    if delay is not None and (
        isinstance(delay, bool) or not isinstance(delay, int | float) or not 0 <= delay <= 600
    ):
        raise ValueError("delay must be a number of seconds from 0 to 600.")
    if amount is not None and (not _is_int(amount) or amount < 0):
        raise ValueError("amount must be a non-negative integer.")
    if not _is_int(seed):
        raise ValueError("seed must be an integer.")
    if values is not None and fault_kind is not FaultKind.HOSTILE:
        raise ValueError("values are for the hostile fault only.")
    if fault_kind is FaultKind.HOSTILE:
        values = _checked_values(DEFAULT_HOSTILE_VALUES if values is None else values)
    wait = float(delay if delay is not None else DEFAULT_DELAY.get(fault_kind, 0.0))
    if fault_kind is FaultKind.HANG:
        wait = min(wait, MAX_HANG_SECONDS)
    return Fault(
        id=fault_id,
        kind=fault_kind,
        times=times,
        probability=None if probability is None else float(probability),
        player=None if player is None else normalise(player),
        delay=wait,
        amount=DEFAULT_ROLLBACK_XP if amount is None else amount,
        seed=seed,
        values=values,
        _rng=random.Random(seed),
    )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _checked_values(values: object) -> Values:
    """`values` copied, once every slug is a row and every field one its row has.
    The numbers themselves may be anything: serving them is the point."""
    if not isinstance(values, dict) or not values:
        raise ValueError("values must be an object of slug: {field: integer}.")
    checked: Values = {}
    for slug, fields in values.items():
        metric = catalogue.BY_SLUG.get(slug)
        if metric is None:
            raise ValueError(f"values: no row has the slug {slug!r}.")
        allowed = _SKILL_FIELDS if metric.kind is Kind.SKILL else _SCORE_FIELDS
        if not isinstance(fields, dict) or not fields or not set(fields) <= allowed:
            raise ValueError(f"values[{slug!r}] must set some of {', '.join(sorted(allowed))}.")
        if not all(_is_int(value) for value in fields.values()):
            raise ValueError(f"values[{slug!r}] must hold integers.")
        checked[slug] = dict(fields)
    return checked


class FaultBook:
    """The faults waiting to happen, in the order they were set; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)

    def add(self, kind: str, **options: Any) -> Fault:
        with self._lock:
            fault = make_fault(next(self._ids), kind, **options)
            self._faults.append(fault)
        return fault

    def clear(self, fault_id: int | None = None) -> int:
        """Removes one fault, or all; returns how many went."""
        with self._lock:
            before = len(self._faults)
            self._faults = [f for f in self._faults if fault_id is not None and f.id != fault_id]
            return before - len(self._faults)

    def active(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, player: str | None) -> Fault | None:
        """The fault this request meets, if any; counts it against `times`."""
        if not self._faults:  # the common case, without the lock
            return None
        with self._lock:
            for fault in self._faults:
                if fault.player is not None and fault.player != player:
                    continue
                if fault.probability is not None and fault._rng.random() >= fault.probability:
                    continue
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times == 0:
                        self._faults.remove(fault)
                return fault
        return None
