import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from players.models import FetchAttempt, FetchOutcome, Player
from tests.factories import HiscoreRecordFactory, PlayerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    return client


def test_player_list_shows_latest_total_level_and_xp(staff_client):
    player = PlayerFactory(username="Zezima", username_key="zezima")
    record = HiscoreRecordFactory(player=player)
    Player.objects.filter(pk=player.pk).update(latest_record=record)
    response = staff_client.get("/admin/players/player/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Zezima" in html
    assert f"{record.overall_experience:,}" in html


def test_player_list_filters_and_search(staff_client):
    PlayerFactory(username="Zezima", username_key="zezima", status="failing")
    PlayerFactory(username="Other", username_key="other")
    html = staff_client.get("/admin/players/player/?status__exact=failing").content.decode()
    assert "Zezima" in html and "Other" not in html
    html = staff_client.get("/admin/players/player/?q=zez").content.decode()
    assert "Zezima" in html and "Other" not in html


def test_change_page_shows_recent_records_and_attempts_with_errors(staff_client):
    player = PlayerFactory(username="Zezima", username_key="zezima")
    HiscoreRecordFactory(player=player)
    now = timezone.now()
    FetchAttempt.objects.create(
        player=player, started_at=now, finished_at=now, outcome=FetchOutcome.UNAVAILABLE,
        http_status=503, message="The hiscores failed (503).",
    )  # fmt: skip
    html = staff_client.get(f"/admin/players/player/{player.pk}/change/").content.decode()
    assert "The hiscores failed (503)." in html
    assert "Latest records" in html


def test_actions_activate_deactivate_and_fetch_now(staff_client):
    a = PlayerFactory(username="A", username_key="a")
    b = PlayerFactory(username="B", username_key="b", last_fetched=timezone.now())
    url = "/admin/players/player/"
    staff_client.post(url, {"action": "deactivate", "_selected_action": [a.pk, b.pk]})
    assert not Player.objects.filter(is_active=True).exists()
    staff_client.post(url, {"action": "activate", "_selected_action": [a.pk]})
    assert Player.objects.get(pk=a.pk).is_active
    response = staff_client.post(
        url, {"action": "fetch_now", "_selected_action": [a.pk, b.pk]}, follow=True
    )
    assert "Queued 1 fetch(es); 1 fetched too recently." in response.content.decode()
    a.refresh_from_db()
    assert a.fetch_claimed_until is not None


def test_history_admin_never_counts_the_whole_table(staff_client):
    player = PlayerFactory()
    for _ in range(3):
        HiscoreRecordFactory(
            player=player, fetched_at=timezone.now() - timezone.timedelta(minutes=_)
        )
    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get("/admin/hiscores/hiscorerecord/")
    assert response.status_code == 200
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert counts, "the paginator still counts, but bounded"
    assert all("LIMIT" in sql.upper() for sql in counts)


def test_fetch_attempt_admin_lists_outcomes(staff_client):
    player = PlayerFactory(username="Zezima", username_key="zezima")
    now = timezone.now()
    FetchAttempt.objects.create(
        player=player, started_at=now, finished_at=now, outcome=FetchOutcome.NOT_FOUND
    )
    html = staff_client.get(
        "/admin/players/fetchattempt/?outcome__exact=not_found"
    ).content.decode()
    assert "Not found" in html


def test_beat_schedule_is_editable_in_the_admin(staff_client):
    from django.core.management import call_command

    call_command("seed_schedule", stdout=open("/dev/null", "w"))  # noqa: SIM115
    html = staff_client.get("/admin/django_celery_beat/periodictask/").content.decode()
    assert "Schedule due fetches" in html
