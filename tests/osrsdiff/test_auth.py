from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def login(client, username, password=PASSWORD):
    return client.post(
        "/api/auth/login", {"username": username, "password": password}, format="json"
    )


def login_from(client, username, password=PASSWORD, *, forwarded):
    return client.post(
        "/api/auth/login",
        {"username": username, "password": password},
        format="json",
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error_code"] == code
    assert body["request_id"] == response["X-Request-ID"]
    assert set(body) == {"error_code", "message", "details", "timestamp", "request_id"}


def test_login_returns_a_bearer_token_pair(anon, user):
    response = login(anon, user.username)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 15 * 60
    assert body["access"] and body["refresh"]


def test_access_token_opens_the_api(anon, user):
    access = login(anon, user.username).json()["access"]
    response = anon.get("/api/players", HTTP_AUTHORIZATION=f"Bearer {access}")
    assert response.status_code == 200


def test_wrong_password_is_401_in_the_error_body(anon, user):
    assert_error(login(anon, user.username, "wrong"), 401, "authentication_failed")


@pytest.mark.parametrize(
    "body",
    [{}, {"username": "x"}, {"password": "x"}, {"username": ["a"], "password": {"b": 1}}],
)
def test_login_with_missing_or_mistyped_fields_is_422(anon, body):
    response = anon.post("/api/auth/login", body, format="json")
    assert_error(response, 422, "validation_error")
    assert response.json()["details"]


def test_malformed_json_is_400(anon):
    response = anon.post("/api/auth/login", "{not json", content_type="application/json")
    assert_error(response, 400, "malformed_request")


@pytest.mark.parametrize(
    "header",
    ["Bearer garbage", "Bearer ", "Token abc", "Bearer a.b.c", "Basic dXNlcjpwYXNz"],
)
def test_bad_tokens_are_401_with_a_request_id(anon, header):
    response = anon.get("/api/players", HTTP_AUTHORIZATION=header)
    assert_error(response, 401, response.json()["error_code"])
    assert response.json()["error_code"] in {"authentication_failed", "not_authenticated"}


def test_missing_token_is_401(anon):
    assert_error(anon.get("/api/players"), 401, "not_authenticated")


def test_expired_access_token_is_401(anon, user):
    access = login(anon, user.username).json()["access"]
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        response = anon.get("/api/players", HTTP_AUTHORIZATION=f"Bearer {access}")
    assert_error(response, 401, "authentication_failed")


def test_refresh_rotates_and_blacklists_the_old_token(anon, user):
    first = login(anon, user.username).json()["refresh"]
    rotated = anon.post("/api/auth/refresh", {"refresh": first}, format="json")
    assert rotated.status_code == 200
    assert rotated.json()["refresh"] != first
    assert rotated.json()["token_type"] == "Bearer"
    again = anon.post("/api/auth/refresh", {"refresh": first}, format="json")
    assert_error(again, 401, "authentication_failed")


def test_logout_blacklists_the_refresh_token(anon, user):
    tokens = login(anon, user.username).json()
    anon.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    response = anon.post("/api/auth/logout", {"refresh": tokens["refresh"]}, format="json")
    assert response.status_code == 204
    anon.credentials()
    again = anon.post("/api/auth/refresh", {"refresh": tokens["refresh"]}, format="json")
    assert_error(again, 401, "authentication_failed")


def test_logout_needs_an_access_token(anon, user):
    refresh = login(anon, user.username).json()["refresh"]
    assert_error(
        anon.post("/api/auth/logout", {"refresh": refresh}, format="json"), 401, "not_authenticated"
    )


def test_login_is_throttled_per_client_address_with_retry_after(anon, user, settings):
    settings.AUTH_THROTTLE_RATE = "3/min"
    for _ in range(3):
        login(anon, user.username, "wrong")
    response = login(anon, user.username)
    assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0
    other_address = anon.post(
        "/api/auth/login",
        {"username": user.username, "password": PASSWORD},
        format="json",
        REMOTE_ADDR="10.9.8.7",
    )
    assert other_address.status_code == 200


def test_refresh_is_throttled_too(anon, settings):
    settings.AUTH_THROTTLE_RATE = "2/min"
    for _ in range(2):
        anon.post("/api/auth/refresh", {"refresh": "nope"}, format="json")
    response = anon.post("/api/auth/refresh", {"refresh": "nope"}, format="json")
    assert_error(response, 429, "throttled")


def test_passwords_are_hashed_with_argon2(user, settings):
    from osrsdiff import settings as project_settings

    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    user.set_password("another long passphrase")
    assert user.password.startswith("argon2")


def test_bcrypt_hashes_are_accepted(anon, settings):
    from osrsdiff import settings as project_settings

    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    legacy = UserFactory(username="legacy")
    legacy.password = make_password(PASSWORD, hasher="bcrypt_sha256")
    legacy.save()
    assert login(anon, "legacy").status_code == 200


def test_a_forged_forwarded_for_header_does_not_escape_the_login_throttle(anon, user, settings):
    settings.AUTH_THROTTLE_RATE = "3/min"
    settings.NUM_PROXIES = 0
    answers = [
        login_from(anon, user.username, "wrong", forwarded=f"198.51.100.{n}").status_code
        for n in range(6)
    ]
    assert answers[:3] == [401, 401, 401]
    assert answers[3:] == [429, 429, 429]


def test_behind_a_proxy_the_throttle_counts_the_address_the_proxy_appended(anon, user, settings):
    settings.AUTH_THROTTLE_RATE = "2/min"
    settings.NUM_PROXIES = 1
    for forged in ("1.1.1.1", "2.2.2.2"):
        login_from(anon, user.username, "wrong", forwarded=f"{forged}, 203.0.113.7")
    assert login_from(anon, user.username, forwarded="9.9.9.9, 203.0.113.7").status_code == 429
    assert login_from(anon, user.username, forwarded="203.0.113.8").status_code == 200


def test_refreshing_the_token_of_a_deleted_user_is_401(anon, user):
    refresh = login(anon, user.username).json()["refresh"]
    user.delete()
    response = anon.post("/api/auth/refresh", {"refresh": refresh}, format="json")
    assert_error(response, 401, "authentication_failed")


def test_refreshing_the_token_of_a_deactivated_user_is_401(anon, user):
    refresh = login(anon, user.username).json()["refresh"]
    user.is_active = False
    user.save(update_fields=["is_active"])
    response = anon.post("/api/auth/refresh", {"refresh": refresh}, format="json")
    assert_error(response, 401, "authentication_failed")


def test_a_username_longer_than_any_user_may_have_is_422(anon):
    response = anon.post("/api/auth/login", {"username": "x" * 151, "password": "p"}, format="json")
    assert_error(response, 422, "validation_error")
    assert "username" in response.json()["details"]
