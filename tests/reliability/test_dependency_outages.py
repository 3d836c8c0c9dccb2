"""GIVEN the whole stack running (gunicorn, worker, beat), WHEN Redis restarts or
PostgreSQL drops every connection and refuses new ones for a while, THEN /ready
says 503 while the dependency is down and 200 after, and the web process and the
worker carry on by themselves: no process is restarted."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator

import httpx
import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from rest_framework_simplejwt.tokens import RefreshToken

from hiscores.usernames import normalise
from tests.factories import UserFactory
from tests.integration.stack import Stack, wait_for

from .support import PrivateRedis, all_fresh_since, make_due, stale_players, track

pytestmark = pytest.mark.django_db(transaction=True)

NAMES = [f"gen {n}" for n in range(301, 311)]
OUTAGE_SECONDS = 5
COLLECTOR = {
    "OSRS_MAX_REQUESTS_PER_SECOND": "5",
    "SCHEDULER_TICK_SECONDS": "1",
    "FETCH_INTERVAL_MIN_MINUTES": "1",
    # Fetches lost with the outage are claimed again this soon.
    "FETCH_LEASE_SECONDS": "8",
    "FETCH_RETRY_DELAYS": "1,1",
}


def ready_status(web_url: str) -> tuple[int, dict]:
    try:
        response = httpx.get(f"{web_url}/ready", timeout=10)
    except httpx.HTTPError:
        return 0, {}
    return response.status_code, response.json()


def ready_is(web_url: str, status: int) -> dict | None:
    code, body = ready_status(web_url)
    return body if code == status else None


def start_everything(stack: Stack, *, concurrency: int = 2) -> str:
    stack.start("worker", concurrency=concurrency)
    stack.start("beat")
    web_url = stack.start_web()
    wait_for(lambda: ready_is(web_url, 200), timeout=60, what="gunicorn to be ready")
    since = timezone.now()
    make_due()
    wait_for(lambda: all_fresh_since(since), timeout=60, what="every player fetched once")
    return web_url


def assert_collecting_again(stack: Stack, pids: dict[str, int]) -> None:
    since = timezone.now()
    make_due()
    wait_for(
        lambda: all_fresh_since(since),
        timeout=60,
        what=f"every player fetched after the outage (stale: {stale_players(since)})",
    )
    # The same processes did it: none died, none was restarted.
    assert {name: p.pid for name, p in stack.processes.items()} == pids
    assert all(process.poll() is None for process in stack.processes.values())


@pytest.fixture
def private_redis(tmp_path) -> Iterator[PrivateRedis]:
    if not settings.REDIS_URL:
        pytest.skip("Redis restarts only mean something on the full stack (REDIS_URL set)")
    if shutil.which("redis-server") is None:
        pytest.skip("needs the redis-server program to run a Redis of the test's own")
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


def test_a_redis_restart_is_survived_without_restarting_anything(
    launch, fake_hiscores, private_redis
):
    track(NAMES)
    stack = launch(fake_hiscores.base_url, REDIS_URL=private_redis.url, **COLLECTOR)
    # Three processes: with one held by a slow fetch and one by a beat task,
    # the worker is still waiting on Redis for more when Redis goes.
    web_url = start_everything(stack, concurrency=3)
    pids = {name: process.pid for name, process in stack.processes.items()}

    # Redis goes while one fetch is under way and the worker waits for more: it
    # holds that fetch's message unacknowledged, and its reconnect has to let
    # go of it with Redis away (docs/operations.md, "Redis restarts").
    fake_hiscores.set_fault("slow", times=None, player=NAMES[0], delay=OUTAGE_SECONDS)
    asked = time.time()
    make_due()
    slow_key = normalise(NAMES[0])
    wait_for(
        lambda: any(key == slow_key for *_, key in fake_hiscores.log.entries(asked)),
        timeout=20,
        what="the slow fetch under way",
    )
    time.sleep(1)  # the other fetches of the moment are done
    private_redis.stop()
    down = wait_for(lambda: ready_is(web_url, 503), timeout=20, what="/ready to say 503")
    assert down["error_code"] == "service_unavailable"
    assert set(down["details"]) == {"broker"}
    make_due()  # work piles up while Redis is away
    time.sleep(OUTAGE_SECONDS)
    assert ready_status(web_url)[0] == 503

    fake_hiscores.clear_faults()
    private_redis.start()
    wait_for(lambda: ready_is(web_url, 200), timeout=30, what="/ready to say 200 again")
    assert_collecting_again(stack, pids)


@pytest.fixture
def postgres_outage() -> Iterator[tuple[Callable[[], None], Callable[[], None]]]:
    """`cut()` drops every other connection to the test database and refuses new
    ones; `restore()` lets them in again (also at the end, whatever happened)."""
    if connection.vendor != "postgresql":
        pytest.skip("killing database connections needs PostgreSQL (DATABASE_URL)")
    db = connection.settings_dict
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        own_pid = cursor.fetchone()[0]
    admin = psycopg.connect(
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    name = db["NAME"]

    def cut() -> None:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> %s",
            (name, own_pid),
        )

    def restore() -> None:
        admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')

    try:
        yield cut, restore
    finally:
        restore()
        admin.close()


def test_postgres_dropping_every_connection_is_survived_without_restarting_anything(
    launch, fake_hiscores, postgres_outage
):
    cut, restore = postgres_outage
    track(NAMES)
    token = RefreshToken.for_user(UserFactory()).access_token
    headers = {"Authorization": f"Bearer {token}"}
    stack = launch(fake_hiscores.base_url, **COLLECTOR)
    web_url = start_everything(stack)
    pids = {name: process.pid for name, process in stack.processes.items()}
    assert httpx.get(f"{web_url}/api/players", headers=headers, timeout=10).status_code == 200

    cut()
    down = wait_for(lambda: ready_is(web_url, 503), timeout=20, what="/ready to say 503")
    assert set(down["details"]) == {"database"}
    # An API request that needs the database meanwhile gets the contract's 503, not
    # a bare 500: a page nobody asked for yet (one kept in Redis may still be served).
    during = httpx.get(f"{web_url}/api/players?limit=7", headers=headers, timeout=10)
    assert during.status_code == 503
    assert during.json()["error_code"] == "database_unavailable"
    assert during.json()["request_id"] == during.headers["X-Request-ID"]
    time.sleep(OUTAGE_SECONDS)

    restore()
    wait_for(lambda: ready_is(web_url, 200), timeout=30, what="/ready to say 200 again")
    assert httpx.get(f"{web_url}/api/players", headers=headers, timeout=10).status_code == 200
    assert_collecting_again(stack, pids)
