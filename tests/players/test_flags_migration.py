"""players.0008_identity_flags: every record already stored takes its player's
game mode (the only table it was read from), and none is held."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("players", "0007_name_changes")]
AFTER = [("players", "0008_identity_flags")]


@pytest.mark.django_db(transaction=True)
def test_existing_records_are_backfilled_with_their_players_mode():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Player = old.get_model("players", "Player")
    Record = old.get_model("players", "HiscoreRecord")
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    modes = {"iron": "ironman", "main": "regular", "hc": "hardcore_ironman"}
    for key, mode in modes.items():
        player = Player.objects.create(
            username=key, username_key=key, game_mode=mode, next_fetch_at=moment
        )
        for hour in range(2):
            Record.objects.create(
                player=player,
                fetched_at=moment.replace(hour=hour),
                last_checked_at=moment.replace(hour=hour),
            )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Record = new.get_model("players", "HiscoreRecord")
    stored = {
        (r.player.username_key, r.game_mode, r.flagged)
        for r in Record.objects.select_related("player")
    }
    assert Record.objects.count() == 6
    assert stored == {(key, mode, False) for key, mode in modes.items()}
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
