"""API errors: each carries the contract's `error_code` (API.md, "Errors").

The generic ones live here, in the lowest app that serves an API, so `players`
and `progress` can raise them without importing the project package;
`osrsdiff.errors.api_exception_handler` turns any of them into the error body.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, status


class ApiError(exceptions.APIException):
    """An error with a stable `error_code` and optional details."""

    status_code = status.HTTP_400_BAD_REQUEST
    error_code = "bad_request"
    default_detail = "The request is not valid."

    def __init__(self, message: str | None = None, *, details: Any = None):
        super().__init__(message or self.default_detail)
        self.details = details


class Conflict(ApiError):
    status_code = status.HTTP_409_CONFLICT
    error_code = "conflict"
    default_detail = "The request conflicts with what is stored."


class Unprocessable(ApiError):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    error_code = "validation_error"
    default_detail = "A field is not valid."


class NotFound(ApiError):
    status_code = status.HTTP_404_NOT_FOUND
    error_code = "not_found"
    default_detail = "Not found."


class BadGateway(ApiError):
    status_code = status.HTTP_502_BAD_GATEWAY
    error_code = "hiscores_unavailable"
    default_detail = "The OSRS hiscores are unavailable; try again later."


class ServiceUnavailable(ApiError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    error_code = "service_unavailable"
    default_detail = "A service this request needs is unavailable."


class TooManyRequests(ApiError):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    error_code = "throttled"
    default_detail = "Too many requests."

    def __init__(self, message: str | None = None, *, retry_after: int, details: Any = None):
        super().__init__(message, details=details)
        self.retry_after = max(1, int(retry_after))


# --- tracking ---------------------------------------------------------------


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
