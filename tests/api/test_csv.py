"""The spreadsheet renderer (api.csv): a header row, flattened columns in a
stable order, and cells a spreadsheet will not run as formulas."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from api.csv import to_csv


def parsed(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_nested_objects_become_columns_joined_by_underscores():
    rows = [{"username": "A", "metrics": {"attack": {"gained": 5, "rank": 1}}, "tags": ["x", "y"]}]
    assert parsed(to_csv(rows)) == [
        ["username", "metrics_attack_gained", "metrics_attack_rank", "tags"],
        ["A", "5", "1", "x;y"],
    ]


def test_an_empty_list_still_has_the_views_header():
    assert parsed(to_csv([], ("username", "gained"))) == [["username", "gained"]]


def test_values_are_written_as_spreadsheets_read_them():
    moment = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    rows = [{"at": moment, "none": None, "flag": True, "neg": -5, "formula": "=SUM(A1)"}]
    assert parsed(to_csv(rows))[1] == ["2026-01-02T03:04:00Z", "", "true", "-5", "'=SUM(A1)"]


def test_a_column_missing_from_some_rows_is_blank_there():
    assert parsed(to_csv([{"a": 1}, {"a": 2, "b": 3}])) == [["a", "b"], ["1", ""], ["2", "3"]]
