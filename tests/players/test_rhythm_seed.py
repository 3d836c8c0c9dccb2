"""Migration players 0006 seeds each player's rhythm from its stored records:
a record is a fetch that found a change (docs/architecture.md, "Record")."""

import importlib
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.apps import apps

from players.models import Player
from players.scheduling import rhythm_bucket, rhythm_changes_per_day
from tests.factories import HiscoreRecordFactory, PlayerFactory

pytestmark = pytest.mark.django_db

seed = importlib.import_module("players.migrations.0006_scheduling_state").seed_rhythms
NOW = datetime(2026, 4, 20, 12, 0, tzinfo=UTC)


def tracked_since(days: int, changes_at_hours: list[float]) -> Player:
    with time_machine.travel(NOW - timedelta(days=days), tick=False):
        player = PlayerFactory()
    for hours_ago in changes_at_hours:
        HiscoreRecordFactory(player=player, fetched_at=NOW - timedelta(hours=hours_ago))
    return player


def test_rhythms_are_seeded_from_the_records_of_the_last_two_weeks():
    # Changes every evening at 19h (UTC) for ten days, twice an evening.
    evenings = [24 * day + 17 + half for day in range(10) for half in (0, 0.5)]
    grinder = tracked_since(30, [h * 2 for h in range(150)])  # every other hour
    player = tracked_since(30, evenings)
    idle = tracked_since(30, [24 * 20])  # a change three weeks ago: outside the window
    newcomer = tracked_since(0, [])
    with time_machine.travel(NOW, tick=False):
        seed(apps, None)
    grinder, player, idle, newcomer = (
        Player.objects.get(pk=p.pk) for p in (grinder, player, idle, newcomer)
    )
    assert rhythm_bucket(rhythm_changes_per_day(grinder)) == "grinder"
    assert rhythm_bucket(rhythm_changes_per_day(player)) == "daily"
    assert rhythm_bucket(rhythm_changes_per_day(idle)) == "idle"
    assert (newcomer.rhythm_changes, newcomer.rhythm_watched_days) == (1.0, 1.0)  # untouched
    # The evening player's changes are at 19h.
    assert max(range(24), key=lambda h: player.rhythm_hours[h]) == 19
    assert len(player.rhythm_hours) == 24
