"""Players, their fetch attempts and their hiscores records.

Records lived in the hiscores app until it became an integration with no models;
this migration stands for the four that built these tables then. A database that
has them all applied counts it as applied and runs nothing: the tables, the table
name `hiscores_hiscorerecord` included, are the same, which
tests/players/test_record_migration.py checks against a database built by them.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    replaces = [
        ("hiscores", "0001_initial"),
        ("players", "0001_initial"),
        ("hiscores", "0002_initial"),
        ("hiscores", "0003_values_digest"),
    ]

    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Player",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("username", models.CharField(max_length=12)),
                ("username_key", models.CharField(editable=False, max_length=12, unique=True)),
                (
                    "game_mode",
                    models.CharField(
                        choices=[
                            ("regular", "Regular"),
                            ("ironman", "Ironman"),
                            ("hardcore_ironman", "Hardcore ironman"),
                            ("ultimate_ironman", "Ultimate ironman"),
                            ("deadman", "Deadman"),
                            ("seasonal", "Seasonal (leagues)"),
                            ("tournament", "Tournament"),
                            ("fresh_start", "Fresh start"),
                            ("skiller_defence", "1 defence pure"),
                            ("skiller", "Level 3 skiller"),
                        ],
                        default="regular",
                        max_length=20,
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("last_fetched", models.DateTimeField(blank=True, null=True)),
                ("last_changed_at", models.DateTimeField(blank=True, null=True)),
                ("is_active", models.BooleanField(default=True)),
                ("fetch_interval_minutes", models.PositiveIntegerField(default=60)),
                ("next_fetch_at", models.DateTimeField()),
                ("fetch_claimed_until", models.DateTimeField(blank=True, null=True)),
                (
                    "status",
                    models.CharField(
                        choices=[("ok", "OK"), ("not_found", "Not found"), ("failing", "Failing")],
                        default="ok",
                        max_length=10,
                    ),
                ),
                ("failure_count", models.PositiveIntegerField(default=0)),
            ],
            options={
                "ordering": ["username_key"],
                "indexes": [
                    models.Index(fields=["is_active", "next_fetch_at"], name="player_due_idx"),
                    models.Index(fields=["fetch_claimed_until"], name="player_claim_idx"),
                ],
            },
        ),
        migrations.CreateModel(
            name="FetchAttempt",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("started_at", models.DateTimeField()),
                ("finished_at", models.DateTimeField()),
                (
                    "outcome",
                    models.CharField(
                        choices=[
                            ("stored", "Stored a new record"),
                            ("unchanged", "Unchanged"),
                            ("not_found", "Not found"),
                            ("throttled", "Throttled"),
                            ("unavailable", "Unavailable"),
                            ("error", "Error"),
                        ],
                        max_length=12,
                    ),
                ),
                ("http_status", models.PositiveSmallIntegerField(blank=True, null=True)),
                ("duration_ms", models.PositiveIntegerField(default=0)),
                ("message", models.TextField(blank=True)),
                (
                    "player",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="fetch_attempts",
                        to="players.player",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["player", "-started_at"], name="fetchattempt_player_idx"),
                    models.Index(fields=["started_at"], name="fetchattempt_started_idx"),
                ],
            },
        ),
        migrations.CreateModel(
            name="HiscoreRecord",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("fetched_at", models.DateTimeField()),
                ("last_checked_at", models.DateTimeField()),
                ("overall_rank", models.IntegerField(blank=True, null=True)),
                ("overall_level", models.IntegerField(blank=True, null=True)),
                ("overall_experience", models.BigIntegerField(blank=True, null=True)),
                ("skills_data", models.JSONField(default=dict)),
                ("bosses_data", models.JSONField(default=dict)),
                ("activities_data", models.JSONField(default=dict)),
                ("values_digest", models.CharField(default="", editable=False, max_length=32)),
                (
                    "player",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="records",
                        to="players.player",
                    ),
                ),
            ],
            options={
                "db_table": "hiscores_hiscorerecord",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("player", "fetched_at"), name="hiscorerecord_player_fetched_at"
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="player",
            name="latest_record",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="players.hiscorerecord",
            ),
        ),
    ]
