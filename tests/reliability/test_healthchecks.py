"""GIVEN the worker and beat started as docker-compose starts them, WHEN their
compose healthchecks run beside them, THEN both pass, and the worker's fails once
the worker is gone (the web's is checked against gunicorn in
tests/osrsdiff/test_deployment_files.py)."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.integration.stack import Stack, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]


def healthcheck(service: str) -> list[str]:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return compose["services"][service]["healthcheck"]["test"]


def run(test: list[str], stack: Stack) -> int:
    """A compose healthcheck `test`, in this machine's shell and interpreter."""
    kind, *command = test
    if kind == "CMD-SHELL":
        # `$$` is compose's escape for the container shell's `$`.
        script = command[0].replace("$$", "$").replace("celery ", f"{sys.executable} -m celery ", 1)
        argv = ["sh", "-c", script]
    else:
        program, *args = command
        argv = [sys.executable if program == "python" else program, *args]
    env = {**stack.env, "HOSTNAME": socket.gethostname()}
    return subprocess.run(argv, cwd=ROOT, env=env, timeout=60, capture_output=True).returncode


def test_the_worker_answers_its_healthcheck_until_it_is_gone(launch, fake_hiscores):
    stack = launch(fake_hiscores.base_url)
    # The node name compose's worker has: celery@ its host name.
    stack.start("worker", node="celery@%h")
    test = healthcheck("worker")
    wait_for(lambda: run(test, stack) == 0, timeout=90, what="the worker to answer its ping")

    stack.kill("worker")
    assert run(test, stack) != 0


def test_beat_passes_its_healthcheck_while_it_ticks(launch, fake_hiscores):
    stack = launch(fake_hiscores.base_url)
    test = healthcheck("beat")
    assert run(test, stack) != 0  # no heartbeat before beat runs

    stack.start("beat")
    wait_for(lambda: run(test, stack) == 0, timeout=60, what="beat's healthcheck to pass")
    heartbeat = stack.var_dir / "beat-heartbeat"
    first = heartbeat.stat().st_mtime
    wait_for(lambda: heartbeat.stat().st_mtime > first, timeout=30, what="another tick")
