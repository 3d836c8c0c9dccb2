"""What a rename means for the tables progress keeps: both copy the player's
username key for their boards' order, so the new key replaces the old one.
Connected to `players.signals.name_change_approved` (progress.apps)."""

from __future__ import annotations

from typing import Any

from players.models import Player

from .deltas import expire
from .models import BestGain


def on_name_change_approved(sender: Any, name_change: Any, **kwargs: Any) -> None:
    player_id = name_change.player_id
    key = Player.objects.filter(pk=player_id).values_list("username_key", flat=True).first()
    if key is None:
        return
    # The gains table rewrites its rows, key included, when it refreshes them.
    expire([player_id])
    BestGain.objects.filter(player_id=player_id).update(username_key=key)
