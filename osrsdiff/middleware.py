"""Request ids, the request log, and the bounds of what a request may carry."""

from __future__ import annotations

import logging
import re
import time
import uuid

from django.conf import settings

from api.handlers import error_response
from api.request_id import request_id_var

from .metrics import observe_request

logger = logging.getLogger("osrsdiff.request")

REQUEST_ID_HEADER = "X-Request-ID"
# A client's id is kept only if it is short and plain: it goes into logs and headers.
_SANE_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")


def incoming_request_id(request) -> str:
    candidate = request.headers.get(REQUEST_ID_HEADER, "")
    return candidate if _SANE_ID.match(candidate) else uuid.uuid4().hex


class RequestIdMiddleware:
    """Gives every request an id (the client's, if sane), puts it in every log line
    of the request and on the response, and logs one line per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = incoming_request_id(request)
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            seconds = time.perf_counter() - started
            observe_request(request, response.status_code, seconds)
            logger.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round(seconds * 1000, 2),
                },
            )
            return response
        finally:
            request_id_var.reset(token)


def declared_body_length(request) -> int:
    # What WSGIRequest reads, no more: a malformed length reads nothing.
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


class RequestBoundsMiddleware:
    """Refuses a request too long to serve, in the error body, before anything reads
    it: a path and query over MAX_REQUEST_URI_LENGTH (414), or a body declared over
    DATA_UPLOAD_MAX_MEMORY_SIZE (413). Django checks that size only where it reads
    the body itself; DRF's parsers read the stream and would take any length.

    A request this long is refused before routing, so it gets the error body
    wherever it was sent, not only under /api/."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        uri_length = len(request.get_full_path())
        if uri_length > settings.MAX_REQUEST_URI_LENGTH:
            return error_response(
                414,
                "uri_too_long",
                "The URL is too long.",
                {"length": uri_length, "max_length": settings.MAX_REQUEST_URI_LENGTH},
            )
        body_limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body_length = declared_body_length(request)
        if body_limit is not None and body_length > body_limit:
            return error_response(
                413,
                "payload_too_large",
                "The request body is too large.",
                {"length": body_length, "max_length": body_limit},
            )
        return self.get_response(request)
