from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db.models.query_utils import DeferredAttribute
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from hiscores.breaker import get_breaker
from hiscores.fake import FakeHiscoresServer
from hiscores.ratelimit import get_rate_limiter
from osrsdiff.celery import app as celery_app
from players.records import HiscoreRecord
from tests.factories import UserFactory
from tests.queued import drain


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings, tmp_path_factory):
    """On SQLite, test in a file of this session's own rather than in memory, so
    that worker and beat processes started by integration tests share it, and so
    that test runs side by side never touch each other's database."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        db.setdefault("TEST", {})["NAME"] = str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture(scope="session", autouse=True)
def _isolated_process_state(tmp_path_factory):
    """Unit tests queue tasks in memory, and keep limiter and breaker state in
    files of their own, so they neither need nor disturb a running service.
    (Integration tests start real processes on the configured back ends.)"""
    state = tmp_path_factory.mktemp("state")
    settings.OSRS_RATE_LIMIT_FILE = str(state / "ratelimit.state")
    settings.OSRS_BREAKER_STATE_FILE = str(state / "breaker.state")
    # Tests must not wait seconds for a request slot.
    settings.OSRS_MAX_REQUESTS_PER_SECOND = 1000.0
    celery_app.conf.broker_url = "memory://"
    celery_app.conf.broker_transport = None  # not the Redis one the settings may name
    # On PostgreSQL the settings are production's, HTTPS only; test clients, the
    # browser's included, speak plain HTTP.
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    # Argon2 is meant to be slow; tests that are about hashing ask for it.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]


@pytest.fixture(autouse=True)
def _deferred_record_fields_are_never_read(monkeypatch):
    """A query for records names the fields its code reads: a deferred one read
    later costs a query per record, unseen by any assertion on results (the
    deltas' refresh once read `game_mode` back so, one query per record)."""
    read = DeferredAttribute.__get__

    def read_deferred(field, instance, owner=None):
        # A field the instance was loaded without is missing from its __dict__.
        if isinstance(instance, HiscoreRecord) and field.field.attname not in vars(instance):
            raise AssertionError(f"HiscoreRecord.{field.field.attname} was deferred, then read")
        return read(field, instance, owner)

    monkeypatch.setattr(DeferredAttribute, "__get__", read_deferred)


@pytest.fixture(autouse=True)
def _fresh_hiscores_state():
    # Breaker, limiter schedule and queued tasks are shared state: no test
    # inherits another's.
    get_breaker().reset()
    get_rate_limiter().reset()
    for queue in ("fetch", "celery", "webhooks"):
        drain(queue)


@pytest.fixture(params=[False, True], ids=["version query", "stamps"])
def stamps(request, settings):
    """Either way of proving a kept body current (api.conditional): the embedded
    default asks the database; the full stack reads stamps."""
    settings.READ_STAMPS = request.param


@pytest.fixture
def fake_hiscores(settings):
    """The fake hiscores server, static (no growth), as the service's hiscores."""
    with FakeHiscoresServer(port=0, grow=False) as fake:
        settings.OSRS_HISCORES_BASE_URL = fake.base_url
        yield fake


@pytest.fixture(autouse=True)
def _fresh_cache(request):
    # Throttle counters live in the cache; no test inherits another's. (On the
    # embedded default the cache is a table, so only tests with a database.)
    names = set(request.fixturenames)
    if "transactional_db" in names:
        request.getfixturevalue("transactional_db")
    elif "db" in names or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("_django_db_helper")
    else:
        return
    cache.clear()


def bearer_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def staff_user(db):
    return UserFactory(username="staff", is_staff=True)


@pytest.fixture
def api(user) -> APIClient:
    """A client signed in as an ordinary user."""
    return bearer_client(user)


@pytest.fixture
def staff_api(staff_user) -> APIClient:
    return bearer_client(staff_user)


@pytest.fixture
def anon() -> APIClient:
    return APIClient()
