"""The parser: recorded responses read to exact values, and the rules for odd rows."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

import hiscores
from hiscores import catalogue
from hiscores.errors import HiscoresUnavailable
from hiscores.parser import MAX_BODY_BYTES, parse_json
from hiscores.snapshot import ScoreValue, SkillValue

SAMPLES = Path(hiscores.__file__).parent / "fake" / "samples"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def body(skills: dict | None = None, activities: dict | None = None, **top) -> dict:
    """A current-layout JSON document, everything unranked unless overridden by name."""
    skills, activities = skills or {}, activities or {}
    document = {
        "skills": [
            {"name": m.name, **skills.get(m.name, {"rank": -1, "level": 1, "xp": -1})}
            for m in (catalogue.OVERALL, *catalogue.SKILLS)
        ],
        "activities": [
            {"name": m.name, **activities.get(m.name, {"rank": -1, "score": -1})}
            for m in catalogue.ACTIVITIES
        ],
        **top,
    }
    document["skills"][0].update(skills.get("Overall", {"rank": 1, "level": 32, "xp": 1154}))
    return document


def parse(document: dict):
    return parse_json(json.dumps(document))


# --- the recorded responses -------------------------------------------------------


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.json")), ids=lambda p: p.name)
def test_every_json_sample_parses_with_every_catalogue_slug(path):
    snapshot = parse_json(path.read_bytes())
    assert set(catalogue.SKILL_SLUGS) <= set(snapshot.skills)
    assert set(catalogue.BOSS_SLUGS) <= set(snapshot.bosses)
    assert set(catalogue.ACTIVITY_SLUGS) <= set(snapshot.activities)


def test_b0aty_json_values():
    s = parse_json(sample("b0aty.2026-07.index_lite.json"))
    assert s.overall == SkillValue(2210, 2277, 1_150_073_045)
    assert s.skills["attack"] == SkillValue(23988, 99, 33_320_012)
    assert s.skills["sailing"] == SkillValue(234, 99, 45_645_668)
    assert s.bosses["abyssal_sire"] == ScoreValue(3497, 2192)
    assert s.bosses["mimic"] == ScoreValue(540, 53)
    assert s.bosses["brutus"] is None  # unranked
    assert s.activities["clue_scrolls_all"] == ScoreValue(433, 9802)
    assert s.activities["last_man_standing"] == ScoreValue(4258, 6785)
    assert s.activities["pvp_arena"] is None
    assert s.activities["grid_points"] is None  # the row did not exist yet
    assert s.display_name is None


def test_live_capture_2024_values():
    s = parse_json(sample("live-capture.2024-12.index_lite.json"))
    assert s.overall == SkillValue(132911, 2165, 542_582_471)
    assert s.skills["prayer"] == SkillValue(200308, 93, 7_284_505)
    assert s.skills["sailing"] is None  # before Sailing
    assert s.bosses["zulrah"] == ScoreValue(48658, 1997)
    assert s.bosses["artio"] is None
    assert s.bosses["yama"] is None  # before Yama
    assert s.activities["clue_scrolls_master"] == ScoreValue(27747, 91)
    assert s.activities["guardians_of_the_rift"] == ScoreValue(756150, 8)
    assert s.activities["collections_logged"] is None


def test_lynx_titan_values_with_cut_bosses_and_untrained_sailing():
    s = parse_json(sample("lynx-titan.2026-09.bosses-cut.index_lite.json"))
    assert s.display_name == "Lynx Titan"
    assert s.overall == SkillValue(119608, 2278, 4_600_000_000)  # beyond 32 bits
    assert s.skills["slayer"] == SkillValue(2, 99, 200_000_000)
    assert s.skills["sailing"] is None  # "-1, 1, 0": never trained
    assert s.activities["clue_scrolls_all"] == ScoreValue(1_135_160, 22)
    assert s.activities["clue_scrolls_elite"] is None
    for cut in ("abyssal_sire", "mimic", "the_corrupted_gauntlet", "yama"):
        assert s.bosses[cut] is None
    assert s.bosses["zulrah"] is None  # present in the body, unranked
    assert list(s.bosses) == list(catalogue.BOSS_SLUGS)


def test_psikoi_pre_sailing_values_keep_a_score_without_a_rank():
    s = parse_json(sample("psikoi.2025-11.pre-sailing.index_lite.json"))
    assert s.overall == SkillValue(51181, 2184, 300_192_115)
    assert s.skills["runecraft"] == SkillValue(76234, 90, 5_347_176)
    assert s.skills["sailing"] is None
    assert s.activities["bounty_hunter_legacy_hunter"] == ScoreValue(None, 100)
    assert s.activities["last_man_standing"] == ScoreValue(473628, 500)
    assert s.bosses["dagannoth_prime"] == ScoreValue(77040, 388)
    assert s.bosses["shellbane_gryphon"] is None
    assert s.bosses["brutus"] is None


def test_psikoi_2026_values():
    s = parse_json(sample("psikoi.2026-07.index_lite.json"))
    assert s.overall == SkillValue(51181, 2184, 304_439_328)
    assert s.skills["sailing"] == SkillValue(73649, 88, 4_247_213)
    assert s.bosses["kreearra"] == ScoreValue(129345, 84)
    assert s.bosses["tztok_jad"] == ScoreValue(125838, 10)


# --- unranked and odd values --------------------------------------------------------


def test_unranked_skill_is_none():
    assert parse(body()).skills["attack"] is None


def test_never_trained_skill_is_none():
    s = parse(body({"Sailing": {"rank": -1, "level": 1, "xp": 0}}))
    assert s.skills["sailing"] is None


def test_skill_outside_the_ranks_keeps_its_experience():
    s = parse(body({"Attack": {"rank": -1, "level": 12, "xp": 1_500}}))
    assert s.skills["attack"] == SkillValue(None, 12, 1_500)


@pytest.mark.parametrize(
    "overall", [{"rank": 5, "level": 0, "xp": 0}, {"rank": 5, "level": 2000, "xp": 0}]
)
def test_overall_without_experience_or_level_is_unknown(overall):
    assert parse(body({"Overall": overall})).overall is None


def test_overall_without_rank_keeps_level_and_experience():
    s = parse(body({"Overall": {"rank": -1, "level": 1500, "xp": 60_000_000}}))
    assert s.overall == SkillValue(None, 1500, 60_000_000)


def test_activity_below_minimum_is_none_and_unranked_score_is_kept():
    s = parse(body(activities={"Zulrah": {"rank": -1, "score": 3}}))
    assert s.bosses["zulrah"] == ScoreValue(None, 3)
    assert s.bosses["vorkath"] is None


def test_rows_are_matched_by_name_not_by_id_or_position():
    document = body({"Attack": {"rank": 7, "level": 99, "xp": 13_034_431}})
    document["activities"][-1] = {"name": "Zulrah", "rank": 9, "score": 50}
    expected = parse(document)
    shuffled = json.loads(json.dumps(document))
    random.Random(4).shuffle(shuffled["skills"])
    random.Random(4).shuffle(shuffled["activities"])
    for index, row in enumerate(shuffled["skills"] + shuffled["activities"]):
        row["id"] = 999 - index
    assert parse(shuffled) == expected
    assert expected.skills["attack"].level == 99


def test_every_catalogue_slug_is_present_when_rows_are_missing():
    s = parse_json('{"skills":[{"name":"Overall","rank":1,"level":32,"xp":1154}],"activities":[]}')
    assert list(s.skills) == list(catalogue.SKILL_SLUGS)
    assert list(s.bosses) == list(catalogue.BOSS_SLUGS)
    assert list(s.activities) == list(catalogue.ACTIVITY_SLUGS)
    assert all(v is None for v in (*s.skills.values(), *s.bosses.values()))


def test_unknown_rows_are_kept_by_slug_where_they_stand():
    document = body()
    document["skills"].append({"name": "Necromancy", "rank": 3, "level": 50, "xp": 101_333})
    document["activities"].insert(5, {"name": "Tears of Guthix", "rank": 2, "score": 40})
    first_boss = next(
        i for i, r in enumerate(document["activities"]) if r["name"] == "Abyssal Sire"
    )
    document["activities"].insert(
        first_boss + 1, {"name": "The Mad King's Gate", "rank": 1, "score": 6}
    )
    s = parse(document)
    assert s.skills["necromancy"] == SkillValue(3, 50, 101_333)
    assert s.activities["tears_of_guthix"] == ScoreValue(2, 40)
    assert s.bosses["the_mad_kings_gate"] == ScoreValue(1, 6)
    assert "the_mad_kings_gate" not in s.activities


def test_unknown_row_with_no_boss_before_it_is_an_activity():
    document = body()
    document["activities"] = [{"name": "New Minigame", "rank": 1, "score": 2}]
    assert parse(document).activities["new_minigame"] == ScoreValue(1, 2)


# --- bodies that are not the expected JSON -------------------------------------------


def _set(path, value):
    def change(document):
        target = document
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        return json.dumps(document)

    return change


def _append(key, row):
    def change(document):
        return json.dumps({**document, key: [*document[key], row]})

    return change


def _replace(old, new):
    return lambda document: json.dumps(document).replace(old, new, 1)


def _without(path):
    def change(document):
        target = document
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]
        return json.dumps(document)

    return change


def _move_row(source, index, target, row):
    def change(document):
        rows = [r for i, r in enumerate(document[source]) if i != index]
        return json.dumps({**document, source: rows, target: [*document[target], row]})

    return change


ATTACK_ROW = {"name": "Attack", "rank": 1, "level": 1, "xp": 1}
ACTIVITY_COUNT = len(catalogue.ACTIVITIES)

# name: (make the body from a valid document, what the message must say)
BAD_BODIES = {
    "not json": (lambda d: "<html>Service Unavailable</html>", "not valid JSON"),
    "empty": (lambda d: "", "not valid JSON"),
    "truncated": (lambda d: json.dumps(d)[:-40], "not valid JSON"),
    "top level a list": (lambda d: json.dumps([d]), "top level"),
    "skills missing": (_without(("skills",)), "'skills' is missing"),
    "activities not a list": (_set(("activities",), {"Zulrah": 5}), "'activities' is missing"),
    "row not an object": (_set(("skills", 3), ["Attack", 1, 1, 1]), "skills[3] is not an object"),
    "name missing": (_without(("skills", 3, "name")), "skills[3] has no text name"),
    "name a number": (_set(("activities", 3, "name"), 7), "activities[3] has no text name"),
    "rank a string": (_set(("skills", 2, "rank"), "5"), "integer 'rank'"),
    "xp a float": (_set(("skills", 2, "xp"), 1e9), "integer 'xp'"),
    "level a bool": (_set(("skills", 2, "level"), True), "integer 'level'"),
    "score missing": (_without(("activities", 4, "score")), "integer 'score'"),
    "duplicate row": (_append("skills", ATTACK_ROW), "appears twice"),
    "duplicate key": (_replace('{"name": "Attack"', '{"name": "Attack", "name": "X"'), "repeats"),
    "NaN": (_replace('"xp": 1154', '"xp": NaN'), "NaN"),
    "no Overall row": (_without(("skills", 0)), "no Overall"),
    "skill among activities": (
        _move_row("skills", 1, "activities", {"name": "Attack", "rank": 1, "score": 1}),
        "skill 'Attack' is listed among the activities",
    ),
    "activity among skills": (
        _move_row("activities", ACTIVITY_COUNT - 1, "skills", {**ATTACK_ROW, "name": "Zulrah"}),
        "activity 'Zulrah' is listed among the skills",
    ),
    "unknown row on a known slug": (
        _append("activities", {"name": "Last Man Standing", "rank": 1, "score": 600}),
        "collides with the slug 'last_man_standing'",
    ),
    "row name without letters": (
        _append("activities", {"name": "???", "rank": 1, "score": 9}),
        "no letters or digits",
    ),
    "empty row name": (
        _append("activities", {"name": "", "rank": 1, "score": 9}),
        "without a name",
    ),
    "display name a number": (lambda d: json.dumps({**d, "name": 42}), "'name' is not text"),
    "display name not a name": (
        lambda d: json.dumps({**d, "name": "<b>Zezima</b>"}),
        "is not a display name",
    ),
    "deep nesting": (lambda d: "[" * 100_000 + "]" * 100_000, "recursion"),
    "too many digits": (_replace('"xp": 1154', '"xp": ' + "9" * 5000), "digits"),
    "over 1 MB": (lambda d: json.dumps(d) + " " * MAX_BODY_BYTES, "bytes allowed"),
}


@pytest.mark.parametrize(("make", "says"), BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_unexpected_json_is_unavailable(make, says):
    with pytest.raises(HiscoresUnavailable, match="Unexpected hiscores body") as raised:
        parse_json(make(body()))
    assert says in str(raised.value)


def test_invalid_utf8_is_unavailable():
    with pytest.raises(HiscoresUnavailable, match="UTF-8"):
        parse_json(b'{"skills": [], "activities": [], "name": "\xff"}')


def test_body_of_the_wrong_type_is_unavailable():
    with pytest.raises(HiscoresUnavailable):
        parse_json(None)  # type: ignore[arg-type]
