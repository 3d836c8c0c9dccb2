"""The Redis cache backend keeps one client per connection pool (osrsdiff.cache)."""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

from osrsdiff.cache import RedisCache


def test_the_client_is_made_once_and_kept():
    # No connection is opened: a client is a handle on a pool.
    backend = RedisCache("redis://127.0.0.1:6379/15", {})
    client = backend._cache.get_client()
    assert backend._cache.get_client() is client
    assert backend._cache.get_client(write=True) is client  # one server: one pool
    assert client.connection_pool is backend._cache._get_connection_pool(False)


def test_django_s_own_makes_one_a_call_which_is_what_this_saves():
    backend = DjangoRedisCache("redis://127.0.0.1:6379/15", {})
    assert backend._cache.get_client() is not backend._cache.get_client()
