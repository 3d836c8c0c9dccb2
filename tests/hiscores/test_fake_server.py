"""The fake hiscores over HTTP: paths, formats, names, tables, the control API,
and the real client reading it."""

from __future__ import annotations

import json
import socket
import threading

import httpx
import pytest
from django.core.management import CommandError, call_command

from hiscores import catalogue, levels
from hiscores.client import HiscoresClient
from hiscores.detection import detect_mode
from hiscores.errors import PlayerNotFound
from hiscores.fake import (
    DE_IRONED,
    DEAD_HARDCORE,
    DEMO_NAMES,
    SAMPLE_FILES,
    FakeHiscoresServer,
)
from hiscores.fake.samples import SAMPLES_DIR
from hiscores.modes import TABLES, GameMode

ROW_COUNT = len(catalogue.ALL)


@pytest.fixture
def fake():
    with FakeHiscoresServer(port=0, grow=False) as server:
        yield server


@pytest.fixture
def http(fake):
    with httpx.Client(base_url=fake.base_url) as client:
        yield client


def lookup(http: httpx.Client, player: str, *, table: str = "hiscore_oldschool", fmt: str = "json"):
    return http.get(f"/m={table}/index_lite.{fmt}", params={"player": player})


def rows_by_name(document: dict) -> dict[str, dict]:
    return {row["name"]: row for row in (*document["skills"], *document["activities"])}


@pytest.mark.parametrize("mode", list(TABLES))
def test_every_table_answers_json_in_catalogue_order(http, mode):
    response = lookup(http, DEMO_NAMES[mode], table=TABLES[mode])

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert b"\n" not in response.content  # compact, one line, like the real site
    document = response.json()
    assert document["name"] == DEMO_NAMES[mode]
    names = [row["name"] for row in (*document["skills"], *document["activities"])]
    assert names == [metric.name for metric in catalogue.ALL]
    assert [row["id"] for row in document["skills"]] == list(range(len(catalogue.SKILLS) + 1))
    assert [row["id"] for row in document["activities"]] == list(range(len(catalogue.ACTIVITIES)))


@pytest.mark.parametrize("mode", list(TABLES))
def test_every_table_answers_csv_with_one_line_per_row(http, mode):
    csv = lookup(http, DEMO_NAMES[mode], table=TABLES[mode], fmt="ws")
    document = lookup(http, DEMO_NAMES[mode], table=TABLES[mode]).json()

    assert csv.status_code == 200
    lines = csv.text.splitlines()
    assert len(lines) == ROW_COUNT == 116
    expected = [f"{r['rank']},{r['level']},{r['xp']}" for r in document["skills"]]
    expected += [f"{r['rank']},{r['score']}" for r in document["activities"]]
    assert lines == expected


@pytest.mark.parametrize(
    "spelling",
    ["Lynx Titan", "lynx titan", "LYNX_TITAN", "lynx-titan", "Lynx\u00a0Titan", " lynx titan "],
)
def test_names_fold_case_and_separators_like_the_real_site(http, spelling):
    response = lookup(http, spelling)

    assert response.status_code == 200
    assert response.json()["name"] == "Lynx Titan"


def test_a_plus_or_percent_encoded_space_reach_the_same_player(fake, http):
    plus = http.get(f"{fake.base_url}/m=hiscore_oldschool/index_lite.json?player=Lynx+Titan")
    percent = http.get(f"{fake.base_url}/m=hiscore_oldschool/index_lite.json?player=Lynx%20Titan")

    assert plus.status_code == percent.status_code == 200
    assert plus.content == percent.content


@pytest.mark.parametrize(
    ("player", "table"),
    [
        ("nobody here", "hiscore_oldschool"),  # unknown name
        (DEMO_NAMES[GameMode.REGULAR], TABLES[GameMode.IRONMAN]),  # regular on the ironman table
        (DEMO_NAMES[GameMode.IRONMAN], TABLES[GameMode.HARDCORE]),  # ironman, not hardcore
        (DEMO_NAMES[GameMode.HARDCORE], TABLES[GameMode.ULTIMATE]),
        (DEMO_NAMES[GameMode.SKILLER], TABLES[GameMode.DEFENCE_PURE]),
        ("gen 1001", "hiscore_oldschool"),  # past the generated count
        ("gen 0", "hiscore_oldschool"),
        ("gen 01", "hiscore_oldschool"),
        ("far too long a name", "hiscore_oldschool"),  # cannot be a name at all
        ("Zezima", "hiscore_oldschool_nonsense"),  # no such table
    ],
)
def test_players_a_table_does_not_list_get_a_404_page(http, player, table):
    response = lookup(http, player, table=table)

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert response.text.startswith("<!DOCTYPE html>")


