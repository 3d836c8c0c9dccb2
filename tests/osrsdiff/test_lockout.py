"""Brute force: failed logins lock a username (from any address) or an address (for
any username) out of both the API's and the admin's login, before any password is
checked, until the cool-off has passed or staff lift it."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth.backends import ModelBackend
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LIMIT = 5
COOL_OFF = timedelta(minutes=15)


@pytest.fixture(autouse=True)
def _lockout_settings(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = COOL_OFF
    # The per-address throttle stays out of the way: these tests are about the lockout.
    settings.AUTH_THROTTLE_RATE = "1000/min"


@pytest.fixture
def password_checks(monkeypatch) -> list[str]:
    """The usernames whose password was checked, in order."""
    checked: list[str] = []
    check = ModelBackend.authenticate

    def counting(self, request, username=None, password=None, **kwargs):
        checked.append(username)
        return check(self, request, username=username, password=password, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", counting)
    return checked


def api_login(client, username, password=PASSWORD, *, address="192.0.2.1"):
    return client.post(
        "/api/auth/login",
        {"username": username, "password": password},
        format="json",
        REMOTE_ADDR=address,
    )


def admin_login(username, password=PASSWORD, *, address="192.0.2.1"):
    return Client().post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def assert_locked_out(response) -> int:
    assert response.status_code == 429, response.content
    body = response.json()
    assert body["error_code"] == "locked_out"
    assert set(body) == {"error_code", "message", "details", "timestamp", "request_id"}
    retry_after = int(response["Retry-After"])
    assert body["details"] == {"retry_after": retry_after}
    return retry_after


def test_a_username_is_locked_out_from_every_address_before_its_password_is_checked(
    anon, user, password_checks
):
    answers = [
        api_login(anon, user.username, "wrong", address=f"198.51.100.{n}").status_code
        for n in range(LIMIT)
    ]
    # The failure that reaches the limit is told so at once.
    assert answers == [401] * (LIMIT - 1) + [429]

    retry_after = assert_locked_out(api_login(anon, user.username, address="203.0.113.99"))

    assert COOL_OFF.total_seconds() - 5 <= retry_after <= COOL_OFF.total_seconds()
    assert password_checks == [user.username] * LIMIT


def test_an_address_is_locked_out_for_every_username(anon, password_checks):
    UserFactory(username="innocent")
    for n in range(LIMIT):
        api_login(anon, f"guess{n}", "wrong", address="198.51.100.7")

    assert_locked_out(api_login(anon, "innocent", address="198.51.100.7"))
    assert len(password_checks) == LIMIT
    assert api_login(anon, "innocent", address="198.51.100.8").status_code == 200


def test_a_forged_forwarded_for_header_is_the_same_address(anon, settings):
    settings.NUM_PROXIES = 0
    for n in range(LIMIT):
        anon.post(
            "/api/auth/login",
            {"username": f"guess{n}", "password": "wrong"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )
    response = anon.post(
        "/api/auth/login",
        {"username": "anyone", "password": "wrong"},
        format="json",
        HTTP_X_FORWARDED_FOR="203.0.113.200",
    )
    assert_locked_out(response)


def test_the_lockout_ends_when_the_cool_off_has_passed(anon, user):
    for n in range(LIMIT):
        api_login(anon, user.username, "wrong", address=f"198.51.100.{n}")
    retry_after = assert_locked_out(api_login(anon, user.username))

    with time_machine.travel(timezone.now() + timedelta(seconds=retry_after - 30)):
        assert_locked_out(api_login(anon, user.username))
    with time_machine.travel(timezone.now() + timedelta(seconds=retry_after + 1)):
        assert api_login(anon, user.username).status_code == 200


def test_attempts_while_locked_out_do_not_push_the_end_further(anon, user):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for n in range(LIMIT):
            api_login(anon, user.username, "wrong", address=f"198.51.100.{n}")
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        for _ in range(3):
            retry_after = assert_locked_out(api_login(anon, user.username, "wrong"))
    assert retry_after == (COOL_OFF - timedelta(minutes=10)).total_seconds()


def test_failures_age_out_one_by_one(anon, user):
    """A username locked by failures spread over time is free again as soon as
    the oldest of the counted ones is older than the cool-off."""
    start = timezone.now()
    for n in range(LIMIT):
        with time_machine.travel(start + timedelta(minutes=n), tick=False):
            api_login(anon, user.username, "wrong", address=f"198.51.100.{n}")
    with time_machine.travel(start + timedelta(minutes=LIMIT), tick=False):
        retry_after = assert_locked_out(api_login(anon, user.username))
    assert retry_after == (COOL_OFF - timedelta(minutes=LIMIT)).total_seconds()


def test_the_admin_and_the_api_count_the_same_failures(anon, user):
    for _ in range(LIMIT - 1):
        assert admin_login(user.username, "wrong").status_code == 200  # the form again
    assert api_login(anon, user.username, "wrong", address="198.51.100.1").status_code == 429


def test_a_locked_out_admin_login_shows_a_page_that_says_so(password_checks):
    staff = UserFactory(username="boss", is_staff=True, is_superuser=True)
    for _ in range(LIMIT):
        admin_login(staff.username, "wrong")

    response = admin_login(staff.username)

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "Sign-in paused" in page
    assert "15 minutes" in page
    assert len(password_checks) == LIMIT


def test_a_failed_admin_login_below_the_limit_shows_the_form_again():
    UserFactory(username="boss", is_staff=True)
    response = admin_login("boss", "wrong")
    assert response.status_code == 200
    assert b"Please enter the correct username and password" in response.content


def lift(command: str, *args: str) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def test_staff_lift_a_username_lockout_with_a_command(anon, user):
    for n in range(LIMIT):
        api_login(anon, user.username, "wrong", address=f"198.51.100.{n}")
    assert_locked_out(api_login(anon, user.username))

    assert "attempts removed" in lift("axes_reset_username", user.username)

    assert api_login(anon, user.username).status_code == 200


def test_staff_lift_an_address_lockout_with_a_command(anon, user):
    for n in range(LIMIT):
        api_login(anon, f"guess{n}", "wrong", address="198.51.100.7")
    assert_locked_out(api_login(anon, user.username, address="198.51.100.7"))

    lift("axes_reset_ip", "198.51.100.7")

    assert api_login(anon, user.username, address="198.51.100.7").status_code == 200


def test_staff_lift_a_lockout_in_the_admin(anon, user, client):
    for n in range(LIMIT):
        api_login(anon, user.username, "wrong", address=f"198.51.100.{n}")
    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))

    attempts = list(
        AccessAttempt.objects.filter(username=user.username).values_list("pk", flat=True)
    )
    response = client.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": list(attempts), "post": "yes"},
    )
    assert response.status_code == 302
    assert api_login(anon, user.username).status_code == 200
