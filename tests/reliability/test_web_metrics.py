"""GIVEN gunicorn with two workers in Prometheus multiprocess mode, WHEN requests
are spread over the workers and the workers are replaced (a HUP), THEN /metrics
counts every request once, whichever process answered it and whether that
process still lives."""

from __future__ import annotations

import os
import signal

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.stack import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = "reliability-metrics-token"
HEALTH = {"view": "health", "method": "GET", "status": "200"}


def health_requests_counted(web_url: str) -> float:
    response = httpx.get(
        f"{web_url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    )
    assert response.status_code == 200, response.text
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if sample.name.endswith("_count") and sample.labels == HEALTH:
                return sample.value
    return 0.0


def worker_pids(master_pid: int) -> set[int]:
    children = f"/proc/{master_pid}/task/{master_pid}/children"
    with open(children) as handle:
        return {int(pid) for pid in handle.read().split()}


def test_request_counts_add_up_over_every_gunicorn_worker_dead_or_alive(launch, fake_hiscores):
    stack = launch(fake_hiscores.base_url, METRICS_TOKEN=TOKEN)
    web_url = stack.start_web(workers=2)
    master = stack.processes["web"].pid
    wait_for(lambda: len(worker_pids(master)) == 2, timeout=30, what="two gunicorn workers")
    wait_for(lambda: _answers(web_url), timeout=60, what="gunicorn to answer")
    before = health_requests_counted(web_url)
    first_workers = worker_pids(master)

    with httpx.Client(limits=httpx.Limits(max_keepalive_connections=0)) as client:
        for _ in range(40):
            assert client.get(f"{web_url}/health").status_code == 200
    assert health_requests_counted(web_url) - before == 40

    # New workers replace the old ones; what the old ones counted stays counted.
    os.kill(master, signal.SIGHUP)
    wait_for(
        lambda: len(worker_pids(master)) == 2 and not worker_pids(master) & first_workers,
        timeout=30,
        what="gunicorn to replace its workers",
    )
    with httpx.Client(limits=httpx.Limits(max_keepalive_connections=0)) as client:
        for _ in range(10):
            assert client.get(f"{web_url}/health").status_code == 200
    assert health_requests_counted(web_url) - before == 50
    counted_by = {path.name for path in (stack.var_dir / "prometheus").glob("histogram_*.db")}
    assert len(counted_by) >= 2  # files of more than one process were added up


def _answers(web_url: str) -> bool:
    try:
        return httpx.get(f"{web_url}/health", timeout=5).status_code == 200
    except httpx.HTTPError:
        return False
