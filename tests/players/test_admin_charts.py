"""The Player change page's charts: the page carries what the browser script needs
(tests/browser/ drives the script itself in Chromium)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils.dateparse import parse_datetime

from hiscores import catalogue
from players.admin.player_charts import CHART_POINTS, CHART_RANGE, CHART_RANGES
from players.records import HiscoreRecord
from tests.factories import HiscoreRecordFactory, PlayerFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
CHART_DAYS = CHART_RANGES[CHART_RANGE]  # the range shown first
VENDORED_CHART_JS = "/static/players/vendor/chart.umd.min.js"


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def zezima():
    return PlayerFactory(username="Zezima")


def change_page(client, player) -> str:
    response = client.get(f"/admin/players/player/{player.pk}/change/")
    assert response.status_code == 200
    return response.content.decode()


def embedded_overall(
    html: str, chart_range: str = CHART_RANGE
) -> list[tuple[datetime, int | None]]:
    match = re.search(
        r'<script id="overall-timelines" type="application/json">(.*?)</script>', html
    )
    assert match, "no embedded overall timelines"
    series = json.loads(match.group(1))
    assert list(series) == list(CHART_RANGES)
    return [(parse_datetime(p["at"]), p["experience"]) for p in series[chart_range]]


def test_change_page_has_the_chart_container_with_the_history_api_url(staff_client, zezima):
    html = change_page(staff_client, zezima)
    assert 'id="player-charts"' in html
    assert 'data-history-url="/api/players/zezima/history"' in html
    assert 'data-first-at=""' in html  # no record yet
    ranges = re.findall(r'<input type="radio" name="chart-range" value="(\w+)"( checked)?>', html)
    assert ranges == [(name, " checked" if name == CHART_RANGE else "") for name in CHART_RANGES]
    for canvas in ("overall-chart", "metric-chart"):
        assert f'<canvas id="{canvas}"' in html
    for period in ("day", "week", "month"):
        assert f'<tr data-period="{period}">' in html


def test_the_select_lists_every_skill_and_boss_of_the_catalogue(staff_client, zezima):
    html = change_page(staff_client, zezima)
    select = html.split('<select id="metric-select">', 1)[1].split("</select>", 1)[0]
    values = re.findall(r'<option value="([^"]+)">', select)
    assert values == [
        *(f"skills/{slug}" for slug in catalogue.SKILL_SLUGS),
        *(f"bosses/{slug}" for slug in catalogue.BOSS_SLUGS),
    ]


def test_scripts_are_the_vendored_chart_library_and_ours_never_a_cdn(staff_client, zezima):
    html = change_page(staff_client, zezima)
    sources = re.findall(r'<script[^>]* src="([^"]+)"', html)
    assert VENDORED_CHART_JS in sources
    assert "/static/players/player_charts.js" in sources
    # Same origin only: the admin works offline.
    assert all(src.startswith("/") and not src.startswith("//") for src in sources), sources
    library = staff_client.get(VENDORED_CHART_JS)
    assert library.status_code == 200
    assert b"Chart.js v4" in b"".join(library.streaming_content)[:200]


def test_the_add_page_has_no_charts(staff_client):
    html = staff_client.get("/admin/players/player/add/").content.decode()
    assert 'id="player-charts"' not in html
    assert VENDORED_CHART_JS not in html


def test_overall_series_starts_with_the_state_at_the_window_start(clock, staff_client, zezima):
    for days, xp in ((45, 1_000), (40, 2_000), (10, 3_000), (1, 5_000)):
        HiscoreRecordFactory(
            player=zezima, fetched_at=NOW - timedelta(days=days), overall_experience=xp
        )
    assert embedded_overall(change_page(staff_client, zezima)) == [
        (NOW - timedelta(days=CHART_DAYS), 2_000),
        (NOW - timedelta(days=10), 3_000),
        (NOW - timedelta(days=1), 5_000),
    ]


def test_overall_series_of_a_player_first_seen_in_the_window(clock, staff_client, zezima):
    HiscoreRecordFactory(player=zezima, fetched_at=NOW - timedelta(days=2), overall_experience=7)
    assert embedded_overall(change_page(staff_client, zezima)) == [(NOW - timedelta(days=2), 7)]


def test_overall_series_keeps_the_latest_records_up_to_its_bound(clock, staff_client, zezima):
    HiscoreRecord.objects.bulk_create(
        HiscoreRecord(
            player=zezima,
            fetched_at=NOW - timedelta(hours=index),
            last_checked_at=NOW - timedelta(hours=index),
            overall_experience=10_000 - index,
        )
        for index in range(CHART_POINTS + 50)
    )
    series = embedded_overall(change_page(staff_client, zezima))
    assert len(series) == CHART_POINTS
    assert series[-1] == (NOW, 10_000)
    assert series[0] == (NOW - timedelta(hours=CHART_POINTS - 1), 10_000 - CHART_POINTS + 1)


def test_each_range_has_its_series_and_all_starts_at_the_first_record(clock, staff_client, zezima):
    for age, xp in (
        (timedelta(days=400), 1_000),
        (timedelta(days=3), 3_000),
        (timedelta(hours=2), 4_000),
    ):
        HiscoreRecordFactory(player=zezima, fetched_at=NOW - age, overall_experience=xp)
    html = change_page(staff_client, zezima)
    assert f'data-first-at="{(NOW - timedelta(days=400)).isoformat()}"' in html
    assert embedded_overall(html, "day") == [
        (NOW - timedelta(days=1), 3_000),
        (NOW - timedelta(hours=2), 4_000),
    ]
    assert embedded_overall(html, "year") == [
        (NOW - timedelta(days=365), 1_000),
        (NOW - timedelta(days=3), 3_000),
        (NOW - timedelta(hours=2), 4_000),
    ]
    assert embedded_overall(html, "all") == [
        (NOW - timedelta(days=400), 1_000),
        (NOW - timedelta(days=3), 3_000),
        (NOW - timedelta(hours=2), 4_000),
    ]


def test_a_player_of_minutes_has_only_their_records_in_every_range(clock, staff_client, zezima):
    for minutes, xp in ((5, 1_000), (1, 251_000)):
        HiscoreRecordFactory(
            player=zezima, fetched_at=NOW - timedelta(minutes=minutes), overall_experience=xp
        )
    html = change_page(staff_client, zezima)
    for chart_range in CHART_RANGES:
        assert embedded_overall(html, chart_range) == [
            (NOW - timedelta(minutes=5), 1_000),
            (NOW - timedelta(minutes=1), 251_000),
        ]
