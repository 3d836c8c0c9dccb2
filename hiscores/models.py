"""Snapshots of a player's hiscores, one row per change."""

from __future__ import annotations

from datetime import datetime

from django.db import models


class HiscoreRecordQuerySet(models.QuerySet):
    def for_player(self, player_id: int) -> HiscoreRecordQuerySet:
        return self.filter(player_id=player_id)

    def as_of(self, player_id: int, moment: datetime) -> HiscoreRecord | None:
        """The state at a moment: the latest record at or before it (one index probe)."""
        return (
            self.filter(player_id=player_id, fetched_at__lte=moment).order_by("-fetched_at").first()
        )

    def first_after(self, player_id: int, moment: datetime) -> HiscoreRecord | None:
        return (
            self.filter(player_id=player_id, fetched_at__gt=moment).order_by("fetched_at").first()
        )

    def latest_for(self, player_id: int) -> HiscoreRecord | None:
        return self.filter(player_id=player_id).order_by("-fetched_at").first()


class HiscoreRecord(models.Model):
    """What the hiscores said, first seen at `fetched_at` and last confirmed at
    `last_checked_at`. A new row is written only when a value changed, so storage
    grows with play, not with polling.

    The JSON columns are keyed by catalogue slug; rows the catalogue does not know
    yet are kept under a slug made from their name. Unranked values are null.
    """

    player = models.ForeignKey("players.Player", on_delete=models.CASCADE, related_name="records")
    fetched_at = models.DateTimeField()
    last_checked_at = models.DateTimeField()
    overall_rank = models.IntegerField(null=True, blank=True)
    overall_level = models.IntegerField(null=True, blank=True)
    overall_experience = models.BigIntegerField(null=True, blank=True)
    skills_data = models.JSONField(default=dict)  # {slug: {rank, level, experience}}
    bosses_data = models.JSONField(default=dict)  # {slug: {rank, kc}}
    activities_data = models.JSONField(default=dict)  # {slug: {rank, score}}
    # `snapshot.values_digest` of the values above (ranks excluded): compared with
    # a new fetch's to decide whether it is a change worth a row.
    values_digest = models.CharField(max_length=32, default="", editable=False)

    objects = HiscoreRecordQuerySet.as_manager()

    class Meta:
        constraints = [
            # Also the index every read path uses: (player, fetched_at) scanned
            # backwards finds "the latest record at or before a moment".
            models.UniqueConstraint(
                fields=["player", "fetched_at"], name="hiscorerecord_player_fetched_at"
            )
        ]

    def __str__(self) -> str:
        return f"{self.player_id} @ {self.fetched_at:%Y-%m-%d %H:%M}"
