"""The records endpoints (docs/api.md, "Records")."""

from __future__ import annotations

from datetime import timedelta

import pytest

from progress import efficiency
from progress.models import BestCursor, BestGain
from tests.factories import HiscoreRecordFactory, PlayerFactory
from tests.progress.builders import NOW, add_record, boss_entries, skill_entries

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
T = NOW - 10 * DAY


def iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def zulrah_history(player, *kills: int) -> None:
    for index, kc in enumerate(kills):
        add_record(player, T + index * DAY / 4, bosses=boss_entries(zulrah=kc))


def test_a_players_records_name_the_two_records_and_the_flag(clock, api, player):
    add_record(player, T, bosses=boss_entries())  # zulrah unranked
    add_record(player, T + DAY / 2, bosses=boss_entries(zulrah=12))
    add_record(player, T + 3 * DAY, bosses=boss_entries(zulrah=40))
    response = api.get("/api/players/zezima/records", {"metric": "zulrah"})
    assert response.status_code == 200, response.content
    assert response.json() == [
        {
            "metric": "zulrah",
            "period": "day",
            "value": 8,
            "start_record_at": iso(T),
            "end_record_at": iso(T + DAY / 2),
            "approximate": True,
        },
        {
            "metric": "zulrah",
            "period": "week",
            "value": 36,
            "start_record_at": iso(T),
            "end_record_at": iso(T + 3 * DAY),
            "approximate": True,
        },
        *(
            {
                "metric": "zulrah",
                "period": period,
                "value": 36,
                "start_record_at": iso(T),
                "end_record_at": iso(T + 3 * DAY),
                "approximate": True,
            }
            for period in ("month", "year")
        ),
    ]


def test_records_filter_by_period_and_list_every_metric_that_gained(clock, api, player):
    add_record(player, T, skills=skill_entries(attack=1_000), bosses=boss_entries(zulrah=10))
    add_record(
        player, T + DAY / 2, skills=skill_entries(attack=5_000), bosses=boss_entries(zulrah=15)
    )
    body = api.get("/api/players/ZEZIMA/records", {"period": "day"}).json()
    assert [(r["metric"], r["value"]) for r in body if r["metric"] not in ("ehp", "ehb")] == [
        ("overall", 4_000),
        ("attack", 4_000),
        ("zulrah", 5),
    ]
    assert {r["period"] for r in body} == {"day"}
    # Efficient hours, last: what the gains are worth under main's rates, in hours.
    efficient = {r["metric"]: r["value"] for r in body if r["metric"] in ("ehp", "ehb")}
    zulrah_rate = efficiency.rates().tables["main"].boss_rates["zulrah"]
    assert efficient["ehb"] == round(5 / zulrah_rate, 3)
    assert efficient["ehp"] > 0
    assert [r["metric"] for r in body][-2:] == ["ehp", "ehb"]


def test_a_player_without_records_has_none(clock, api, player):
    assert api.get("/api/players/zezima/records").json() == []


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ({"metric": "zulrahh"}, 404, "unknown_metric"),
        ({"period": "fortnight"}, 422, "validation_error"),
        ({"period": ""}, 422, "validation_error"),
    ],
)
def test_bad_parameters_answer_in_the_error_body(clock, api, player, query, status, code):
    response = api.get("/api/players/zezima/records", query)
    assert response.status_code == status
    assert response.json()["error_code"] == code


def test_an_unknown_player_is_a_404(clock, api):
    response = api.get("/api/players/nobody/records")
    assert response.status_code == 404
    assert response.json()["error_code"] == "player_not_found"


def test_a_read_folds_in_a_record_whose_signal_was_lost(clock, api, player):
    zulrah_history(player, 10, 20)
    lost = HiscoreRecordFactory(
        player=player,
        fetched_at=T + DAY * 0.75,
        skills_data=skill_entries(),
        bosses_data=boss_entries(zulrah=90),
    )
    player.latest_record = lost
    player.save(update_fields=["latest_record"])
    body = api.get("/api/players/zezima/records", {"metric": "zulrah", "period": "day"}).json()
    assert body[0]["value"] == 80
    assert BestCursor.objects.get(player=player).through_at == lost.fetched_at


