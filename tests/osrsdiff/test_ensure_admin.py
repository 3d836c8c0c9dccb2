import io
import re

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def ensure_admin() -> str:
    out = io.StringIO()
    call_command("ensure_admin", stdout=out)
    return out.getvalue()


def test_the_first_admin_is_created_with_a_password_printed_once():
    output = ensure_admin()
    password = re.search(r"password: (\S+)", output).group(1)
    user = authenticate(username="admin", password=password)
    assert user is not None and user.is_superuser and user.is_staff
    assert ensure_admin() == ""
    assert get_user_model().objects.count() == 1


def test_nothing_is_created_when_a_superuser_exists():
    get_user_model().objects.create_superuser("root", "", "a long passphrase here")
    assert ensure_admin() == ""
    assert not get_user_model().objects.filter(username="admin").exists()
