"""gunicorn reads this file from the working directory (`gunicorn osrsdiff.wsgi ...`);
the command line sets only the address. Every value here is a decision, with its
reason (docs/operations.md, "Request limits")."""

from __future__ import annotations

import os

# Threads, not one request per process: a request waiting on the hiscores (adding
# a player) holds one thread while the others go on answering reads, the admin
# and /ready. Django keeps a database connection per thread, so a worker holds up
# to `threads` connections (docs/operations.md, "Scaling out").
worker_class = "gthread"
workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))

# With threads a slow request never stops the worker's heartbeat: this restarts
# a worker whose main loop hung. Requests are bounded inside the service, well
# under it: the slowest, adding a player, by PLAYER_ADD_DEADLINE_SECONDS (10).
timeout = 30
# On a restart or `docker compose stop`, requests in flight get this long to
# finish; docker-compose.yml waits a little longer before it kills.
graceful_timeout = 20
# Behind a proxy that reuses its connections to gunicorn.
keepalive = 5

# A request line up to gunicorn's maximum (8190 bytes) reaches Django, which
# refuses a path and query over MAX_REQUEST_URI_LENGTH (4096 by default, well
# above the longest valid URL) in the contract's error body. gunicorn's own
# refusal is an HTML page: its limit stays above anything Django should answer.
limit_request_line = 8190
# Browsers send about 20 headers, proxies add a few: 100 is ample and bounds the
# work of parsing a hostile request.
limit_request_fields = 100
# The largest header a client sends is a token or the admin's cookies (well under
# 2 KB); 8190 is gunicorn's default and leaves room.
limit_request_field_size = 8190


def child_exit(server, worker) -> None:
    # Prometheus multiprocess mode (osrsdiff.metrics): a dead worker's files stay,
    # so that its counts still add up; only its live gauges must go.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
