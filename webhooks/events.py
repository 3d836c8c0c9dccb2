"""The events a webhook can subscribe to (docs/api.md, "Webhooks")."""

from __future__ import annotations

from django.db import models


class Event(models.TextChoices):
    ACHIEVEMENT = "achievement", "A player reached achievements"
    COMPETITION_STARTED = "competition.started", "A competition started"
    COMPETITION_FINISHED = "competition.finished", "A competition finished"
    NAME_CHANGE_APPROVED = "name_change.approved", "A name change was approved"
    PLAYER_FLAGGED = "player.flagged", "A player was flagged for review"
    HARDCORE_DIED = "hardcore.died", "A hardcore ironman died"
    MEMBER_JOINED = "member.joined", "Members joined a group"
    # Sent only by "send test event" (admin), to one webhook, whatever it subscribes to.
    TEST = "test", "Test event"


SUBSCRIBABLE = [event.value for event in Event if event != Event.TEST]
