"""Staff resolve flags in the admin with a preview of each choice; archived
players and game-mode changes are read-only."""

from __future__ import annotations

import pytest

from players.models import FlagStatus, GameModeChange, Player, PlayerFlag
from players.records import HiscoreRecord
from tests.factories import UserFactory
from tests.players.test_flags import STRANGER, player, record_at  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def flag(player):  # noqa: F811
    record_at(player, 2, STRANGER)
    return PlayerFlag.objects.get()


def test_the_flag_page_shows_the_evidence_and_what_each_choice_does(staff_client, flag):
    listed = staff_client.get("/admin/players/playerflag/").content.decode()
    page = staff_client.get(f"/admin/players/playerflag/{flag.pk}/change/").content.decode()
    assert "Zezima" in listed
    assert "skill.cooking" in page and "gained too fast" in page
    assert "Archive the old account: its 2 record(s)" in page
    assert "Accept and continue: the 1 held record(s)" in page
    assert "(suggested)" in page
    assert f"/admin/players/playerflag/{flag.pk}/resolve/name_transfer/" in page


def test_resolving_asks_first_then_resolves_once(staff_client, flag):
    url = f"/admin/players/playerflag/{flag.pk}/resolve/name_transfer/"
    confirm = staff_client.get(url)
    assert confirm.status_code == 200
    assert "move to a new archived, read-only player" in confirm.content.decode()
    assert not Player.objects.filter(archived=True).exists()  # asking changes nothing

    total = HiscoreRecord.objects.count()
    done = staff_client.post(url)
    again = staff_client.post(f"/admin/players/playerflag/{flag.pk}/resolve/rollback/", follow=True)

    flag.refresh_from_db()
    assert done.status_code == 302
    assert flag.status == FlagStatus.RESOLVED and flag.resolution == "name_transfer"
    assert flag.resolved_by.username == "boss"
    assert "already resolved" in again.content.decode()
    assert Player.objects.filter(archived=True).count() == 1
    assert HiscoreRecord.objects.count() == total


def test_an_unknown_resolution_is_a_404(staff_client, flag):
    assert (
        staff_client.get(f"/admin/players/playerflag/{flag.pk}/resolve/delete/").status_code == 404
    )
    assert staff_client.post(f"/admin/players/playerflag/{flag.pk}/resolve/x/").status_code == 404
    assert PlayerFlag.objects.get().status == FlagStatus.OPEN


def test_archived_players_are_read_only_and_apart_from_the_tracked_ones(staff_client, flag):
    staff_client.post(f"/admin/players/playerflag/{flag.pk}/resolve/name_transfer/")
    archived = Player.objects.get(archived=True)

    tracked_list = staff_client.get("/admin/players/player/").content.decode()
    archived_list = staff_client.get("/admin/players/archivedplayer/").content.decode()
    page = staff_client.get(f"/admin/players/archivedplayer/{archived.pk}/change/")
    edit = staff_client.post(f"/admin/players/archivedplayer/{archived.pk}/change/", {})
    delete = staff_client.post(
        f"/admin/players/archivedplayer/{archived.pk}/delete/", {"post": "yes"}
    )

    assert tracked_list.count(f"/admin/players/player/{archived.pk}/change/") == 0
    assert f"/admin/players/archivedplayer/{archived.pk}/change/" in archived_list
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert "the name transfer flag on Zezima" in page.content.decode()
    assert edit.status_code == 403 and delete.status_code == 403
    assert archived.records.count() == 2
    assert staff_client.get(f"/admin/players/player/{archived.pk}/change/").status_code == 302


def test_game_mode_changes_are_listed_read_only(staff_client, player):  # noqa: F811
    from django.utils import timezone

    GameModeChange.objects.create(
        player=player,
        from_mode="hardcore_ironman",
        to_mode="ironman",
        kind="hardcore_death",
        changed_before=timezone.now(),
        recorded_at=timezone.now(),
    )
    listed = staff_client.get("/admin/players/gamemodechange/").content.decode()
    assert "Hardcore ironman died" in listed
    assert staff_client.get("/admin/players/gamemodechange/add/").status_code == 403
