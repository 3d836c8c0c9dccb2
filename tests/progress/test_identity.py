"""A rename reaches the tables the boards read (progress.identity): their rows
carry the player's key, which a rename changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from hiscores import gateway
from players.flags import flag_resolve_name_transfer
from players.models import NameChangeStatus, Player, PlayerFlag
from players.recording import Answer, fetch_record_successes
from players.renames import name_change_request
from players.tracking import player_track
from progress import bests_table, deltas
from progress.models import BestGain, Delta
from tests.factories import PlayerFactory

pytestmark = pytest.mark.django_db(transaction=True)

START = datetime(2026, 3, 1, 12, tzinfo=UTC)


def test_the_boards_rows_take_the_new_key(fake_hiscores):
    with time_machine.travel(START, tick=False) as clock:
        fake_hiscores.add_player("Alice", skills={"attack": 1_000_000})
        alice = player_track(username="Alice")
        clock.shift(timedelta(hours=1))
        fake_hiscores.gain("Alice", "attack", 10_000)
        now = timezone.now()
        fetch_record_successes([Answer(alice.pk, gateway.fetch("Alice"), now, now)])
        bests_table.advance(alice.pk)
        deltas.refresh([alice.pk], now=timezone.now(), expired_only=False)
        assert set(
            Delta.objects.filter(window__player=alice).values_list("username_key", flat=True)
        ) == {"alice"}
        assert set(
            BestGain.objects.filter(player=alice).values_list("username_key", flat=True)
        ) == {"alice"}
        fake_hiscores.rename_player("Alice", "Bob")
        clock.shift(timedelta(hours=1))

        change = name_change_request(old_name="Alice", new_name="Bob")
        assert change.status == NameChangeStatus.APPROVED, change.reasons
        deltas.refresh_expired(timezone.now(), seconds=5)

    assert set(
        Delta.objects.filter(window__player=alice).values_list("username_key", flat=True)
    ) == {"bob"}
    assert set(BestGain.objects.filter(player=alice).values_list("username_key", flat=True)) == {
        "bob"
    }


def _records_of(player_id: int) -> dict[tuple[str, str], int]:
    return dict(
        ((metric, period), value)
        for metric, period, value in BestGain.objects.filter(player_id=player_id).values_list(
            "metric", "period", "value"
        )
    )


def test_held_records_make_no_records_and_a_name_transfer_splits_them(
    django_capture_on_commit_callbacks,
):
    from tests.players.test_flags import BASE, STRANGER, answer, record_at

    player = PlayerFactory(username="Zezima", username_key="zezima")
    with django_capture_on_commit_callbacks(execute=True):
        record_at(player, 0, answer())
        record_at(player, 1, answer(attack=BASE + 20_000))
    assert _records_of(player.pk)[("attack", "day")] == 20_000
    with django_capture_on_commit_callbacks(execute=True):
        record_at(player, 2, STRANGER)  # held: another account's answer
        later = answer(kc=3, attack=250_000, cooking=50_000_000, magic=90_000)
        record_at(player, 3, later)
    # Held records count nowhere: the stranger's +50,000 Attack is no record yet,
    # not even when the whole history is folded in again.
    assert _records_of(player.pk)[("attack", "day")] == 20_000
    bests_table.advance(player.pk, reset=True)
    assert _records_of(player.pk)[("attack", "day")] == 20_000

    with django_capture_on_commit_callbacks(execute=True):
        flag_resolve_name_transfer(flag=PlayerFlag.objects.get())

    archived = Player.objects.get(archived=True)
    bests_table.advance(archived.pk)
    # Each history's records are its own: the old account keeps its +20,000,
    # the new account starts afresh with its +50,000.
    assert _records_of(archived.pk)[("attack", "day")] == 20_000
    assert _records_of(player.pk)[("attack", "day")] == 50_000
