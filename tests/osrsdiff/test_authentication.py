"""Access tokens authenticated with the user's columns kept in the cache
(osrsdiff.authentication): as cheap as the cache, and never letting a user in
after they are deactivated, made staff or deleted."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient, APIRequestFactory

from osrsdiff.authentication import (
    USER_STATE_SECONDS,
    CachedUserJWTAuthentication,
    _user_state_key,
)
from tests.conftest import bearer_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("kept")]

READ = "/api/metrics"


@pytest.fixture
def kept(settings):
    settings.USER_STATE_CACHE = True


def test_the_user_is_kept_after_the_first_request_and_read_from_it(api, user):
    assert api.get(READ).status_code == 200
    assert cache.get(_user_state_key(user.pk)) is not None
    # The kept columns answer, not the row: proven by changing the row behind the
    # model's back (a bulk update), which only the expiry catches.
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    assert api.get(READ).status_code == 200
    cache.delete(_user_state_key(user.pk))  # what USER_STATE_SECONDS brings about
    assert api.get(READ).status_code == 401
    assert 0 < USER_STATE_SECONDS <= 300


def test_a_user_deactivated_after_a_cached_read_is_refused_at_once(api, user):
    assert api.get(READ).status_code == 200
    user.is_active = False
    user.save(update_fields=["is_active"])
    response = api.get(READ)
    assert response.status_code == 401
    assert response.json()["error_code"] == "authentication_failed"


def test_a_user_deleted_after_a_cached_read_is_refused_at_once(api, user):
    assert api.get(READ).status_code == 200
    user.delete()
    assert api.get(READ).status_code == 401


def test_a_user_made_staff_is_staff_from_the_next_request(api, user):
    assert api.get(READ).status_code == 200
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    header = api._credentials["HTTP_AUTHORIZATION"]
    request = APIRequestFactory().get(READ, HTTP_AUTHORIZATION=header)
    authenticated, _ = CachedUserJWTAuthentication().authenticate(request)
    assert authenticated.pk == user.pk and authenticated.is_staff
    # Every other field is read from the row when asked for.
    assert authenticated.email == user.email


# --- Tokens kept verified ---------------------------------------------------------


@pytest.fixture
def signature_checks(monkeypatch):
    """How many times a token's signature is checked."""
    from rest_framework_simplejwt.backends import TokenBackend

    checks = []
    decode = TokenBackend.decode

    def counted(self, token, verify=True):
        checks.append(token)
        return decode(self, token, verify)

    monkeypatch.setattr(TokenBackend, "decode", counted)
    return checks


def test_a_token_is_verified_once_per_process(api, signature_checks):
    assert api.get(READ).status_code == 200
    assert api.get(READ).status_code == 200
    assert len(signature_checks) == 1


def test_a_kept_token_is_refused_once_it_expires(user):
    issued = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
    with time_machine.travel(issued, tick=False) as clock:
        client = bearer_client(user)
        assert client.get(READ).status_code == 200
        clock.shift(timedelta(minutes=settings.JWT_ACCESS_MINUTES, seconds=1))
        response = client.get(READ)
    assert response.status_code == 401
    assert response.json()["error_code"] == "authentication_failed"


def test_a_tampered_token_is_refused_while_the_genuine_one_is_kept(api, user):
    assert api.get(READ).status_code == 200
    header = api._credentials["HTTP_AUTHORIZATION"]
    # Another signature on the same claims: the kept token's bytes no longer match.
    forged = header[:-2] + ("AA" if not header.endswith("AA") else "BB")
    response = APIClient().get(READ, HTTP_AUTHORIZATION=forged)
    assert response.status_code == 401
    assert api.get(READ).status_code == 200
