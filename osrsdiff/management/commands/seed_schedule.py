"""Seeds the beat entries. Idempotent: run after every migrate; admin edits survive."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

SCHEDULER_TASK = "players.tasks.schedule_due_fetches"
PRUNE_ATTEMPTS_TASK = "players.tasks.prune_fetch_attempts"
PRUNE_TOKENS_TASK = "osrsdiff.tasks.prune_expired_tokens"
PRUNE_SESSIONS_TASK = "osrsdiff.tasks.prune_expired_sessions"
DELTAS_TASK = "progress.tasks.refresh_deltas"
DELTAS_SECONDS = 30
PENDING_MEMBERS_TASK = "groups.tasks.check_pending"
COMPETITIONS_TASK = "groups.tasks.announce_competitions"


class Command(BaseCommand):
    help = "Create the beat entries if missing (existing ones are left as edited)."

    def handle(self, *args, **options):
        tick, _ = IntervalSchedule.objects.get_or_create(
            every=max(1, int(settings.SCHEDULER_TICK_SECONDS)), period=IntervalSchedule.SECONDS
        )
        nightly, _ = CrontabSchedule.objects.get_or_create(
            minute="17", hour="3", day_of_week="*", day_of_month="*", month_of_year="*"
        )
        # Every entry expires within its own interval: a stalled beat or worker
        # never builds a backlog of the same task.
        daily = {"crontab": nightly, "expire_seconds": 3600}
        deltas, _ = IntervalSchedule.objects.get_or_create(
            every=DELTAS_SECONDS, period=IntervalSchedule.SECONDS
        )
        entries = [
            (
                "Schedule due fetches",
                SCHEDULER_TASK,
                {"interval": tick, "expire_seconds": tick.every},
            ),
            (
                "Refresh leaderboard deltas",
                DELTAS_TASK,
                {"interval": deltas, "expire_seconds": DELTAS_SECONDS},
            ),
            # After the scheduler's own tick has claimed its fetches: pending
            # names get what the budget leaves (groups.services).
            (
                "Check pending group members",
                PENDING_MEMBERS_TASK,
                {"interval": tick, "expire_seconds": tick.every},
            ),
            (
                "Announce competition starts and finishes",
                COMPETITIONS_TASK,
                {"interval": tick, "expire_seconds": tick.every},
            ),
            ("Prune old fetch attempts", PRUNE_ATTEMPTS_TASK, daily),
            ("Prune expired tokens", PRUNE_TOKENS_TASK, daily),
            ("Prune expired sessions", PRUNE_SESSIONS_TASK, daily),
        ]
        for name, task, schedule in entries:
            # `defaults` pins only the task path; everything staff may tune is set
            # on creation alone, so re-seeding never undoes an admin edit.
            _, created = PeriodicTask.objects.update_or_create(
                name=name, defaults={"task": task}, create_defaults={"task": task, **schedule}
            )
            self.stdout.write(f"{'created' if created else 'kept'}: {name}")
