"""The id of the request being answered.

The project's middleware sets it for each request; the error body carries it
(`api.handlers.error_body`) and so does every log line, so a client's error can
be found in the logs.
"""

from __future__ import annotations

import contextvars

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)
