"""Runs web, worker and beat together, supervised as one: what `make run` starts.

With `--demo` it also serves the fake hiscores in-process and tracks a handful of
its players, so records arrive in the admin within a minute.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from honcho.manager import Manager
from honcho.printer import Printer

DEMO_PLAYERS = ("Zezima", "Iron Demo", "Lynx Titan", "Psikoi", "gen 7", "gen 42")
# In the demo every fetch shows progress: the fake's players grow every 30 s.
DEMO_SETTINGS = {
    "OSRS_MAX_REQUESTS_PER_SECOND": "2",
    "FETCH_INTERVAL_MIN_MINUTES": "1",
    "FETCH_COOLDOWN_SECONDS": "10",
    # The demo runs on one machine: a webhook receiver there is on loopback.
    "WEBHOOKS_ALLOW_PRIVATE": "true",
}


class Command(BaseCommand):
    help = "Run the web server, a Celery worker and Celery beat together."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--demo", action="store_true", help="Serve and track the fake hiscores."
        )
        parser.add_argument("--fake-port", type=int, default=8091)

    def handle(self, *args, port: int, demo: bool, fake_port: int, **options):
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        if demo:
            env.update(self._start_demo(fake_port))
        self._announce(port, demo)
        manager = Manager(Printer(sys.stdout, colour=sys.stdout.isatty()))
        python = sys.executable
        celery = [python, "-m", "celery", "-A", "osrsdiff"]
        processes = {
            # Workers (WEB_WORKERS), threads and limits: gunicorn.conf.py.
            "web": [python, "-m", "gunicorn", "osrsdiff.wsgi", "--bind", f"0.0.0.0:{port}"],
            "worker": [*celery, "worker", "--queues", "fetch,celery", "--loglevel", "INFO",
                       "--concurrency", env.get("WORKER_CONCURRENCY", "2")],
            # Webhook deliveries wait on other people's servers: a worker of their
            # own, so a receiver that hangs never holds a fetch (docs/api.md, "Webhooks").
            "webhooks": [*celery, "worker", "--queues", "webhooks", "--hostname", "webhooks@%h",
                         "--loglevel", "INFO", "--concurrency", "2"],
            # The scheduler is the setting's, CELERY_BEAT_SCHEDULER (osrsdiff.beat).
            "beat": [*celery, "beat", "--loglevel", "INFO",
                     "--schedule", str(settings.VAR_DIR / "celerybeat-schedule")],
        }  # fmt: skip
        # Web and worker processes add up their Prometheus metrics in one directory.
        counted = {**env, "PROMETHEUS_MULTIPROC_DIR": str(fresh_metrics_dir(env))}
        for name, command in processes.items():
            manager.add_process(name, shlex.join(command), env=counted if name != "beat" else env)
        manager.loop()
        sys.exit(manager.returncode)

    def _start_demo(self, fake_port: int) -> dict[str, str]:
        from hiscores.fake import FakeHiscoresServer
        from hiscores.usernames import normalise
        from players.errors import PlayerAlreadyTracked
        from players.models import Player
        from players.tracking import player_track, player_update

        try:
            fake = FakeHiscoresServer(port=fake_port, grow=True).start()
        except OSError as exc:
            raise CommandError(
                f"Cannot serve the fake hiscores on port {fake_port}: {exc}"
            ) from exc
        # This process tracks the demo players itself before any client or limiter exists.
        settings.OSRS_HISCORES_BASE_URL = fake.base_url
        settings.OSRS_MAX_REQUESTS_PER_SECOND = float(DEMO_SETTINGS["OSRS_MAX_REQUESTS_PER_SECOND"])
        settings.FETCH_INTERVAL_MIN_MINUTES = int(DEMO_SETTINGS["FETCH_INTERVAL_MIN_MINUTES"])
        self.stdout.write(f"Fake hiscores serving at {fake.base_url}")
        for name in DEMO_PLAYERS:
            try:
                player = player_track(username=name, fetch_interval_minutes=1)
                self.stdout.write(f"  tracking {player.username}")
            except PlayerAlreadyTracked:
                player = Player.objects.get(username_key=normalise(name))
                self.stdout.write(f"  already tracking {name}")
            # Pinned to a minute: the demo shows progress in minutes, where the
            # learned schedule would wait hours for a player it has just met.
            player_update(player=player, fetch_interval_minutes=1, pinned=True)
        return {"OSRS_HISCORES_BASE_URL": fake.base_url, **DEMO_SETTINGS}

    def _announce(self, port: int, demo: bool) -> None:
        base = f"http://127.0.0.1:{port}"
        self.stdout.write(
            self.style.SUCCESS(
                f"\nosrsdiff is starting{' (demo)' if demo else ''}:\n"
                f"  admin     {base}/admin/\n"
                f"  API docs  {base}/api/docs\n"
                f"  ready     {base}/ready\n"
            )
        )


def fresh_metrics_dir(env: dict[str, str]) -> Path:
    """PROMETHEUS_MULTIPROC_DIR (default `var/prometheus`), emptied: the files of an
    earlier run's processes would otherwise be added to this run's figures."""
    path = Path(env.get("PROMETHEUS_MULTIPROC_DIR") or settings.VAR_DIR / "prometheus")
    if path.is_dir():
        for stale in path.glob("*.db"):
            stale.unlink()
    path.mkdir(parents=True, exist_ok=True)
    return path
