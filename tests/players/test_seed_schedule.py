import io

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = io.StringIO()
    call_command("seed_schedule", stdout=out)
    return out.getvalue()


def test_seeding_creates_the_scheduler_and_pruning_entries(settings):
    settings.SCHEDULER_TICK_SECONDS = 5
    assert "created: Schedule due fetches" in seed()
    tick = PeriodicTask.objects.get(task="players.tasks.schedule_due_fetches")
    assert (tick.interval.every, tick.interval.period) == (5, "seconds")
    # It expires within its own interval: a stalled worker builds no backlog.
    assert tick.expire_seconds == 5
    assert PeriodicTask.objects.filter(task="players.tasks.prune_fetch_attempts").exists()


def test_seeding_again_changes_nothing_and_keeps_admin_edits():
    seed()
    tick = PeriodicTask.objects.get(task="players.tasks.schedule_due_fetches")
    tick.enabled = False
    tick.expire_seconds = 3
    tick.save()
    assert "kept: Schedule due fetches" in seed()
    tick.refresh_from_db()
    assert (tick.enabled, tick.expire_seconds) == (False, 3)
    assert PeriodicTask.objects.filter(task="players.tasks.schedule_due_fetches").count() == 1
