"""The API errors the players app raises: each subclasses one of the contract's
generic errors (`api.errors`) with a code of its own (docs/api.md)."""

from __future__ import annotations

from api.errors import (
    BadGateway,
    Conflict,
    NotFound,
    ServiceUnavailable,
    TooManyRequests,
    Unprocessable,
)


class PlayerNotTracked(NotFound):
    error_code = "player_not_found"
    default_detail = "No tracked player has that name."


class NoRecords(NotFound):
    error_code = "no_records"
    default_detail = "This player has no hiscores record yet."


# --- tracking ---------------------------------------------------------------


class PlayerAlreadyTracked(Conflict):
    error_code = "player_already_tracked"
    default_detail = "That player is already tracked."


class IntervalOutOfBounds(Unprocessable):
    """A bad `fetch_interval_minutes`, reported as a bad field is."""

    default_detail = "Some fields are not valid."

    def __init__(self, message: str):
        super().__init__(details={"fetch_interval_minutes": [message]})


class PlayerNotOnHiscores(Unprocessable):
    error_code = "player_not_on_hiscores"
    default_detail = "No player by that name is on the hiscores."


class HiscoresUnreachable(BadGateway):
    error_code = "hiscores_unavailable"
    default_detail = "The OSRS hiscores are unavailable; try again later."


class AddQuotaReached(TooManyRequests):
    error_code = "add_quota_reached"
    default_detail = "You have added as many players as a day allows."


class FetchedTooRecently(TooManyRequests):
    error_code = "fetched_too_recently"
    default_detail = "That player was fetched or queued moments ago."


class QueueUnavailable(ServiceUnavailable):
    error_code = "queue_unavailable"
    default_detail = "The task queue is unavailable; try again shortly."


# --- flags ------------------------------------------------------------------


class FlagAlreadyResolved(Conflict):
    error_code = "flag_already_resolved"
    default_detail = "That flag is already resolved."


class FlagNotFound(NotFound):
    error_code = "flag_not_found"
    default_detail = "No flag has that id."


# --- name changes -----------------------------------------------------------


class NameChangeNotFound(NotFound):
    error_code = "name_change_not_found"
    default_detail = "No name change has that id."


class NameChangePending(Conflict):
    error_code = "name_change_pending"
    default_detail = "The same name change is already waiting for review."


class NameChangeResolved(Conflict):
    error_code = "name_change_resolved"
    default_detail = "That name change was already approved or denied."


class NameChangeBlocked(Conflict):
    """Approving would lose or mix history: `details` says what stands in the way."""

    error_code = "name_change_blocked"
    default_detail = "That name change cannot be applied as things stand."
