from __future__ import annotations

import io
import random
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.generators import SchemaGenerator

from hiscores import catalogue
from players.records import HiscoreRecord
from progress import leaderboards
from progress.gains import gain_of
from progress.models import Delta, DeltaWindow
from progress.states import state_of
from tests.factories import PlayerFactory
from tests.progress.builders import NOW, activity_entries, add_record, boss_entries, skill_entries

pytestmark = pytest.mark.django_db

WEEK_AGO = NOW - timedelta(days=7)


def board(api, metric: str, **params) -> list[dict]:
    response = api.get(f"/api/leaderboards/{metric}", params)
    assert response.status_code == 200, response.content
    return response.json()


def gainer(name: str, before: dict, after: dict, *, since=NOW - timedelta(days=30)):
    player = PlayerFactory(username=name)
    add_record(player, since, **before)
    add_record(player, NOW - timedelta(days=1), **after)
    return player


def test_top_gainers_are_ranked_by_gain(clock, api):
    gainer("Small", {"bosses": boss_entries(zulrah=10)}, {"bosses": boss_entries(zulrah=15)})
    gainer("Big", {"bosses": boss_entries(zulrah=10)}, {"bosses": boss_entries(zulrah=90)})
    gainer("Idle", {"bosses": boss_entries(zulrah=10)}, {"bosses": boss_entries(zulrah=10)})
    assert board(api, "zulrah") == [
        {"rank": 1, "username": "Big", "gained": 80, "start": 10, "end": 90, "approximate": False},
        {"rank": 2, "username": "Small", "gained": 5, "start": 10, "end": 15, "approximate": False},
    ]


def test_a_rollback_never_counts(clock, api):
    gainer("Rolled", {"bosses": boss_entries(zulrah=500)}, {"bosses": boss_entries(zulrah=400)})
    assert board(api, "zulrah") == []


def test_the_period_start_decides_the_baseline(clock, api):
    player = PlayerFactory(username="Steady")
    for days, kc in [(400, 50), (40, 100), (20, 200), (5, 300), (1, 320)]:
        add_record(player, NOW - timedelta(days=days), bosses=boss_entries(vorkath=kc))
    assert board(api, "vorkath", period="week")[0]["gained"] == 120
    assert board(api, "vorkath", period="month")[0]["gained"] == 220
    assert board(api, "vorkath", period="year")[0]["gained"] == 270
    assert board(api, "vorkath", period="day") == []


def test_a_player_who_stopped_playing_falls_off_when_the_gains_leave_the_period(clock, api):
    player = PlayerFactory(username="Retired")
    add_record(player, NOW - timedelta(days=8), bosses=boss_entries(zulrah=10))
    add_record(player, NOW - timedelta(days=7, minutes=-5), bosses=boss_entries(zulrah=20))
    assert [e["gained"] for e in board(api, "zulrah")] == [10]
    clock.move_to(NOW + timedelta(minutes=5) - timedelta(seconds=1))
    assert [e["gained"] for e in board(api, "zulrah")] == [10]
    # The week now starts at the last record, and no record was written since.
    clock.move_to(NOW + timedelta(minutes=5))
    assert board(api, "zulrah") == []


def test_a_new_record_is_on_the_board_at_once(clock, api):
    before, after = {"bosses": boss_entries(zulrah=10)}, {"bosses": boss_entries(zulrah=20)}
    player = gainer("Active", before, after)
    assert [e["gained"] for e in board(api, "zulrah")] == [10]
    add_record(player, NOW, bosses=boss_entries(zulrah=50))
    assert [e["end"] for e in board(api, "zulrah")] == [50]


def test_the_board_says_it_is_being_built_rather_than_show_what_it_cannot_vouch_for(
    clock, api, monkeypatch
):
    monkeypatch.setattr(leaderboards, "READ_REFRESH_LIMIT", 1)
    for name in ("One", "Two"):
        gainer(name, {"bosses": boss_entries(zulrah=10)}, {"bosses": boss_entries(zulrah=20)})
    response = api.get("/api/leaderboards/zulrah")
    assert response.status_code == 503
    assert response.json()["error_code"] == "leaderboards_building"
    call_command("rebuild_deltas", stdout=io.StringIO())
    assert [e["username"] for e in board(api, "zulrah")] == ["One", "Two"]


