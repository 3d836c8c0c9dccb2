from __future__ import annotations

import functools
import uuid
from collections.abc import Iterator

import pytest
import redis
from django.conf import settings

# The limiter's and breaker's tests measure both back ends against each other,
# on the embedded default too, whenever a local Redis is there to use.
REDIS_URL = settings.REDIS_URL or "redis://127.0.0.1:6379/13"


@functools.cache
def _redis_reachable() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def redis_url() -> str:
    """Redis for the back-end tests. Only the embedded default may go without it
    (`make test` needs no services); with REDIS_URL set, as in CI, it must answer."""
    if not settings.REDIS_URL and not _redis_reachable():
        pytest.skip(f"no Redis at {REDIS_URL}; the Redis back end is tested when one runs")
    return REDIS_URL


@pytest.fixture
def key_prefix() -> Iterator[str]:
    """Redis keys of this test alone, deleted afterwards."""
    prefix = f"test:{uuid.uuid4().hex}:"
    yield prefix
    if _redis_reachable():
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(match=f"{prefix}*"):
            client.delete(key)
        client.close()
