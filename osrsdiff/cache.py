"""The Redis cache backend, keeping its client.

Django's makes a `redis.Redis` client for every cache call, and building one
fills its table of reply parsers: on a read answered from the cache (docs/api.md,
"Conditional requests") that cost more CPU than the round trip itself. A client
is only a handle on a connection pool and is safe to share, so each pool gets
one, made once.
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _KeptClient(RedisCacheClient):
    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        kept = self.__dict__.setdefault("_kept", {})
        client = kept.get(id(pool))
        if client is None:
            client = kept[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _KeptClient
