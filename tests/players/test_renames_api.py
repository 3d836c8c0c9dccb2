"""The name-change endpoints (docs/api.md, "Name changes"): who may call them,
what they answer, and every refusal in the error body with nothing changed."""

from __future__ import annotations

import pytest

from players.models import NameChange, NameChangeStatus, Player
from players.records import HiscoreRecord
from players.tracking import player_track
from tests.factories import PlayerFactory

pytestmark = pytest.mark.django_db

BASE_XP = {"attack": 1_000_000, "mining": 500_000}


def error_code(response) -> str:
    return response.json()["error_code"]


@pytest.fixture
def alice(fake_hiscores):
    fake_hiscores.add_player("Alice", skills=BASE_XP)
    return player_track(username="Alice")


@pytest.fixture
def pending(alice, fake_hiscores, api):
    """A change the review could not decide: the hiscores did not answer."""
    fake_hiscores.rename_player("Alice", "Bob")
    fake_hiscores.set_fault("503", times=1)
    response = api.post(
        "/api/name-changes", {"old_name": "Alice", "new_name": "Bob"}, format="json"
    )
    assert response.json()["status"] == "pending"
    return response.json()


class TestRequest:
    def test_a_request_answers_201_with_the_review_done(self, alice, fake_hiscores, api):
        fake_hiscores.rename_player("Alice", "Bob")

        response = api.post(
            "/api/name-changes", {"old_name": "alice", "new_name": "bob"}, format="json"
        )

        assert response.status_code == 201, response.content
        body = response.json()
        assert set(body) >= {"id", "old_name", "new_name", "status", "reasons", "created_at"}
        assert (body["old_name"], body["new_name"], body["status"]) == ("Alice", "Bob", "approved")
        assert body["reasons"] and body["resolved_at"] and body["player"] == "Bob"

    def test_an_untracked_old_name_is_404(self, api, fake_hiscores):
        response = api.post(
            "/api/name-changes", {"old_name": "Nobody", "new_name": "Bob"}, format="json"
        )
        assert response.status_code == 404
        assert error_code(response) == "player_not_found"
        assert not NameChange.objects.exists()

    @pytest.mark.parametrize(
        "body",
        [
            {"old_name": "Alice", "new_name": "bad!name"},
            {"old_name": "Alice", "new_name": "thirteen char"},
            {"old_name": "", "new_name": "Bob"},
            {"old_name": "Alice"},
            {"old_name": "Alice", "new_name": "Bob", "reason": "x"},
            {"old_name": "Alice", "new_name": "Alice"},
            {"old_name": ["Alice"], "new_name": "Bob"},
        ],
    )
    def test_bad_names_are_422_naming_the_field_and_store_nothing(self, api, alice, body):
        before = HiscoreRecord.objects.count()
        response = api.post("/api/name-changes", body, format="json")
        assert response.status_code == 422, response.content
        assert error_code(response) == "validation_error"
        assert response.json()["details"]
        assert not NameChange.objects.exists()
        assert HiscoreRecord.objects.count() == before
        assert Player.objects.get().username == "Alice"

    def test_the_same_change_pending_is_409(self, api, pending):
        response = api.post(
            "/api/name-changes", {"old_name": "alice", "new_name": "BOB"}, format="json"
        )
        assert response.status_code == 409
        assert error_code(response) == "name_change_pending"
        assert NameChange.objects.count() == 1

    def test_requests_are_throttled_per_user(self, api, alice, settings):
        settings.NAME_CHANGE_THROTTLE_RATE = "2/hour"
        codes = [
            api.post(
                "/api/name-changes", {"old_name": "Alice", "new_name": "Nobody"}, format="json"
            ).status_code
            for _ in range(3)
        ]
        assert codes == [201, 201, 429]
        assert NameChange.objects.count() == 2

    def test_a_request_needs_a_credential(self, anon, alice):
        response = anon.post(
            "/api/name-changes", {"old_name": "Alice", "new_name": "Bob"}, format="json"
        )
        assert response.status_code == 401


