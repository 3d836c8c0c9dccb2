import os

import pytest

from osrsdiff.beat import HEARTBEAT_FILE, HeartbeatScheduler
from osrsdiff.celery import app as celery_app

# The scheduler closes and reopens its connection, as beat does between ticks.
pytestmark = pytest.mark.django_db(transaction=True)


def test_beat_touches_its_heartbeat_after_every_tick(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    heartbeat = tmp_path / HEARTBEAT_FILE
    scheduler = HeartbeatScheduler(app=celery_app)
    assert not heartbeat.exists()

    scheduler.tick()
    assert heartbeat.exists()
    os.utime(heartbeat, (0, 0))  # as if the last tick were long ago
    scheduler.tick()
    assert heartbeat.stat().st_mtime > 0


def test_beat_runs_the_heartbeat_scheduler():
    assert celery_app.conf.beat_scheduler == "osrsdiff.beat:HeartbeatScheduler"
