"""Faults the fake hiscores inject: each looks like the real failure, lasts as long
as asked, and a probability fault fails the same requests on every run."""

from __future__ import annotations

import json

import httpx
import pytest

from hiscores.client import HiscoresClient
from hiscores.errors import (
    HiscoresRateLimited,
    HiscoresUnavailable,
    ImplausibleResponse,
    PlayerNotFound,
)
from hiscores.fake import FakeHiscoresServer, FaultKind

PLAYER = "Zezima"


@pytest.fixture
def fake():
    with FakeHiscoresServer(port=0, grow=False) as server:
        yield server


@pytest.fixture
def http(fake):
    with httpx.Client(base_url=fake.base_url) as client:
        yield client


def lookup(http: httpx.Client, player: str = PLAYER, fmt: str = "json") -> httpx.Response:
    return http.get(f"/m=hiscore_oldschool/index_lite.{fmt}", params={"player": player})


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        ("404", 404),
        ("429", 429),
        ("403", 403),
        ("500", 500),
        ("502", 502),
        ("503", 503),
        ("504", 504),
        ("520", 520),
        ("524", 524),
    ],
)
def test_status_faults_answer_that_status_with_an_html_page(fake, http, kind, status):
    fake.set_fault(kind)

    response = lookup(http)

    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert response.text.startswith("<!DOCTYPE html>")


def test_html_fault_is_a_200_maintenance_page(fake, http):
    fake.set_fault("html")

    response = lookup(http)

    assert response.status_code == 200
    assert response.text.startswith("<!DOCTYPE html>")
    assert "maintenance" in response.text


def test_blocked_fault_is_a_200_page_saying_the_ip_is_blocked(fake, http):
    fake.set_fault("blocked")

    response = lookup(http)

    assert response.status_code == 200
    assert "temporarily blocked" in response.text


def test_unavailable_fault_is_a_200_saying_unavailable(fake, http):
    fake.set_fault("unavailable")

    response = lookup(http)

    assert (response.status_code, response.content) == (200, b"Unavailable")


def test_redirect_fault_is_a_302_to_the_front_page(fake, http):
    fake.set_fault("redirect")

    response = lookup(http)

    assert response.status_code == 302
    assert response.headers["location"] == "/m=hiscore_oldschool/overall"
    assert http.get(response.headers["location"]).status_code == 200


