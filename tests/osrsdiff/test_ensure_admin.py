import io
import re

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.test import RequestFactory

pytestmark = pytest.mark.django_db


def ensure_admin(*args: str) -> str:
    out = io.StringIO()
    call_command("ensure_admin", *args, stdout=out)
    return out.getvalue()


def signs_in(username: str, password: str):
    # The lockout back end needs the request, as every login form passes it.
    return authenticate(
        RequestFactory().post("/admin/login/"), username=username, password=password
    )


def test_the_first_admin_is_created_with_a_password_printed_once():
    output = ensure_admin()
    password = re.search(r"password: (\S+)", output).group(1)
    user = signs_in("admin", password)
    assert user is not None and user.is_superuser and user.is_staff
    assert ensure_admin() == ""
    assert get_user_model().objects.count() == 1


def test_the_first_admin_takes_its_name_from_the_admin_username_setting(settings):
    settings.ADMIN_USERNAME = "keeper-of-keys"
    password = re.search(r"password: (\S+)", ensure_admin()).group(1)
    assert signs_in("keeper-of-keys", password).is_superuser
    assert not get_user_model().objects.filter(username="admin").exists()


def test_a_username_given_on_the_command_line_wins_over_the_setting(settings):
    settings.ADMIN_USERNAME = "keeper-of-keys"
    ensure_admin("--username", "night-watch")
    assert get_user_model().objects.get(is_superuser=True).username == "night-watch"


def test_nothing_is_created_when_a_superuser_exists():
    get_user_model().objects.create_superuser("root", "", "a long passphrase here")
    assert ensure_admin() == ""
    assert not get_user_model().objects.filter(username="admin").exists()
