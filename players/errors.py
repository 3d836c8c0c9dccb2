"""The API errors of tracking, each with its contract `error_code`."""

from __future__ import annotations

from osrsdiff.errors import BadGateway, Conflict, ServiceUnavailable, TooManyRequests, Unprocessable


class PlayerAlreadyTracked(Conflict):
    error_code = "player_already_tracked"
    default_detail = "That player is already tracked."


class PlayerNotOnHiscores(Unprocessable):
    error_code = "player_not_on_hiscores"
    default_detail = "No player by that name is on the hiscores."


class HiscoresUnreachable(BadGateway):
    error_code = "hiscores_unavailable"


class FetchedTooRecently(TooManyRequests):
    error_code = "fetched_too_recently"
    default_detail = "That player was fetched or queued moments ago."


class QueueUnavailable(ServiceUnavailable):
    error_code = "queue_unavailable"
    default_detail = "The task queue is unavailable; try again shortly."
