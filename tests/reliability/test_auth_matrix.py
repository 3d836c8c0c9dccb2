"""Every endpoint the OpenAPI schema lists as needing a token, and /metrics, refuse
every kind of bad credential, token or API key, with the contract's 401; the
staff-only ones refuse an ordinary user with its 403, and the key endpoints refuse
a key with its 403."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import jwt
import pytest
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from osrsdiff.keys import key_create, key_revoke
from osrsdiff.models import ApiKey
from players.models import Player
from tests.factories import PlayerFactory, UserFactory

pytestmark = pytest.mark.django_db

ERROR_KEYS = {"error_code", "message", "details", "timestamp", "request_id"}
# Values for path parameters that name things which exist.
PATH_VALUES = {
    "username": "Zezima",
    "skill": "attack",
    "boss": "zulrah",
    "metric": "overall",
    "id": "1",
    "slug": "clan",
    "measure": "ehp",
}


def protected_endpoints() -> list[tuple[str, str]]:
    """(method, path) of every operation whose security needs a token, with its
    path parameters filled in, plus /metrics (not part of the API schema)."""
    schema = APIClient().get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    endpoints = []
    for path, operations in schema.json()["paths"].items():
        for method, operation in operations.items():
            if {} in operation.get("security", [{}]):
                continue  # login, refresh: open to anyone
            endpoints.append((method.upper(), path.format(**PATH_VALUES)))
    assert len(endpoints) >= 10, endpoints  # the schema is not empty
    return [*endpoints, ("GET", "/metrics")]


def expired(user) -> str:
    token = AccessToken.for_user(user)
    token.set_exp(from_time=timezone.now() - timedelta(hours=1))
    return str(token)


def refresh_as_access(user) -> str:
    return str(RefreshToken.for_user(user))


def of_a_deactivated_user(user) -> str:
    token = str(AccessToken.for_user(user))
    user.is_active = False
    user.save(update_fields=["is_active"])
    return token


def of_a_deleted_user(user) -> str:
    token = str(AccessToken.for_user(user))
    user.delete()
    return token


def signed_with_another_key(user) -> str:
    claims = {**AccessToken.for_user(user).payload}
    return jwt.encode(claims, "not-the-secret-key-but-just-as-long-as-one", algorithm="HS256")


def logged_out(user) -> str:
    """An access token presented after logging out with its refresh token: it is
    the refresh token that is revoked, so a client that sends that one gets 401."""
    refresh = RefreshToken.for_user(user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {refresh.access_token}")
    response = client.post("/api/auth/logout", {"refresh": str(refresh)}, format="json")
    assert response.status_code == 204
    return str(refresh)


def revoked_key(user) -> str:
    api_key, key = key_create(owner=user, name="revoked")
    key_revoke(api_key=api_key, by=user)
    return key


def key_of_a_deactivated_user(user) -> str:
    key = key_create(owner=user, name="bot")[1]
    user.is_active = False
    user.save(update_fields=["is_active"])
    return key


def key_of_a_deleted_user(user) -> str:
    key = key_create(owner=user, name="bot")[1]
    user.delete()
    return key


def bearer(token: Callable) -> Callable:
    return lambda user: f"Bearer {token(user)}"


def api_key(key: Callable) -> Callable:
    return lambda user: f"Api-Key {key(user)}"


BAD_CREDENTIALS: dict[str, Callable | str | None] = {
    "no header": None,
    "another scheme": "Basic dXNlcjpwYXNz",
    "empty bearer": "Bearer ",
    "malformed token": "Bearer not.a.token",
    "expired token": bearer(expired),
    "refresh token as access": bearer(refresh_as_access),
    "revoked refresh token": bearer(logged_out),
    "deactivated user": bearer(of_a_deactivated_user),
    "deleted user": bearer(of_a_deleted_user),
    "foreign signature": bearer(signed_with_another_key),
    "empty api key": "Api-Key ",
    "malformed api key": "Api-Key not a key",
    "unknown api key": "Api-Key abcdefgh.ABCDEFGHIJKLMNOPQRSTUVWXYZ012345",
    "revoked api key": api_key(revoked_key),
    "api key of a deactivated user": api_key(key_of_a_deactivated_user),
    "api key of a deleted user": api_key(key_of_a_deleted_user),
}


def authorization(kind: str) -> str | None:
    credential = BAD_CREDENTIALS[kind]
    if credential is None or isinstance(credential, str):
        return credential
    return credential(UserFactory())


def assert_contract_error(response, status: int) -> None:
    assert response.status_code == status, (response.status_code, response.content[:300])
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["request_id"] == response["X-Request-ID"]


@pytest.mark.parametrize("kind", BAD_CREDENTIALS)
def test_every_protected_endpoint_refuses_a_bad_credential_with_401(kind):
    PlayerFactory(username="Zezima")
    client = APIClient()
    header = authorization(kind)
    if header is not None:
        client.credentials(HTTP_AUTHORIZATION=header)
    for method, path in protected_endpoints():
        response = client.generic(method, path, "{}", content_type="application/json")
        assert_contract_error(response, 401)
        assert "WWW-Authenticate" in response, (method, path)
    assert Player.objects.filter(username="Zezima").exists()


STAFF_ONLY = [
    ("PATCH", "/api/players/Zezima"),
    ("DELETE", "/api/players/Zezima"),
    ("GET", "/metrics"),
]


@pytest.mark.parametrize(("method", "path"), STAFF_ONLY)
def test_staff_only_endpoints_refuse_an_ordinary_user_with_403(api, method, path):
    PlayerFactory(username="Zezima")
    response = api.generic(method, path, '{"is_active": false}', content_type="application/json")
    assert_contract_error(response, 403)
    assert response.json()["error_code"] == "permission_denied"
    assert Player.objects.filter(username="Zezima", is_active=True).exists()


KEY_ENDPOINTS = [("GET", "/api/keys"), ("POST", "/api/keys"), ("DELETE", "/api/keys/{id}")]


@pytest.mark.parametrize(("method", "path"), KEY_ENDPOINTS)
def test_key_endpoints_refuse_a_valid_key_with_403(user, method, path):
    """Keys are managed by people: a leaked key can neither make nor revoke keys."""
    kept, key = key_create(owner=user, name="bot")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    body = '{"name": "successor"}'
    response = client.generic(
        method, path.format(id=kept.pk), body, content_type="application/json"
    )
    assert_contract_error(response, 403)
    assert response.json()["error_code"] == "permission_denied"
    assert list(ApiKey.objects.values_list("pk", flat=True)) == [kept.pk]
