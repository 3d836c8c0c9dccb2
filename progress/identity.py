"""What identity changes mean for the tables progress keeps (docs/api.md, "Name
changes" and "Flags"). Connected in progress.apps."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from players.models import Player

from . import achievement_store
from .board_stamps import records_changed
from .deltas import expire
from .models import BestBreak, BestCursor, BestGain


def on_name_change_approved(sender: Any, name_change: Any, **kwargs: Any) -> None:
    """Both boards' tables copy the player's key for their order: a rename
    replaces it."""
    player_id = name_change.player_id
    key = Player.objects.filter(pk=player_id).values_list("username_key", flat=True).first()
    if key is None:
        return
    # The gains table rewrites its rows, key included, when it refreshes them.
    expire([player_id])
    records_changed()
    BestGain.objects.filter(player_id=player_id).update(username_key=key)


def on_history_rewritten(sender: Any, player_ids: Iterable[int], **kwargs: Any) -> None:
    """Forget what was built from the old histories. Records start again from
    the first record (the next record written, or the next read, folds the whole
    history in: progress.bests_table), achievements are rebuilt in the
    background, and the gains windows are recomputed."""
    ids = sorted(set(player_ids))
    records_changed()
    BestGain.objects.filter(player_id__in=ids).delete()
    BestBreak.objects.filter(player_id__in=ids).delete()
    BestCursor.objects.filter(player_id__in=ids).delete()
    expire(ids)
    for player_id in ids:
        achievement_store.queue_rebuild(player_id)
