"""The errors views raise, one per status the contract uses (docs/api.md).

Each carries a stable `error_code`; `api.handlers` turns any of them into the
error body, so no view builds an error response itself. An app that needs its
own code subclasses one of these in its `errors.py`.
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
    error_code = "bad_gateway"
    default_detail = "A service this request needs answered badly; try again later."


class ServiceUnavailable(ApiError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    error_code = "service_unavailable"
    default_detail = "A service this request needs is unavailable."


class TooManyRequests(ApiError):
    """A 429; the handler sends `retry_after` (whole seconds, at least 1) as Retry-After."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    error_code = "throttled"
    default_detail = "Too many requests."

    def __init__(self, message: str | None = None, *, retry_after: int, details: Any = None):
        super().__init__(message, details=details)
        self.retry_after = max(1, int(retry_after))
