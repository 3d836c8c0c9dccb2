"""Real worker and beat processes for integration tests, on whatever back end the
test run uses (the test database, the filesystem broker or Redis)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connection
from kombu import Connection

ROOT = Path(__file__).resolve().parents[2]


def purge_queues(redis_url: str) -> None:
    """Messages an earlier run left in Redis must not be fetched into this one."""
    with Connection(redis_url) as conn:
        channel = conn.default_channel
        for queue in ("fetch", "celery"):
            channel.queue_purge(queue)
        channel.client.delete("unacked", "unacked_index")


def wait_for(condition: Callable[[], object], *, timeout: float, what: str, every: float = 0.2):
    """Poll until `condition()` is truthy; fail the test with `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Stack:
    """Starts `celery worker`, `celery beat` and gunicorn as the deployment does,
    pointed at the test database and at `hiscores_url`."""

    def __init__(self, *, var_dir: Path, hiscores_url: str, **overrides: str):
        self.var_dir = var_dir
        self.processes: dict[str, subprocess.Popen] = {}
        self.env = self._environment(hiscores_url, overrides)

    def _environment(self, hiscores_url: str, overrides: dict[str, str]) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
        db = connection.settings_dict
        if db["ENGINE"].endswith("sqlite3"):
            env["SQLITE_PATH"] = str(db["NAME"])
        else:
            env["DATABASE_URL"] = (
                f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
            )
        env.update(
            DJANGO_SETTINGS_MODULE="osrsdiff.settings",
            OSRSDIFF_VAR_DIR=str(self.var_dir),
            OSRS_HISCORES_BASE_URL=hiscores_url,
            # Shared with this test process, which reads and resets them.
            OSRS_RATE_LIMIT_FILE=settings.OSRS_RATE_LIMIT_FILE,
            OSRS_BREAKER_STATE_FILE=settings.OSRS_BREAKER_STATE_FILE,
            LOG_LEVEL="INFO",
            # The tests speak plain HTTP to gunicorn, with no TLS proxy in front.
            SECURE_SSL_REDIRECT="false",
            SESSION_COOKIE_SECURE="false",
            CSRF_COOKIE_SECURE="false",
        )
        env.update(overrides)
        return env

    def start(
        self, name: str, *, concurrency: int = 2, node: str | None = None
    ) -> subprocess.Popen:
        """`node` is the worker's node name: a fresh one unless given."""
        commands = {
            "worker": [
                "worker", "--queues", "fetch,celery", "--concurrency", str(concurrency),
                "--hostname", node or f"{name}-{time.monotonic_ns()}@%h", "--without-mingle",
                "--without-gossip",
            ],
            "beat": ["beat", "--schedule", str(self.var_dir / "beat-schedule")],
        }  # fmt: skip
        argv = ["-m", "celery", "-A", "osrsdiff", *commands[name], "--loglevel", "INFO"]
        return self._launch(name, argv, self.env)

    def start_web(self, *, workers: int = 2) -> str:
        """gunicorn as deployed (with gunicorn.conf.py and Prometheus multiprocess
        mode) on a free loopback port; returns its base URL."""
        metrics_dir = self.var_dir / "prometheus"
        metrics_dir.mkdir(exist_ok=True)
        port = free_port()
        argv = [
            "-m", "gunicorn", "osrsdiff.wsgi", "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), "--timeout", "60",
        ]  # fmt: skip
        self._launch("web", argv, {**self.env, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)})
        self.web_url = f"http://127.0.0.1:{port}"
        return self.web_url

    def _launch(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = open(self.var_dir / f"{name}.log", "ab")  # noqa: SIM115 - owned by the process
        process = subprocess.Popen(
            [sys.executable, *argv],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: SIGKILL reaches the pool too
        )
        self.processes[name] = process
        return process

    def kill(self, name: str) -> None:
        """SIGKILL a process and all its children, as a crash or an OOM kill would."""
        process = self.processes.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self) -> None:
        for name in list(self.processes):
            process = self.processes[name]
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
            if process.poll() is None:
                self.kill(name)
            self.processes.pop(name, None)

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-4000:]}"
            for path in sorted(self.var_dir.glob("*.log"))
        )
