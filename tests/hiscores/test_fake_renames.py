"""The fake hiscores' rename and remove controls: an account taking a new name
keeps its stats (the old name answers 404), and a removed name answers 404."""

from __future__ import annotations

import httpx
import pytest

from hiscores.fake import FakeHiscoresServer
from hiscores.fake.app import FakeHiscores
from hiscores.fake.players import UnknownPlayer


@pytest.fixture
def fake():
    with FakeHiscoresServer(port=0, grow=False) as server:
        yield server


@pytest.fixture
def http(fake):
    with httpx.Client(base_url=fake.base_url) as client:
        yield client


def lookup(http: httpx.Client, player: str, table: str = "hiscore_oldschool"):
    return http.get(f"/m={table}/index_lite.json", params={"player": player})


def test_a_renamed_account_answers_under_the_new_name_only(http):
    before = lookup(http, "Zezima").json()

    renamed = http.post("/_control/players/Zezima/rename", json={"new_name": "Zez Ima"})

    assert renamed.status_code == 200
    assert lookup(http, "Zezima").status_code == 404
    after = lookup(http, "zez_ima").json()
    assert after["name"] == "Zez Ima"
    assert after["skills"] == before["skills"]
    assert after["activities"] == before["activities"]


def test_grants_follow_the_account_to_its_new_name(http):
    http.post("/_control/players", json={"name": "Alice", "skills": {"attack": 100_000}})
    http.post("/_control/players/Alice/gain", json={"metric": "attack", "amount": 500})

    http.post("/_control/players/Alice/rename", json={"new_name": "Bob"})

    attack = next(s for s in lookup(http, "Bob").json()["skills"] if s["name"] == "Attack")
    assert attack["xp"] == 100_500


def test_an_ironman_keeps_its_tables_under_the_new_name(fake, http):
    fake.add_player("Iron One", mode="ironman", skills={"mining": 5_000})

    http.post("/_control/players/Iron One/rename", json={"new_name": "Iron Two"})

    assert lookup(http, "Iron Two", "hiscore_oldschool_ironman").status_code == 200
    assert lookup(http, "Iron One", "hiscore_oldschool_ironman").status_code == 404


def test_a_rename_back_and_forth_ends_where_it_began(http):
    before = lookup(http, "Zezima").json()

    http.post("/_control/players/Zezima/rename", json={"new_name": "Other"})
    back = http.post("/_control/players/Other/rename", json={"new_name": "Zezima"})

    assert back.status_code == 200
    assert lookup(http, "Zezima").json() == before
    assert lookup(http, "Other").status_code == 404


def test_a_name_another_account_holds_cannot_be_taken(http):
    http.post("/_control/players", json={"name": "Taken"})

    response = http.post("/_control/players/Zezima/rename", json={"new_name": "taken"})

    assert response.status_code == 400
    assert lookup(http, "Zezima").status_code == 200


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/_control/players/Nobody Here/rename", {"new_name": "X"}, 404),
        ("/_control/players/Zezima/rename", {}, 400),
        ("/_control/players/Zezima/rename", {"new_name": "bad!name"}, 400),
        ("/_control/players/Zezima/rename", {"new_name": "Y", "extra": 1}, 400),
    ],
)
def test_bad_renames_are_refused_and_change_nothing(http, path, body, status):
    response = http.post(path, json=body)

    assert response.status_code == status
    assert lookup(http, "Zezima").status_code == 200


def test_a_removed_name_answers_404_everywhere_until_added_again(http):
    response = http.delete("/_control/players/Zezima")

    assert response.status_code == 200
    assert lookup(http, "Zezima").status_code == 404
    assert http.delete("/_control/players/Zezima").status_code == 404
    http.post("/_control/players", json={"name": "Zezima"})
    assert lookup(http, "Zezima").status_code == 200


def test_generated_players_can_be_renamed_and_removed():
    fake = FakeHiscores(generated=10)
    before = fake.document("gen 3")

    fake.rename_player("gen 3", "Three")
    fake.remove_player("gen 4")

    assert fake.document("Three")["skills"] == before["skills"]
    for gone in ("gen 3", "gen 4"):
        with pytest.raises(UnknownPlayer):
            fake.document(gone)


def test_reset_brings_back_renamed_and_removed_players():
    fake = FakeHiscores(generated=10)
    fake.rename_player("Zezima", "Other")
    fake.remove_player("gen 1")

    fake.reset()

    assert fake.document("Zezima")["name"]
    assert fake.document("gen 1")["name"]
    with pytest.raises(UnknownPlayer):
        fake.document("Other")
