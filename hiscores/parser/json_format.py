"""The JSON body (`index_lite.json`): rows carry names, so they are matched by name."""

from __future__ import annotations

import json
from typing import Any

from hiscores.snapshot import Snapshot
from hiscores.usernames import InvalidUsername, clean

from .rows import ActivityRow, SkillRow, body_text, build_snapshot, short, unavailable


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json.loads keeps the last of two equal keys; a body that says a thing twice
    # is not one we understand.
    document = dict(pairs)
    if len(document) != len(pairs):
        raise _DuplicateKey("an object repeats a key")
    return document


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _load(body: bytes | str) -> Any:
    text = body_text(body)
    try:
        return json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_reject_constant)
    # RecursionError: deeply nested arrays; ValueError: bad JSON, integers with
    # more digits than Python converts, repeated keys.
    except (ValueError, RecursionError) as exc:
        raise unavailable(f"not valid JSON ({exc})") from exc


def _row_values(row: Any, where: str, fields: tuple[str, ...]) -> tuple[str, list[int]]:
    if not isinstance(row, dict):
        raise unavailable(f"{where} is not an object")
    name = row.get("name")
    if not isinstance(name, str):
        raise unavailable(f"{where} has no text name")
    values = []
    for field in fields:
        value = row.get(field)
        # type() rather than isinstance(): JSON true would pass as the int 1.
        if type(value) is not int:
            raise unavailable(f"{where} ({short(name)}) needs an integer {field!r}")
        values.append(value)
    return name, values


def _rows(document: dict[str, Any], key: str) -> list[Any]:
    rows = document.get(key)
    if not isinstance(rows, list):
        raise unavailable(f"{key!r} is missing or not a list")
    return rows


def _display_name(document: dict[str, Any]) -> str | None:
    # Absent before 2025; when present it must look like a name Jagex could give.
    if "name" not in document or document["name"] is None:
        return None
    name = document["name"]
    if not isinstance(name, str):
        raise unavailable("the top-level 'name' is not text")
    try:
        return clean(name)
    except InvalidUsername as exc:
        raise unavailable(f"the top-level name {short(name)} is not a display name") from exc


def parse_json(body: bytes | str) -> Snapshot:
    """A `Snapshot` from a JSON body; anything unexpected raises `HiscoresUnavailable`."""
    document = _load(body)
    if not isinstance(document, dict):
        raise unavailable("the top level is not an object")
    skill_rows = []
    for index, row in enumerate(_rows(document, "skills")):
        name, (rank, level, xp) = _row_values(row, f"skills[{index}]", ("rank", "level", "xp"))
        skill_rows.append(SkillRow(name, rank, level, xp))
    activity_rows = []
    for index, row in enumerate(_rows(document, "activities")):
        name, (rank, score) = _row_values(row, f"activities[{index}]", ("rank", "score"))
        activity_rows.append(ActivityRow(name, rank, score))
    return build_snapshot(skill_rows, activity_rows, _display_name(document))
