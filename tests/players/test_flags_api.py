"""Flags and game-mode changes over the API (docs/api.md, "Flags", "Game modes")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from players.models import FlagStatus, GameModeChange, Player, PlayerFlag
from players.records import HiscoreRecord
from tests.players.test_flags import STRANGER, player, record_at  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def flag(player):  # noqa: F811
    record_at(player, 2, STRANGER)
    return PlayerFlag.objects.get()


def test_staff_list_flags_with_their_evidence(staff_api, flag):
    open_flags = staff_api.get("/api/flags", {"status": "open"}).json()
    resolved = staff_api.get("/api/flags", {"status": "resolved"}).json()
    assert [f["id"] for f in open_flags["results"]] == [flag.pk]
    (listed,) = open_flags["results"]
    assert listed["username"] == "Zezima" and listed["kind"] == "name_transfer"
    assert "skill.cooking" in listed["evidence"]["impossible_gains"]
    assert resolved["results"] == []


def test_flags_are_staff_only_and_the_status_must_be_one(api, staff_api, flag):
    assert api.get("/api/flags").status_code == 403
    assert api.post(f"/api/flags/{flag.pk}/resolve", {"resolution": "rollback"}).status_code == 403
    bad = staff_api.get("/api/flags", {"status": "maybe"})
    assert bad.status_code == 422 and bad.json()["error_code"] == "validation_error"
    assert PlayerFlag.objects.get().status == FlagStatus.OPEN


def test_staff_resolve_a_flag_once(staff_api, flag):
    total = HiscoreRecord.objects.count()
    url = f"/api/flags/{flag.pk}/resolve"
    done = staff_api.post(url, {"resolution": "name_transfer"}, format="json")
    again = staff_api.post(url, {"resolution": "rollback"}, format="json")
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "resolved"
    assert done.json()["archived_player"] == Player.objects.get(archived=True).pk
    assert again.status_code == 409 and again.json()["error_code"] == "flag_already_resolved"
    assert HiscoreRecord.objects.count() == total


@pytest.mark.parametrize("body", [{}, {"resolution": "delete"}, {"resolution": None}])
def test_a_bad_resolution_is_a_422_and_changes_nothing(staff_api, flag, body):
    response = staff_api.post(f"/api/flags/{flag.pk}/resolve", body, format="json")
    assert response.status_code == 422
    assert "resolution" in response.json()["details"]
    assert PlayerFlag.objects.get().status == FlagStatus.OPEN


def test_an_unknown_flag_is_a_404(staff_api, flag):
    response = staff_api.post(
        "/api/flags/999999/resolve", {"resolution": "rollback"}, format="json"
    )
    assert response.status_code == 404 and response.json()["error_code"] == "flag_not_found"


def test_anyone_reads_a_players_game_mode_changes(api, player):  # noqa: F811
    now = timezone.now()
    GameModeChange.objects.create(
        player=player,
        from_mode="hardcore_ironman",
        to_mode="ironman",
        kind="hardcore_death",
        changed_after=now - timedelta(days=2),
        changed_before=now,
        recorded_at=now,
    )
    body = api.get("/api/players/ZEZIMA/game-mode-changes").json()
    assert body == [
        {
            "from_mode": "hardcore_ironman",
            "to_mode": "ironman",
            "kind": "hardcore_death",
            "changed_after": (now - timedelta(days=2)).isoformat().replace("+00:00", "Z"),
            "changed_before": now.isoformat().replace("+00:00", "Z"),
        }
    ]
    assert api.get("/api/players/nobody/game-mode-changes").status_code == 404
