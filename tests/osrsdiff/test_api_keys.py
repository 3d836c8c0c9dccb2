"""API keys for bots and scripts: made by a person, shown once, stored hashed, sent
as `Authorization: Api-Key <key>`, acting as their owner, throttled per key, and
revoked by their owner or staff with immediate effect."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from osrsdiff.models import ApiKey
from players.models import Player
from tests.conftest import bearer_client
from tests.factories import PlayerFactory, UserFactory

pytestmark = pytest.mark.django_db

ERROR_KEYS = {"error_code", "message", "details", "timestamp", "request_id"}


def make_key(client: APIClient, name: str = "my bot") -> dict:
    response = client.post("/api/keys", {"name": name}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def with_key(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["error_code"] == code
    return body


def test_a_new_key_is_shown_once_and_stored_only_as_a_hash(api, user):
    made = make_key(api, "price bot")

    assert set(made) == {"id", "name", "prefix", "key", "created_at", "owner"}
    assert made["name"] == "price bot"
    assert made["owner"] == user.username
    assert made["key"].startswith(made["prefix"] + ".")
    stored = ApiKey.objects.get(pk=made["id"])
    stored_values = [str(value) for value in ApiKey.objects.values().get(pk=made["id"]).values()]
    assert not any(made["key"] in value for value in stored_values)
    assert stored.hashed_key.startswith("sha512$$")
    listed = api.get("/api/keys").json()
    assert listed == [{k: v for k, v in made.items() if k != "key"}]


def test_a_key_acts_as_its_owner(user):
    PlayerFactory(username="Zezima")
    key = make_key(bearer_client(user))["key"]

    assert with_key(key).get("/api/players/zezima").status_code == 200
    # Its owner is no staff member: a staff-only action is refused as it would be with a token.
    assert_error(with_key(key).delete("/api/players/zezima"), 403, "permission_denied")


def test_a_staff_members_key_does_what_staff_may(staff_api):
    PlayerFactory(username="Zezima")
    key = make_key(staff_api)["key"]

    assert with_key(key).delete("/api/players/zezima").status_code == 204
    assert not Player.objects.filter(username="Zezima").exists()


@pytest.mark.parametrize(
    "header",
    [
        "Api-Key ",
        "Api-Key nodot",
        "Api-Key abcdefgh.ijklmnopqrstuvwxyz0123456789AB",
        "Api-Key ab$d.efgh",
        "Api-Key " + "a" * 5000 + "." + "b",
    ],
)
def test_a_malformed_or_unknown_key_is_401(anon, header):
    response = anon.get("/api/players", HTTP_AUTHORIZATION=header)
    assert_error(response, 401, "authentication_failed")
    assert "WWW-Authenticate" in response


def test_the_key_of_a_deactivated_owner_stops_working(api, user):
    key = make_key(api)["key"]
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert_error(with_key(key).get("/api/players"), 401, "authentication_failed")


def test_only_ones_own_keys_are_listed_and_staff_see_all(api, user, staff_api):
    mine = make_key(api, "mine")
    theirs = make_key(bearer_client(UserFactory(username="other")), "theirs")

    assert [k["id"] for k in api.get("/api/keys").json()] == [mine["id"]]
    listed = {k["id"]: k for k in staff_api.get("/api/keys").json()}
    assert set(listed) == {mine["id"], theirs["id"]}
    assert listed[theirs["id"]]["owner"] == "other"
    assert all("key" not in k for k in listed.values())


def test_revoking_a_key_stops_it_at_once(api):
    made = make_key(api)
    assert with_key(made["key"]).get("/api/players").status_code == 200

    assert api.delete(f"/api/keys/{made['id']}").status_code == 204

    assert_error(with_key(made["key"]).get("/api/players"), 401, "authentication_failed")
    assert api.get("/api/keys").json() == []
    assert_error(api.delete(f"/api/keys/{made['id']}"), 404, "not_found")


def test_someone_elses_key_is_not_found_rather_than_forbidden(api):
    theirs = make_key(bearer_client(UserFactory(username="other")))

    body = assert_error(api.delete(f"/api/keys/{theirs['id']}"), 404, "not_found")

    assert body == assert_error(api.delete("/api/keys/987654321"), 404, "not_found") | {
        "timestamp": body["timestamp"],
        "request_id": body["request_id"],
    }
    assert with_key(theirs["key"]).get("/api/players").status_code == 200


def test_staff_revoke_anyones_key(staff_api):
    theirs = make_key(bearer_client(UserFactory(username="other")))
    assert staff_api.delete(f"/api/keys/{theirs['id']}").status_code == 204
    assert_error(with_key(theirs["key"]).get("/api/players"), 401, "authentication_failed")


@pytest.mark.parametrize("key_id", ["0", "99999999999999999999999999", "x", "-1"])
def test_an_id_no_key_can_have_is_404(api, key_id):
    assert_error(api.delete(f"/api/keys/{key_id}"), 404, "not_found")


def test_a_key_cannot_manage_keys(api):
    made = make_key(api)
    bot = with_key(made["key"])

    assert_error(
        bot.post("/api/keys", {"name": "successor"}, format="json"), 403, "permission_denied"
    )
    assert_error(bot.get("/api/keys"), 403, "permission_denied")
    assert_error(bot.delete(f"/api/keys/{made['id']}"), 403, "permission_denied")
    assert ApiKey.objects.count() == 1


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "x" * 51}, {"name": ["a"]}])
def test_a_key_needs_a_short_name(api, body):
    details = assert_error(api.post("/api/keys", body, format="json"), 422, "validation_error")
    assert "name" in details["details"]
    assert not ApiKey.objects.exists()


def test_a_user_holds_at_most_the_allowed_number_of_keys(api, settings):
    settings.API_KEYS_PER_USER = 2
    first = make_key(api)
    make_key(api)

    body = assert_error(
        api.post("/api/keys", {"name": "third"}, format="json"), 409, "too_many_keys"
    )

    assert body["details"] == {"limit": 2}
    api.delete(f"/api/keys/{first['id']}")
    make_key(api, "third")


def test_each_key_has_its_own_throttle_with_retry_after(api, settings):
    settings.API_KEY_THROTTLE_RATE = "3/min"
    first, second = make_key(api, "one")["key"], make_key(api, "two")["key"]
    for _ in range(3):
        assert with_key(first).get("/api/players").status_code == 200

    response = with_key(first).get("/api/players")

    assert_error(response, 429, "throttled")
    assert 0 < int(response["Retry-After"]) <= 60
    assert with_key(second).get("/api/players").status_code == 200
    # The owner's own token is not held to the keys' throttle.
    assert api.get("/api/players").status_code == 200


def test_keys_need_a_signed_in_person(anon):
    assert_error(anon.get("/api/keys"), 401, "not_authenticated")
    assert_error(anon.post("/api/keys", {"name": "x"}, format="json"), 401, "not_authenticated")
    assert_error(anon.delete("/api/keys/1"), 401, "not_authenticated")


def test_the_schema_offers_api_keys_beside_bearer_tokens(anon):
    schema = anon.get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    scheme = schema["components"]["securitySchemes"]["apiKeyAuth"]
    assert scheme == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": scheme["description"],
    }
    players = schema["paths"]["/api/players"]["get"]["security"]
    assert {"apiKeyAuth": []} in players and {"jwtAuth": []} in players
    keys = schema["paths"]["/api/keys"]
    assert set(keys["post"]["responses"]) == {"201", "401", "403", "409", "422", "429"}
    assert set(keys["get"]["responses"]) == {"200", "401", "403", "429"}
    detail = schema["paths"]["/api/keys/{id}"]["delete"]["responses"]
    assert set(detail) == {"204", "401", "403", "404", "429"}


# --- the admin --------------------------------------------------------------------


@pytest.fixture
def admin_browser(staff_user) -> Client:
    staff_user.is_superuser = True
    staff_user.save()
    browser = Client()
    browser.force_login(staff_user)
    return browser


def test_staff_see_every_key_in_the_admin(admin_browser):
    make_key(bearer_client(UserFactory(username="other")), "their bot")

    page = admin_browser.get("/admin/osrsdiff/apikey/")

    assert page.status_code == 200
    assert b"their bot" in page.content
    assert admin_browser.get("/admin/osrsdiff/apikey/add/").status_code == 403


def test_staff_revoke_keys_in_the_admin_and_they_stop_at_once(admin_browser):
    theirs = make_key(bearer_client(UserFactory(username="other")))

    response = admin_browser.post(
        "/admin/osrsdiff/apikey/", {"action": "revoke", "_selected_action": [theirs["id"]]}
    )

    assert response.status_code == 302
    assert not ApiKey.objects.exists()
    assert_error(with_key(theirs["key"]).get("/api/players"), 401, "authentication_failed")
