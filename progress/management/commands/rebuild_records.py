"""Builds the records (progress.bests_table) from the stored history, with a
progress bar (docs/operations.md, "Records")."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from players.models import Player
from progress.bests_store import lagging_players
from progress.bests_table import advance

# Seconds between two progress lines.
REPORT_EVERY = 10.0
BAR_WIDTH = 30


class Command(BaseCommand):
    help = (
        "Fold every player's records not folded in yet into their records (after the"
        " upgrade that added them: every player), or with --all recompute every"
        " player's records from their whole history."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--all",
            action="store_true",
            help="Recompute every player's records from scratch (one player at a time:"
            " the others' stay readable meanwhile).",
        )

    def handle(self, *args, **options) -> None:
        if options["all"]:
            players = Player.objects.filter(latest_record__isnull=False).order_by("pk")
            ids = list(players.values_list("pk", flat=True))
        else:
            ids = lagging_players()
        started = last_report = time.monotonic()
        records = 0
        for done, player_id in enumerate(ids, start=1):
            records += advance(player_id, reset=options["all"])
            if time.monotonic() - last_report >= REPORT_EVERY:
                last_report = time.monotonic()
                self._report(done, len(ids), records, last_report - started)
        self._report(len(ids), len(ids), records, time.monotonic() - started)

    def _report(self, done: int, total: int, records: int, elapsed: float) -> None:
        share = done / total if total else 1.0
        filled = round(share * BAR_WIDTH)
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        self.stdout.write(
            f"[{bar}] {done:,} / {total:,} players ({share:.0%}), {records:,} records"
            f" folded in, {elapsed:.0f} s"
        )
