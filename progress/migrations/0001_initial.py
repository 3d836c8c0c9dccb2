"""The leaderboard deltas (progress.deltas). Every player with a record gets
expired windows, so that no board trusts the empty table: boards answer
`leaderboards_building` until the beat, or `manage.py rebuild_deltas`, has built
them (docs/operations.md, "Leaderboards")."""

from datetime import UTC, datetime

import django.db.models.deletion
from django.db import migrations, models

import progress.models

PERIODS = [("day", "day"), ("week", "week"), ("month", "month"), ("year", "year")]
# progress.deltas.EXPIRED
EXPIRED = datetime(1970, 1, 1, tzinfo=UTC)


def expire_every_player(apps, schema_editor) -> None:
    Player = apps.get_model("players", "Player")
    DeltaWindow = apps.get_model("progress", "DeltaWindow")
    connection = schema_editor.connection
    expired = connection.ops.adapt_datetimefield_value(EXPIRED)
    with connection.cursor() as cursor:
        for period, _ in PERIODS:
            cursor.execute(
                f"INSERT INTO {DeltaWindow._meta.db_table} (player_id, period, valid_until)"
                f" SELECT id, %s, %s FROM {Player._meta.db_table}"
                " WHERE latest_record_id IS NOT NULL",
                [period, expired],
            )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("players", "0005_player_added_by"),
    ]

    operations = [
        migrations.CreateModel(
            name="DeltaWindow",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("period", models.CharField(choices=PERIODS, max_length=5)),
                ("valid_until", models.DateTimeField(null=True)),
                (
                    "end_record",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="players.hiscorerecord",
                    ),
                ),
                (
                    "player",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="delta_windows",
                        to="players.player",
                    ),
                ),
                (
                    "start_record",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="players.hiscorerecord",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["valid_until", "period"], name="deltawindow_expiry_idx")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("player", "period"), name="deltawindow_player_period"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="Delta",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "window",
                        "metric",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("period", models.CharField(choices=PERIODS, max_length=5)),
                ("metric", models.CharField(max_length=64)),
                ("gained", models.BigIntegerField()),
                ("username_key", progress.models.BytewiseCharField(max_length=12)),
                ("start", models.BigIntegerField(null=True)),
                ("end", models.BigIntegerField(null=True)),
                ("approximate", models.BooleanField(default=False)),
                (
                    "window",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deltas",
                        to="progress.deltawindow",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["period", "metric", "-gained", "username_key"],
                        name="delta_board_idx",
                    )
                ],
            },
        ),
        migrations.RunPython(expire_every_player, migrations.RunPython.noop, elidable=True),
    ]