def board(api, metric: str, **params):
    response = api.get(f"/api/leaderboards/records/{metric}", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_records_board_ranks_players_by_their_record_and_pages(clock, api):
    for name, kills in (
        ("Small", (10, 15)),
        ("Big", (10, 90)),
        ("Tied", (10, 15)),
        ("Idle", (10, 10)),
    ):
        zulrah_history(PlayerFactory(username=name), *kills)
    body = board(api, "zulrah", period="day")
    assert body["count"] == 3
    assert [(e["rank"], e["username"], e["value"]) for e in body["results"]] == [
        (1, "Big", 80),
        (2, "Small", 5),
        (3, "Tied", 5),
    ]
    assert body["results"][0]["start_record_at"] == iso(T)
    page = board(api, "zulrah", period="day", limit=1, offset=1)
    assert [(e["rank"], e["username"]) for e in page["results"]] == [(2, "Small")]


def test_the_records_board_defaults_to_a_week(clock, api):
    zulrah_history(PlayerFactory(username="Big"), 10, 90)
    body = board(api, "zulrah")
    assert {e["period"] for e in body["results"]} == {"week"}
    assert BestGain.objects.filter(metric="zulrah").count() == 4


@pytest.mark.parametrize(
    ("path", "query", "status", "code"),
    [
        ("/api/leaderboards/records/zulrahh", {}, 404, "unknown_metric"),
        ("/api/leaderboards/records/zulrah", {"period": "decade"}, 422, "validation_error"),
        ("/api/leaderboards/records/zulrah", {"limit": "0"}, 422, "validation_error"),
    ],
)
def test_the_records_board_rejects_bad_input(clock, api, path, query, status, code):
    response = api.get(path, query)
    assert response.status_code == status
    assert response.json()["error_code"] == code


def test_the_records_endpoints_need_a_credential(anon, player):
    assert anon.get("/api/players/zezima/records").status_code == 401
    assert anon.get("/api/leaderboards/records/zulrah").status_code == 401


def test_the_records_board_is_a_conditional_read_never_stale(stamps, clock, api):
    big, small = PlayerFactory(username="Big"), PlayerFactory(username="Small")
    zulrah_history(big, 10, 90)
    zulrah_history(small, 10, 15)
    first = api.get("/api/leaderboards/records/zulrah", {"period": "day"})
    etag = first["ETag"]
    assert first["Cache-Control"] == "private, no-cache"
    # Nothing changed: a 304, and the kept body for a client without the ETag.
    held = api.get("/api/leaderboards/records/zulrah", {"period": "day"}, HTTP_IF_NONE_MATCH=etag)
    assert held.status_code == 304 and held.content == b""
    again = api.get("/api/leaderboards/records/zulrah", {"period": "day"})
    assert again.json() == first.json() and again["ETag"] == etag
    # A record folded in moves Small past Big: a fresh page, under a new ETag.
    add_record(small, T + DAY * 0.6, bosses=boss_entries(zulrah=200))
    fresh = api.get("/api/leaderboards/records/zulrah", {"period": "day"}, HTTP_IF_NONE_MATCH=etag)
    assert fresh.status_code == 200 and fresh["ETag"] != etag
    assert [(e["username"], e["value"]) for e in fresh.json()["results"]] == [
        ("Small", 190),
        ("Big", 80),
    ]
    # Another page of the same board has an ETag of its own.
    other = api.get("/api/leaderboards/records/zulrah", {"period": "day", "limit": 1})
    assert other["ETag"] != fresh["ETag"]


def test_the_records_board_changes_with_a_name_alone(stamps, clock, api):
    player = PlayerFactory(username="Zezima")
    zulrah_history(player, 10, 90)
    etag = api.get("/api/leaderboards/records/zulrah")["ETag"]
    # The name spelled otherwise: no record changes, the page does.
    player.username = "ZEZIMA"
    player.save(update_fields=["username"])
    response = api.get("/api/leaderboards/records/zulrah", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response.json()["results"][0]["username"] == "ZEZIMA"
    # Leaving the board (the player deleted) changes it too.
    etag = response["ETag"]
    player.delete()
    response = api.get("/api/leaderboards/records/zulrah", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and response.json()["count"] == 0
