"""Plausibility bounds: a well-formed answer holding a value no player can have is
refused whole, in either format, with the row, the value and the reason."""

from __future__ import annotations

import json

import pytest

from hiscores import bounds, catalogue
from hiscores.errors import HiscoresUnavailable, ImplausibleResponse
from hiscores.parser import parse_csv, parse_json
from hiscores.snapshot import ScoreValue, SkillValue

SKILL_ROWS = (catalogue.OVERALL, *catalogue.SKILLS)
MAXED_TOTAL_LEVEL = 99 * len(catalogue.SKILLS)  # 2,376 with 24 skills
MAXED_TOTAL_XP = 200_000_000 * len(catalogue.SKILLS)


def rows(values: dict[str, dict[str, int]]) -> tuple[list[dict], list[dict]]:
    """Every current row, ranked and plausible, with `values` set by row name."""
    skills = [
        {"name": m.name, "rank": 10, "level": 50, "xp": 101_333, **values.get(m.name, {})}
        for m in SKILL_ROWS
    ]
    skills[0] = {"name": "Overall", "rank": 10, "level": 1200, "xp": 2_431_992}
    skills[0].update(values.get("Overall", {}))
    activities = [
        {"name": m.name, "rank": 10, "score": 50, **values.get(m.name, {})}
        for m in catalogue.ACTIVITIES
    ]
    return skills, activities


def as_json(values: dict[str, dict[str, int]]) -> str:
    skills, activities = rows(values)
    return json.dumps({"skills": skills, "activities": activities})


def as_csv(values: dict[str, dict[str, int]]) -> str:
    skills, activities = rows(values)
    lines = [f"{r['rank']},{r['level']},{r['xp']}" for r in skills]
    lines += [f"{r['rank']},{r['score']}" for r in activities]
    return "\n".join(lines)


PARSERS = {"json": (parse_json, as_json), "csv": (parse_csv, as_csv)}


@pytest.fixture(params=PARSERS, ids=str)
def parse(request):
    parser, render = PARSERS[request.param]
    return lambda values: parser(render(values))


# row, field, value: each one no hiscores answer can hold.
IMPLAUSIBLE = [
    ("Attack", "level", 5000),
    ("Attack", "level", 100),
    ("Attack", "level", -2),
    ("Attack", "xp", 2**40),
    ("Attack", "xp", 200_000_001),
    ("Attack", "xp", -5),
    ("Attack", "rank", -2),
    ("Attack", "rank", 2**63),
    ("Overall", "level", MAXED_TOTAL_LEVEL + 1),
    ("Overall", "xp", MAXED_TOTAL_XP + 1),
    ("Overall", "rank", 2**63),
    ("Zulrah", "score", 2**63),
    ("Zulrah", "score", -7),
    ("Clue Scrolls (all)", "rank", -3),
]


@pytest.mark.parametrize(("row", "field", "value"), IMPLAUSIBLE)
def test_a_value_out_of_bounds_refuses_the_answer_naming_it(parse, row, field, value):
    with pytest.raises(ImplausibleResponse) as raised:
        parse({row: {field: value}})

    message = str(raised.value)
    assert message.startswith("Implausible hiscores answer")
    assert f"'{row}' {field} {value} is outside" in message


def test_an_implausible_answer_is_unavailable_but_not_worth_an_immediate_retry():
    with pytest.raises(HiscoresUnavailable) as raised:
        parse_json(as_json({"Attack": {"level": 5000}}))

    error = raised.value
    assert (error.outcome, error.request_made, error.transient) == ("unavailable", True, False)
    assert not error.proves_up


def test_the_refusal_gives_the_reason_for_the_bound():
    with pytest.raises(ImplausibleResponse, match=r"outside -1\.\.200000000 \(no skill holds"):
        parse_json(as_json({"Attack": {"xp": 2**40}}))


def test_the_highest_plausible_values_are_kept(parse):
    snapshot = parse(
        {
            "Overall": {"rank": 2**31 + 5, "level": MAXED_TOTAL_LEVEL, "xp": MAXED_TOTAL_XP},
            "Attack": {"rank": 1, "level": 99, "xp": 200_000_000},
            "Zulrah": {"rank": 2**63 - 1, "score": 2**63 - 1},
        }
    )

    assert snapshot.overall == SkillValue(2**31 + 5, MAXED_TOTAL_LEVEL, MAXED_TOTAL_XP)
    assert snapshot.skills["attack"] == SkillValue(1, 99, 200_000_000)
    assert snapshot.bosses["zulrah"] == ScoreValue(2**63 - 1, 2**63 - 1)


def test_the_unranked_markers_are_within_bounds_and_read_as_unknown(parse):
    snapshot = parse(
        {
            "Overall": {"rank": -1, "level": 0, "xp": 0},
            "Attack": {"rank": -1, "level": 1, "xp": -1},
            "Zulrah": {"rank": -1, "score": -1},
        }
    )

    assert snapshot.overall is None
    assert snapshot.skills["attack"] is None
    assert snapshot.bosses["zulrah"] is None


def test_a_skill_the_catalogue_does_not_know_raises_the_totals():
    skills, activities = rows({"Overall": {"level": MAXED_TOTAL_LEVEL + 99}})
    skills.append({"name": "Necromancy", "rank": 3, "level": 99, "xp": 13_034_431})
    document = {"skills": skills, "activities": activities}

    assert parse_json(json.dumps(document)).overall.level == MAXED_TOTAL_LEVEL + 99
    skills[0]["level"] += 1
    with pytest.raises(ImplausibleResponse, match="25 skills at 99 each"):
        parse_json(json.dumps(document))


def test_totals_are_bounded_by_every_skill_at_its_maximum():
    assert bounds.total_level(24).highest == 2_376
    assert bounds.total_xp(24).highest == 4_800_000_000
