"""Request ids and the request log."""

from __future__ import annotations

import logging
import re
import time
import uuid

from .logging import request_id_var
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
