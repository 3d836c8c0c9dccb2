"""Seeds the beat entries. Idempotent: run after every migrate; admin edits survive."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

SCHEDULER_TASK = "players.tasks.schedule_due_fetches"
PRUNE_TASK = "players.tasks.prune_fetch_attempts"


class Command(BaseCommand):
    help = "Create the scheduler's beat entries if missing (existing ones are left as edited)."

    def handle(self, *args, **options):
        tick, _ = IntervalSchedule.objects.get_or_create(
            every=max(1, int(settings.SCHEDULER_TICK_SECONDS)), period=IntervalSchedule.SECONDS
        )
        nightly, _ = CrontabSchedule.objects.get_or_create(
            minute="17", hour="3", day_of_week="*", day_of_month="*", month_of_year="*"
        )
        entries = [
            # Expires within its own interval: a stalled beat or worker never
            # builds a backlog of scheduling ticks.
            (
                "Schedule due fetches",
                SCHEDULER_TASK,
                {"interval": tick, "expire_seconds": tick.every},
            ),
            ("Prune old fetch attempts", PRUNE_TASK, {"crontab": nightly, "expire_seconds": 3600}),
        ]
        for name, task, schedule in entries:
            # `defaults` pins only the task path; everything staff may tune is set
            # on creation alone, so re-seeding never undoes an admin edit.
            _, created = PeriodicTask.objects.update_or_create(
                name=name, defaults={"task": task}, create_defaults={"task": task, **schedule}
            )
            self.stdout.write(f"{'created' if created else 'kept'}: {name}")
