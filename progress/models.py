"""The maintained table the leaderboards read: each player's gains per period.

How the rows are kept equal to the gain rules at every moment is
`progress.deltas`; what reads them is `progress.leaderboards`.
"""

from __future__ import annotations

from datetime import datetime

from django.db import models

from api.params import PERIODS
from players.models import Player
from players.records import HiscoreRecord

from . import achievements


class BytewiseCharField(models.CharField):
    """Text that sorts by code point on every database: PostgreSQL's "C" collation
    (its default follows the locale); SQLite's own order is that already."""

    def db_parameters(self, connection):
        parameters = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            parameters["collation"] = "C"
        return parameters


class DeltaWindowQuerySet(models.QuerySet):
    def expired(self, now: datetime) -> DeltaWindowQuerySet:
        return self.filter(valid_until__lte=now)


class DeltaWindow(models.Model):
    """Which two records one player's gains over one period compare, and until when
    that holds. Its `Delta` rows are the gains; they are exact while `valid_until`
    is in the future (null: until the player's next record)."""

    player = models.ForeignKey(
        Player, on_delete=models.CASCADE, related_name="delta_windows", db_index=False
    )
    period = models.CharField(max_length=5, choices=[(name, name) for name in PERIODS])
    # Null while the window was never built (it is expired then). Deleting either
    # record deletes the window, and the beat builds it again from what is left.
    start_record = models.ForeignKey(
        HiscoreRecord, null=True, on_delete=models.CASCADE, related_name="+"
    )
    end_record = models.ForeignKey(
        HiscoreRecord, null=True, on_delete=models.CASCADE, related_name="+"
    )
    valid_until = models.DateTimeField(null=True)

    objects = DeltaWindowQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["player", "period"], name="deltawindow_player_period")
        ]
        # The expired windows (of a period, for a board): a short range while they are few.
        indexes = [models.Index(fields=["valid_until", "period"], name="deltawindow_expiry_idx")]

    def __str__(self) -> str:
        return f"{self.player_id} {self.period}"


class Delta(models.Model):
    """One metric's gain (above 0) in a window: a leaderboard row. `start` and `end`
    are the metric's values in the window's records (null: unranked or absent)."""

    pk = models.CompositePrimaryKey("window", "metric")
    window = models.ForeignKey(
        DeltaWindow, on_delete=models.CASCADE, related_name="deltas", db_index=False
    )
    # The window's period again, so that one index serves a board's top rows in order.
    period = models.CharField(max_length=5, choices=[(name, name) for name in PERIODS])
    metric = models.CharField(max_length=64)
    gained = models.BigIntegerField()
    # The player's key, for ties, in the board's index (a rename rewrites it: progress.identity).
    username_key = BytewiseCharField(max_length=12)
    start = models.BigIntegerField(null=True)
    end = models.BigIntegerField(null=True)
    approximate = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(
                fields=["period", "metric", "-gained", "username_key"], name="delta_board_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.window_id} {self.metric} +{self.gained}"


# --- Records: each player's best gain per metric and period (progress.bests) -----


class BestGain(models.Model):
    """A player's record in one metric over one period: the largest gain between
    two of their records at most the period apart (`progress.bests`). A row
    exists only for a gain above 0. The API calls these "records"."""

    player = models.ForeignKey(
        Player, on_delete=models.CASCADE, related_name="best_gains", db_index=False
    )
    metric = models.CharField(max_length=64)
    period = models.CharField(max_length=5, choices=[(name, name) for name in PERIODS])
    value = models.BigIntegerField()
    approximate = models.BooleanField(default=False)
    # The two records the gain is measured between, named by when they were fetched
    # (a player's records are unique by it). No foreign key to them: each would be
    # an index and a check written with every row, and a row is written for each
    # metric and period a new record beats (docs/architecture.md, "Records").
    start_at = models.DateTimeField()
    end_at = models.DateTimeField()
    # The player's key, for ties on a board, in its index (a rename rewrites it).
    username_key = BytewiseCharField(max_length=12)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["player", "metric", "period"], name="bestgain_player_metric_period"
            )
        ]
        indexes = [
            models.Index(
                fields=["period", "metric", "-value", "username_key"], name="bestgain_board_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.player_id} {self.metric} {self.period} +{self.value}"


class BestBreak(models.Model):
    """A record at which some values did not simply hold or grow since the record
    before (a rollback; a row ranked, unranked, added or removed; a skill Overall
    reveals): a best gain of the `metrics` they make up may start there, and not
    only at a window's first record (`progress.bests`)."""

    record = models.OneToOneField(
        HiscoreRecord, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    player = models.ForeignKey(Player, on_delete=models.CASCADE, related_name="+", db_index=False)
    fetched_at = models.DateTimeField()
    metrics = models.JSONField(default=list)  # metric slugs

    class Meta:
        indexes = [models.Index(fields=["player", "fetched_at"], name="bestbreak_player_idx")]

    def __str__(self) -> str:
        return f"{self.player_id} @ {self.fetched_at:%Y-%m-%d %H:%M}"


class BestCursor(models.Model):
    """How far a player's records have been folded into their best gains: every
    record fetched at or before `through_at` (null: none yet). Locked while the
    bests move on, so two updates of one player take turns."""

    player = models.OneToOneField(
        Player, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    through_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"{self.player_id} through {self.through_at}"


class Achievement(models.Model):
    """A catalogue achievement (`progress.achievements`) a player reached, dated by
    the window between the record before (`achieved_after`: its `last_checked_at`)
    and the record that first showed it (`achieved_before`). `achieved_at` is null
    when the date is unknown (the first record, or a row the record before did not
    show, already had it); `achieved_after` is null then too."""

    player = models.ForeignKey(
        Player, on_delete=models.CASCADE, related_name="achievements", db_index=False
    )
    key = models.CharField(max_length=96)  # e.g. "attack.level.99"
    metric = models.CharField(max_length=64)
    measure = models.CharField(max_length=24)
    threshold = models.BigIntegerField()
    achieved_at = models.DateTimeField(null=True)
    achieved_after = models.DateTimeField(null=True)
    achieved_before = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["player", "key"], name="achievement_player_key")
        ]

    def __str__(self) -> str:
        return f"{self.player_id} {self.key}"

    @property
    def name(self) -> str:
        """As the catalogue names it ("99 Attack"), for receivers of `achievement_reached`."""
        definition = achievements.by_key().get(self.key)
        return definition.name if definition else self.key
