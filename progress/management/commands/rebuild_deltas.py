"""Builds the leaderboard deltas from the stored history, with progress
(docs/operations.md, "Leaderboards")."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Iterable, Iterator

from django.core.management.base import BaseCommand
from django.db import connections
from django.utils import timezone

from players.models import Player
from progress.deltas import CHUNK, expire_lagging, expired_players, refresh

# Seconds between two progress lines.
REPORT_EVERY = 10.0


class Command(BaseCommand):
    help = (
        "Build the leaderboard deltas of every player whose deltas are missing or expired"
        " (after the upgrade that added them: every player), or with --all of every player."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--all",
            action="store_true",
            help="Recompute every player's deltas; the boards stay up meanwhile.",
        )
        parser.add_argument(
            "--processes",
            type=int,
            default=1,
            help="Build in this many processes (the work is Python and database CPU alike).",
        )

    def handle(self, *args, **options) -> None:
        # Players without windows get theirs, expired: no board trusts them meanwhile.
        expire_lagging()
        if options["all"]:
            players = Player.objects.filter(latest_record__isnull=False).order_by("pk")
            ids = list(players.values_list("pk", flat=True))
        else:
            ids = expired_players(timezone.now())
        chunks = [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]
        started = last_report = time.monotonic()
        done = 0
        for count in self._refreshed(chunks, options["processes"], expired_only=not options["all"]):
            done += count
            if time.monotonic() - last_report >= REPORT_EVERY:
                last_report = time.monotonic()
                self._report(done, len(ids), last_report - started)
        self._report(done, len(ids), time.monotonic() - started)

    @staticmethod
    def _refreshed(chunks: list[list[int]], processes: int, *, expired_only: bool) -> Iterator[int]:
        """Players refreshed per chunk, as the chunks finish."""
        work = ((chunk, expired_only) for chunk in chunks)
        if processes <= 1:
            yield from map(_refresh_chunk, work)
            return
        # Forked children must not share the parent's connection: each opens its own.
        connections.close_all()
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            yield from pool.imap_unordered(_refresh_chunk, work)

    def _report(self, done: int, total: int, elapsed: float) -> None:
        share = done / total if total else 1.0
        self.stdout.write(f"{done:,} / {total:,} players ({share:.0%}) in {elapsed:.0f} s")


def _refresh_chunk(work: tuple[Iterable[int], bool]) -> int:
    # Each chunk is exact as of its own moment.
    chunk, expired_only = work
    return refresh(chunk, now=timezone.now(), expired_only=expired_only)