@pytest.mark.parametrize("fmt", ["json", "ws"])
def test_truncated_fault_cuts_the_body_in_half(fake, http, fmt):
    whole = lookup(http, fmt=fmt).content
    fake.set_fault("truncated")

    response = lookup(http, fmt=fmt)

    assert response.status_code == 200
    assert response.content == whole[: len(whole) // 2]


def test_extra_row_fault_inserts_an_unknown_boss_among_the_bosses(fake, http):
    normal = lookup(http).json()["activities"]
    fake.set_fault("extra_row")

    shifted = lookup(http).json()["activities"]

    names = [row["name"] for row in shifted]
    at = names.index("Maggot Queen")
    assert names[at - 1] == "Maggot King"
    assert len(shifted) == len(normal) + 1
    # Every row after it moved down one place: the trap for a positional parser.
    assert [row["name"] for row in shifted[at + 1 :]] == [row["name"] for row in normal[at:]]
    assert shifted[at + 1]["id"] == normal[at]["id"] + 1


def test_extra_row_fault_makes_the_csv_one_line_longer(fake, http):
    normal = lookup(http, fmt="ws").text.splitlines()
    fake.set_fault("extra_row")

    assert len(lookup(http, fmt="ws").text.splitlines()) == len(normal) + 1


def test_rollback_fault_lowers_the_values(fake, http):
    normal = lookup(http).json()
    fake.set_fault("rollback", amount=50_000)

    rolled_back = lookup(http).json()

    assert rolled_back["skills"][0]["xp"] < normal["skills"][0]["xp"]
    for before, after in zip(normal["skills"][1:], rolled_back["skills"][1:], strict=True):
        if before["xp"] > 50_000:
            assert after["xp"] == before["xp"] - 50_000


def row(document: dict, name: str) -> dict:
    return next(r for r in (*document["skills"], *document["activities"]) if r["name"] == name)


def test_hostile_fault_serves_a_level_of_5000_by_default(fake, http):
    fake.set_fault("hostile")

    assert row(lookup(http).json(), "Attack")["level"] == 5000


def test_hostile_fault_serves_the_raw_values_given_in_both_formats(fake, http):
    normal = lookup(http).json()
    values = {
        "overall": {"rank": 2**31 + 5},
        "attack": {"xp": 2**40},
        "defence": {"xp": -5},
        "zulrah": {"rank": 2**63, "score": 7},
    }
    fake.set_fault("hostile", times=2, values=values)

    hostile = lookup(http).json()
    lines = lookup(http, fmt="ws").text.splitlines()

    assert row(hostile, "Overall")["rank"] == 2**31 + 5
    assert row(hostile, "Attack")["xp"] == 2**40
    assert row(hostile, "Defence")["xp"] == -5
    assert (row(hostile, "Zulrah")["rank"], row(hostile, "Zulrah")["score"]) == (2**63, 7)
    # Everything else as it was.
    assert row(hostile, "Attack")["level"] == row(normal, "Attack")["level"]
    assert row(hostile, "Strength") == row(normal, "Strength")
    assert lines[0].startswith(f"{2**31 + 5},")
    assert lines[1].endswith(f",{2**40}")


def test_slow_fault_answers_normally_after_the_delay(fake, http):
    normal = lookup(http).content
    fake.set_fault("slow", delay=0.2)

    response = lookup(http)

    assert (response.status_code, response.content) == (200, normal)
    assert fake.faults() == []


def test_slow_fault_outlasts_a_short_client_timeout(fake):
    fake.set_fault("slow", delay=5)

    with (
        httpx.Client(base_url=fake.base_url, timeout=0.2) as impatient,
        pytest.raises(httpx.ReadTimeout),
    ):
        lookup(impatient)


def test_hang_fault_never_answers(fake):
    fake.set_fault("hang")

    with (
        httpx.Client(base_url=fake.base_url, timeout=0.2) as impatient,
        pytest.raises(httpx.ReadTimeout),
    ):
        lookup(impatient)


def test_a_hang_with_a_delay_drops_the_connection_after_it(fake, http):
    fake.set_fault("hang", delay=0.1)

    with pytest.raises(httpx.RemoteProtocolError):
        lookup(http)


# Every fault that changes the answer (slow and hang change only its timing).
ANSWERING_FAULTS = [k for k in FaultKind if k not in (FaultKind.SLOW, FaultKind.HANG)]


@pytest.mark.parametrize("kind", ANSWERING_FAULTS)
def test_a_fault_lasts_for_the_given_number_of_requests(fake, http, kind):
    normal = lookup(http).content
    fake.set_fault(kind, times=2)

    bodies = [lookup(http).content for _ in range(3)]

    assert bodies[0] != normal
    assert bodies[1] != normal
    assert bodies[2] == normal


def test_a_fault_without_times_lasts_until_cleared(fake, http):
    fake.set_fault("503", times=None)

    statuses = [lookup(http).status_code for _ in range(5)]
    cleared = fake.clear_faults()

    assert statuses == [503] * 5
    assert cleared == 1
    assert lookup(http).status_code == 200


def test_faults_apply_in_the_order_they_were_set(fake, http):
    fake.set_fault("429")
    fake.set_fault("503")

    assert [lookup(http).status_code for _ in range(3)] == [429, 503, 200]


def test_a_fault_for_one_player_spares_the_others(fake, http):
    fake.set_fault("503", times=None, player="PSIKOI")

    assert lookup(http, "Zezima").status_code == 200
    assert lookup(http, "psikoi").status_code == 503


def test_faults_hit_unknown_players_too(fake, http):
    fake.set_fault("429")

    assert lookup(http, "nobody at all").status_code == 429


def statuses_with_probability(seed: int, requests: int = 60) -> list[int]:
    with (
        FakeHiscoresServer(port=0) as server,
        httpx.Client(base_url=server.base_url) as client,
    ):
        server.set_fault("503", times=None, probability=0.4, seed=seed)
        return [lookup(client).status_code for _ in range(requests)]


def test_a_probability_fault_fails_the_same_requests_with_the_same_seed():
    first = statuses_with_probability(seed=7)
    again = statuses_with_probability(seed=7)
    other = statuses_with_probability(seed=8)

    assert first == again
    assert set(first) == {200, 503}
    assert other != first


def test_a_probability_fault_with_times_stops_after_that_many_failures(fake, http):
    fake.set_fault("503", times=3, probability=0.5, seed=1)

    statuses = [lookup(http).status_code for _ in range(40)]

    assert statuses.count(503) == 3
    assert fake.faults() == []


@pytest.mark.parametrize(
    "options",
    [
        {"kind": "418"},
        {"kind": "503", "times": 0},
        {"kind": "503", "times": -2},
        {"kind": "503", "probability": 0},
        {"kind": "503", "probability": 1.5},
        {"kind": "slow", "delay": -1},
        {"kind": "rollback", "amount": -5},
        {"kind": "503", "player": "not a valid name!"},
        {"kind": "503", "values": {"attack": {"level": 5000}}},
        {"kind": "hostile", "values": {}},
        {"kind": "hostile", "values": {"necromancy": {"level": 5}}},
        {"kind": "hostile", "values": {"attack": {"score": 5}}},
        {"kind": "hostile", "values": {"zulrah": {"xp": 5}}},
        {"kind": "hostile", "values": {"attack": {"level": "5000"}}},
        {"kind": "hostile", "values": {"attack": {"level": True}}},
        {"kind": "hostile", "values": {"attack": 5000}},
    ],
)
def test_bad_fault_options_are_refused(fake, options):
    with pytest.raises(ValueError):
        fake.set_fault(**options)
    assert fake.faults() == []


# --- what the real client makes of them ---------------------------------------


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("404", PlayerNotFound),
        ("429", HiscoresRateLimited),
        ("403", HiscoresRateLimited),
        ("redirect", HiscoresRateLimited),
        ("blocked", HiscoresRateLimited),
        ("503", HiscoresUnavailable),
        ("520", HiscoresUnavailable),
        ("html", HiscoresUnavailable),
        ("unavailable", HiscoresUnavailable),
        ("truncated", HiscoresUnavailable),
        ("hostile", ImplausibleResponse),
    ],
)
def test_the_client_turns_each_fault_into_its_domain_error(fake, kind, error):
    fake.set_fault(kind)

    with HiscoresClient(base_url=fake.base_url) as client, pytest.raises(error):
        client.fetch(PLAYER)


def test_the_client_keeps_an_unknown_row_from_json_and_refuses_it_in_csv(fake):
    fake.set_fault("extra_row", times=2)

    with HiscoresClient(base_url=fake.base_url) as client:
        snapshot = client.fetch(PLAYER)
        with pytest.raises(HiscoresUnavailable):
            client.fetch_csv(PLAYER)

    assert "maggot_queen" in snapshot.bosses


def test_control_api_fault_is_the_same_fault(fake, http):
    created = http.post("/_control/faults", json={"kind": "slow", "delay": 0.1, "times": 2})

    assert created.status_code == 201
    assert json.loads(created.content)["delay"] == 0.1
    assert [f.kind for f in fake.faults()] == [FaultKind.SLOW]


def test_control_api_hostile_fault_takes_its_values(fake, http):
    created = http.post(
        "/_control/faults", json={"kind": "hostile", "values": {"attack": {"xp": 2**40}}}
    )

    assert created.status_code == 201
    assert created.json()["values"] == {"attack": {"xp": 2**40}}
    assert row(lookup(http).json(), "Attack")["xp"] == 2**40
    refused = http.post("/_control/faults", json={"kind": "hostile", "values": {"x": {}}})
    assert refused.status_code == 400
