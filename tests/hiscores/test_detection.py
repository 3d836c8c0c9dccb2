"""Game-mode detection from which tables know the account, with a fake fetch."""

from __future__ import annotations

import pytest

from hiscores.client import HiscoresClient
from hiscores.detection import detect_mode
from hiscores.errors import HiscoresUnavailable, PlayerNotFound
from hiscores.modes import GameMode
from hiscores.snapshot import SkillValue, Snapshot

R, IM, HC, UIM = GameMode.REGULAR, GameMode.IRONMAN, GameMode.HARDCORE, GameMode.ULTIMATE


class Tables:
    """A fake `fetch`: overall XP per table (absent table -> 404), and a call log."""

    def __init__(self, **experience_by_mode: int | Exception | None):
        self.experience = {GameMode(mode): xp for mode, xp in experience_by_mode.items()}
        self.asked: list[GameMode] = []
        self.answered: dict[GameMode, Snapshot] = {}

    def __call__(self, username: str, mode: GameMode) -> Snapshot:
        self.asked.append(mode)
        if mode not in self.experience:
            raise PlayerNotFound(f"{username} not on {mode}", status=404)
        xp = self.experience[mode]
        if isinstance(xp, Exception):
            raise xp
        self.answered[mode] = Snapshot(overall=None if xp is None else SkillValue(1, 1000, xp))
        return self.answered[mode]


def test_unknown_player_is_not_found_after_one_request():
    tables = Tables()
    with pytest.raises(PlayerNotFound):
        detect_mode("Nobody", tables)
    assert tables.asked == [R]


def test_regular_account_needs_two_requests():
    tables = Tables(regular=5_000_000)
    assert detect_mode("Zezima", tables).mode is R
    assert tables.asked == [R, IM]


def test_ironman_is_on_the_ironman_table_only():
    tables = Tables(regular=9_000, ironman=9_000)
    assert detect_mode("Iron Man", tables).mode is IM
    assert tables.asked == [R, IM, HC, UIM]


def test_living_hardcore_stops_at_the_hardcore_table():
    tables = Tables(regular=9_000, ironman=9_000, hardcore_ironman=9_000)
    assert detect_mode("Hc Alive", tables).mode is HC
    assert tables.asked == [R, IM, HC]


def test_dead_hardcore_is_an_ironman():
    tables = Tables(regular=20_000, ironman=20_000, hardcore_ironman=9_000)
    assert detect_mode("Hc Dead", tables).mode is IM
    assert tables.asked == [R, IM, HC]


def test_ultimate_is_on_the_ultimate_table():
    tables = Tables(regular=9_000, ironman=9_000, ultimate_ironman=9_000)
    assert detect_mode("Uim", tables).mode is UIM
    assert tables.asked == [R, IM, HC, UIM]


def test_downgraded_ultimate_is_an_ironman():
    tables = Tables(regular=30_000, ironman=30_000, ultimate_ironman=12_000)
    assert detect_mode("Uim Down", tables).mode is IM


def test_de_ironed_account_is_regular_without_asking_further():
    tables = Tables(regular=50_000, ironman=20_000, hardcore_ironman=20_000)
    assert detect_mode("De Ironed", tables).mode is R
    assert tables.asked == [R, IM]


def test_unknown_experience_never_demotes():
    tables = Tables(regular=None, ironman=20_000, hardcore_ironman=None)
    assert detect_mode("Odd Data", tables).mode is HC


@pytest.mark.parametrize(
    ("tables", "mode"),
    [
        (Tables(regular=5_000_000), R),
        (Tables(regular=50_000, ironman=20_000), R),
        (Tables(regular=9_000, ironman=9_000), IM),
        (Tables(regular=9_000, ironman=9_000, hardcore_ironman=9_000), HC),
        (Tables(regular=20_000, ironman=20_000, hardcore_ironman=9_000), IM),
        (Tables(regular=9_000, ironman=9_000, ultimate_ironman=9_000), UIM),
    ],
)
def test_the_settled_tables_answer_comes_back_and_no_table_is_asked_twice(tables, mode):
    detection = detect_mode("Anyone", tables)
    assert detection.mode is mode
    assert detection.snapshot is tables.answered[mode]
    assert len(tables.asked) == len(set(tables.asked))


def test_other_hiscores_errors_are_not_guessed_around():
    tables = Tables(regular=9_000, ironman=HiscoresUnavailable("503", status=503))
    with pytest.raises(HiscoresUnavailable):
        detect_mode("Zezima", tables)


@pytest.mark.parametrize(
    ("name", "mode"),
    [
        ("Zezima", GameMode.REGULAR),
        ("Iron Demo", GameMode.IRONMAN),
        ("HC Demo", GameMode.HARDCORE),
        ("HC Fallen", GameMode.IRONMAN),
        ("Deironed", GameMode.REGULAR),
    ],
)
def test_detects_the_fake_servers_players(fake_hiscores, name, mode):
    with HiscoresClient() as client:
        assert detect_mode(name, client.fetch).mode is mode
