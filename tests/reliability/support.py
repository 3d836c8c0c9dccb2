"""What the reliability tests share: tracking players, making them due, and the
ledger of what the fake hiscores served each player."""

from __future__ import annotations

import json
import socket
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import redis
from django.utils import timezone

from hiscores.fake import FakeHiscores
from hiscores.parser import parse_json
from hiscores.usernames import normalise
from players.models import Player
from players.recording import fetch_record_success
from players.records import HiscoreRecord, record_fields
from tests.integration.stack import free_port, wait_for

RECORD_FIELDS = (
    "overall_rank",
    "overall_level",
    "overall_experience",
    "skills_data",
    "bosses_data",
    "activities_data",
    "values_digest",
)


def track(names: list[str], *, interval_minutes: int = 1) -> list[Player]:
    """Players tracked straight in the database (no hiscores request from this
    process, so that every request the fake sees comes from the workers)."""
    now = timezone.now()
    Player.objects.bulk_create(
        Player(
            username=name,
            username_key=normalise(name),
            fetch_interval_minutes=interval_minutes,
            next_fetch_at=now,
        )
        for name in names
    )
    return list(Player.objects.filter(username__in=names).order_by("pk"))


def record_first_states(fake: FakeHiscores, players: list[Player]) -> None:
    """Each player's first record, stored in-process from what the fake serves now
    (no request: the workers' requests are the only ones the fake sees), and every
    player due at once."""
    for player in players:
        snapshot = parse_json(json.dumps(fake.document(player.username)).encode())
        fetch_record_success(player_id=player.pk, snapshot=snapshot, started_at=timezone.now())
    make_due(players)


def make_due(players: list[Player] | None = None) -> None:
    queryset = Player.objects.all()
    if players is not None:
        queryset = queryset.filter(pk__in=[p.pk for p in players])
    queryset.update(next_fetch_at=timezone.now())


def all_fresh_since(moment: datetime) -> bool:
    """Every player has been fetched successfully since `moment`."""
    return not Player.objects.exclude(last_fetched__gte=moment).exists()


def stale_players(moment: datetime) -> list[str]:
    return list(Player.objects.exclude(last_fetched__gte=moment).values_list("username", flat=True))


def densest_window(times: list[float], width: float = 1.0) -> list[float]:
    """The most requests that fell in any `width`-second sliding window (their times)."""
    times = sorted(times)
    best: tuple[int, int] = (0, 0)
    first = 0
    for last, moment in enumerate(times):
        while moment - times[first] >= width:
            first += 1
        if last + 1 - first > best[1] - best[0]:
            best = (first, last + 1)
    return times[best[0] : best[1]]


def served(fake: FakeHiscores, name: str) -> dict[str, Any]:
    """What a record of `name` must hold if it was made from the fake's answer now."""
    return record_fields(parse_json(json.dumps(fake.document(name)).encode()))


class Ledger:
    """Every state each watched player has been in on the fake, in order. The
    fake's growth is off, so a player changes only when the ledger grants a gain."""

    def __init__(self, fake: FakeHiscores, names: list[str]):
        self.fake = fake
        self.states: dict[str, list[dict[str, Any]]] = {
            name: [served(fake, name)] for name in names
        }

    def gain(self, name: str, metric: str, amount: int) -> None:
        self.fake.gain(name, metric, amount)
        self.states[name].append(served(self.fake, name))

    def problems(self, player: Player) -> list[str]:
        """What is wrong with the player's stored history: a record that matches no
        state the fake served (wrong), one state stored twice (duplicated), states
        stored out of order, or the latest state missing (lost)."""
        states = self.states[player.username]
        found: list[int] = []
        problems = []
        records = HiscoreRecord.objects.filter(player=player).order_by("fetched_at")
        for record in records:
            values = {field: getattr(record, field) for field in RECORD_FIELDS}
            index = next((i for i, state in enumerate(states) if state == values), None)
            if index is None:
                problems.append(f"{player}: record {record.pk} is nothing the fake served")
            else:
                found.append(index)
        if len(set(found)) != len(found):
            problems.append(f"{player}: a state is stored twice ({found})")
        if found != sorted(found):
            problems.append(f"{player}: states are stored out of order ({found})")
        if not found or found[-1] != len(states) - 1:
            problems.append(f"{player}: the latest state is not stored ({found} of {len(states)})")
        return problems


class PrivateRedis:
    """A redis-server of this test's own on a spare port, to restart at will
    without disturbing the shared one. Nothing is persisted: a restart loses
    every key and queued message, as a crashed Redis without AOF would."""

    def __init__(self, directory: Path, *, port: int = 6391):
        self.directory = directory
        self.port = port if port_is_free(port) else free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        log = open(self.directory / "redis.log", "ab")  # noqa: SIM115 - owned by the process
        self.process = subprocess.Popen(
            [
                "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", str(self.directory),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)
        wait_for(lambda: _pings(client), timeout=10, what="the private Redis to start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
