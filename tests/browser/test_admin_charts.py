"""The Player change page in a real browser: Debian's headless Chromium, driven
by Playwright, against the live server. Every request the page makes must stay on
the live server (the admin works offline)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, sync_playwright

from players.models import Player
from tests.factories import PASSWORD, HiscoreRecordFactory, PlayerFactory, UserFactory, skills_data
from tests.queued import queued_player_ids

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = Path(__file__).resolve().parents[2] / "artifacts" / "admin-player-chart.png"
# (days ago, attack XP, Zulrah kills)
HISTORY = [(20, 1_000_000, 10), (10, 1_300_000, 25), (3, 1_500_000, 40), (1 / 24, 1_620_000, 52)]


@pytest.fixture
def chromium_path() -> str:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed: apt-get install chromium")
    return str(CHROMIUM)


@pytest.fixture
def zezima(transactional_db) -> Player:
    player = PlayerFactory(username="Zezima")
    now = timezone.now()
    for days_ago, attack, kills in HISTORY:
        HiscoreRecordFactory(
            player=player,
            fetched_at=now - timedelta(days=days_ago),
            skills_data=skills_data({"attack": attack, "strength": 2_000_000}),
            bosses_data={"zulrah": {"rank": 900, "kc": kills}},
        )
    return player


def chart_values(page: Page, canvas: str) -> list[float | None]:
    return page.evaluate(
        "(id) => Chart.getChart(document.getElementById(id)).data.datasets[0].data.map(p => p.y)",
        canvas,
    )


def wait_loaded(page: Page, canvas: str, what: str) -> None:
    page.wait_for_function(
        "([id, what]) => document.getElementById(id).dataset.loaded === what", arg=[canvas, what]
    )


def digits(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def test_staff_see_the_player_charts_switch_to_a_boss_and_fetch_now(
    chromium_path, live_server, zezima
):
    UserFactory(username="staff", is_staff=True, is_superuser=True)
    change_url = f"/admin/players/player/{zezima.pk}/change/"
    outside: list[str] = []
    problems: list[str] = []

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1440, "height": 1000})

        def same_origin_only(route, request):
            if request.url.startswith(live_server.url):
                route.continue_()
            else:
                outside.append(request.url)
                route.abort()

        context.route("**/*", same_origin_only)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)

        page.goto(f"{live_server.url}/admin/login/?next={change_url}")
        page.fill("#id_username", "staff")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(f"{live_server.url}{change_url}")

        # Both charts drawn, from the embedded series and from the history API.
        wait_loaded(page, "overall-chart", "overall")
        wait_loaded(page, "metric-chart", "skills/attack")
        overall_points = chart_values(page, "overall-chart")
        attack_points = chart_values(page, "metric-chart")

        page.select_option("#metric-select", "bosses/zulrah")
        wait_loaded(page, "metric-chart", "bosses/zulrah")
        zulrah_points = chart_values(page, "metric-chart")
        zulrah_label = page.evaluate(
            "Chart.getChart(document.getElementById('metric-chart')).data.datasets[0].label"
        )

        page.wait_for_function(
            "document.querySelectorAll('#player-gains td[data-loaded]').length === 3"
        )
        gains = {
            period: page.inner_text(f'#player-gains tr[data-period="{period}"] td')
            for period in ("day", "week", "month")
        }
        SCREENSHOT.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)

        # The changelist action queues a fetch and says so.
        page.goto(f"{live_server.url}/admin/players/player/")
        page.check(f'input[name="_selected_action"][value="{zezima.pk}"]')
        page.select_option('select[name="action"]', "fetch_now")
        page.click('button[name="index"]')
        message = page.inner_text(".messagelist li")

        browser.close()

    overall_xp = _overall_of(HISTORY)
    assert overall_points == overall_xp
    assert attack_points == [attack for _, attack, _ in HISTORY]
    assert zulrah_points == [kills for _, _, kills in HISTORY]
    assert zulrah_label == "Zulrah kills"
    assert digits(gains["day"]) == overall_xp[3] - overall_xp[2]
    assert digits(gains["week"]) == overall_xp[3] - overall_xp[1]
    assert digits(gains["month"]) == overall_xp[3] - overall_xp[0]
    assert message == "Queued 1 fetch(es); 0 fetched too recently."
    # Taken off the (in-memory) queue, too, so no later test finds it there.
    assert queued_player_ids() == [zezima.pk]
    assert not outside, f"the page reached outside the live server: {outside}"
    assert not problems, f"the page logged errors: {problems}"
    assert SCREENSHOT.stat().st_size > 10_000


def _overall_of(history) -> list[int]:
    """The factory's overall XP: the sum of every skill (attack as given, strength
    at 2M, the rest at 0)."""
    return [attack + 2_000_000 for _, attack, _ in history]


def chart_axis(page: Page, canvas: str) -> tuple[float, float]:
    return tuple(
        page.evaluate(
            "(id) => { const x = Chart.getChart(document.getElementById(id)).scales.x;"
            " return [x.min, x.max]; }",
            canvas,
        )
    )


def test_a_new_player_fills_the_axis_in_every_range_and_gets_no_daily_rate(
    chromium_path, live_server, transactional_db
):
    """A player first fetched minutes ago: their points spread over the axis (not
    one vertical line at the end of a month), and "+250,000 XP" is not followed
    by a daily rate extrapolated from minutes (docs/api.md, "Rates")."""
    now = timezone.now()
    player = PlayerFactory(username="Newbie")
    moments = [now - timedelta(minutes=5), now - timedelta(minutes=1)]
    for moment, attack in zip(moments, (1_000_000, 1_250_000), strict=True):
        HiscoreRecordFactory(
            player=player,
            fetched_at=moment,
            skills_data=skills_data({"attack": attack, "strength": 2_000_000}),
        )
    UserFactory(username="staff", is_staff=True, is_superuser=True)
    change_url = f"/admin/players/player/{player.pk}/change/"
    problems: list[str] = []
    seen: dict[str, dict] = {}

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.goto(f"{live_server.url}/admin/login/?next={change_url}")
        page.fill("#id_username", "staff")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(f"{live_server.url}{change_url}")

        for chart_range in ("month", "day", "year", "all"):
            if chart_range != "month":  # the range shown first
                page.check(f'input[name="chart-range"][value="{chart_range}"]')
            for canvas in ("overall-chart", "metric-chart"):
                page.wait_for_function(
                    "([id, range]) => document.getElementById(id).dataset.range === range",
                    arg=[canvas, chart_range],
                )
            wait_loaded(page, "metric-chart", "skills/attack")
            seen[chart_range] = {
                "overall": chart_values(page, "overall-chart"),
                "attack": chart_values(page, "metric-chart"),
                "axis": chart_axis(page, "overall-chart"),
                "metric axis": chart_axis(page, "metric-chart"),
                "summary": page.inner_text("#metric-summary"),
            }
        browser.close()

    first = moments[0].timestamp() * 1000
    for chart_range, shown in seen.items():
        assert shown["overall"] == [3_000_000, 3_250_000], chart_range
        assert shown["attack"] == [1_000_000, 1_250_000], chart_range
        start, end = shown["axis"]
        # Fitted: the axis starts at the first record and ends now, minutes later.
        assert start == pytest.approx(first, abs=1_000), chart_range
        assert 0 < end - start < 15 * 60 * 1000, chart_range
        assert shown["metric axis"] == shown["axis"], chart_range
        assert shown["summary"].startswith("+250,000 XP, in 4 minutes"), shown["summary"]
        assert "no daily rate" in shown["summary"]
    assert not problems, f"the page logged errors: {problems}"