def test_a_lookup_without_a_player_is_a_404(http):
    assert http.get("/m=hiscore_oldschool/index_lite.json").status_code == 404


@pytest.mark.parametrize("mode", [GameMode.IRONMAN, GameMode.HARDCORE, GameMode.ULTIMATE])
def test_ironmen_are_on_the_regular_and_ironman_tables_too(http, mode):
    name = DEMO_NAMES[mode]
    statuses = {
        table_mode: lookup(http, name, table=TABLES[table_mode]).status_code
        for table_mode in (GameMode.REGULAR, GameMode.IRONMAN, mode)
    }

    assert set(statuses.values()) == {200}


@pytest.mark.parametrize("sample", list(SAMPLE_FILES))
def test_sample_players_keep_the_recorded_values(http, sample):
    recorded = json.loads((SAMPLES_DIR / SAMPLE_FILES[sample]).read_bytes())
    served = rows_by_name(lookup(http, sample).json())

    for row in recorded["skills"][1:]:
        got = served[row["name"]]
        assert (got["rank"], got["xp"]) == (row["rank"], row["xp"]), row["name"]
        # Levels follow XP: one hand-edited recording has a level its XP does not reach.
        assert got["level"] == (levels.level(row["xp"]) if row["rank"] != -1 else 1)
    for row in recorded["activities"]:
        got = served[row["name"]]
        assert (got["rank"], got["score"]) == (row["rank"], row["score"]), row["name"]


@pytest.mark.parametrize("sample", list(SAMPLE_FILES))
def test_rows_a_sample_lacks_read_as_unranked(http, sample):
    recorded = json.loads((SAMPLES_DIR / SAMPLE_FILES[sample]).read_bytes())
    recorded_names = {row["name"] for row in (*recorded["skills"], *recorded["activities"])}
    served = rows_by_name(lookup(http, sample).json())

    missing = [m for m in catalogue.ALL if m.name not in recorded_names]
    for metric in missing:
        assert served[metric.name]["rank"] == -1, metric.name


def test_overall_is_the_sum_of_the_skills(http):
    document = lookup(http, "B0aty").json()
    skills = document["skills"][1:]

    assert document["skills"][0]["xp"] == sum(row["xp"] for row in skills)
    assert document["skills"][0]["level"] == sum(row["level"] for row in skills)


def test_points_rows_show_only_on_their_own_table(http):
    name = DEMO_NAMES[GameMode.SEASONAL]
    seasonal = rows_by_name(lookup(http, name, table=TABLES[GameMode.SEASONAL]).json())
    regular = rows_by_name(lookup(http, name).json())

    assert seasonal["League Points"]["score"] > 0
    assert regular["League Points"] == {**seasonal["League Points"], "rank": -1, "score": -1}


def test_keep_alive_serves_many_requests_on_one_connection(fake):
    with httpx.Client(base_url=fake.base_url, limits=httpx.Limits(max_connections=1)) as client:
        statuses = {lookup(client, f"gen {n}").status_code for n in range(1, 51)}

    assert statuses == {200}
    assert fake.request_count == 50


# --- the control API ---------------------------------------------------------


def test_control_faults_arm_list_and_clear(http):
    armed = http.post("/_control/faults", json={"kind": "503", "times": None})
    listed = http.get("/_control/faults").json()
    failing = lookup(http, "Zezima").status_code
    cleared = http.delete("/_control/faults")

    assert armed.status_code == 201
    assert [fault["kind"] for fault in listed] == ["503"]
    assert failing == 503
    assert cleared.json() == {"cleared": 1}
    assert lookup(http, "Zezima").status_code == 200


