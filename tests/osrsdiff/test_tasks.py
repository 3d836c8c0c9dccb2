from datetime import timedelta

import pytest
import time_machine
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from osrsdiff.tasks import prune_expired_sessions, prune_expired_tokens

pytestmark = pytest.mark.django_db


def test_expired_refresh_tokens_and_their_blacklist_entries_are_pruned(user, settings):
    lifetime = settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"]
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        expired = RefreshToken.for_user(user)
        expired.blacklist()
    with time_machine.travel(start + lifetime - timedelta(hours=1), tick=False):
        alive = RefreshToken.for_user(user)
    with time_machine.travel(start + lifetime + timedelta(minutes=1), tick=False):
        assert prune_expired_tokens() == 2  # the token and its blacklist entry
    assert list(OutstandingToken.objects.values_list("jti", flat=True)) == [alive["jti"]]
    assert not BlacklistedToken.objects.exists()


def test_no_token_is_pruned_before_it_expires(user):
    RefreshToken.for_user(user).blacklist()
    assert prune_expired_tokens() == 0
    assert OutstandingToken.objects.count() == 1
    assert BlacklistedToken.objects.count() == 1


def make_session(seconds: int) -> str:
    session = SessionStore()
    session["seen"] = True
    session.set_expiry(seconds)
    session.create()
    return session.session_key


def test_expired_sessions_are_pruned_and_live_ones_kept():
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        short = make_session(60)
        long = make_session(3600)
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        prune_expired_sessions()
    assert set(Session.objects.values_list("session_key", flat=True)) == {long}
    assert short != long
