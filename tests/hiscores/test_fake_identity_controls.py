"""The fake hiscores' rollback and game-mode controls (hiscores/fake/control.py)."""

from __future__ import annotations

import httpx
import pytest

from hiscores.client import HiscoresClient
from hiscores.detection import detect_mode
from hiscores.fake import FakeHiscoresServer
from hiscores.modes import TABLES, GameMode


@pytest.fixture
def fake():
    with FakeHiscoresServer(port=0, grow=False) as server:
        yield server


@pytest.fixture
def http(fake):
    with httpx.Client(base_url=fake.base_url) as client:
        yield client


def xp(http, name: str, mode: GameMode = GameMode.REGULAR) -> dict[str, int] | None:
    response = http.get(f"/m={TABLES[mode]}/index_lite.json", params={"player": name})
    if response.status_code == 404:
        return None
    return {row["name"]: row["xp"] for row in response.json()["skills"]}


def add(http, name: str, mode: str, **skills: int) -> None:
    response = http.post("/_control/players", json={"name": name, "mode": mode, "skills": skills})
    assert response.status_code == 200


def test_a_rollback_lowers_every_trained_skill_for_good(http):
    add(http, "Rolled", "regular", attack=2_000_000, cooking=500_000)
    before = xp(http, "Rolled")

    response = http.post("/_control/players/Rolled/rollback", json={"amount": 100_000})
    after = xp(http, "Rolled")

    assert response.status_code == 200
    assert after["Attack"] == before["Attack"] - 100_000
    assert after["Cooking"] == before["Cooking"] - 100_000
    assert after["Defence"] == before["Defence"] == 0  # untrained stays untrained
    # Lasting: a later gain builds on the lowered values.
    http.post("/_control/players/Rolled/gain", json={"metric": "attack", "amount": 5})
    assert xp(http, "Rolled")["Attack"] == after["Attack"] + 5


@pytest.mark.parametrize(
    ("body", "status"),
    [({}, 400), ({"amount": "1"}, 400), ({"amount": 0}, 400), ({"amount": 5, "x": 1}, 400)],
)
def test_a_bad_rollback_is_refused(http, body, status):
    add(http, "Rolled", "regular", attack=2_000_000)
    assert http.post("/_control/players/Rolled/rollback", json=body).status_code == status
    assert http.post("/_control/players/Nobody/rollback", json={"amount": 5}).status_code == 404


def test_deironing_freezes_the_ironman_table_while_the_regular_one_moves(http, fake):
    add(http, "Iron Now", "ironman", attack=1_000_000)

    response = http.post("/_control/players/Iron Now/mode", json={"mode": "regular"})
    http.post("/_control/players/Iron Now/gain", json={"metric": "attack", "amount": 50_000})

    assert response.status_code == 200
    assert xp(http, "Iron Now", GameMode.IRONMAN)["Attack"] == 1_000_000
    assert xp(http, "Iron Now")["Attack"] == 1_050_000
    client = HiscoresClient(base_url=fake.base_url)
    assert detect_mode("Iron Now", client.fetch).mode == GameMode.REGULAR


def test_a_hardcore_death_leaves_a_frozen_hardcore_entry_and_detects_as_ironman(http, fake):
    add(http, "Brave One", "hardcore_ironman", attack=1_000_000)

    http.post("/_control/players/Brave One/mode", json={"mode": "ironman"})
    http.post("/_control/players/Brave One/gain", json={"metric": "attack", "amount": 10})

    assert xp(http, "Brave One", GameMode.HARDCORE)["Attack"] == 1_000_000
    assert xp(http, "Brave One", GameMode.IRONMAN)["Attack"] == 1_000_010
    client = HiscoresClient(base_url=fake.base_url)
    assert detect_mode("Brave One", client.fetch).mode == GameMode.IRONMAN


def test_a_table_left_can_forget_the_player_instead(http):
    add(http, "Gone Iron", "ironman", attack=1_000_000)

    http.post("/_control/players/Gone Iron/mode", json={"mode": "regular", "old_tables": "removed"})

    assert xp(http, "Gone Iron", GameMode.IRONMAN) is None
    assert xp(http, "Gone Iron")["Attack"] == 1_000_000


@pytest.mark.parametrize(
    "body", [{}, {"mode": "nonsense"}, {"mode": "regular", "old_tables": "kept"}, {"mode": 3}]
)
def test_a_bad_mode_change_is_refused(http, body):
    add(http, "Iron Now", "ironman", attack=1_000_000)
    assert http.post("/_control/players/Iron Now/mode", json=body).status_code == 400