def test_control_clears_one_fault_by_id(http):
    first = http.post("/_control/faults", json={"kind": "503", "times": None}).json()
    http.post("/_control/faults", json={"kind": "429", "times": None})

    assert http.delete(f"/_control/faults/{first['id']}").json() == {"cleared": 1}
    assert lookup(http, "Zezima").status_code == 429
    assert http.delete(f"/_control/faults/{first['id']}").status_code == 404


def test_control_adds_a_player_with_the_given_values(http):
    response = http.post(
        "/_control/players",
        json={
            "name": "New_Guy",
            "mode": "ironman",
            "skills": {"attack": 1_000_000},
            "bosses": {"zulrah": 12},
            "activities": {"clue_scrolls_easy": 3},
        },
    )
    served = rows_by_name(lookup(http, "new guy", table=TABLES[GameMode.IRONMAN]).json())

    assert response.status_code == 200
    assert response.json()["name"] == "New_Guy"
    assert served["Attack"]["xp"] == 1_000_000
    assert served["Attack"]["level"] == levels.level(1_000_000)
    assert served["Zulrah"]["score"] == 12
    assert served["Clue Scrolls (easy)"]["score"] == 3
    assert served["Defence"]["rank"] == -1  # untrained


def test_control_updates_only_the_values_given(http):
    before = rows_by_name(lookup(http, "Psikoi").json())
    http.post("/_control/players", json={"name": "psikoi", "skills": {"attack": 30_000_000}})
    after = rows_by_name(lookup(http, "Psikoi").json())

    assert after["Attack"]["xp"] == 30_000_000
    assert after["Defence"] == before["Defence"]
    assert after["Overall"]["xp"] == before["Overall"]["xp"] + 30_000_000 - before["Attack"]["xp"]


def test_control_gain_adds_experience(http):
    before = rows_by_name(lookup(http, "Zezima").json())
    response = http.post("/_control/players/Zezima/gain", json={"metric": "cooking", "amount": 5})
    after = rows_by_name(lookup(http, "Zezima").json())

    assert response.status_code == 200
    assert after["Cooking"]["xp"] == before["Cooking"]["xp"] + 5
    assert after["Overall"]["xp"] == before["Overall"]["xp"] + 5


def test_control_growth_toggles(http):
    on = http.post("/_control/growth", json={"enabled": True}).json()
    off = http.post("/_control/growth", json={"enabled": False}).json()

    assert on["enabled"] is True
    assert off["enabled"] is False
    assert http.get("/_control/growth").json()["enabled"] is False


def test_control_reset_forgets_players_faults_and_requests(http):
    original = lookup(http, "Zezima").json()
    http.post("/_control/players", json={"name": "Temp"})
    http.post("/_control/faults", json={"kind": "503", "times": None})
    http.post("/_control/players/Zezima/gain", json={"metric": "cooking", "amount": 5})
    lookup(http, "Zezima")

    state = http.post("/_control/reset").json()

    assert state["faults"] == [] and state["request_count"] == 0
    assert lookup(http, "Temp").status_code == 404
    assert lookup(http, "Zezima").json() == original


def test_control_requests_reports_hiscores_requests_only(fake, http):
    for n in range(1, 6):
        lookup(http, f"gen {n}")
    http.get("/_control/faults")

    report = http.get("/_control/requests", params={"detail": 1}).json()

    assert report["count"] == 5
    assert report["times"] == sorted(report["times"])
    assert [entry["player"] for entry in report["requests"]] == [f"gen {n}" for n in range(1, 6)]
    assert fake.request_times() == report["times"]
    later = http.get("/_control/requests", params={"since": report["times"][3]}).json()
    assert later["times"] == report["times"][3:]


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/_control/faults", {"kind": "418"}, 400),
        ("POST", "/_control/faults", {"kind": "503", "times": 0}, 400),
        ("POST", "/_control/faults", {"kind": "503", "probability": 2}, 400),
        ("POST", "/_control/faults", {"kind": "503", "colour": "red"}, 400),
        ("POST", "/_control/faults", {"times": 1}, 400),
        ("POST", "/_control/players", {"name": "x", "skills": {"cheese": 1}}, 400),
        ("POST", "/_control/players", {"name": "x", "skills": {"attack": -1}}, 400),
        ("POST", "/_control/players", {"name": "x", "mode": "pirate"}, 400),
        ("POST", "/_control/players", {"name": "not a valid name!"}, 400),
        ("POST", "/_control/players/nobody/gain", {"metric": "attack", "amount": 1}, 404),
        ("POST", "/_control/players/zezima/gain", {"metric": "cheese", "amount": 1}, 400),
        ("POST", "/_control/players/zezima/gain", {"metric": "attack", "amount": "1"}, 400),
        ("POST", "/_control/growth", {"enabled": "yes"}, 400),
        ("GET", "/_control/players/nobody", None, 404),
        ("GET", "/_control/nothing", None, 404),
        ("DELETE", "/_control/growth", None, 405),
    ],
)
def test_control_rejects_bad_requests_with_a_json_reason(http, method, path, body, status):
    response = http.request(method, path, json=body)

    assert response.status_code == status
    assert response.json()["detail"]