class TestRead:
    def test_the_list_is_paginated_and_filters_by_status_and_name(self, api, alice, pending):
        api.post(
            "/api/name-changes", {"old_name": "Alice", "new_name": "Nobody"}, format="json"
        )  # denied

        every = api.get("/api/name-changes").json()
        denied = api.get("/api/name-changes", {"status": "denied"}).json()
        by_name = api.get("/api/name-changes", {"username": " BOB"}).json()

        assert every["count"] == 2 and len(every["results"]) == 2
        assert [c["new_name"] for c in denied["results"]] == ["Nobody"]
        assert [c["id"] for c in by_name["results"]] == [pending["id"]]

    @pytest.mark.parametrize(
        "params", [{"status": "maybe"}, {"username": "bad!name"}, {"limit": "0"}]
    )
    def test_bad_parameters_are_422(self, api, params):
        response = api.get("/api/name-changes", params)
        assert response.status_code == 422
        assert error_code(response) == "validation_error"

    def test_one_change_by_id_and_404_otherwise(self, api, pending):
        assert api.get(f"/api/name-changes/{pending['id']}").json()["id"] == pending["id"]
        for missing in (pending["id"] + 1000, "abc"):
            response = api.get(f"/api/name-changes/{missing}")
            assert response.status_code == 404
            assert error_code(response) == "name_change_not_found"


class TestResolve:
    def test_staff_approve_a_pending_change(self, staff_api, pending):
        response = staff_api.post(f"/api/name-changes/{pending['id']}/approve")
        assert response.status_code == 200, response.content
        assert response.json()["status"] == "approved"
        assert Player.objects.get().username == "Bob"

    def test_staff_deny_a_pending_change_and_the_player_stays(self, staff_api, pending):
        response = staff_api.post(f"/api/name-changes/{pending['id']}/deny")
        assert response.status_code == 200
        assert response.json()["status"] == "denied"
        assert Player.objects.get().username == "Alice"

    def test_a_resolved_change_is_409(self, staff_api, pending):
        staff_api.post(f"/api/name-changes/{pending['id']}/deny")
        for verb in ("approve", "deny"):
            response = staff_api.post(f"/api/name-changes/{pending['id']}/{verb}")
            assert response.status_code == 409
            assert error_code(response) == "name_change_resolved"
        assert NameChange.objects.get().status == NameChangeStatus.DENIED

    def test_a_blocked_approval_is_409_and_changes_nothing(self, staff_api, pending):
        PlayerFactory(username="Bob", username_key="bob").records.create(
            fetched_at="2020-01-01T00:00:00Z", last_checked_at="2020-01-01T00:00:00Z"
        )
        response = staff_api.post(f"/api/name-changes/{pending['id']}/approve")
        assert response.status_code == 409
        assert error_code(response) == "name_change_blocked"
        assert NameChange.objects.get().status == NameChangeStatus.PENDING
        assert sorted(Player.objects.values_list("username", flat=True)) == ["Alice", "Bob"]

    def test_users_may_not_resolve(self, api, pending):
        for verb in ("approve", "deny"):
            response = api.post(f"/api/name-changes/{pending['id']}/{verb}")
            assert response.status_code == 403
        assert NameChange.objects.get().status == NameChangeStatus.PENDING

    def test_an_unknown_change_is_404(self, staff_api, db):
        response = staff_api.post("/api/name-changes/999/approve")
        assert response.status_code == 404
        assert error_code(response) == "name_change_not_found"


# docs/api.md, "Name changes": what each endpoint answers besides 401 and 429.
CONTRACT = {
    ("post", "/api/name-changes"): {"201", "404", "409", "422"},
    ("get", "/api/name-changes"): {"200", "422"},
    ("get", "/api/name-changes/{id}"): {"200", "404"},
    ("post", "/api/name-changes/{id}/approve"): {"200", "403", "404", "409"},
    ("post", "/api/name-changes/{id}/deny"): {"200", "403", "404", "409"},
}


def test_the_schema_lists_every_status_of_the_contract(client):
    schema = client.get("/api/schema", {"format": "json"}).json()
    for (method, path), statuses in CONTRACT.items():
        responses = schema["paths"][path][method]["responses"]
        assert set(responses) == statuses | {"401", "429"}, (method, path)
    change = schema["components"]["schemas"]["NameChange"]["properties"]
    assert {"id", "old_name", "new_name", "status", "reasons", "created_at", "resolved_at"} <= set(
        change
    )
