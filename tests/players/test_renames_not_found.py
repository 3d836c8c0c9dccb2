"""A name that stops answering (docs/api.md, "A name that stops answering"): asked
again over hours before it is marked not found, a pending name change moves
tracking to the new name, and the admin says in words why a player is not
collected; staff resolve name changes there through the services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from hiscores.errors import HiscoresUnavailable, PlayerNotFound
from players.models import NameChange, NameChangeStatus, Player, PlayerStatus
from players.recording import fetch_record_failure
from players.records import HiscoreRecord
from players.renames import name_change_request
from players.tasks import fetch_player
from players.tracking import player_track, player_update
from tests.factories import PlayerFactory, UserFactory
from tests.queued import drain, run_queued

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 1, 12, tzinfo=UTC)


def a_404(player: Player) -> None:
    fetch_record_failure(
        player_id=player.pk,
        error=PlayerNotFound("gone", status=404),
        started_at=timezone.now(),
        final=True,
    )
    player.refresh_from_db()


def test_a_404_is_asked_again_over_hours_before_the_player_is_not_found(settings):
    settings.NOT_FOUND_ATTEMPTS, settings.NOT_FOUND_RETRY_HOURS = 3, 2
    settings.NOT_FOUND_BACKOFF_HOURS = 6
    player = PlayerFactory()
    with time_machine.travel(START, tick=False) as clock:
        for attempt in (1, 2):
            a_404(player)
            assert player.status == PlayerStatus.OK
            assert player.not_found_count == attempt
            assert player.next_fetch_at == timezone.now() + timedelta(hours=2)
            assert f"{attempt} time(s) of 3" in player.status_reason
            clock.shift(timedelta(hours=2))
        a_404(player)

    assert player.status == PlayerStatus.NOT_FOUND
    assert player.next_fetch_at == START + timedelta(hours=4 + 6)
    assert "404 3 times in a row" in player.status_reason
    assert "name change" in player.status_reason


def test_an_answer_after_404s_clears_the_count_and_the_reason(fake_hiscores, settings):
    settings.NOT_FOUND_ATTEMPTS = 3
    player = PlayerFactory(username="Psikoi", username_key="psikoi")
    a_404(player)
    a_404(player)

    assert fetch_player.apply(args=(player.pk,)).get() == "stored"

    player.refresh_from_db()
    assert (player.status, player.not_found_count, player.status_reason) == ("ok", 0, "")


def test_a_transient_failure_between_404s_does_not_reset_them(settings):
    settings.NOT_FOUND_ATTEMPTS = 2
    player = PlayerFactory()
    a_404(player)
    fetch_record_failure(
        player_id=player.pk,
        error=HiscoresUnavailable("503", status=503),
        started_at=timezone.now(),
        final=True,
    )
    a_404(player)
    assert player.status == PlayerStatus.NOT_FOUND


def test_a_pending_change_moves_tracking_to_the_new_name_when_the_old_one_404s(
    fake_hiscores, settings
):
    settings.NOT_FOUND_ATTEMPTS = 3
    fake_hiscores.add_player("Alice", skills={"attack": 1_000_000})
    alice = player_track(username="Alice")
    fake_hiscores.rename_player("Alice", "Bob")
    fake_hiscores.set_fault("503", times=1)
    change = name_change_request(old_name="Alice", new_name="Bob")
    assert change.status == NameChangeStatus.PENDING
    before = HiscoreRecord.objects.count()

    assert fetch_player.apply(args=(alice.pk,)).get() == "not_found"
    assert run_queued("celery") == 1  # the change, reviewed again

    change.refresh_from_db()
    alice.refresh_from_db()
    assert change.status == NameChangeStatus.APPROVED
    assert change.resolved_by is None  # the review approved it
    assert (alice.username, alice.status, alice.status_reason) == ("Bob", "ok", "")
    # Collected under the new name from now on.
    fake_hiscores.gain("Bob", "attack", 1_000)
    assert fetch_player.apply(args=(alice.pk,)).get() == "stored"
    assert HiscoreRecord.objects.count() == before + 1


def test_a_404_without_a_pending_change_queues_no_review(fake_hiscores):
    gone = PlayerFactory(username="Gone Away", username_key="gone away")
    fetch_player.apply(args=(gone.pk,))
    assert drain("celery") == []


def test_a_review_that_still_fails_keeps_the_change_pending_with_what_it_found(
    fake_hiscores,
):
    fake_hiscores.add_player("Alice", skills={"attack": 1_000_000})
    alice = player_track(username="Alice")
    fake_hiscores.set_fault("503", times=1)
    change = name_change_request(old_name="Alice", new_name="Bob")  # Bob is nobody
    fake_hiscores.remove_player("Alice")

    fetch_player.apply(args=(alice.pk,))
    run_queued("celery")

    change.refresh_from_db()
    assert change.status == NameChangeStatus.PENDING
    assert "Reviewed again" in change.reasons[-1]
    assert Player.objects.get().username == "Alice"


@pytest.fixture
def staff_client(client):
    user = UserFactory(username="boss", is_staff=True, is_superuser=True)
    client.force_login(user)
    client.user = user
    return client


def test_the_admin_says_why_a_player_is_not_collected(staff_client, settings):
    settings.NOT_FOUND_ATTEMPTS = 1
    player = PlayerFactory()
    a_404(player)

    html = staff_client.get(f"/admin/players/player/{player.pk}/change/").content.decode()

    assert "Not on the hiscores" in html


@pytest.fixture
def pending_change(fake_hiscores):
    fake_hiscores.add_player("Alice", skills={"attack": 1_000_000})
    player_track(username="Alice")
    fake_hiscores.rename_player("Alice", "Bob")
    fake_hiscores.gain("Bob", "attack", 50_000_000)  # too fast: pending
    change = name_change_request(old_name="Alice", new_name="Bob")
    assert change.status == NameChangeStatus.PENDING
    return change


def test_the_admin_shows_a_changes_review_evidence(staff_client, pending_change):
    listing = staff_client.get("/admin/players/namechange/").content.decode()
    page = staff_client.get(f"/admin/players/namechange/{pending_change.pk}/change/")

    assert "Gained faster" in listing
    html = page.content.decode()
    assert "Too fast" in html and "attack" in html


@pytest.mark.parametrize(
    ("action", "status", "name"), [("approve", "approved", "Bob"), ("deny", "denied", "Alice")]
)
def test_staff_resolve_changes_with_the_admin_actions(
    staff_client, pending_change, action, status, name
):
    before = HiscoreRecord.objects.count()

    response = staff_client.post(
        "/admin/players/namechange/",
        {"action": action, "_selected_action": [pending_change.pk]},
    )

    assert response.status_code == 302
    pending_change.refresh_from_db()
    assert pending_change.status == status
    assert pending_change.resolved_by == staff_client.user
    assert Player.objects.get().username == name
    assert HiscoreRecord.objects.count() == before
    # Resolved changes are left alone by a second run.
    staff_client.post(
        "/admin/players/namechange/", {"action": "deny", "_selected_action": [pending_change.pk]}
    )
    assert NameChange.objects.get().status == status


def test_turning_collection_off_says_so_until_it_is_turned_on_again():
    player = PlayerFactory()

    player_update(player=player, is_active=False)
    player.refresh_from_db()
    assert "turned off by staff" in player.status_reason

    player_update(player=player, is_active=True)
    player.refresh_from_db()
    assert player.status_reason == ""
