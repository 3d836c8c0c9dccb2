"""Where every error becomes the contract's one body (docs/api.md):

    {"error_code", "message", "details", "timestamp", "request_id"}

DRF views reach it through `api_exception_handler` (settings REST_FRAMEWORK
EXCEPTION_HANDLER); URLs no view matched and crashes outside DRF through the
`not_found_view` / `server_error_view` handlers; plain Django views through
`error_response`. Views raise `api.errors` classes (or DRF's own exceptions).
"""

from __future__ import annotations

import logging
import math
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.utils import timezone
from django.views import defaults
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from .errors import ApiError, NotFound, TooManyRequests
from .request_id import request_id_var

logger = logging.getLogger(__name__)


def error_body(status_code: int, error_code: str, message: str, details: Any = None) -> dict:
    return {
        "error_code": error_code,
        "message": message,
        "details": details,
        "timestamp": timezone.now().isoformat(),
        "request_id": request_id_var.get(),
    }


def error_response(status_code: int, error_code: str, message: str, details: Any = None):
    return JsonResponse(error_body(status_code, error_code, message, details), status=status_code)


# DRF exception class -> (status, error_code). Checked in order: subclasses first.
_DRF_CODES: list[tuple[type[Exception], int, str]] = [
    (exceptions.ParseError, 400, "malformed_request"),
    (exceptions.ValidationError, 422, "validation_error"),
    (exceptions.NotAuthenticated, 401, "not_authenticated"),
    (exceptions.AuthenticationFailed, 401, "authentication_failed"),
    (exceptions.PermissionDenied, 403, "permission_denied"),
    (exceptions.NotFound, 404, "not_found"),
    (exceptions.MethodNotAllowed, 405, "method_not_allowed"),
    (exceptions.NotAcceptable, 406, "not_acceptable"),
    (exceptions.UnsupportedMediaType, 415, "unsupported_media_type"),
    (exceptions.Throttled, 429, "throttled"),
]


def _message_of(detail: Any) -> str:
    if isinstance(detail, str):
        return detail
    if isinstance(detail, list) and detail:
        return _message_of(detail[0])
    if isinstance(detail, dict) and "detail" in detail:
        return _message_of(detail["detail"])
    return "The request is not valid."


def api_exception_handler(exc: Exception, context: dict) -> Response:
    """DRF's EXCEPTION_HANDLER: every exception a view raises becomes the contract body."""
    headers: dict[str, str] = {}
    if isinstance(exc, Http404):
        exc = NotFound(str(exc) or None)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, InvalidToken | TokenError):
        exc = exceptions.AuthenticationFailed("The token is invalid, expired or revoked.")

    retry_after: int | None = None
    if isinstance(exc, ApiError):
        code, status_code, details = exc.error_code, exc.status_code, exc.details
        message = str(exc.detail)
        if isinstance(exc, TooManyRequests):
            retry_after = exc.retry_after
    elif isinstance(exc, exceptions.APIException):
        status_code, code = exc.status_code, "error"
        for cls, cls_status, cls_code in _DRF_CODES:
            if isinstance(exc, cls):
                status_code, code = cls_status, cls_code
                break
        message = _message_of(exc.detail)
        details = exc.detail if isinstance(exc, exceptions.ValidationError) else None
        if isinstance(exc, exceptions.ValidationError):
            message = "Some fields are not valid."
            if not isinstance(details, dict):
                details = {"non_field_errors": details}
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            retry_after = max(1, math.ceil(exc.wait))
        if status_code == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="api"'
    elif isinstance(exc, OperationalError | InterfaceError):
        logger.exception("database unavailable")
        status_code, code, details = 503, "database_unavailable", None
        message = "The database is unavailable; try again shortly."
    elif isinstance(exc, DatabaseError):
        logger.exception("database error")
        status_code, code, details = 500, "internal_error", None
        message = "The server failed to handle this request."
    else:
        logger.exception("unhandled error in an API view")
        status_code, code, details = 500, "internal_error", None
        message = "The server failed to handle this request."

    if retry_after is not None:
        # In the body too: not every client reads headers (docs/api.md, "Roles").
        headers["Retry-After"] = str(retry_after)
        details = {**(details or {}), "retry_after": retry_after}
    return Response(
        error_body(status_code, code, message, details), status=status_code, headers=headers
    )


def _wants_json(request) -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def not_found_view(request, exception=None):
    """handler404: the error body under /api/, Django's page elsewhere (the admin)."""
    if _wants_json(request):
        return error_response(404, "not_found", "No such endpoint.", {"path": request.path})
    return defaults.page_not_found(request, exception)


def server_error_view(request):
    """handler500: the error body under /api/, Django's page elsewhere (the admin)."""
    if _wants_json(request):
        return error_response(500, "internal_error", "The server failed to handle this request.")
    return defaults.server_error(request)
