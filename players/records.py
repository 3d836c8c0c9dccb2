"""A player's hiscores history: one row per change, and how a snapshot becomes one."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import models

from hiscores.modes import GameMode
from hiscores.snapshot import Snapshot


class HiscoreRecordQuerySet(models.QuerySet):
    def counted(self) -> HiscoreRecordQuerySet:
        """Records that count: a flagged record is held for staff and counts in no
        gain, record or achievement until its flag is resolved (docs/api.md, "Flags")."""
        return self.filter(flagged=False)

    def for_player(self, player_id: int) -> HiscoreRecordQuerySet:
        return self.counted().filter(player_id=player_id)

    def as_of(self, player_id: int, moment: datetime) -> HiscoreRecord | None:
        """The state at a moment: the latest counted record at or before it (one
        index probe)."""
        return (
            self.for_player(player_id)
            .filter(fetched_at__lte=moment)
            .order_by("-fetched_at")
            .first()
        )

    def first_after(self, player_id: int, moment: datetime) -> HiscoreRecord | None:
        return (
            self.for_player(player_id).filter(fetched_at__gt=moment).order_by("fetched_at").first()
        )

    def latest_for(self, player_id: int) -> HiscoreRecord | None:
        return self.for_player(player_id).order_by("-fetched_at").first()


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
    # 64-bit like every value the parser lets through (docs/hiscores.md, "Plausible
    # values"): a rank past 2^31 - 1 must store, not fail the fetch.
    overall_rank = models.BigIntegerField(null=True, blank=True)
    overall_level = models.BigIntegerField(null=True, blank=True)
    overall_experience = models.BigIntegerField(null=True, blank=True)
    skills_data = models.JSONField(default=dict)  # {slug: {rank, level, experience}}
    bosses_data = models.JSONField(default=dict)  # {slug: {rank, kc}}
    activities_data = models.JSONField(default=dict)  # {slug: {rank, score}}
    # `values_digest()` of the values above (ranks excluded): compared with a new
    # fetch's to decide whether it is a change worth a row.
    values_digest = models.CharField(max_length=32, default="", editable=False)
    # The table the values were read from: a de-ironed account's records before the
    # change come from the ironman table, after it from the regular one.
    game_mode = models.CharField(max_length=20, choices=GameMode.choices, default=GameMode.REGULAR)
    # Held for staff (a `PlayerFlag` names it): kept, but counted nowhere until
    # the flag is resolved.
    flagged = models.BooleanField(default=False)

    objects = HiscoreRecordQuerySet.as_manager()

    class Meta:
        # The table keeps the name it was created with when the model lived in the
        # hiscores app: moving the model moved no data.
        db_table = "hiscores_hiscorerecord"
        constraints = [
            # Also the index every read path uses: (player, fetched_at) scanned
            # backwards finds "the latest record at or before a moment".
            models.UniqueConstraint(
                fields=["player", "fetched_at"], name="hiscorerecord_player_fetched_at"
            )
        ]

    def __str__(self) -> str:
        return f"{self.player_id} @ {self.fetched_at:%Y-%m-%d %H:%M}"


def record_fields(snapshot: Snapshot) -> dict[str, Any]:
    """A snapshot's values as `HiscoreRecord` field values (JSON columns with
    `null` for unranked), digest included."""
    overall = snapshot.overall
    fields = {
        "overall_rank": overall.rank if overall else None,
        "overall_level": overall.level if overall else None,
        "overall_experience": overall.experience if overall else None,
        "skills_data": {
            slug: None
            if v is None
            else {"rank": v.rank, "level": v.level, "experience": v.experience}
            for slug, v in snapshot.skills.items()
        },
        "bosses_data": {
            slug: None if v is None else {"rank": v.rank, "kc": v.score}
            for slug, v in snapshot.bosses.items()
        },
        "activities_data": {
            slug: None if v is None else {"rank": v.rank, "score": v.score}
            for slug, v in snapshot.activities.items()
        },
    }
    fields["values_digest"] = values_digest(fields)
    return fields


def values_of(fields: Mapping[str, Any]) -> dict[str, int | None]:
    """The values that make a record different from another: experience, levels,
    kills and scores, never ranks (ranks drift while the player is idle).

    Takes `record_fields()` output or a record's field values alike.
    """
    values: dict[str, int | None] = {
        "overall.level": fields["overall_level"],
        "overall.experience": fields["overall_experience"],
    }
    for column, keys in (
        ("skills_data", ("level", "experience")),
        ("bosses_data", ("kc",)),
        ("activities_data", ("score",)),
    ):
        for slug, entry in fields[column].items():
            for key in keys:
                values[f"{slug}.{key}"] = None if entry is None else entry.get(key)
    return values


def values_digest(fields: Mapping[str, Any]) -> str:
    """A short fingerprint of `values_of(fields)`: two records with the same digest
    hold the same values, so "did anything change?" needs no JSON read back."""
    canonical = json.dumps(values_of(fields), sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(canonical.encode(), digest_size=16).hexdigest()
