import io

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from osrsdiff.celery import app as celery_app

pytestmark = pytest.mark.django_db

DAILY_TASKS = (
    "players.tasks.prune_fetch_attempts",
    "osrsdiff.tasks.prune_expired_tokens",
    "osrsdiff.tasks.prune_expired_sessions",
)
# Besides the scheduler's own, these run every scheduler tick (docs/operations.md, "Groups").
TICK_TASKS = ("groups.tasks.check_pending", "groups.tasks.announce_competitions")


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


def test_the_leaderboard_deltas_are_refreshed_within_their_tick():
    seed()
    entry = PeriodicTask.objects.get(task="progress.tasks.refresh_deltas")
    assert (entry.interval.every, entry.interval.period) == (30, "seconds")
    assert entry.expire_seconds == 30


@pytest.mark.parametrize("task", TICK_TASKS)
def test_group_upkeep_runs_every_tick_and_expires_within_it(settings, task):
    settings.SCHEDULER_TICK_SECONDS = 5
    seed()
    entry = PeriodicTask.objects.get(task=task)
    assert (entry.interval.every, entry.interval.period) == (5, "seconds")
    assert entry.expire_seconds == 5


@pytest.mark.parametrize("task", DAILY_TASKS)
def test_pruning_runs_daily_and_expires_within_the_day(task):
    seed()
    entry = PeriodicTask.objects.get(task=task)
    assert entry.enabled
    crontab = entry.crontab
    assert (crontab.day_of_week, crontab.day_of_month, crontab.month_of_year) == ("*", "*", "*")
    assert crontab.hour.isdigit() and crontab.minute.isdigit()  # once a day
    assert 0 < entry.expire_seconds < 24 * 3600


def test_every_seeded_entry_names_a_registered_task():
    seed()
    # What a worker does at start: import every app's tasks module.
    celery_app.loader.import_default_modules()
    assert set(PeriodicTask.objects.values_list("task", flat=True)) <= set(celery_app.tasks)


def test_seeding_again_changes_nothing_and_keeps_admin_edits():
    seed()
    tick = PeriodicTask.objects.get(task="players.tasks.schedule_due_fetches")
    tick.enabled = False
    tick.expire_seconds = 3
    tick.save()
    output = seed()
    assert "kept: Schedule due fetches" in output
    assert "created" not in output
    tick.refresh_from_db()
    assert (tick.enabled, tick.expire_seconds) == (False, 3)
    assert PeriodicTask.objects.filter(task="players.tasks.schedule_due_fetches").count() == 1
    assert PeriodicTask.objects.count() == 2 + len(DAILY_TASKS) + len(TICK_TASKS)
