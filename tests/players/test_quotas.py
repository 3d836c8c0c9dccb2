"""What a user may ask of the hiscores through the players API (docs/api.md,
"Players"): a daily add quota per user (not for staff), per-user throttles on
adds and manual fetches, each limit a 429 with Retry-After in the header and in
the body's details."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from osrsdiff.keys import key_create
from players.models import Player
from tests.conftest import bearer_client
from tests.factories import PlayerFactory, UserFactory
from tests.queued import queued_player_ids

pytestmark = pytest.mark.django_db


def added(user, *, hours_ago: float) -> Player:
    player = PlayerFactory(added_by=user)
    created_at = timezone.now() - timedelta(hours=hours_ago)
    Player.objects.filter(pk=player.pk).update(created_at=created_at)
    return player


def add(client, username: str = "Psikoi"):
    return client.post("/api/players", {"username": username}, format="json")


def assert_limited(response, error_code: str) -> int:
    """The contract's 429: Retry-After in the header and in the details, equal."""
    assert response.status_code == 429, response.content
    body = response.json()
    assert body["error_code"] == error_code
    retry_after = int(response["Retry-After"])
    assert body["details"]["retry_after"] == retry_after > 0
    return retry_after


class TestDailyAddQuota:
    @pytest.fixture(autouse=True)
    def quota(self, settings):
        settings.PLAYER_ADD_DAILY_QUOTA = 2

    def test_a_user_at_the_quota_gets_429_until_their_oldest_add_is_a_day_old(
        self, api, user, fake_hiscores
    ):
        added(user, hours_ago=23)
        added(user, hours_ago=1)
        response = add(api)
        retry_after = assert_limited(response, "add_quota_reached")
        assert 3590 <= retry_after <= 3601
        assert response.json()["details"]["quota"] == 2
        assert fake_hiscores.request_count == 0
        assert not Player.objects.filter(username="Psikoi").exists()

    def test_adds_older_than_a_day_do_not_count(self, api, user, fake_hiscores):
        added(user, hours_ago=25)
        added(user, hours_ago=30)
        response = add(api)
        assert response.status_code == 201, response.content
        assert Player.objects.get(pk=response.json()["id"]).added_by == user

    def test_the_quota_is_each_users_own(self, api, fake_hiscores):
        someone_else = UserFactory()
        added(someone_else, hours_ago=1)
        added(someone_else, hours_ago=2)
        assert add(api).status_code == 201

    def test_staff_are_not_held_to_the_quota(self, staff_api, staff_user, fake_hiscores):
        added(staff_user, hours_ago=1)
        added(staff_user, hours_ago=2)
        assert add(staff_api).status_code == 201

    def test_adds_with_an_api_key_count_against_its_owner(self, user, fake_hiscores):
        added(user, hours_ago=1)
        added(user, hours_ago=2)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key_create(owner=user, name='bot')[1]}")
        assert_limited(add(client), "add_quota_reached")

    def test_refused_adds_spend_nothing_of_the_quota(self, api, fake_hiscores):
        for _ in range(3):
            assert add(api, "nobody here").status_code == 422
        assert add(api).status_code == 201


class TestThrottles:
    def test_adds_are_throttled_per_user(self, api, settings, fake_hiscores):
        settings.PLAYER_ADD_THROTTLE_RATE = "2/min"
        for _ in range(2):
            assert add(api, "bad!name").status_code == 422
        retry_after = assert_limited(add(api), "throttled")
        assert retry_after <= 60
        assert fake_hiscores.request_count == 0
        # Another user has a share of their own.
        assert add(bearer_client(UserFactory())).status_code == 201

    def test_manual_fetches_are_throttled_per_user_on_top_of_the_cooldown(self, api, settings):
        settings.PLAYER_FETCH_THROTTLE_RATE = "2/hour"
        first, second, third = PlayerFactory.create_batch(3)
        for player in (first, second):
            assert api.post(f"/api/players/{player.username}/fetch").status_code == 202
        retry_after = assert_limited(api.post(f"/api/players/{third.username}/fetch"), "throttled")
        assert retry_after > settings.FETCH_COOLDOWN_SECONDS
        assert queued_player_ids() == [first.pk, second.pk]
        other = bearer_client(UserFactory())
        assert other.post(f"/api/players/{third.username}/fetch").status_code == 202

    def test_the_per_player_cooldown_answers_retry_after_in_the_body_too(self, api):
        player = PlayerFactory()
        api.post(f"/api/players/{player.username}/fetch")
        assert_limited(api.post(f"/api/players/{player.username}/fetch"), "fetched_too_recently")

    def test_reads_are_not_held_to_the_add_or_fetch_throttles(self, api, settings):
        settings.PLAYER_ADD_THROTTLE_RATE = settings.PLAYER_FETCH_THROTTLE_RATE = "1/hour"
        player = PlayerFactory()
        for _ in range(5):
            assert api.get("/api/players").status_code == 200
            assert api.get(f"/api/players/{player.username}").status_code == 200
