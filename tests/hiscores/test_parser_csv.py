"""The CSV fallback: exact row-count layouts, and the recorded CSVs read to exact values."""

from __future__ import annotations

import json

import pytest

from hiscores.errors import HiscoresUnavailable
from hiscores.parser import parse_csv, parse_json
from hiscores.parser.csv_layouts import (
    BEFORE_GRID_POINTS_2026_07,
    BY_ROW_COUNT,
    CURRENT,
    LAYOUTS,
    PRE_SAILING_2025_11,
    Layout,
    _by_row_count,
)
from hiscores.snapshot import ScoreValue, SkillValue

from .test_parser import SAMPLES, sample


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.csv")), ids=lambda p: p.name)
def test_every_csv_sample_parses(path):
    assert parse_csv(path.read_bytes()).overall is not None


def test_b0aty_csv_and_json_agree_value_for_value():
    from_csv = parse_csv(sample("b0aty.2026-07.index_lite.csv"))
    from_json = parse_json(sample("b0aty.2026-07.index_lite.json"))
    assert from_csv == from_json
    assert from_csv.bosses["shellbane_gryphon"] == ScoreValue(9679, 453_663)


def test_psikoi_csv_values():
    s = parse_csv(sample("psikoi.2025-11.index_lite.csv"))
    assert s.overall == SkillValue(51181, 2184, 300_192_115)
    assert s.skills["construction"] == SkillValue(80761, 88, 4_537_106)
    assert s.skills["sailing"] is None
    assert s.activities["clue_scrolls_all"] == ScoreValue(42231, 585)
    assert s.bosses["abyssal_sire"] == ScoreValue(10475, 1049)
    assert s.bosses["zulrah"] == ScoreValue(43820, 1646)


def test_psikoi_csv_matches_its_json_except_four_hand_edited_rows():
    # The recorded CSV had a row inserted by hand before Dagannoth Prime (the JSON of
    # the period, and docs/hiscores.md, put the new row after Dagannoth Supreme), so the
    # three Dagannoth rows sit one place late. Every other value agrees. If this set
    # changes, the layout or the sample changed: look before updating it.
    from_csv = parse_csv(sample("psikoi.2025-11.index_lite.csv"))
    from_json = parse_json(sample("psikoi.2025-11.pre-sailing.index_lite.json"))

    def score(value):
        return None if value is None else value.score

    differ = {
        slug
        for group in ("bosses", "activities")
        for slug, value in getattr(from_csv, group).items()
        if score(value) != score(getattr(from_json, group)[slug])
    }
    assert differ == {
        "dagannoth_prime",
        "dagannoth_rex",
        "dagannoth_supreme",
        "deranged_archaeologist",
    }
    assert {k: v and v.experience for k, v in from_csv.skills.items()} == {
        k: v and v.experience for k, v in from_json.skills.items()
    }


def csv_for(layout: Layout, values: dict[str, str] | None = None) -> str:
    values = values or {}
    lines = [values.get(n, "-1,1,-1") for n in layout.skills]
    lines += [values.get(n, "-1,-1") for n in layout.activities]
    return "\n".join(lines)


def test_csv_reads_the_current_layout_by_position():
    text = csv_for(CURRENT, {"Overall": "5,40,2000", "Grid Points": "3,90", "Zulrah": "8,12"})
    s = parse_csv(text)
    assert s.overall == SkillValue(5, 40, 2000)
    assert s.activities["grid_points"] == ScoreValue(3, 90)
    assert s.bosses["zulrah"] == ScoreValue(8, 12)


@pytest.mark.parametrize("ending", ["", "\n", "\r\n"])
def test_csv_last_line_may_lack_a_newline(ending):
    text = csv_for(CURRENT, {"Overall": "5,40,2000"}).replace(
        "\n", "\r\n" if ending == "\r\n" else "\n"
    )
    assert parse_csv(text + ending).overall == SkillValue(5, 40, 2000)


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda layout: layout.name)
def test_csv_layout_is_chosen_by_exact_row_count(layout):
    assert parse_csv(csv_for(layout, {"Zulrah": "8,12"})).bosses["zulrah"] == ScoreValue(8, 12)


@pytest.mark.parametrize("rows", [0, 1, 111, 113, 114, 117, 200])
def test_csv_with_an_unknown_row_count_is_refused(rows):
    text = "\n".join(["1,1,1"] * min(rows, 25) + ["1,1"] * max(rows - 25, 0))
    with pytest.raises(HiscoresUnavailable, match="rows"):
        parse_csv(text)


@pytest.mark.parametrize(
    "line",
    [
        "1,2",
        "1,2,3,4",
        "+1,2,3",
        " 1,2,3",
        "1_000,2,3",
        "1,2,x",
        "",
        "1,2,99999999999999999999999",
        "1,-2,3",
    ],
)
def test_csv_with_a_bad_line_is_unavailable(line):
    with pytest.raises(HiscoresUnavailable):
        parse_csv(csv_for(CURRENT, {"Attack": line}))


def test_layouts_have_distinct_row_counts():
    assert sorted(BY_ROW_COUNT) == [112, 115, 116]
    twin = Layout("twin", CURRENT.skills, CURRENT.activities)
    with pytest.raises(RuntimeError, match="both have 116 rows"):
        _by_row_count((*LAYOUTS, twin))


@pytest.mark.parametrize(
    ("layout", "json_sample"),
    [
        (BEFORE_GRID_POINTS_2026_07, "b0aty.2026-07.index_lite.json"),
        (PRE_SAILING_2025_11, "psikoi.2025-11.pre-sailing.index_lite.json"),
    ],
)
def test_historic_layouts_list_the_rows_of_their_period(layout, json_sample):
    document = json.loads(sample(json_sample))
    assert layout.skills == tuple(r["name"] for r in document["skills"])
    assert layout.activities == tuple(r["name"] for r in document["activities"])


def test_current_layout_follows_the_hiscores_order():
    names = [line for line in (SAMPLES / "hiscores_order.txt").read_text().splitlines()]
    rows = [n for n in names if n and n not in ("SKILLS", "ACTIVITIES")]
    assert [*CURRENT.skills, *CURRENT.activities] == rows
