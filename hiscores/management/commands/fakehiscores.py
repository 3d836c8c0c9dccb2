"""Run the fake OSRS hiscores in the foreground, for `make demo` and by hand.

Point the service at it with `OSRS_HISCORES_BASE_URL=<the printed URL>`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hiscores.fake import DE_IRONED, DEAD_HARDCORE, FakeHiscoresServer
from hiscores.fake.app import DEFAULT_GENERATED, DEFAULT_STEP_SECONDS


def _start_of_day() -> float:
    # Growth counts from midnight UTC, not from start-up, so restarting the fake
    # during a demo serves the values it served before instead of rolling back.
    now = dt.datetime.now(dt.UTC)
    return now.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


class Command(BaseCommand):
    help = "Serve a fake OSRS hiscores (real formats, generated players, faults on demand)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8091)
        parser.add_argument(
            "--generated",
            type=int,
            default=DEFAULT_GENERATED,
            help="Players 'gen 1' .. 'gen N' exist (default %(default)s).",
        )
        parser.add_argument("--static", action="store_true", help="Values never grow with time.")
        parser.add_argument(
            "--step-seconds",
            type=float,
            default=DEFAULT_STEP_SECONDS,
            help="Growing players move once per step (default %(default)s s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["generated"] < 0 or options["step_seconds"] <= 0:
            raise CommandError("--generated must be >= 0 and --step-seconds > 0.")
        try:
            fake = FakeHiscoresServer(
                options["host"],
                options["port"],
                grow=not options["static"],
                generated=options["generated"],
                step_seconds=options["step_seconds"],
                growth_origin=_start_of_day(),
            ).start()
        except OSError as exc:
            raise CommandError(
                f"Cannot listen on {options['host']}:{options['port']}: {exc}"
            ) from exc
        out = self.stdout.write
        out(f"Fake OSRS hiscores on {fake.base_url}")
        out(f"  OSRS_HISCORES_BASE_URL={fake.base_url}")
        out(f"  try: {fake.base_url}/m=hiscore_oldschool/index_lite.json?player=Lynx%20Titan")
        growth = "static" if options["static"] else f"growing every {options['step_seconds']:g} s"
        out(f"  values: {growth}; control API: {fake.base_url}/_control/")
        out(
            "  players: Psikoi, B0aty, Lynx Titan, Live Capture, Zezima, Iron Demo, HC Demo, "
            f"UIM Demo, {DEAD_HARDCORE} (dead hardcore), {DE_IRONED} (de-ironed), "
            f"gen 1 .. gen {options['generated']}"
        )
        out("Ctrl-C to stop.")
        self.stdout.flush()
        try:
            fake.serve_forever()
        except KeyboardInterrupt:
            out("Stopped.")