def test_a_player_first_seen_inside_the_period_counts_from_the_first_record(clock, api):
    gainer(
        "Newcomer",
        {"skills": skill_entries(attack=100_000)},
        {"skills": skill_entries(attack=160_000)},
        since=NOW - timedelta(days=3),
    )
    assert board(api, "attack")[0]["gained"] == 60_000


def test_a_boss_first_listed_counts_from_its_minimum_and_is_approximate(clock, api):
    gainer("Fresh", {"bosses": boss_entries()}, {"bosses": boss_entries(zulrah=12)})
    assert board(api, "zulrah", period="month") == [
        {"rank": 1, "username": "Fresh", "gained": 8, "start": None, "end": 12, "approximate": True}
    ]


def test_a_skill_first_ranked_is_inferred_from_overall_and_can_top_the_board(clock, api):
    skills = skill_entries(1_000_000, sailing=None)
    known = 1_000_000 * (len(catalogue.SKILLS) - 1)
    gainer(
        "Sailor",
        {"skills": skills, "overall_experience": known + 30_000},
        {"skills": skill_entries(1_000_000, sailing=2_030_000)},
        since=NOW - timedelta(days=6),
    )
    gainer(
        "Other",
        {"skills": skill_entries(1_000_000, sailing=100_000)},
        {"skills": skill_entries(1_000_000, sailing=600_000)},
    )
    assert [(e["username"], e["gained"], e["approximate"]) for e in board(api, "sailing")] == [
        ("Sailor", 2_000_000, False),
        ("Other", 500_000, False),
    ]


def test_overall_unknown_at_the_start_is_the_sum_of_the_skills(clock, api):
    gainer(
        "Unknown",
        {"skills": skill_entries(1_000_000), "overall_experience": None},
        {"skills": skill_entries(1_000_000, magic=1_250_000)},
    )
    assert board(api, "overall") == [
        {
            "rank": 1,
            "username": "Unknown",
            "gained": 250_000,
            "start": None,
            "end": 1_000_000 * len(catalogue.SKILLS) + 250_000,
            "approximate": False,
        }
    ]


def test_ties_are_ordered_by_name(clock, api):
    for name in ("Bravo", "alpha", "Charlie"):
        gainer(name, {"bosses": boss_entries(zulrah=10)}, {"bosses": boss_entries(zulrah=20)})
    assert [e["username"] for e in board(api, "zulrah")] == ["alpha", "Bravo", "Charlie"]


def test_limit_bounds_the_board(clock, api):
    for index in range(25):
        gainer(
            f"P{index}",
            {"bosses": boss_entries(zulrah=10)},
            {"bosses": boss_entries(zulrah=11 + index)},
        )
    assert len(board(api, "zulrah")) == 20
    top = board(api, "zulrah", limit=3)
    assert [e["gained"] for e in top] == [25, 24, 23]
    assert [e["rank"] for e in top] == [1, 2, 3]


def test_the_board_is_a_conditional_read_never_stale(stamps, clock, api):
    player = gainer(
        "Active", {"bosses": boss_entries(zulrah=10)}, {"bosses": boss_entries(zulrah=20)}
    )
    first = api.get("/api/leaderboards/zulrah")
    etag = first["ETag"]
    assert first["Cache-Control"] == "private, no-cache"
    assert "Last-Modified" not in first
    # Nothing changed: a 304, and the kept body for a client without the ETag.
    held = api.get("/api/leaderboards/zulrah", HTTP_IF_NONE_MATCH=etag)
    assert held.status_code == 304 and held.content == b""
    again = api.get("/api/leaderboards/zulrah")
    assert again.json() == first.json() and again["ETag"] == etag
    # Another limit is another answer, under an ETag of its own.
    assert api.get("/api/leaderboards/zulrah", {"limit": 5})["ETag"] != etag
    # A new record: a fresh board, under a new ETag.
    add_record(player, NOW, bosses=boss_entries(zulrah=50))
    fresh = api.get("/api/leaderboards/zulrah", HTTP_IF_NONE_MATCH=etag)
    assert fresh.status_code == 200 and fresh["ETag"] != etag
    assert [e["end"] for e in fresh.json()] == [50]
    # The name spelled otherwise: no gain changes, the board does.
    player.username = "ACTIVE"
    player.save(update_fields=["username"])
    renamed = api.get("/api/leaderboards/zulrah", HTTP_IF_NONE_MATCH=fresh["ETag"])
    assert renamed.status_code == 200
    assert [e["username"] for e in renamed.json()] == ["ACTIVE"]


