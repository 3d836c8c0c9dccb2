from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from players.models import FetchAttempt, FetchOutcome, Player
from players.policy import Reason
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
        response = staff_client.get("/admin/players/hiscorerecord/")
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


# --- Writes go through the services -----------------------------------------------

ADD_URL = "/admin/players/player/add/"
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def interval_bounds(settings):
    settings.FETCH_INTERVAL_MIN_MINUTES, settings.FETCH_INTERVAL_MAX_MINUTES = 5, 10080


def add_player(client, **fields):
    data = {"username": "Psikoi", "game_mode": "regular", "fetch_interval_minutes": 60}
    return client.post(ADD_URL, {**data, **fields})


def change_player(client, player, **fields):
    data = {
        "is_active": "on",
        "fetch_interval_minutes": player.fetch_interval_minutes,
        "pinned": "on" if player.pinned else False,
    }
    data = {**data, **fields}
    for box in ("is_active", "pinned"):
        if data[box] is False:
            del data[box]  # how a browser sends an unticked box
    return client.post(f"/admin/players/player/{player.pk}/change/", data)


def form_of_page(client, player):
    return form_of(client.get(f"/admin/players/player/{player.pk}/change/"))


def form_of(response):
    assert response.status_code == 200, "the form is shown again, with its errors"
    return response.context["adminform"].form


class TestAdd:
    def test_the_add_form_asks_for_a_name_a_mode_or_detection_and_an_interval(self, staff_client):
        form = form_of(staff_client.get(ADD_URL))
        assert list(form.fields) == ["username", "game_mode", "fetch_interval_minutes"]
        assert "detect" in dict(form.fields["game_mode"].choices)

    def test_adding_tracks_the_player_with_its_first_record(self, staff_client, fake_hiscores):
        response = add_player(staff_client, username="PSIKOI", fetch_interval_minutes=90)
        assert response.status_code == 302
        player = Player.objects.get()
        # Spelt as the hiscores spell it, under its lookup key, as the API adds it.
        assert (player.username, player.username_key) == ("Psikoi", "psikoi")
        assert player.fetch_interval_minutes == 90
        assert player.latest_record is not None
        assert player.last_fetched == player.latest_record.fetched_at
        assert fake_hiscores.request_count == 1
        assert player.added_by.is_staff

    def test_adding_a_tracked_player_again_is_a_form_error_not_a_500(
        self, staff_client, fake_hiscores
    ):
        add_player(staff_client, username="Psikoi")
        form = form_of(add_player(staff_client, username="PSIKOI"))
        assert form.errors["username"] == ["That player is already tracked."]
        assert Player.objects.count() == 1

    def test_a_name_not_on_the_hiscores_is_a_form_error(self, staff_client, fake_hiscores):
        form = form_of(add_player(staff_client, username="nobody here"))
        assert form.errors["username"] == ["nobody here is not on the hiscores."]
        assert not Player.objects.exists()

    @pytest.mark.parametrize("name", ["bad!name", "-leading", "trailing_", "zé"])
    def test_an_illegal_name_is_a_form_error_without_asking_the_hiscores(
        self, staff_client, fake_hiscores, name
    ):
        form = form_of(add_player(staff_client, username=name))
        assert form.errors["username"]
        assert fake_hiscores.request_count == 0
        assert not Player.objects.exists()

    def test_unavailable_hiscores_are_a_form_error_and_nothing_is_stored(
        self, staff_client, fake_hiscores
    ):
        fake_hiscores.set_fault("503", times=None)
        form = form_of(add_player(staff_client))
        [error] = form.non_field_errors()
        assert "hiscores are unavailable" in error and "503" in error
        assert not Player.objects.exists()

    def test_detection_stores_the_mode_the_hiscores_know(self, staff_client, fake_hiscores):
        ironman = next(n for n in fake_hiscores.player_names() if "iron" in n.lower())
        response = add_player(staff_client, username=ironman, game_mode="detect")
        assert response.status_code == 302
        assert Player.objects.get().game_mode in {"ironman", "hardcore_ironman", "ultimate_ironman"}

    @pytest.mark.parametrize("minutes", [4, 10081])
    def test_an_interval_out_of_bounds_is_a_form_error_without_asking_the_hiscores(
        self, staff_client, fake_hiscores, interval_bounds, minutes
    ):
        form = form_of(add_player(staff_client, fetch_interval_minutes=minutes))
        # The service's own message: the bounds are checked in one place.
        assert form.errors["fetch_interval_minutes"] == ["Must be from 5 to 10080 minutes."]
        assert fake_hiscores.request_count == 0
        assert not Player.objects.exists()


