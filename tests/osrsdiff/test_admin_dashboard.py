from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from osrsdiff.admin import duration
from players.models import FetchAttempt, FetchOutcome, PlayerStatus
from tests.factories import PlayerFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/admin/dashboard/"
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(username="boss", is_staff=True))
    return client


def cell(html: str, section: str, label: str) -> str:
    """The value beside `label` in the dashboard's `section` table."""
    block = html.split(f'id="dashboard-{section}"', 1)[1].split("</table>", 1)[0]
    match = re.search(rf">{re.escape(label)}(?:</a>)?</th><td[^>]*>(.*?)</td>", block)
    assert match, f"{label!r} not in {section}"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def test_staff_see_players_fetches_backlog_and_breaker(staff_client, settings):
    settings.OSRS_MAX_REQUESTS_PER_SECOND = 0.5
    with time_machine.travel(NOW, tick=False):
        PlayerFactory(next_fetch_at=NOW - timedelta(hours=3))
        PlayerFactory(next_fetch_at=NOW - timedelta(days=2), status=PlayerStatus.FAILING)
        gone = PlayerFactory(next_fetch_at=NOW + timedelta(hours=6), status=PlayerStatus.NOT_FOUND)
        for minutes, outcome in ((5, FetchOutcome.STORED), (7, FetchOutcome.NOT_FOUND)):
            started = NOW - timedelta(minutes=minutes)
            FetchAttempt.objects.create(
                player=gone, started_at=started, finished_at=started, outcome=outcome
            )
        response = staff_client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert cell(html, "players", "Tracked") == "3"
    assert cell(html, "players", "Failing") == "1"
    assert cell(html, "players", "Not found") == "1"
    assert cell(html, "fetches", "Stored a new record") == "1"
    assert cell(html, "fetches", "Not found") == "1"
    assert cell(html, "fetches", "Total") == "2"
    assert cell(html, "backlog", "Overdue (waiting)") == "2"
    assert cell(html, "backlog", "Most overdue by") == "2 d"
    assert cell(html, "backlog", "Overdue by more than 1 h") == "2"
    assert cell(html, "backlog", "Overdue by more than 1 day") == "1"
    assert cell(html, "backlog", "Time to clear the backlog") == "4 s"
    assert cell(html, "capacity", "Time to fetch every active player once") == "6 s"
    # Three players asking for an hourly fetch, against 0.5 requests a second.
    assert cell(html, "capacity", "Utilisation") == f"{3 / 3600 / 0.5 * 100:.1f} %"
    assert cell(html, "breaker", "State") == "closed"


def test_deferrals_are_shown_apart_below_the_total(staff_client):
    with time_machine.travel(NOW, tick=False):
        player = PlayerFactory(next_fetch_at=NOW + timedelta(hours=1))
        for minutes, outcome in (
            (1, FetchOutcome.UNAVAILABLE),
            (2, FetchOutcome.DEFERRED),
            (3, FetchOutcome.DEFERRED),
        ):
            started = NOW - timedelta(minutes=minutes)
            FetchAttempt.objects.create(
                player=player, started_at=started, finished_at=started, outcome=outcome
            )
        html = staff_client.get(URL).content.decode()

    assert cell(html, "fetches", "Unavailable") == "1"
    assert cell(html, "fetches", "Total") == "1"
    assert cell(html, "fetches", "Deferred (no request made)") == "2"
    fetches = html.split('id="dashboard-fetches"', 1)[1]
    assert fetches.index('data-outcome="total"') < fetches.index('data-outcome="deferred"')


def test_non_staff_are_sent_to_the_login_page(client):
    client.force_login(UserFactory(username="player"))
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(f"/admin/login/?next={URL}")


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_admin_index_links_to_the_dashboard(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    html = client.get("/admin/").content.decode()
    assert f'href="{URL}"' in html
    # The apps are still listed beside it.
    assert 'href="/admin/players/player/"' in html


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (None, "-"),
        (0, "0 s"),
        (42.4, "42 s"),
        (61, "1 min 1 s"),
        (3600, "1 h"),
        (3 * 3600 + 59, "3 h"),
        (2 * 86_400 + 5 * 3600 + 7, "2 d 5 h"),
    ],
)
def test_durations_show_the_largest_unit_and_the_next(seconds, shown):
    assert duration(seconds) == shown


def test_staff_see_where_the_budget_went_and_players_by_rhythm(staff_client):
    from players.recording import Answer, fetch_record_successes
    from tests.players.test_recording import snapshot

    with time_machine.travel(NOW - timedelta(hours=2), tick=False):
        learned = [PlayerFactory(next_fetch_reason="learned") for _ in range(3)]
        manual = PlayerFactory(next_fetch_reason="manual")
        # First fetches: every one stores a record, so every one found a change.
        fetch_record_successes(Answer(p.pk, snapshot(), NOW, NOW) for p in [*learned, manual])
    with time_machine.travel(NOW - timedelta(minutes=30), tick=False):
        # The learned players again: one changed, two did not.
        answers = [Answer(learned[0].pk, snapshot(attack_xp=2_000_000), NOW, NOW)]
        answers += [Answer(p.pk, snapshot(), NOW, NOW) for p in learned[1:]]
        fetch_record_successes(answers)
    with time_machine.travel(NOW - timedelta(days=3), tick=False):
        fetch_record_successes([Answer(manual.pk, snapshot(), NOW, NOW)])  # too old to count
    PlayerFactory(rhythm_changes=0.1, rhythm_watched_days=2.0)  # idle: 0.05 a day
    PlayerFactory(rhythm_changes=20.0, rhythm_watched_days=2.0, pinned=True)  # grinder
    with time_machine.travel(NOW, tick=False):
        html = staff_client.get(URL).content.decode()

    # The second batch was tallied under the reason the recording stored at first.
    assert cell(html, "budget", "Manual request") == "1"
    learned_fetches = int(cell(html, "budget", "Learned rhythm"))
    assert learned_fetches + int(cell(html, "budget", "Maximum interval")) == 6
    assert cell(html, "budget", "Total") == "7"
    share = html.split('data-changed="total">', 1)[1].split("</td>", 1)[0]
    assert "71.4 %" in share  # 5 of 7 found a change
    assert cell(html, "rhythms", "Idle (changes under once a week)") == "1"
    assert cell(html, "rhythms", "Grinder (6 or more a day)") == "1"
    assert cell(html, "rhythms", "Pinned to a fixed interval") == "1"
    hours = html.split('id="dashboard-budget-hours"', 1)[1].split("</table>", 1)[0]
    assert hours.count('<tr><th scope="row">') == 24
    assert (NOW - timedelta(hours=2)).strftime("%Y-%m-%d %H:%M") in hours
