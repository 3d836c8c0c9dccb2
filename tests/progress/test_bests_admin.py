"""The player's records on their admin change page (read-only, drawn in the
browser from the records API)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import sync_playwright

from tests.browser.test_admin_charts import CHROMIUM_ARGS, chromium_path  # noqa: F401 (a fixture)
from tests.factories import PASSWORD, PlayerFactory, UserFactory
from tests.progress.builders import add_record, boss_entries, skill_entries


@pytest.fixture
def staff_client(client, db):
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    return client


@pytest.mark.django_db
def test_the_change_page_carries_the_records_table_and_its_api_url(staff_client):
    player = PlayerFactory(username="Zezima")
    response = staff_client.get(f"/admin/players/player/{player.pk}/change/")
    html = response.content.decode()
    assert 'id="player-records"' in html
    assert 'data-records-url="/api/players/zezima/records"' in html
    assert "/static/players/player_records.js" in html
    # Nothing in it to submit: the records are read-only.
    table = html[
        html.index('id="player-records"') : html.index(
            "</fieldset>", html.index('id="player-records"')
        )
    ]
    assert "<input" not in table and "<select" not in table


@pytest.mark.django_db
def test_the_add_page_has_no_records_table(staff_client):
    html = staff_client.get("/admin/players/player/add/").content.decode()
    assert 'id="player-records"' not in html


@pytest.mark.browser
def test_staff_see_the_players_records(chromium_path, live_server, transactional_db):  # noqa: F811
    UserFactory(username="staff", is_staff=True, is_superuser=True)
    player = PlayerFactory(username="Zezima")
    now = timezone.now()
    add_record(player, now - timedelta(days=3), bosses=boss_entries())
    add_record(
        player,
        now - timedelta(days=2, hours=12),
        skills=skill_entries(attack=150_000),
        bosses=boss_entries(zulrah=12),
    )
    change_url = f"/admin/players/player/{player.pk}/change/"
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.goto(f"{live_server.url}/admin/login/?next={change_url}")
        page.fill("#id_username", "staff")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(f"{live_server.url}{change_url}")
        page.wait_for_function("document.getElementById('player-records').dataset.loaded === '4'")
        rows = page.eval_on_selector_all(
            "#player-records-rows tr",
            "rows => rows.map(r => [...r.children].map(c => c.textContent))",
        )
        browser.close()
    assert problems == []
    assert rows[:3] == [
        ["overall", "50,000", "50,000", "50,000", "50,000"],
        ["attack", "50,000", "50,000", "50,000", "50,000"],
        ["zulrah", "≥ 8", "≥ 8", "≥ 8", "≥ 8"],
    ]
    # Efficient hours follow, as the API lists them: EHB from Zulrah's kills (a
    # lower bound, as they are). Attack earns no EHP on main's table: Slayer's
    # bonus experience covers the melee skills there, so there is no EHP record.
    assert [row[0] for row in rows[3:]] == ["ehb"]
    assert rows[3][1].startswith("≥ ")
