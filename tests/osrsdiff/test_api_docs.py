"""docs/api.md says what the API serves, in words; the schema at /api/schema is
what it serves. Each endpoint is a table row in the docs (`METHOD /api/path`,
then who, success and errors), and the two must agree on endpoints and statuses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

API_DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
METHODS = ("get", "post", "put", "patch", "delete")
# A table row naming an endpoint: | `GET /api/players/{username}` | who | success | errors |
ROW = re.compile(r"^\|\s*`([A-Z]+) (/api/[^\s`?]*)[^`]*`\s*\|(.*)$", re.MULTILINE)
STATUS = re.compile(r"\b[1-5]\d\d\b")

Endpoint = tuple[str, str]


@pytest.fixture(scope="module")
def documented() -> dict[Endpoint, set[str]]:
    rows: dict[Endpoint, set[str]] = {}
    for method, path, cells in ROW.findall(API_DOC.read_text()):
        assert (method, path) not in rows, f"{method} {path} has two rows in docs/api.md"
        rows[method, path] = set(STATUS.findall(cells))
    return rows


@pytest.fixture(scope="module")
def served() -> dict[Endpoint, set[str]]:
    response = Client().get("/api/schema", {"format": "json"})
    assert response.status_code == 200
    return {
        (method.upper(), path): set(operation["responses"])
        for path, operations in response.json()["paths"].items()
        for method, operation in operations.items()
        if method in METHODS
    }


def listing(endpoints) -> str:
    return "\n".join(f"  {method} {path}" for method, path in sorted(endpoints))


def test_every_served_endpoint_is_documented(served, documented):
    missing = served.keys() - documented.keys()
    assert not missing, f"served, but not in docs/api.md:\n{listing(missing)}"


def test_every_documented_endpoint_is_served(served, documented):
    unserved = documented.keys() - served.keys()
    assert not unserved, f"in docs/api.md, but not served:\n{listing(unserved)}"


def test_documented_statuses_are_the_served_ones(served, documented):
    """Each endpoint's row names exactly the statuses the schema gives it: a client
    reading either learns every answer it can get."""
    mismatches = [
        f"  {method} {path}: schema {sorted(served[method, path])}, "
        f"docs {sorted(documented[method, path])}"
        for method, path in sorted(served.keys() & documented.keys())
        if served[method, path] != documented[method, path]
    ]
    assert not mismatches, "statuses differ:\n" + "\n".join(mismatches)
