"""Requests too long or too deep to serve get the contract's error body, never a
500 and never anything stored: the URL (414), the body's size (413) and its
nesting (400)."""

import json

import pytest

from players.models import Player

pytestmark = pytest.mark.django_db

ERROR_KEYS = {"error_code", "message", "details", "timestamp", "request_id"}


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["error_code"] == code
    assert body["request_id"] == response["X-Request-ID"]
    return body


def test_a_url_over_the_limit_is_414_in_the_error_body(api, settings):
    settings.MAX_REQUEST_URI_LENGTH = 4096
    response = api.get("/api/stats", {"usernames": "a" * 5000})
    body = assert_error(response, 414, "uri_too_long")
    assert body["details"]["max_length"] == 4096
    assert response["X-Content-Type-Options"] == "nosniff"  # security headers still apply


def test_a_url_at_the_limit_goes_through(api, settings):
    settings.MAX_REQUEST_URI_LENGTH = 4096
    path = "/api/players?search="
    response = api.get(path + "a" * (4096 - len(path)))
    assert response.status_code == 200


def test_a_long_url_outside_the_api_gets_the_error_body_too(client, settings):
    settings.MAX_REQUEST_URI_LENGTH = 100
    assert_error(client.get("/admin/" + "x" * 200), 414, "uri_too_long")


def test_a_body_over_the_limit_is_413_and_nothing_is_stored(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    raw = json.dumps({"username": "Zezima", "padding": "x" * 2000})
    body = assert_error(
        api.post("/api/players", raw, content_type="application/json"), 413, "payload_too_large"
    )
    assert body["details"] == {"length": len(raw), "max_length": 1024}
    assert not Player.objects.exists()


def test_a_form_over_the_limit_is_413_in_the_admin_too(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = client.post("/admin/login/", {"username": "admin", "password": "x" * 2000})
    assert_error(response, 413, "payload_too_large")


def test_a_body_within_the_limit_is_served(anon, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = anon.post("/api/auth/login", {"username": "nobody", "password": "x"}, format="json")
    assert response.status_code == 401


def test_json_nested_too_deep_is_400_and_nothing_is_stored(api, settings):
    settings.JSON_MAX_DEPTH = 32
    raw = '{"username": ' + "[" * 100_000 + "]" * 100_000 + "}"
    body = assert_error(
        api.post("/api/players", raw, content_type="application/json"), 400, "malformed_request"
    )
    assert "nested deeper than 32 levels" in body["message"]
    assert not Player.objects.exists()


def test_json_nested_too_deep_is_400_before_sign_in(anon):
    raw = "[" * 100_000
    response = anon.post("/api/auth/login", raw, content_type="application/json")
    assert_error(response, 400, "malformed_request")
