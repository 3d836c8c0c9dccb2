"""Celery beat's scheduler: django-celery-beat's, with a heartbeat.

Beat serves no port and answers no remote control, so it shows that it is alive
the one way it can: after every tick (at most 5 s apart) it touches
`beat-heartbeat` in the var directory, and docker-compose's healthcheck reads
the file's age.
"""

from __future__ import annotations

from django.conf import settings
from django_celery_beat.schedulers import DatabaseScheduler

HEARTBEAT_FILE = "beat-heartbeat"


class HeartbeatScheduler(DatabaseScheduler):
    def tick(self, *args, **kwargs):
        interval = super().tick(*args, **kwargs)
        (settings.VAR_DIR / HEARTBEAT_FILE).touch()
        return interval
