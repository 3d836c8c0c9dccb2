"""Look a player up on the hiscores, the way the workers do, and print what came back.

Uses the settings' base URL, so `OSRS_HISCORES_BASE_URL` points it at the fake server.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hiscores import catalogue, levels
from hiscores.client import HiscoresClient, default_client
from hiscores.detection import detect_mode
from hiscores.errors import HiscoresError
from hiscores.modes import GameMode
from hiscores.snapshot import ScoreValue, Snapshot


def _number(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _label(slug: str) -> str:
    metric = catalogue.BY_SLUG.get(slug)
    return metric.name if metric else f"{slug} (new)"


class Command(BaseCommand):
    help = "Fetch one player's hiscores and print them (exit code 1 on a hiscores error)."
    # Tests pass a client with a mock transport; the command line never does.
    stealth_options = ("client",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="The display name, e.g. 'Lynx Titan'.")
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--mode", choices=GameMode.values, default=GameMode.REGULAR.value)
        which.add_argument("--detect", action="store_true", help="Find the mode first.")
        parser.add_argument("--format", choices=("json", "csv"), default="json", dest="body")

    def handle(self, *args: Any, **options: Any) -> None:
        client: HiscoresClient = options.get("client") or default_client()
        name: str = options["name"]
        try:
            if options["detect"]:
                mode, snapshot = detect_mode(name, client.fetch)
            else:
                mode, snapshot = GameMode(options["mode"]), None
            if options["body"] == "csv":
                snapshot = client.fetch_csv(name, mode)
            elif snapshot is None:
                snapshot = client.fetch(name, mode)
        except HiscoresError as exc:
            # One line, no traceback: this is an answer, not a crash.
            raise CommandError(f"{type(exc).__name__}: {exc}") from exc
        self._print(snapshot.display_name or name, mode, snapshot, detected=options["detect"])

    def _print(self, name: str, mode: GameMode, snapshot: Snapshot, *, detected: bool) -> None:
        out = self.stdout.write
        out(f"{name} ({mode.label}{', detected' if detected else ''})")
        overall = snapshot.overall
        if overall is None:
            out("Overall: unknown")
        else:
            out(
                f"Overall: rank {_number(overall.rank)}, level {_number(overall.level)}, "
                f"xp {_number(overall.experience)}"
            )
        out(f"{'skill':<16}{'rank':>12}{'level':>7}{'virtual':>9}{'xp':>14}")
        combat: dict[str, int] = {}
        for slug, value in snapshot.skills.items():
            if value is None:
                out(f"{_label(slug):<16}{'unranked':>12}")
                continue
            combat[slug] = value.level
            out(
                f"{_label(slug):<16}{_number(value.rank):>12}{value.level:>7}"
                f"{levels.virtual_level(value.experience):>9}{value.experience:>14,}"
            )
        out(f"Combat level: {levels.combat_level(combat)}")
        self._print_scores("Bosses", "kc", snapshot.bosses)
        self._print_scores("Activities", "score", snapshot.activities)

    def _print_scores(self, title: str, unit: str, values: Any) -> None:
        ranked: dict[str, ScoreValue] = {s: v for s, v in values.items() if v is not None}
        self.stdout.write(f"{title}: {len(ranked) or 'none'} listed")
        for slug, value in ranked.items():
            self.stdout.write(
                f"  {_label(slug):<34} rank {_number(value.rank):>10}  {unit} {value.score:,}"
            )
