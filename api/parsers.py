"""Request body parsers: JSON whose nesting is bounded.

Python's decoder recurses once per array or object, so a body of 100,000 `[`
would end in a RecursionError (a 500). The nesting is measured first, on the raw
bytes, and a body nested deeper than JSON_MAX_DEPTH is a 400 like any other
malformed body. (Its size is bounded before it gets here, by osrsdiff's
RequestBoundsMiddleware, so the measuring is bounded too.)
"""

from __future__ import annotations

import io
import re

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# The only bytes that can open or close a level, start or end a string, or escape.
_STRUCTURAL = re.compile(rb'[\[\]{}"\\]')
_QUOTE, _BACKSLASH = ord('"'), ord("\\")
_OPENING, _CLOSING = frozenset(b"[{"), frozenset(b"]}")


def nesting_exceeds(text: bytes, limit: int) -> bool:
    """Whether arrays and objects in `text` nest deeper than `limit`; brackets in
    strings do not count. One pass, stopping at the first level too deep."""
    depth = 0
    in_string = False
    escaped = -1  # the position of the byte a backslash escapes
    for match in _STRUCTURAL.finditer(text):
        at = match.start()
        if at == escaped:
            continue
        byte = text[at]
        if in_string:
            if byte == _BACKSLASH:
                escaped = at + 1
            elif byte == _QUOTE:
                in_string = False
        elif byte == _QUOTE:
            in_string = True
        elif byte in _OPENING:
            depth += 1
            if depth > limit:
                return True
        elif byte in _CLOSING:
            depth -= 1
    return False


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser, refusing bodies nested deeper than JSON_MAX_DEPTH."""

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read()
        limit = settings.JSON_MAX_DEPTH
        if nesting_exceeds(raw, limit):
            raise ParseError(f"JSON parse error - nested deeper than {limit} levels.")
        return super().parse(io.BytesIO(raw), media_type, parser_context)
