"""The API also accepts the admin's session (the change page's charts read the
history API from the browser); token clients see no difference."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import HiscoreRecordFactory, PlayerFactory, UserFactory, skills_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def zezima():
    player = PlayerFactory(username="Zezima")
    now = timezone.now()
    for days, xp in ((3, 1_000_000), (1, 1_250_000)):
        HiscoreRecordFactory(
            player=player, fetched_at=now - timedelta(days=days), skills_data=skills_data(xp)
        )
    return player


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error_code"] == code
    assert set(body) == {"error_code", "message", "details", "timestamp", "request_id"}


def test_a_staff_session_reads_the_history_api(client, zezima):
    client.force_login(UserFactory(username="boss", is_staff=True))

    response = client.get("/api/players/zezima/history/skills/attack", {"days": 7})

    assert response.status_code == 200
    timeline = response.json()["timeline"]
    assert [point["experience"] for point in timeline] == [1_000_000, 1_250_000]


def test_without_a_session_or_token_the_api_still_answers_401(client, zezima):
    response = client.get("/api/players/zezima/history", {"period": "week"})

    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_bad_token_is_refused_even_with_a_session(client, zezima):
    client.force_login(UserFactory(username="boss", is_staff=True))

    response = client.get(
        "/api/players/zezima/history", {"period": "week"}, HTTP_AUTHORIZATION="Bearer nonsense"
    )

    assert_error(response, 401, "authentication_failed")


def test_a_session_write_without_the_csrf_token_is_refused(zezima):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(UserFactory(username="boss", is_staff=True))

    response = browser.post("/api/players/zezima/fetch")

    assert_error(response, 403, "permission_denied")
    assert "CSRF" in response.json()["message"]
