"""Spreadsheet answers (docs/api.md, "Spreadsheets"): a view that lists
`CsvRenderer` answers `text/csv` to `Accept: text/csv` or `?format=csv`.

The body is the JSON body's rows (a list, or a page's `results`), one line each
under a header row. Nested objects become columns joined by `_`
(`{"attack": {"gained": 5}}` is `attack_gained`); lists inside a row are joined
by `;`. The header lists the columns in the order the view builds its rows,
so the names are as stable as the JSON fields are. Errors stay JSON
(`CsvViewMixin`): a spreadsheet cannot hold the error body.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

from rest_framework.renderers import BaseRenderer, JSONRenderer


def flatten(row: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, f"{name}_"))
        elif isinstance(value, list | tuple):
            out[name] = ";".join(str(v) for v in value)
        else:
            out[name] = value
    return out


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat().replace("+00:00", "Z")
    text = str(value)
    # A cell a spreadsheet would run as a formula is quoted as text.
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") and not _number(text) else text


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def to_csv(rows: Iterable[Mapping[str, Any]], columns: Iterable[str] = ()) -> str:
    flat = [flatten(row) for row in rows]
    header = list(dict.fromkeys([*columns, *(key for row in flat for key in row)]))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in flat:
        writer.writerow([_cell(row.get(column)) for column in header])
    return buffer.getvalue()


class CsvRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type=None, renderer_context=None) -> bytes:
        view = (renderer_context or {}).get("view")
        rows_of = getattr(view, "csv_rows", None)
        if rows_of is not None:
            rows = rows_of(data)
        elif isinstance(data, Mapping) and "results" in data:
            rows = data["results"]
        elif isinstance(data, Mapping):
            rows = [data]
        else:
            rows = data or []
        return to_csv(rows, getattr(view, "csv_columns", ())).encode(self.charset)


class CsvViewMixin:
    """JSON by default, CSV when asked; errors always in the JSON error body."""

    renderer_classes = [JSONRenderer, CsvRenderer]
    # Optional on the view: `csv_columns` (columns always in the header, first) and
    # `csv_rows(data)` (the rows of a body that is not a list or a page).

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        request = getattr(self, "request", None)
        if isinstance(getattr(request, "accepted_renderer", None), CsvRenderer):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return response