def test_a_board_whose_gains_leave_the_period_is_not_served_from_the_kept_body(stamps, clock, api):
    player = PlayerFactory(username="Retired")
    add_record(player, NOW - timedelta(days=8), bosses=boss_entries(zulrah=10))
    add_record(player, NOW - timedelta(days=7, minutes=-5), bosses=boss_entries(zulrah=20))
    etag = api.get("/api/leaderboards/zulrah")["ETag"]
    clock.move_to(NOW + timedelta(minutes=5))
    gone = api.get("/api/leaderboards/zulrah", HTTP_IF_NONE_MATCH=etag)
    assert gone.status_code == 200 and gone.json() == []


def test_a_board_read_is_one_query_on_the_deltas_while_nothing_has_expired(clock, api):
    for name in ("One", "Two"):
        gainer(name, {"bosses": boss_entries(zulrah=10)}, {"bosses": boss_entries(zulrah=20)})
    board(api, "zulrah")  # refreshes the windows the records expired
    tables = (Delta._meta.db_table, DeltaWindow._meta.db_table)
    for query in ({}, {"limit": 1}):  # a kept body, then a body built afresh
        with CaptureQueriesContext(connection) as captured:
            assert api.get("/api/leaderboards/zulrah", query).status_code == 200
        read = [q for q in captured.captured_queries if any(t in q["sql"] for t in tables)]
        assert len(read) == 1


def test_unknown_metric_lists_the_valid_ones(clock, api):
    body = api.get("/api/leaderboards/dungeoneering").json()
    assert body["error_code"] == "unknown_metric"
    assert body["details"]["valid"][:2] == ["overall", "attack"]
    assert "clue_scrolls_all" in body["details"]["valid"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "decade"}, "period"),
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"limit": "-3"}, "limit"),
    ],
)
def test_bad_parameters_are_validation_errors(clock, api, params, field):
    response = api.get("/api/leaderboards/overall", params)
    assert response.status_code == 422
    assert list(response.json()["details"]) == [field]


def _random_population(rng: random.Random) -> dict[str, list[HiscoreRecord]]:
    histories = {}
    for index in range(40):
        player = PlayerFactory(username=f"Random {index}")
        records = []
        for days in sorted(rng.sample(range(1, 60), rng.randint(1, 4)), reverse=True):
            xp = {s: rng.choice([None, rng.randint(0, 5_000_000)]) for s in ("attack", "sailing")}
            overall = rng.choice([None, 0, rng.randint(60_000_000, 90_000_000)])
            kc = {s: rng.choice([None, rng.randint(1, 200)]) for s in ("zulrah", "mimic")}
            records.append(
                add_record(
                    player,
                    NOW - timedelta(days=days, hours=rng.randint(0, 23)),
                    skills=skill_entries(rng.choice([None, 2_500_000]), **xp),
                    bosses=boss_entries(**kc),
                    activities=activity_entries(last_man_standing=rng.choice([None, 600, 800])),
                    overall_experience=overall,
                )
            )
        histories[player.username] = records
    return histories


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_board_agrees_with_the_gain_rules_for_every_player(clock, api, seed):
    histories = _random_population(random.Random(seed))
    metrics = ("overall", "attack", "sailing", "zulrah", "mimic", "last_man_standing")
    for metric in metrics:
        for period, days in (("week", 7), ("month", 30)):
            start = NOW - timedelta(days=days)
            expected = []
            for name, records in histories.items():
                before = [r for r in records if r.fetched_at <= start]
                first = before[-1] if before else records[0]
                gain = gain_of(state_of(first), state_of(records[-1]), metric)
                if gain.value > 0:
                    expected.append((name, gain.value, gain.approximate))
            expected.sort(key=lambda e: (-e[1], e[0].lower()))
            got = board(api, metric, period=period, limit=100)
            assert [(e["username"], e["gained"], e["approximate"]) for e in got] == expected


def test_the_schema_describes_a_board_entry_exactly(clock, api):
    gainer("Big", {"bosses": boss_entries(zulrah=10)}, {"bosses": boss_entries(zulrah=90)})
    entry = board(api, "zulrah")[0]
    components = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    assert set(components["LeaderboardEntry"]["properties"]) == set(entry)
