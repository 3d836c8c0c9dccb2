"""The reliability suite: the whole service on real processes (Celery worker and
beat, gunicorn) against the fake hiscores, while things go wrong on purpose.

It takes minutes, so it runs only when RELIABILITY=1 is set:

    RELIABILITY=1 make test PYTEST_ARGS=tests/reliability

on either back end (CI runs it on PostgreSQL and Redis). Parts that only mean
something on the full stack say why they are skipped on the embedded default.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from tests.integration.stack import Stack, purge_queues

ENABLED = os.environ.get("RELIABILITY") == "1"
HERE = Path(__file__).resolve().parent
SKIP_REASON = (
    "the reliability suite runs only with RELIABILITY=1 (minutes of real processes "
    "and injected faults): RELIABILITY=1 make test PYTEST_ARGS=tests/reliability"
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.reliability)
            if not ENABLED:
                item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


@pytest.fixture
def launch(tmp_path: Path) -> Iterator[Callable[..., Stack]]:
    """Builds stacks (worker, beat, web) against the test database; stops them all
    at the end and prints their logs (shown when the test failed)."""
    stacks: list[Stack] = []

    def make(hiscores_url: str, **overrides: str) -> Stack:
        # The beat entry's interval comes from the setting when it is created.
        tick = float(overrides.get("SCHEDULER_TICK_SECONDS", settings.SCHEDULER_TICK_SECONDS))
        with override_settings(SCHEDULER_TICK_SECONDS=tick):
            call_command("seed_schedule", stdout=io.StringIO())
        var_dir = tmp_path / f"stack-{len(stacks)}"
        var_dir.mkdir()
        redis_url = overrides.get("REDIS_URL", settings.REDIS_URL)
        if redis_url:
            purge_queues(redis_url)
        stack = Stack(var_dir=var_dir, hiscores_url=hiscores_url, **overrides)
        stacks.append(stack)
        return stack

    yield make
    for stack in stacks:
        stack.stop()
        print(stack.logs())
