"""Building the deltas of a database that has history: the migration that adds the
table, and `manage.py rebuild_deltas` (docs/operations.md, "Leaderboards")."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from api.params import PERIODS
from players.models import Player
from progress.deltas import EXPIRED, expire
from progress.models import Delta, DeltaWindow
from tests.factories import HiscoreRecordFactory, PlayerFactory
from tests.progress.builders import NOW, add_record, boss_entries


@pytest.mark.django_db(transaction=True)
def test_the_migration_leaves_every_player_with_a_record_to_build():
    try:
        call_command("migrate", "progress", "zero", verbosity=0)
        tracked = PlayerFactory()
        # Written before the table existed: nothing received a signal.
        record = HiscoreRecordFactory(player=tracked, fetched_at=NOW)
        Player.objects.filter(pk=tracked.pk).update(latest_record=record)
        PlayerFactory()  # no record yet: nothing to build
        call_command("migrate", "progress", verbosity=0)
        assert set(DeltaWindow.objects.values_list("player_id", "period", "valid_until")) == {
            (tracked.pk, period, EXPIRED) for period in PERIODS
        }
    finally:
        call_command("migrate", verbosity=0)


@pytest.mark.django_db
def test_rebuilding_builds_the_expired_players_and_reports_progress(clock):
    for kills in (10, 20):
        player = PlayerFactory()
        add_record(player, NOW - timedelta(days=3), bosses=boss_entries(zulrah=kills))
        add_record(player, NOW - timedelta(days=1), bosses=boss_entries(zulrah=kills + 5))
    expire(Player.objects.values_list("pk", flat=True))
    out = io.StringIO()
    call_command("rebuild_deltas", stdout=out)
    assert out.getvalue().splitlines()[-1].startswith("2 / 2 players (100%)")
    assert not DeltaWindow.objects.expired(NOW).exists()
    assert sorted(Delta.objects.filter(period="week").values_list("end", flat=True)) == [15, 25]


@pytest.mark.django_db
def test_rebuilding_all_recomputes_windows_that_are_not_expired(clock):
    player = PlayerFactory()
    add_record(player, NOW - timedelta(days=3), bosses=boss_entries(zulrah=10))
    add_record(player, NOW - timedelta(days=1), bosses=boss_entries(zulrah=15))
    call_command("rebuild_deltas", stdout=io.StringIO())
    Delta.objects.update(gained=999)  # whatever went wrong, --all repairs it
    call_command("rebuild_deltas", stdout=io.StringIO())
    assert set(Delta.objects.values_list("gained", flat=True)) == {999}
    out = io.StringIO()
    call_command("rebuild_deltas", "--all", stdout=out)
    assert set(Delta.objects.values_list("gained", flat=True)) == {5}
    assert out.getvalue().splitlines()[-1].startswith("1 / 1 players (100%)")


@pytest.mark.django_db(transaction=True)
def test_rebuilding_in_several_processes_builds_every_player():
    now = timezone.now()
    for kills in range(5):
        player = PlayerFactory()
        add_record(player, now - timedelta(days=3), bosses=boss_entries(zulrah=10))
        add_record(player, now - timedelta(days=1), bosses=boss_entries(zulrah=11 + kills))
    out = io.StringIO()
    call_command("rebuild_deltas", "--processes", "2", stdout=out)
    assert out.getvalue().splitlines()[-1].startswith("5 / 5 players (100%)")
    assert not DeltaWindow.objects.expired(timezone.now()).exists()
    gains = Delta.objects.filter(period="week", metric="zulrah").values_list("gained", flat=True)
    assert sorted(gains) == [1, 2, 3, 4, 5]
