"""What a name change's merge means for groups: the kept player takes the removed
player's memberships and competition entries (docs/api.md, "Name changes").

Connected to `players.signals.players_merging`, which is sent inside the
merge's transaction before the removed player is deleted: what is not moved
here would be deleted with it."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from players.models import Player

from .competitions import sync_deadlines
from .models import Competition, Membership, Participant


def on_players_merging(sender: Any, kept: Player, removed: Player, **kwargs: Any) -> None:
    # Where both were members (or both entered), the kept player's row stays.
    Membership.objects.filter(player=removed).exclude(group__memberships__player=kept).update(
        player=kept
    )
    Participant.objects.filter(player=removed).exclude(
        competition__participants__player=kept
    ).update(player=kept)
    # The removed player's deadlines go with its row: the kept one takes on those
    # of the competitions still running or to come.
    running = Competition.objects.filter(participants__player=kept, ends_at__gt=timezone.now())
    for competition in running.distinct():
        sync_deadlines(competition)
