"""GIVEN gunicorn as deployed (gunicorn.conf.py), WHEN clients send bodies too large
or nested too deep and URLs too long, THEN each gets the contract's error body
(413, 400, 414), never gunicorn's page or a 500, and nothing is stored; a long
but valid request is still served."""

from __future__ import annotations

import http.client
import json
from urllib.parse import quote, urlsplit

import httpx
import pytest
from django.conf import settings
from rest_framework_simplejwt.tokens import RefreshToken

from players.models import FetchAttempt, HiscoreRecord, Player
from tests.factories import UserFactory
from tests.integration.stack import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

ERROR_KEYS = {"error_code", "message", "details", "timestamp", "request_id"}


def assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["error_code"] == code
    assert body["request_id"] == response.headers["x-request-id"]


def assert_nothing_stored() -> None:
    assert not Player.objects.exists()
    assert not HiscoreRecord.objects.exists()
    assert not FetchAttempt.objects.exists()


class Web:
    """The stack's gunicorn, signed in as an ordinary user. Each request has a
    connection of its own: gunicorn closes one whose body it did not read to the
    end, and a client reusing it would see that instead of the next answer."""

    def __init__(self, url: str, token: str):
        self.url = url
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, **kwargs) -> httpx.Response:
        return httpx.get(self.url + path, headers=self.headers, timeout=30, **kwargs)

    def post_json(self, path: str, content) -> httpx.Response:
        headers = {**self.headers, "Content-Type": "application/json"}
        return httpx.post(self.url + path, content=content, headers=headers, timeout=30)


@pytest.fixture
def web(launch, fake_hiscores) -> Web:
    # Tokens made here must be valid there, on the embedded default too.
    stack = launch(fake_hiscores.base_url, SECRET_KEY=settings.SECRET_KEY)
    web = Web(stack.start_web(workers=2), str(RefreshToken.for_user(UserFactory()).access_token))
    wait_for(lambda: _answers(web), timeout=60, what="gunicorn to answer")
    return web


def _answers(web: Web) -> bool:
    try:
        return web.get("/health").status_code == 200
    except httpx.HTTPError:
        return False


def test_bodies_too_large_are_413_and_store_nothing(web):
    oversized = b'{"username": "Zezima", "padding": "' + b"x" * 2_000_000 + b'"}'
    for path in ("/api/players", "/api/auth/login"):
        assert_error(web.post_json(path, oversized), 413, "payload_too_large")
    # Answered from the declared length, before the body arrives: a client that
    # announces 50 MB and has sent 64 KB of it already has its answer.
    connection = http.client.HTTPConnection(urlsplit(web.url).netloc, timeout=30)
    connection.putrequest("POST", "/api/players")
    for name, value in {**web.headers, "Content-Type": "application/json"}.items():
        connection.putheader(name, value)
    connection.putheader("Content-Length", str(50_000_000))
    connection.endheaders()
    connection.send(b'{"username": "' + b"x" * 65_536)
    answer = connection.getresponse()
    assert answer.status == 413
    assert json.loads(answer.read())["error_code"] == "payload_too_large"
    connection.close()
    # Sent in chunks, with no length declared, a body is not read at all.
    response = web.post_json("/api/players", (b"[" * 65_536 for _ in range(32)))
    assert 400 <= response.status_code < 500
    assert set(response.json()) == ERROR_KEYS
    assert_nothing_stored()


def test_json_nested_too_deep_is_400_and_stores_nothing(web):
    for nested in (b"[" * 100_000 + b"]" * 100_000, b'{"username": ' + b'{"a": ' * 40_000):
        for path in ("/api/players", "/api/auth/login", "/api/auth/refresh"):
            assert_error(web.post_json(path, nested), 400, "malformed_request")
    assert_nothing_stored()


def test_urls_too_long_are_414_in_the_error_body_not_gunicorns_page(web):
    for url in (
        "/api/players?search=" + "a" * 6_000,
        "/api/stats?usernames=" + ",".join(["x" * 12] * 600),
        "/api/players/" + "z" * 8_000,
        "/admin/" + "y" * 8_000,
    ):
        assert_error(web.get(url), 414, "uri_too_long")
    assert_nothing_stored()


def test_the_longest_valid_url_is_served(web):
    # Fifty names of twelve characters, five of them spaces sent as %20: the stats
    # batch at its limit.
    names = ",".join(f"a b c d e {n:02d}" for n in range(50))
    path = "/api/stats?usernames=" + quote(names, safe="")
    assert len(path) > 1_200
    response = web.get(path)
    assert response.status_code == 200, response.text[:300]
    assert set(response.json()) == set(names.split(","))
