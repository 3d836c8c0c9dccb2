"""The Celery app. Workers and beat start as `celery -A osrsdiff worker` / `beat`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "osrsdiff.settings")

app = Celery("osrsdiff")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
