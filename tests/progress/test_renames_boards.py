"""A rename reaches the tables the boards read (progress.renames): their rows
carry the player's key, which a rename changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from hiscores import gateway
from players.models import NameChangeStatus
from players.recording import Answer, fetch_record_successes
from players.renames import name_change_request
from players.tracking import player_track
from progress import bests_table, deltas
from progress.models import BestGain, Delta

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
