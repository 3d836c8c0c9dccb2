"""The CSV body (`index_lite.ws`), a fallback only: it has no row names, so it is
read only when its exact row count matches a layout we know (see csv_layouts)."""

from __future__ import annotations

import re

from hiscores.snapshot import Snapshot

from .csv_layouts import BY_ROW_COUNT
from .rows import ActivityRow, SkillRow, body_text, build_snapshot, unavailable

# ASCII digits only: int() would also take "+5", " 5", "5_000" and Arabic digits.
# 20 digits bound the work before the range check refuses anything past 64 bits.
_INTEGER = re.compile(r"-?[0-9]{1,20}", re.ASCII)


def _integers(line: str, line_number: int, expected: int) -> list[int]:
    fields = line.split(",")
    if len(fields) != expected or not all(_INTEGER.fullmatch(f) for f in fields):
        raise unavailable(f"CSV line {line_number} is not {expected} integers: {line[:60]!r}")
    return [int(f) for f in fields]


def parse_csv(body: bytes | str) -> Snapshot:
    """A `Snapshot` from a CSV body whose row count matches a known layout."""
    lines = body_text(body).split("\n")
    if lines[-1] == "":  # the last line may or may not end with a newline
        lines.pop()
    lines = [line.removesuffix("\r") for line in lines]
    layout = BY_ROW_COUNT.get(len(lines))
    if layout is None:
        known = ", ".join(str(count) for count in sorted(BY_ROW_COUNT))
        raise unavailable(
            f"the CSV has {len(lines)} rows; only layouts of {known} rows are known, "
            "and reading another positionally would shift every later row"
        )
    skill_count = len(layout.skills)
    skill_rows = [
        SkillRow(name, *_integers(line, number, 3))
        for number, (name, line) in enumerate(zip(layout.skills, lines, strict=False), start=1)
    ]
    activity_rows = [
        ActivityRow(name, *_integers(line, number, 2))
        for number, (name, line) in enumerate(
            zip(layout.activities, lines[skill_count:], strict=True), start=skill_count + 1
        )
    ]
    return build_snapshot(skill_rows, activity_rows)