def test_control_rejects_a_body_that_is_not_json(http):
    response = http.post("/_control/faults", content=b"{not json")

    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


# --- starting and stopping ---------------------------------------------------


def test_stopping_closes_the_port_and_leaves_no_server_thread():
    server = FakeHiscoresServer(port=0).start()
    base_url, port = server.base_url, server.port
    server.stop()

    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{base_url}/_control/")
    assert not any(
        t.name == f"fake-hiscores:{port}" and t.is_alive() for t in threading.enumerate()
    )


def test_stopping_releases_a_request_held_by_a_hang_fault():
    server = FakeHiscoresServer(port=0).start()
    server.set_fault("hang")
    outcome: list[BaseException] = []

    def hung_request() -> None:
        try:
            httpx.get(f"{server.base_url}/m=hiscore_oldschool/index_lite.json?player=zezima")
        except httpx.HTTPError as error:
            outcome.append(error)

    requester = threading.Thread(target=hung_request, daemon=True)
    requester.start()
    while server.request_count == 0:
        threading.Event().wait(0.01)
    server.stop()
    requester.join(timeout=10)

    assert not requester.is_alive()
    assert isinstance(outcome[0], httpx.RemoteProtocolError)


# --- the real client reads the fake ------------------------------------------


@pytest.fixture
def client(fake):
    with HiscoresClient(base_url=fake.base_url) as hiscores_client:
        yield hiscores_client


def test_the_client_reads_the_same_values_from_json_and_csv(fake, client):
    from_json = client.fetch("Lynx Titan")
    from_csv = client.fetch_csv("Lynx Titan")
    document = fake.document("Lynx Titan")

    assert from_json.display_name == "Lynx Titan"
    assert from_json.overall.experience == document["skills"][0]["xp"]
    assert from_json.skills == from_csv.skills
    assert from_json.bosses == from_csv.bosses
    assert from_json.activities == from_csv.activities


def test_the_client_sees_a_gain(fake, client):
    before = client.fetch("psikoi").skills["attack"].experience
    fake.gain("psikoi", "attack", 1_000)

    assert client.fetch("psikoi").skills["attack"].experience == before + 1_000


def test_the_client_reports_a_player_missing_from_a_table(client):
    with pytest.raises(PlayerNotFound):
        client.fetch(DEMO_NAMES[GameMode.REGULAR], GameMode.IRONMAN)


@pytest.mark.parametrize(
    ("name", "mode"),
    [
        (DEMO_NAMES[GameMode.REGULAR], GameMode.REGULAR),
        (DEMO_NAMES[GameMode.IRONMAN], GameMode.IRONMAN),
        (DEMO_NAMES[GameMode.HARDCORE], GameMode.HARDCORE),
        (DEMO_NAMES[GameMode.ULTIMATE], GameMode.ULTIMATE),
        (DEAD_HARDCORE, GameMode.IRONMAN),
        (DE_IRONED, GameMode.REGULAR),
    ],
)
def test_mode_detection_against_the_fake(client, name, mode):
    assert detect_mode(name, client.fetch).mode == mode


def test_the_command_reports_a_port_already_taken():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        with pytest.raises(CommandError, match="Cannot listen"):
            call_command("fakehiscores", "--port", str(port), "--static")
