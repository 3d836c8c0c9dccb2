"""Rebuilds stored achievements from the stored history, with progress
(docs/operations.md, "Achievements")."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from players.models import Player
from progress.achievement_store import rebuild

# Seconds between two progress lines.
REPORT_EVERY = 10.0


class Command(BaseCommand):
    help = (
        "Recompute every player's achievements (or those named) from their records:"
        " the same dates the incremental path stores."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("usernames", nargs="*", help="Only these players (exact names).")

    def handle(self, *args, **options) -> None:
        players = Player.objects.filter(latest_record__isnull=False).order_by("pk")
        if options["usernames"]:
            players = players.filter(username__in=options["usernames"])
        ids = list(players.values_list("pk", flat=True))
        started = last_report = time.monotonic()
        stored = 0
        for done, player_id in enumerate(ids, start=1):
            stored += rebuild(player_id)
            if time.monotonic() - last_report >= REPORT_EVERY:
                last_report = time.monotonic()
                self._report(done, len(ids), stored, last_report - started)
        self._report(len(ids), len(ids), stored, time.monotonic() - started)

    def _report(self, done: int, total: int, stored: int, seconds: float) -> None:
        share = 100 * done / total if total else 100
        self.stdout.write(
            f"{done}/{total} players ({share:.0f}%), {stored} achievements, {seconds:.1f}s"
        )
