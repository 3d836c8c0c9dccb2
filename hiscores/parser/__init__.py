"""Hiscores bodies to `Snapshot`s. JSON is the format to use; CSV is a guarded fallback.

Both raise `HiscoresUnavailable`, and nothing else, for a body they do not understand:
its `ImplausibleResponse` when the body is well-formed but a value is out of
`hiscores.bounds`.
"""

from .csv_format import parse_csv
from .json_format import parse_json
from .rows import MAX_BODY_BYTES

__all__ = ["MAX_BODY_BYTES", "parse_csv", "parse_json"]
