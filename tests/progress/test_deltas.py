"""The maintained deltas equal the gain rules at every moment (progress.deltas)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.params import PERIODS
from players.models import Player
from progress import deltas
from progress.deltas import EXPIRED
from progress.gains import gain_of
from progress.leaderboards import leaderboard, metric_slugs
from progress.models import Delta, DeltaWindow
from progress.states import State, state_of
from progress.tasks import refresh_deltas
from tests.factories import HiscoreRecordFactory, PlayerFactory
from tests.progress.builders import NOW, add_record, boss_entries, histories, record_values

pytestmark = pytest.mark.django_db

T0 = NOW - timedelta(days=800)


@st.composite
def scenarios(draw) -> tuple[list[list[tuple[int, dict]]], list[tuple[int, str]]]:
    """Players' histories (seconds after T0, values) and what else happens when:
    a beat tick, or a look at the boards."""
    drawn = [
        draw(histories(record_values(), max_records=5)) for _ in range(draw(st.integers(1, 3)))
    ]
    end = max(at for history in drawn for at, _ in history) + 400 * 86_400
    moments = st.integers(0, end)
    events = [(draw(moments), "tick") for _ in range(draw(st.integers(0, 3)))]
    events += [(draw(moments), "look") for _ in range(draw(st.integers(1, 6)))]
    return drawn, events


def value_of(state: State, metric: str) -> int | None:
    if metric == "overall":
        return state.overall_experience
    for section in (state.skills, state.bosses, state.activities):
        if metric in section:
            return section[metric]
    return None


def reference(written: dict[int, list], now, period: str) -> set[tuple]:
    """The board's rule on full histories: latest record against the record at the
    period start (or the first one, for a player first seen since)."""
    start, rows = now - PERIODS[period], set()
    for player_id, records in written.items():
        before = [r for r in records if r.fetched_at <= start]
        s, e = state_of(before[-1] if before else records[0]), state_of(records[-1])
        for metric in metric_slugs():
            gain = gain_of(s, e, metric)
            if gain.value > 0:
                row = (gain.value, gain.approximate, value_of(s, metric), value_of(e, metric))
                rows.add((player_id, metric, *row))
    return rows


def table(period: str) -> set[tuple]:
    fields = ("window__player_id", "metric", "gained", "approximate", "start", "end")
    return set(Delta.objects.filter(period=period).values_list(*fields))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenarios())
def test_the_table_is_the_gain_rules_at_every_moment(scenario):
    Player.objects.all().delete()
    histories, events = scenario
    players = [PlayerFactory() for _ in histories]
    writes = [
        (at, "write", (player, values))
        for player, history in zip(players, histories, strict=True)
        for at, values in history
    ]
    timeline = sorted(
        writes + [(at, kind, None) for at, kind in events],
        key=lambda event: (event[0], event[1] != "write"),
    )
    written: dict[int, list] = {}
    for at, kind, what in timeline:
        now = T0 + timedelta(seconds=at)
        with time_machine.travel(now, tick=False):
            if kind == "write":
                player, values = what
                # As the recording service writes: at the moment it fetched.
                written.setdefault(player.pk, []).append(add_record(player, now, **values))
            elif kind == "tick":
                refresh_deltas()
            else:
                for period in PERIODS:
                    leaderboard(metric="overall", period=period, now=now, limit=1)
                    assert table(period) == reference(written, now, period), (period, now)


def test_a_new_record_expires_its_players_windows_at_once(clock):
    player = PlayerFactory()
    add_record(player, NOW - timedelta(days=3), bosses=boss_entries(zulrah=10))
    refresh_deltas()
    assert not DeltaWindow.objects.expired(NOW).exists()
    add_record(player, NOW, bosses=boss_entries(zulrah=15))
    assert set(DeltaWindow.objects.values_list("period", "valid_until")) == {
        (period, EXPIRED) for period in PERIODS
    }


def test_expiring_many_players_keeps_their_windows_records(clock, monkeypatch):
    # A small chunk: the windows go as full chunks and a rest, each a statement.
    monkeypatch.setattr(deltas, "EXPIRE_CHUNK", 5)
    players = [PlayerFactory() for _ in range(3)]
    for player in players:
        add_record(player, NOW - timedelta(days=3), bosses=boss_entries(zulrah=10))
    refresh_deltas()
    built = set(DeltaWindow.objects.values_list("id", "start_record", "end_record"))
    fresh = PlayerFactory()  # no windows yet: created expired
    deltas.expire([*(player.pk for player in players), fresh.pk])
    assert set(DeltaWindow.objects.values_list("valid_until", flat=True)) == {EXPIRED}
    assert DeltaWindow.objects.filter(player=fresh).count() == len(PERIODS)
    kept = DeltaWindow.objects.exclude(player=fresh)
    assert set(kept.values_list("id", "start_record", "end_record")) == built


def test_a_window_is_valid_until_its_start_passes_the_next_record(clock):
    player = PlayerFactory()
    add_record(player, NOW - timedelta(days=10), bosses=boss_entries(zulrah=10))
    add_record(player, NOW - timedelta(days=5), bosses=boss_entries(zulrah=20))
    add_record(player, NOW - timedelta(hours=1), bosses=boss_entries(zulrah=25))
    refresh_deltas()
    until = dict(DeltaWindow.objects.values_list("period", "valid_until"))
    assert until == {
        # Its start is the record 5 days ago; the next came an hour ago.
        "day": NOW - timedelta(hours=1) + timedelta(days=1),
        # Its start is the record 10 days ago; the next came 5 days ago.
        "week": NOW - timedelta(days=5) + timedelta(days=7),
        # First seen inside the period: the first record, until the second.
        "month": NOW - timedelta(days=5) + timedelta(days=30),
        "year": NOW - timedelta(days=5) + timedelta(days=365),
    }


def test_a_window_with_nothing_after_its_start_waits_for_the_next_record(clock):
    player = PlayerFactory()
    add_record(player, NOW - timedelta(days=40), bosses=boss_entries(zulrah=10))
    refresh_deltas()
    assert set(DeltaWindow.objects.values_list("valid_until", flat=True)) == {None}
    assert not Delta.objects.exists()


def test_the_beat_catches_a_record_whose_signal_was_lost(clock, api):
    player = PlayerFactory(username="Quiet")
    add_record(player, NOW - timedelta(days=3), bosses=boss_entries(zulrah=10))
    refresh_deltas()
    # Written as a process killed between its commit and `record_written` leaves it.
    record = HiscoreRecordFactory(
        player=player, fetched_at=NOW - timedelta(hours=1), bosses_data=boss_entries(zulrah=40)
    )
    Player.objects.filter(pk=player.pk).update(latest_record=record)
    assert api.get("/api/leaderboards/zulrah").json() == []
    refresh_deltas()
    assert [e["gained"] for e in api.get("/api/leaderboards/zulrah").json()] == [30]


def test_the_beat_builds_windows_lost_with_a_deleted_record(clock, api):
    player = PlayerFactory(username="Pruned")
    first = add_record(player, NOW - timedelta(days=20), bosses=boss_entries(zulrah=10))
    add_record(player, NOW - timedelta(days=10), bosses=boss_entries(zulrah=30))
    add_record(player, NOW - timedelta(days=1), bosses=boss_entries(zulrah=35))
    refresh_deltas()
    assert api.get("/api/leaderboards/zulrah", {"period": "month"}).json()[0]["gained"] == 25
    first.delete()  # the month's and the year's start: their windows go with it
    assert set(DeltaWindow.objects.values_list("period", flat=True)) == {"day", "week"}
    refresh_deltas()
    assert DeltaWindow.objects.count() == len(PERIODS)
    assert api.get("/api/leaderboards/zulrah", {"period": "month"}).json()[0]["gained"] == 5


def test_an_untracked_player_leaves_no_rows(clock):
    player = PlayerFactory()
    add_record(player, NOW - timedelta(days=3), bosses=boss_entries(zulrah=10))
    add_record(player, NOW - timedelta(days=1), bosses=boss_entries(zulrah=15))
    refresh_deltas()
    assert Delta.objects.exists()
    player.delete()
    assert not DeltaWindow.objects.exists()
    assert not Delta.objects.exists()


def test_a_board_refreshes_the_windows_of_its_own_period_only(clock):
    # Other periods wait for their own boards or the beat: a board read after a
    # collected batch locks and rebuilds a quarter of what a full refresh would.
    player = PlayerFactory()
    add_record(player, NOW - timedelta(days=3), bosses=boss_entries(zulrah=10))
    refresh_deltas()
    add_record(player, NOW, bosses=boss_entries(zulrah=15))
    board = leaderboard(metric="zulrah", period="week", now=NOW, limit=5)
    assert [entry.gained for entry in board.entries] == [5]
    assert set(DeltaWindow.objects.expired(NOW).values_list("period", flat=True)) == (
        set(PERIODS) - {"week"}
    )
    refresh_deltas()
    assert not DeltaWindow.objects.expired(NOW).exists()
    assert Delta.objects.get(period="day", metric="zulrah").gained == 5


def _queries_to_refresh(players: list[Player]) -> int:
    deltas.expire(player.pk for player in players)
    with CaptureQueriesContext(connection) as queries:
        assert deltas.refresh([player.pk for player in players], now=NOW) == len(players)
    return len(queries)


def test_a_refresh_costs_as_many_queries_for_many_players_as_for_one(clock):
    # Boards refresh as they are read: a query per player would slow every read
    # after a collected batch.
    players = [PlayerFactory() for _ in range(4)]
    for kills, player in enumerate(players):
        add_record(player, NOW - timedelta(days=3), bosses=boss_entries(zulrah=10))
        add_record(player, NOW - timedelta(hours=1), bosses=boss_entries(zulrah=11 + kills))
    refresh_deltas()
    assert _queries_to_refresh(players[:1]) == _queries_to_refresh(players)


def test_the_beat_refreshes_every_expired_player_a_chunk_at_a_time(clock, monkeypatch):
    monkeypatch.setattr(deltas, "CHUNK", 2)
    for kills in range(5):
        player = PlayerFactory()
        add_record(player, NOW - timedelta(days=3), bosses=boss_entries(zulrah=10))
        add_record(player, NOW - timedelta(days=1), bosses=boss_entries(zulrah=11 + kills))
    assert refresh_deltas() == 5
    assert not DeltaWindow.objects.expired(NOW).exists()
    assert Delta.objects.filter(period="week").count() == 5
