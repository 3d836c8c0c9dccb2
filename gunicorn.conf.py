"""gunicorn reads this file from the working directory (`gunicorn osrsdiff.wsgi ...`);
the command line still sets the address and the number of workers."""

from __future__ import annotations

import os


def child_exit(server, worker) -> None:
    # Prometheus multiprocess mode (osrsdiff.metrics): a dead worker's files stay,
    # so that its counts still add up; only its live gauges must go.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
