"""A database built while records lived in the hiscores app upgrades with its
records where they were: same table, same rows, now read through players.

The migrations of that time are kept in `before_the_move/` (the app's own were
replaced by `players.0001_squashed_records_from_hiscores`); the test builds a
database with them, as every database of that time was built."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.test import override_settings

from players.models import Player
from players.records import HiscoreRecord, values_digest
from tests.factories import skills_data

# What a database had applied before the move, and where those migrations are kept.
BEFORE_THE_MOVE = [("hiscores", "0003_values_digest"), ("players", "0001_initial")]
HISTORIC_MIGRATIONS = {
    "hiscores": "tests.players.before_the_move.hiscores.migrations",
    "players": "tests.players.before_the_move.players.migrations",
    # progress's tables came later, on top of players' newest migrations, and
    # groups' and webhooks' on top of those.
    "progress": None,
    "groups": None,
    "webhooks": None,
}
SQUASHED = ("players", "0001_squashed_records_from_hiscores")
TABLES = ("hiscores_hiscorerecord", "players_player", "players_fetchattempt")
MOMENT = datetime(2026, 11, 1, 12, tzinfo=UTC)


def schema() -> dict[str, Any]:
    """Columns and constraints (by name where the name is ours, by what they hold
    otherwise: SQLite numbers its foreign keys)."""
    introspection = connection.introspection
    with connection.cursor() as cursor:
        tables = {}
        for table in TABLES:
            columns = {
                c.name: (c.type_code, c.null_ok)
                for c in introspection.get_table_description(cursor, table)
            }
            constraints = sorted(
                (
                    name if not name.startswith("fk_") else "",
                    tuple(c["columns"]),
                    bool(c["primary_key"]),
                    bool(c["unique"]),
                    bool(c["index"]),
                    tuple(c["foreign_key"] or ()),
                )
                for name, c in introspection.get_constraints(cursor, table).items()
            )
            tables[table] = (columns, constraints)
    return tables


def old_database() -> Any:
    """Rebuild the tables through the historic migrations, as a database built
    before the move had them; returns the models of that time."""
    call_command("migrate", "players", "zero", verbosity=0)
    with override_settings(MIGRATION_MODULES=HISTORIC_MIGRATIONS):
        executor = MigrationExecutor(connection)
        executor.migrate(BEFORE_THE_MOVE)
        return executor.loader.project_state(BEFORE_THE_MOVE).apps


def fields(experience: int) -> dict[str, Any]:
    values = {
        "overall_rank": 4000,
        "overall_level": 99,
        "overall_experience": experience,
        "skills_data": skills_data(experience),
        "bosses_data": {"zulrah": {"rank": 7, "kc": experience // 1000}, "vorkath": None},
        "activities_data": {"clue_scrolls_all": {"rank": None, "score": 3}},
    }
    return {**values, "values_digest": values_digest(values)}


@pytest.mark.django_db(transaction=True)
def test_an_existing_database_keeps_its_records_when_they_move_to_players():
    new_database = schema()
    try:
        old = old_database()
        # The content type of that time (the contenttypes app itself is unchanged).
        ContentType.objects.filter(model="hiscorerecord").delete()
        content_type = ContentType.objects.create(app_label="hiscores", model="hiscorerecord")
        player = old.get_model("players", "Player").objects.create(
            username="Zezima", username_key="zezima", next_fetch_at=MOMENT
        )
        OldRecord = old.get_model("hiscores", "HiscoreRecord")
        written = [
            OldRecord.objects.create(
                player=player,
                fetched_at=MOMENT + timedelta(days=day),
                last_checked_at=MOMENT + timedelta(days=day, hours=1),
                **fields(1_000_000 * (day + 1)),
            )
            for day in range(2)
        ]
        player.latest_record = written[-1]
        player.save()

        call_command("migrate", verbosity=0)

        records = list(HiscoreRecord.objects.filter(player_id=player.pk).order_by("fetched_at"))
        assert [r.pk for r in records] == [r.pk for r in written]
        for day, record in enumerate(records):
            expected = fields(1_000_000 * (day + 1))
            stored = {name: getattr(record, name) for name in expected}
            assert stored == expected
            assert record.values_digest == values_digest(stored)
            assert record.last_checked_at == MOMENT + timedelta(days=day, hours=1)
        upgraded = Player.objects.get(pk=player.pk)
        assert upgraded.latest_record == records[-1]
        assert list(upgraded.records.order_by("fetched_at")) == records
        # Admin history and permissions follow the records.
        assert ContentType.objects.get_for_id(content_type.pk).model_class() is HiscoreRecord
        # The upgraded database is a new one's twin: same tables, and the squashed
        # migration counts as applied, so later migrations find it.
        assert schema() == new_database
        assert SQUASHED in MigrationLoader(connection).applied_migrations
    finally:
        call_command("migrate", verbosity=0)
