"""Records (progress.bests): each player's best gain per metric and period, the
records a best may start at, and how far each player's history is folded in.
Empty at first: `manage.py rebuild_records` folds in the stored history
(docs/operations.md, "Records"); each new record is folded in as it is written."""

import django.db.models.deletion
from django.db import migrations, models

import progress.models

PERIODS = [("day", "day"), ("week", "week"), ("month", "month"), ("year", "year")]


class Migration(migrations.Migration):
    # After 0003_achievements, written at the same time from 0001: one line of
    # migrations rather than two leaves to merge.
    dependencies = [
        ("players", "0005_player_added_by"),
        ("progress", "0003_achievements"),
    ]

    operations = [
        migrations.CreateModel(
            name="BestGain",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("metric", models.CharField(max_length=64)),
                ("period", models.CharField(choices=PERIODS, max_length=5)),
                ("value", models.BigIntegerField()),
                ("approximate", models.BooleanField(default=False)),
                ("start_at", models.DateTimeField()),
                ("end_at", models.DateTimeField()),
                ("username_key", progress.models.BytewiseCharField(max_length=12)),
                (
                    "player",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="best_gains",
                        to="players.player",
                    ),
                ),
                (
                    "start_record",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="players.hiscorerecord",
                    ),
                ),
                (
                    "end_record",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="players.hiscorerecord",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("player", "metric", "period"),
                        name="bestgain_player_metric_period",
                    )
                ],
                "indexes": [
                    models.Index(
                        fields=["period", "metric", "-value", "username_key"],
                        name="bestgain_board_idx",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="BestBreak",
            fields=[
                (
                    "record",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="players.hiscorerecord",
                    ),
                ),
                ("fetched_at", models.DateTimeField()),
                ("metrics", models.JSONField(default=list)),
                (
                    "player",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="players.player",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["player", "fetched_at"], name="bestbreak_player_idx")
                ],
            },
        ),
        migrations.CreateModel(
            name="BestCursor",
            fields=[
                (
                    "player",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="players.player",
                    ),
                ),
                ("through_at", models.DateTimeField(null=True)),
            ],
        ),
    ]
