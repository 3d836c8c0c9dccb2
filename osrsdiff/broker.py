"""The Redis broker transport, with one repair so that a worker survives a Redis restart.

When Redis goes while a worker holds a message unacknowledged and waits for
more, Celery's reconnect collects the connection (which detaches it from its
settings) and then closes it again; that second close tries to hand the
message back through the detached connection and fails with an
`AttributeError` that stops the worker's consumer for good. Here it fails as
what it is, the broker being unreachable, which the reconnect expects and
passes over. The message stays in Redis's unacknowledged set, redelivered after
the visibility timeout; its players' leases have long expired by then, so they
are fetched again sooner (docs/operations.md, "When Redis restarts").
"""

from __future__ import annotations

from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous: bool = False) -> dict:
        if self.connection.client is None:
            raise RedisConnectionError("The broker connection was closed.")
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel
