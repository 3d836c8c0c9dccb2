"""The signals webhooks hear, from the apps below (docs/architecture.md, "Apps and
imports"). Each is sent after its sender's commit; a receiver builds the notice
from what the signal carries (no query) and hands it to the queue, nothing more,
and never raises into its sender."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction

from . import payloads
from .services import publish

logger = logging.getLogger(__name__)


def _publish(build: Callable[..., payloads.Notice], **kwargs: Any) -> None:
    """Build the notice now, from the objects as the signal carries them, and queue
    it once the sender's transaction commits (at once outside one): the senders
    promise to signal after their commit, and this holds even if one does not."""
    try:
        notice = build(**kwargs)
    except Exception:
        logger.exception("webhook notice lost", extra={"builder": build.__name__})
        return
    transaction.on_commit(lambda: publish(notice))


def on_achievement_reached(sender: Any, *, player: Any, achievements: Any, **_: Any) -> None:
    _publish(payloads.achievement, player=player, achievements=achievements)


def on_name_change_approved(sender: Any, *, name_change: Any, **_: Any) -> None:
    _publish(payloads.name_change_approved, name_change=name_change)


def on_player_flagged(sender: Any, *, player: Any, flag: Any, **_: Any) -> None:
    _publish(payloads.player_flagged, player=player, flag=flag)


def on_game_mode_changed(sender: Any, *, player: Any, change: Any, **_: Any) -> None:
    if getattr(change, "kind", None) == "hardcore_death":
        _publish(payloads.hardcore_died, player=player, change=change)


def on_competition_started(sender: Any, *, competition: Any, **_: Any) -> None:
    _publish(payloads.competition_started, competition=competition)


def on_competition_finished(sender: Any, *, competition: Any, **_: Any) -> None:
    _publish(payloads.competition_finished, competition=competition)


def on_member_joined(sender: Any, *, group: Any, members: Any, **_: Any) -> None:
    _publish(payloads.member_joined, group=group, members=members)


def connect() -> None:
    from groups import signals as groups_signals
    from players import signals as players_signals
    from progress import signals as progress_signals

    for signal, receiver in (
        (groups_signals.competition_started, on_competition_started),
        (groups_signals.competition_finished, on_competition_finished),
        (groups_signals.member_joined, on_member_joined),
        (progress_signals.achievement_reached, on_achievement_reached),
        (players_signals.name_change_approved, on_name_change_approved),
        (players_signals.player_flagged, on_player_flagged),
        (players_signals.game_mode_changed, on_game_mode_changed),
    ):
        signal.connect(receiver, dispatch_uid=f"webhooks.{receiver.__name__}")
