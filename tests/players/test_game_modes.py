"""Game-mode changes: found by the collector against the fake hiscores, recorded
with their date window, and never compared across tables as gains."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from hiscores.modes import GameMode
from players.game_modes import IDLE_BEFORE_RECHECK, RECHECK_EVERY, kind_of, recheck_due
from players.models import GameModeChange, GameModeKind, Player
from players.records import HiscoreRecord
from players.signals import game_mode_changed
from players.tasks import fetch_player
from tests.factories import PlayerFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("old", "new", "kind"),
    [
        (GameMode.IRONMAN, GameMode.REGULAR, GameModeKind.DEIRONED),
        (GameMode.HARDCORE, GameMode.REGULAR, GameModeKind.DEIRONED),
        (GameMode.ULTIMATE, GameMode.REGULAR, GameModeKind.DEIRONED),
        (GameMode.HARDCORE, GameMode.IRONMAN, GameModeKind.HARDCORE_DEATH),
        (GameMode.ULTIMATE, GameMode.IRONMAN, GameModeKind.ULTIMATE_LOST),
        (GameMode.REGULAR, GameMode.IRONMAN, GameModeKind.OTHER),
    ],
)
def test_each_change_has_its_kind(old, new, kind):
    assert kind_of(old, new) == kind


def test_an_ironman_is_rechecked_when_idle_or_missing_and_at_most_weekly():
    idle = NOW - IDLE_BEFORE_RECHECK
    iron = Player(game_mode=GameMode.IRONMAN, last_changed_at=idle)
    assert recheck_due(iron, now=NOW)
    assert not recheck_due(Player(game_mode=GameMode.IRONMAN, last_changed_at=NOW), now=NOW)
    assert recheck_due(
        Player(game_mode=GameMode.IRONMAN, last_changed_at=NOW), now=NOW, not_found=True
    )
    assert not recheck_due(Player(game_mode=GameMode.REGULAR, last_changed_at=idle), now=NOW)
    checked = Player(
        game_mode=GameMode.HARDCORE, last_changed_at=idle, modes_checked_at=NOW - timedelta(days=6)
    )
    assert not recheck_due(checked, now=NOW, not_found=True)
    assert recheck_due(checked, now=NOW - timedelta(days=6) + RECHECK_EVERY)


def fetch_at(player: Player, moment: datetime) -> str:
    with time_machine.travel(moment, tick=False):
        return fetch_player.apply(args=(player.pk,)).get()


def test_a_hardcore_death_is_found_and_recorded_with_its_window(
    fake_hiscores, django_capture_on_commit_callbacks
):
    fake_hiscores.add_player("Brave One", mode="hardcore_ironman", skills={"attack": 1_000_000})
    player = PlayerFactory(username="Brave One", game_mode=GameMode.HARDCORE)
    assert fetch_at(player, NOW) == "stored"
    fake_hiscores.gain("Brave One", "attack", 5_000)
    assert fetch_at(player, NOW + timedelta(hours=1)) == "stored"
    assert fetch_at(player, NOW + timedelta(hours=2)) == "unchanged"

    # Dies; plays on as an ironman. The hardcore table freezes.
    fake_hiscores.change_mode("Brave One", "ironman")
    fake_hiscores.gain("Brave One", "attack", 20_000)
    assert fetch_at(player, NOW + timedelta(days=1)) == "unchanged"  # not idle long enough
    changes = []

    def receiver(sender, player, change, **kwargs):
        changes.append((player.pk, change.kind))

    game_mode_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert fetch_at(player, NOW + timedelta(days=4)) == "stored"
    finally:
        game_mode_changed.disconnect(receiver)

    change = GameModeChange.objects.get()
    player.refresh_from_db()
    first, second, third = HiscoreRecord.objects.order_by("fetched_at")
    assert (change.from_mode, change.to_mode) == (GameMode.HARDCORE, GameMode.IRONMAN)
    assert change.kind == GameModeKind.HARDCORE_DEATH
    # The frozen values were first seen at `second`: reached after `first` was last confirmed.
    assert change.changed_after == first.last_checked_at
    assert change.changed_before == NOW + timedelta(days=4)
    assert changes == [(player.pk, "hardcore_death")]
    assert player.game_mode == GameMode.IRONMAN
    assert player.modes_checked_at == NOW + timedelta(days=4)
    assert [r.game_mode for r in (first, second, third)] == ["hardcore_ironman"] * 2 + ["ironman"]
    assert third.skills_data["attack"]["experience"] == 1_025_000

    # From now on the ironman table is read; no second re-check within the week.
    fake_hiscores.gain("Brave One", "attack", 1)
    assert fetch_at(player, NOW + timedelta(days=5)) == "stored"
    assert GameModeChange.objects.count() == 1


def test_a_deironed_account_missing_from_its_table_is_found_on_the_regular_one(fake_hiscores):
    fake_hiscores.add_player("Iron Now", mode="ironman", skills={"attack": 1_000_000})
    player = PlayerFactory(username="Iron Now", game_mode=GameMode.IRONMAN)
    assert fetch_at(player, NOW) == "stored"
    fake_hiscores.change_mode("Iron Now", "regular", keep_old=False)

    assert fetch_at(player, NOW + timedelta(hours=1)) == "unchanged"

    change = GameModeChange.objects.get()
    player.refresh_from_db()
    assert change.kind == GameModeKind.DEIRONED
    assert change.changed_after is None  # one record from the old table: no lower bound
    assert player.game_mode == GameMode.REGULAR
    assert player.status == "ok"


def test_an_account_gone_from_every_table_is_still_a_404(fake_hiscores):
    player = PlayerFactory(username="Nobody Here", game_mode=GameMode.IRONMAN)
    assert fetch_at(player, NOW) == "not_found"
    assert not GameModeChange.objects.exists()


def test_history_across_a_mode_change_compares_one_table_and_says_so(api, fake_hiscores):
    fake_hiscores.add_player("Iron Now", mode="ironman", skills={"attack": 1_000_000})
    player = PlayerFactory(username="Iron Now", game_mode=GameMode.IRONMAN)
    now = timezone.now()
    fetch_at(player, now - timedelta(days=6))
    fake_hiscores.change_mode("Iron Now", "regular")
    fake_hiscores.gain("Iron Now", "attack", 100_000)
    fetch_at(player, now - timedelta(days=2))  # idle 4 days: re-checked, de-ironed
    fake_hiscores.gain("Iron Now", "attack", 50_000)
    fetch_at(player, now - timedelta(days=1))

    week = api.get("/api/players/iron now/history", {"period": "week"}).json()
    skill = api.get("/api/players/iron now/history/skills/attack", {"days": 7}).json()

    regular = HiscoreRecord.objects.filter(game_mode=GameMode.REGULAR).order_by("fetched_at")
    assert week["baseline"] == "mode_changed"
    assert week["start_record_at"] == regular[0].fetched_at.isoformat().replace("+00:00", "Z")
    assert week["experience_gained"]["attack"] == 50_000  # not the 150,000 across tables
    assert skill["baseline"] == "mode_changed"
    assert skill["experience_gained"] == 50_000


def week_gains(player: Player, now: datetime) -> dict[str, int]:
    from progress.deltas import expire, refresh
    from progress.models import Delta

    expire([player.pk])  # what the record_written receiver does on commit
    refresh([player.pk], now=now, expired_only=False)
    rows = Delta.objects.filter(window__player=player, period="week")
    return dict(rows.values_list("metric", "gained"))


def test_the_gains_tables_never_compare_two_tables(fake_hiscores):
    fake_hiscores.add_player("Iron Now", mode="ironman", skills={"attack": 1_000_000})
    player = PlayerFactory(username="Iron Now", game_mode=GameMode.IRONMAN)
    fetch_at(player, NOW - timedelta(days=10))
    fake_hiscores.change_mode("Iron Now", "regular")
    fake_hiscores.gain("Iron Now", "attack", 100_000)
    fetch_at(player, NOW - timedelta(days=5))  # de-ironed: the first regular record
    fake_hiscores.gain("Iron Now", "attack", 7_000)
    fetch_at(player, NOW - timedelta(days=1))

    assert HiscoreRecord.objects.filter(game_mode=GameMode.REGULAR).count() == 2
    assert week_gains(player, NOW)["attack"] == 7_000  # from the first regular record
