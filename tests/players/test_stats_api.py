from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.generators import SchemaGenerator

from hiscores import catalogue, levels
from players.models import Player
from players.records import HiscoreRecord
from tests.factories import HiscoreRecordFactory, PlayerFactory, skills_data

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


def fetched(player: Player, at: datetime, **fields) -> HiscoreRecord:
    record = HiscoreRecordFactory(player=player, fetched_at=at, **fields)
    if player.latest_record is None or player.latest_record.fetched_at < at:
        player.latest_record = record
        player.save(update_fields=["latest_record"])
    return record


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error_code"] == code
    assert body["request_id"] == response["X-Request-ID"]
    return body


@pytest.fixture
def clock():
    """Frozen at NOW; ask for it before `api`, so the token is issued at NOW too."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def zezima():
    return PlayerFactory(username="Zezima")


def test_stats_show_the_latest_record(api, zezima):
    level_70 = levels.experience_for_level(70)
    fetched(zezima, NOW - timedelta(days=3), skills_data=skills_data(50_000))
    fetched(
        zezima,
        NOW - timedelta(days=1),
        skills_data=skills_data(level_70),
        bosses_data={"zulrah": {"rank": 900, "kc": 412}},
    )
    body = api.get("/api/players/zezima/stats").json()
    assert body["username"] == "Zezima"
    assert body["fetched_at"] == (NOW - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert body["skills"]["attack"] == {
        "rank": 1000,
        "level": 70,
        "experience": level_70,
        "virtual_level": 70,
    }
    assert body["bosses"]["zulrah"] == {"rank": 900, "kc": 412}
    assert body["overall"]["experience"] == level_70 * len(catalogue.SKILLS)
    assert body["total_level"] == 70 * len(catalogue.SKILLS)
    # 0.25 * (70 + 70 + 70 // 2) + 0.325 * (70 + 70)
    assert body["combat_level"] == 89


UNRANKED_SKILL = {"rank": None, "level": None, "experience": None, "virtual_level": None}
UNRANKED_BOSS = {"rank": None, "kc": None}
UNRANKED_ACTIVITY = {"rank": None, "score": None}


def unranked_everywhere(player: Player, at: datetime) -> None:
    """A record where Attack, every boss and the clue scrolls are unranked."""
    fetched(
        player,
        at,
        skills_data=skills_data(50_000) | {"attack": None},
        bosses_data={},
        activities_data={"clue_scrolls_all": None},
    )


def assert_unranked_are_objects_of_nulls(body: dict) -> None:
    assert body["skills"]["attack"] == UNRANKED_SKILL
    assert all(entry == UNRANKED_BOSS for entry in body["bosses"].values())
    assert body["activities"]["clue_scrolls_all"] == UNRANKED_ACTIVITY


def test_every_catalogue_row_is_present_and_unranked_is_an_object_of_nulls(api, zezima):
    unranked_everywhere(zezima, NOW)
    body = api.get("/api/players/Zezima/stats").json()
    assert list(body["skills"]) == list(catalogue.SKILL_SLUGS)
    assert list(body["bosses"]) == list(catalogue.BOSS_SLUGS)
    assert list(body["activities"]) == list(catalogue.ACTIVITY_SLUGS)
    assert_unranked_are_objects_of_nulls(body)


def test_stats_at_a_moment_show_unranked_as_objects_of_nulls(clock, api, zezima):
    unranked_everywhere(zezima, NOW - timedelta(days=2))
    fetched(zezima, NOW - timedelta(days=1))
    at = (NOW - timedelta(days=2)).isoformat()
    assert_unranked_are_objects_of_nulls(api.get("/api/players/zezima/stats", {"at": at}).json())


def test_batch_stats_show_unranked_as_objects_of_nulls(api, zezima):
    unranked_everywhere(zezima, NOW)
    body = api.get("/api/stats", {"usernames": "zezima"}).json()
    assert_unranked_are_objects_of_nulls(body["zezima"])


def test_rows_the_catalogue_does_not_know_are_carried_through(api, zezima):
    fetched(zezima, NOW, bosses_data={"the_new_boss": {"rank": 3, "kc": 9}})
    body = api.get("/api/players/zezima/stats").json()
    assert body["bosses"]["the_new_boss"] == {"rank": 3, "kc": 9}


def test_virtual_level_goes_past_99(api, zezima):
    fetched(zezima, NOW, skills_data=skills_data({"attack": 200_000_000}))
    skill = api.get("/api/players/zezima/stats").json()["skills"]["attack"]
    assert (skill["level"], skill["virtual_level"]) == (99, 126)


@pytest.mark.parametrize("spelling", ["ZEZIMA", "zezima", " zezima "])
def test_any_spelling_finds_the_player(api, zezima, spelling):
    fetched(zezima, NOW)
    assert api.get(f"/api/players/{quote(spelling)}/stats").status_code == 200


def test_unknown_player_is_player_not_found(api):
    assert_error(api.get("/api/players/nobody/stats"), 404, "player_not_found")


def test_illegal_name_is_player_not_found(api):
    assert_error(api.get("/api/players/bad!name/stats"), 404, "player_not_found")


def test_tracked_player_not_fetched_has_no_records(api, zezima):
    assert_error(api.get("/api/players/zezima/stats"), 404, "no_records")


def test_stats_need_a_token(anon, zezima):
    assert_error(anon.get("/api/players/zezima/stats"), 401, "not_authenticated")


def test_stats_at_a_moment_are_the_latest_record_at_or_before_it(clock, api, zezima):
    first = NOW - timedelta(days=10)
    fetched(zezima, first, skills_data=skills_data(10_000))
    fetched(zezima, NOW - timedelta(days=5), skills_data=skills_data(20_000))
    for at, xp in [(first, 10_000), (NOW - timedelta(days=6), 10_000), (NOW, 20_000)]:
        response = api.get("/api/players/zezima/stats", {"at": at.isoformat()})
        assert response.json()["skills"]["cooking"]["experience"] == xp


def test_stats_at_a_moment_before_any_record_are_not_found(clock, api, zezima):
    fetched(zezima, NOW - timedelta(days=1))
    body = assert_error(
        api.get("/api/players/zezima/stats", {"at": "2020-01-01T00:00:00Z"}), 404, "no_records"
    )
    assert body["details"]["at"] == "2020-01-01T00:00:00+00:00"


def test_an_unencoded_plus_offset_is_understood(clock, api, zezima):
    fetched(zezima, NOW - timedelta(hours=3))
    response = api.get("/api/players/zezima/stats?at=2026-06-15T12:00:00+01:00")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "value",
    [
        "garbage",
        "",
        "2026-06-01T00:00:00",  # no timezone
        "2026-06-01",  # no time, no timezone
        "2026-13-01T00:00:00Z",
        "2026-06-17T12:00:00Z",  # past now + 1 day
        "2012-12-31T00:00:00Z",  # before OSRS
        "9999-12-31T23:59:59-12:00",
    ],
)
def test_a_bad_at_is_a_validation_error_naming_the_field(clock, api, zezima, value):
    fetched(zezima, NOW)
    body = assert_error(
        api.get("/api/players/zezima/stats", {"at": value}), 422, "validation_error"
    )
    assert list(body["details"]) == ["at"]


def test_batch_answers_keyed_as_the_client_spelled_the_names(api, zezima):
    fetched(zezima, NOW)
    PlayerFactory(username="Not Fetched")
    body = api.get("/api/stats", {"usernames": "ZEZIMA, nobody,not_fetched"}).json()
    assert list(body) == ["ZEZIMA", "nobody", "not_fetched"]
    assert body["ZEZIMA"]["username"] == "Zezima"
    assert body["nobody"] is None
    assert body["not_fetched"] is None


def test_batch_reads_every_player_and_record_in_one_query(api):
    names = []
    for index in range(20):
        player = PlayerFactory(username=f"Batch {index}")
        fetched(player, NOW)
        names.append(player.username)
    with CaptureQueriesContext(connection) as queries:
        response = api.get("/api/stats", {"usernames": ",".join(names)})
    assert all(response.json()[name] for name in names)
    # The body's read (the validator before it reads no record's values).
    reads = [q["sql"] for q in queries.captured_queries if "skills_data" in q["sql"]]
    assert len(reads) == 1
    assert "players_player" in reads[0]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"usernames": ""},
        {"usernames": ",".join(f"name{i}" for i in range(51))},
        {"usernames": "fine,not*fine"},
        {"usernames": "a,,b"},
        {"usernames": "thirteenchars"},
    ],
)
def test_batch_rejects_a_bad_name_list(api, params):
    body = assert_error(api.get("/api/stats", params), 422, "validation_error")
    assert list(body["details"]) == ["usernames"]


def test_batch_says_which_name_is_illegal(api):
    body = api.get("/api/stats", {"usernames": "fine,not*fine"}).json()
    assert body["details"]["usernames"][0].startswith("'not*fine'")


def test_batch_of_fifty_is_accepted(api):
    names = ",".join(f"name{i}" for i in range(50))
    assert api.get("/api/stats", {"usernames": names}).status_code == 200


def _component(schema: dict, ref_or_schema: dict) -> dict:
    if "allOf" in ref_or_schema:
        ref_or_schema = ref_or_schema["allOf"][0]
    name = ref_or_schema["$ref"].rsplit("/", 1)[-1]
    return schema["components"]["schemas"][name]


def test_the_schema_describes_the_stats_body_exactly(api, zezima):
    fetched(zezima, NOW, bosses_data={"zulrah": {"rank": 1, "kc": 50}})
    body = api.get("/api/players/zezima/stats").json()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    stats = schema["components"]["schemas"]["HiscoreStats"]
    assert set(stats["properties"]) == set(body)
    for section in ("overall", "skills", "bosses", "activities"):
        described = _component(schema, stats["properties"][section])
        assert set(described["properties"]) == set(body[section])
    skill = _component(
        schema, _component(schema, stats["properties"]["skills"])["properties"]["attack"]
    )
    assert set(skill["properties"]) == set(body["skills"]["attack"])


@pytest.mark.parametrize(
    ("section", "entry"),
    [("SkillStats", "SkillStat"), ("BossStats", "BossStat"), ("ActivityStats", "ActivityStat")],
)
def test_the_schema_says_an_entry_is_never_null_but_its_values_may_be(section, entry):
    schemas = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    reference = {"$ref": f"#/components/schemas/{entry}"}
    described = schemas[section]
    assert all(value == reference for value in described["properties"].values())
    assert described["additionalProperties"] == reference
    values = schemas[entry]["properties"]
    assert all((value["type"], value["nullable"]) == ("integer", True) for value in values.values())
    assert set(schemas[entry]["required"]) == set(values)
