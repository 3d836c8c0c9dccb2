"""Reads of tracked players shared by the API views."""

from __future__ import annotations

from hiscores.usernames import InvalidUsername, normalise

from .errors import PlayerNotTracked
from .models import Player


def player_by_name(username: str) -> Player:
    """The tracked player under any spelling of `username`, or a 404 in the error body."""
    try:
        key = normalise(username)
    except InvalidUsername:
        raise PlayerNotTracked(details={"username": username}) from None
    try:
        return Player.objects.get(username_key=key)
    except Player.DoesNotExist:
        raise PlayerNotTracked(details={"username": username}) from None
