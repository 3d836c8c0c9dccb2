"""The scheduling policy's state on the player row, deadlines and the budget's tally
(players.policy, players.deadlines), and rhythms seeded from the stored records.

A record is written only when a fetch found a change (docs/architecture.md,
"Record"), so the records of the last SEED_DAYS say how often and at which hours
each player changed. The seed reads them grouped by player and hour (one query,
a row per player and hour with a change, bounded by the fetch budget of those
days) and fades them as `players.policy.learn` would have.
"""

import math
from datetime import timedelta

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import TruncHour
from django.utils import timezone

SEED_DAYS = 14
RATE_MEMORY_DAYS = 2.0  # players.policy's, as of this migration
SHAPE_MEMORY_DAYS = 14.0
WRITE_BATCH = 1000


def _watched(days: float) -> float:
    """Fetched days fading over RATE_MEMORY_DAYS: the integral of the fade."""
    return RATE_MEMORY_DAYS * (1 - math.exp(-days / RATE_MEMORY_DAYS))


def seed_rhythms(apps, schema_editor):
    Player = apps.get_model("players", "Player")
    HiscoreRecord = apps.get_model("players", "HiscoreRecord")
    now = timezone.now()
    since = now - timedelta(days=SEED_DAYS)
    created = dict(Player.objects.values_list("pk", "created_at"))
    rhythms: dict[int, list] = {}
    hourly = (
        HiscoreRecord.objects.filter(fetched_at__gt=since)
        .annotate(hour=TruncHour("fetched_at"))
        .values_list("player_id", "hour")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for player_id, hour, n in hourly.iterator(chunk_size=10_000):
        changes, hours = rhythms.setdefault(player_id, [0.0, [0.0] * 24])
        age = (now - hour).total_seconds() / 86_400
        rhythms[player_id][0] = changes + n * math.exp(-age / RATE_MEMORY_DAYS)
        hours[hour.hour] += n * math.exp(-age / SHAPE_MEMORY_DAYS)
    changed = []
    for player_id, (changes, hours) in rhythms.items():
        span = (now - max(created.get(player_id, since), since)).total_seconds() / 86_400
        changed.append(
            Player(
                pk=player_id,
                rhythm_changes=changes,
                rhythm_watched_days=max(_watched(span), 1 / 24),
                rhythm_hours=[round(h, 4) for h in hours],
            )
        )
    fields = ["rhythm_changes", "rhythm_watched_days", "rhythm_hours"]
    Player.objects.bulk_update(changed, fields, batch_size=WRITE_BATCH)
    # Tracked all those days and never changed: idle, one statement.
    recent = HiscoreRecord.objects.filter(fetched_at__gt=since).values("player_id")
    Player.objects.filter(created_at__lte=since).exclude(pk__in=recent).update(
        rhythm_changes=0.0, rhythm_watched_days=_watched(SEED_DAYS)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("players", "0005_player_added_by"),
    ]

    operations = [
        migrations.CreateModel(
            name="FetchDeadline",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("at", models.DateTimeField()),
                ("source", models.CharField(max_length=100)),
            ],
        ),
        migrations.CreateModel(
            name="FetchTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("hour", models.DateTimeField()),
                (
                    "reason",
                    models.CharField(
                        choices=[
                            ("deadline", "deadline"),
                            ("manual", "manual request"),
                            ("maximum_interval", "maximum interval"),
                            ("pinned", "pinned interval"),
                            ("learned", "learned rhythm"),
                        ],
                        max_length=16,
                    ),
                ),
                ("fetches", models.PositiveIntegerField(default=0)),
                ("changed", models.PositiveIntegerField(default=0)),
            ],
        ),
        migrations.AddField(
            model_name="player",
            name="fetch_deadline",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="player",
            name="fetch_requested_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="player",
            name="next_fetch_reason",
            field=models.CharField(
                choices=[
                    ("deadline", "deadline"),
                    ("manual", "manual request"),
                    ("maximum_interval", "maximum interval"),
                    ("pinned", "pinned interval"),
                    ("learned", "learned rhythm"),
                ],
                default="learned",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="player",
            name="pinned",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="player",
            name="rhythm_changes",
            field=models.FloatField(default=1.0),
        ),
        migrations.AddField(
            model_name="player",
            name="rhythm_hours",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="player",
            name="rhythm_watched_days",
            field=models.FloatField(default=1.0),
        ),
        migrations.AddIndex(
            model_name="player",
            index=models.Index(
                fields=["is_active", "next_fetch_reason", "next_fetch_at"],
                name="player_due_reason_idx",
            ),
        ),
        migrations.AddField(
            model_name="fetchdeadline",
            name="player",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="fetch_deadlines",
                to="players.player",
            ),
        ),
        migrations.AddConstraint(
            model_name="fetchtally",
            constraint=models.UniqueConstraint(
                fields=("hour", "reason"), name="fetchtally_hour_reason_uniq"
            ),
        ),
        migrations.AddIndex(
            model_name="fetchdeadline",
            index=models.Index(fields=["player", "at"], name="fetchdeadline_player_idx"),
        ),
        migrations.AddIndex(
            model_name="fetchdeadline",
            index=models.Index(fields=["source"], name="fetchdeadline_source_idx"),
        ),
        migrations.RunPython(seed_rhythms, migrations.RunPython.noop),
    ]