class TestChange:
    def test_only_activity_and_interval_are_editable(self, staff_client):
        player = PlayerFactory()
        form = form_of(staff_client.get(f"/admin/players/player/{player.pk}/change/"))
        assert set(form.fields) == {"is_active", "fetch_interval_minutes", "pinned", "fetch_at"}

    def test_changing_the_interval_reschedules_from_the_last_fetch(self, clock, staff_client):
        player = PlayerFactory(
            pinned=True,
            fetch_interval_minutes=60,
            last_fetched=NOW - timedelta(minutes=10),
            next_fetch_at=NOW + timedelta(minutes=50),
        )
        assert change_player(staff_client, player, fetch_interval_minutes=120).status_code == 302
        player.refresh_from_db()
        assert player.fetch_interval_minutes == 120
        assert player.next_fetch_at == NOW + timedelta(minutes=110)

    def test_an_interval_already_overdue_makes_the_player_due_now(self, clock, staff_client):
        player = PlayerFactory(
            pinned=True,
            fetch_interval_minutes=600,
            last_fetched=NOW - timedelta(hours=3),
            next_fetch_at=NOW + timedelta(hours=7),
        )
        change_player(staff_client, player, fetch_interval_minutes=60)
        player.refresh_from_db()
        assert player.next_fetch_at == NOW

    def test_pinning_fixes_the_interval_and_unpinning_returns_to_the_rhythm(
        self, clock, staff_client
    ):
        player = PlayerFactory(
            fetch_interval_minutes=600,
            last_fetched=NOW - timedelta(hours=1),
            # Idle for weeks: the rhythm alone would wait days.
            rhythm_changes=0.0,
            rhythm_watched_days=2.0,
        )
        change_player(staff_client, player, pinned="on")
        player.refresh_from_db()
        assert player.pinned
        assert player.next_fetch_at == NOW + timedelta(hours=9)
        assert player.next_fetch_reason == Reason.PINNED
        change_player(staff_client, player, pinned=False)
        player.refresh_from_db()
        assert not player.pinned
        assert player.next_fetch_at > NOW + timedelta(days=1)
        assert player.next_fetch_reason == Reason.MAXIMUM_INTERVAL

    def test_fetch_at_sets_a_deadline_the_page_explains(self, clock, staff_client):
        player = PlayerFactory(
            pinned=True, fetch_interval_minutes=10080, last_fetched=NOW - timedelta(hours=1)
        )
        change_player(staff_client, player, fetch_at="2026-06-20 18:00:00")
        player.refresh_from_db()
        deadline = datetime(2026, 6, 20, 18, 0, tzinfo=UTC)
        assert player.fetch_deadline == deadline
        assert player.next_fetch_at == deadline - timedelta(minutes=10)
        assert player.next_fetch_reason == Reason.DEADLINE
        page = staff_client.get(f"/admin/players/player/{player.pk}/change/").content.decode()
        assert "because of its deadline" in page
        assert form_of_page(staff_client, player).fields["fetch_at"].initial == deadline
        change_player(staff_client, player, fetch_at="")
        player.refresh_from_db()
        assert player.fetch_deadline is None
        assert player.next_fetch_reason == Reason.PINNED

    def test_reactivating_makes_the_player_due_now(self, clock, staff_client):
        player = PlayerFactory(is_active=False, next_fetch_at=NOW + timedelta(days=2))
        change_player(staff_client, player, is_active="on")
        player.refresh_from_db()
        assert player.is_active and player.next_fetch_at == NOW
        change_player(staff_client, player, is_active=False)
        assert not Player.objects.get(pk=player.pk).is_active

    @pytest.mark.parametrize("minutes", [4, 10081])
    def test_an_interval_out_of_bounds_is_a_form_error_and_changes_nothing(
        self, staff_client, interval_bounds, minutes
    ):
        player = PlayerFactory(fetch_interval_minutes=60)
        form = form_of(change_player(staff_client, player, fetch_interval_minutes=minutes))
        assert form.errors["fetch_interval_minutes"] == ["Must be from 5 to 10080 minutes."]
        assert Player.objects.get(pk=player.pk).fetch_interval_minutes == 60

    def test_the_schedule_claim_and_fetch_state_cannot_be_written(self, clock, staff_client):
        player = PlayerFactory(username="Zezima", next_fetch_at=NOW, last_fetched=None)
        change_player(
            staff_client,
            player,
            username="Renamed",
            game_mode="ironman",
            next_fetch_at_0="2030-01-01",
            next_fetch_at_1="00:00:00",
            fetch_claimed_until_0="2030-01-01",
            fetch_claimed_until_1="00:00:00",
            last_fetched_0="2030-01-01",
            last_fetched_1="00:00:00",
            status="failing",
            failure_count=9,
        )
        player.refresh_from_db()
        assert (player.username, player.game_mode, player.next_fetch_at) == (
            "Zezima",
            "regular",
            NOW,
        )
        assert (player.fetch_claimed_until, player.last_fetched) == (None, None)
        assert (player.status, player.failure_count) == ("ok", 0)


class TestDelete:
    def test_deleting_a_player_removes_its_history(self, staff_client):
        record = HiscoreRecordFactory()
        player = record.player
        response = staff_client.post(f"/admin/players/player/{player.pk}/delete/", {"post": "yes"})
        assert response.status_code == 302
        assert not Player.objects.filter(pk=player.pk).exists()
        assert not type(record).objects.filter(pk=record.pk).exists()

    def test_deleting_selected_players_removes_them_and_only_them(self, staff_client):
        doomed, kept = PlayerFactory.create_batch(2)
        staff_client.post(
            "/admin/players/player/",
            {"action": "delete_selected", "_selected_action": [doomed.pk], "post": "yes"},
        )
        assert list(Player.objects.all()) == [kept]
