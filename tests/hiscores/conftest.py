from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis
from django.conf import settings

# The limiter's and breaker's own tests use Redis even on the embedded default:
# both back ends are always measured against each other.
REDIS_URL = settings.REDIS_URL or "redis://127.0.0.1:6379/13"


@pytest.fixture
def key_prefix() -> Iterator[str]:
    """Redis keys of this test alone, deleted afterwards."""
    prefix = f"test:{uuid.uuid4().hex}:"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)
    client.close()
