"""Per-user throttles of the players endpoints that spend the shared hiscores
budget (docs/api.md, "Players"), on top of the API key throttle every endpoint has.

The rates are settings, read when a request comes (as `osrsdiff.auth` and
`osrsdiff.keys` read theirs), not DRF's DEFAULT_THROTTLE_RATES, which it reads once.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import UserRateThrottle


class PlayerAddThrottle(UserRateThrottle):
    """`POST /api/players`: PLAYER_ADD_THROTTLE_RATE per user."""

    scope = "player_add"

    def get_rate(self) -> str:
        return settings.PLAYER_ADD_THROTTLE_RATE


class PlayerFetchThrottle(UserRateThrottle):
    """`POST /api/players/{username}/fetch`: PLAYER_FETCH_THROTTLE_RATE per user."""

    scope = "player_fetch"

    def get_rate(self) -> str:
        return settings.PLAYER_FETCH_THROTTLE_RATE


class NameChangeThrottle(UserRateThrottle):
    """`POST /api/name-changes`: NAME_CHANGE_THROTTLE_RATE per user."""

    scope = "name_change"

    def get_rate(self) -> str:
        return settings.NAME_CHANGE_THROTTLE_RATE
