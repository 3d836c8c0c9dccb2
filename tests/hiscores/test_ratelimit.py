from __future__ import annotations

import itertools
import multiprocessing
import time
from collections.abc import Callable
from functools import partial

import pytest
import redis

from hiscores.checks import check_hiscores_limits
from hiscores.errors import HiscoresUnavailable
from hiscores.ratelimit import (
    FileRateLimiter,
    RateLimiter,
    RedisRateLimiter,
    get_rate_limiter,
)
from tests.hiscores.conftest import REDIS_URL

# Redis runs here and in CI; db 13 unless the run points elsewhere. Keys are per test.
# Redis stores the schedule in whole microseconds; the file as floats.
TOLERANCE = 2e-6

MakeLimiter = Callable[..., RateLimiter]

# The shared conftest clears the cache, which is a database table on the embedded back end.
pytestmark = pytest.mark.django_db


@pytest.fixture(params=["redis", "file"])
def make_limiter(request, key_prefix, tmp_path) -> MakeLimiter:
    """Limiters on one shared schedule: every call is another process's view of it."""
    if request.param == "redis":
        return partial(
            RedisRateLimiter, url=request.getfixturevalue("redis_url"), key_prefix=key_prefix
        )
    return partial(FileRateLimiter, path=tmp_path / "ratelimit.state")


def _reserve_in_child(make: MakeLimiter, count: int, start, results) -> None:
    limiter = make()
    start.wait()
    results.put([limiter.reserve(max_wait=60).at for _ in range(count)])


def test_processes_share_one_schedule_spaced_by_the_interval(make_limiter):
    rate, processes, each = 20.0, 4, 10
    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(processes), context.Queue()
    children = [
        context.Process(
            target=_reserve_in_child, args=(partial(make_limiter, rate=rate), each, start, results)
        )
        for _ in range(processes)
    ]
    for child in children:
        child.start()
    slots = sorted(at for _ in children for at in results.get(timeout=30))
    for child in children:
        child.join(timeout=30)
        assert child.exitcode == 0

    assert len(slots) == processes * each
    gaps = [later - earlier for earlier, later in itertools.pairwise(slots)]
    assert min(gaps) >= 1 / rate - TOLERANCE


def test_max_wait_refuses_without_taking_a_slot(make_limiter):
    limiter = make_limiter(rate=1.0)
    first = limiter.reserve(max_wait=0)

    refused = limiter.reserve(max_wait=0.5)
    following = limiter.reserve(max_wait=10)

    assert first is not None and first.wait == 0
    assert refused is None
    assert following.at == pytest.approx(first.at + 1.0, abs=TOLERANCE)


def test_reset_forgets_the_schedule_for_every_process(make_limiter):
    limiter = make_limiter(rate=0.01)
    limiter.reserve(max_wait=0)
    assert make_limiter(rate=0.01).reserve(max_wait=1) is None
    limiter.reset()
    assert make_limiter(rate=0.01).reserve(max_wait=0).wait == 0


def test_acquire_returns_none_at_once_when_the_slot_is_too_far(make_limiter):
    sleeps: list[float] = []
    limiter = make_limiter(rate=0.1, sleep=sleeps.append)
    limiter.acquire(max_wait=0)

    assert limiter.acquire(max_wait=5) is None
    assert sleeps == []


def test_acquire_sleeps_until_its_slot_and_says_how_long(make_limiter):
    sleeps: list[float] = []
    limiter = make_limiter(rate=1.0, sleep=sleeps.append)

    first = limiter.acquire(max_wait=10)
    second = limiter.acquire(max_wait=10)

    assert first == 0
    assert 0.5 < second <= 1.0
    assert sleeps == [second]


def test_an_idle_spell_earns_no_burst(make_limiter):
    limiter = make_limiter(rate=10.0)
    limiter.reserve(max_wait=0)
    time.sleep(0.3)  # three intervals unused

    after_idle = limiter.reserve(max_wait=0)

    assert after_idle is not None and after_idle.wait == 0
    assert limiter.reserve(max_wait=0) is None


def test_redis_outage_raises_unavailable():
    limiter = RedisRateLimiter(url="redis://127.0.0.1:1/0", rate=1.0)

    with pytest.raises(HiscoresUnavailable):
        limiter.acquire(max_wait=1)


def test_redis_limiter_reconnects_after_its_connection_is_dropped(key_prefix, redis_url):
    limiter = RedisRateLimiter(url=redis_url, rate=10.0, key_prefix=key_prefix)
    first = limiter.reserve(max_wait=1)
    admin = redis.Redis.from_url(redis_url)
    admin.client_kill_filter(_id=limiter.redis.client_id())

    following = limiter.reserve(max_wait=1)

    assert following.at == pytest.approx(first.at + 0.1, abs=TOLERANCE)
    admin.close()


def test_file_limiter_forgets_a_schedule_written_before_the_clock_went_back(tmp_path):
    path = tmp_path / "ratelimit.state"
    later = time.time() + 3600
    path.write_text(f"{later + 1!r} {later!r}")

    slot = FileRateLimiter(path=path, rate=1.0).reserve(max_wait=0)

    assert slot is not None and slot.wait == 0


def test_file_limiter_starts_over_from_an_unreadable_file(tmp_path):
    path = tmp_path / "ratelimit.state"
    path.write_bytes(b"17953")

    assert FileRateLimiter(path=path, rate=1.0).reserve(max_wait=0).wait == 0


@pytest.mark.parametrize("rate", [0, -1.0, float("nan"), float("inf")])
def test_a_limiter_refuses_a_rate_that_cannot_work(rate, tmp_path):
    with pytest.raises(ValueError):
        FileRateLimiter(path=tmp_path / "ratelimit.state", rate=rate)


def test_get_rate_limiter_uses_the_file_without_redis(settings, tmp_path):
    settings.REDIS_URL = ""
    settings.OSRS_RATE_LIMIT_FILE = str(tmp_path / "limit.state")
    settings.OSRS_MAX_REQUESTS_PER_SECOND = 0.25

    limiter = get_rate_limiter()

    assert isinstance(limiter, FileRateLimiter)
    assert limiter.path == tmp_path / "limit.state"
    assert limiter.rate == 0.25
    assert get_rate_limiter() is limiter


def test_get_rate_limiter_uses_redis_when_it_is_configured(settings):
    settings.REDIS_URL = REDIS_URL
    settings.OSRS_MAX_REQUESTS_PER_SECOND = 2.0

    limiter = get_rate_limiter()

    assert isinstance(limiter, RedisRateLimiter)
    assert limiter.rate == 2.0


@pytest.mark.parametrize("rate", [0, -0.5, float("nan")])
def test_system_check_fails_on_a_rate_that_is_not_positive(settings, rate):
    settings.OSRS_MAX_REQUESTS_PER_SECOND = rate

    assert [error.id for error in check_hiscores_limits()] == ["hiscores.E001"]


def test_system_check_passes_the_default_settings():
    assert check_hiscores_limits() == []
