"""The records table, folded in one record at a time as they are written, equals a
brute-force recomputation over every pair of records (progress.bests)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings

from api.params import PERIODS
from players.models import Player
from players.records import HiscoreRecord
from progress import bests_table
from progress.bests import METRICS, Best
from progress.models import BestGain
from progress.states import state_of
from tests.factories import PlayerFactory
from tests.progress.builders import NOW, add_record, histories, record_values

pytestmark = pytest.mark.django_db

T0 = NOW - timedelta(days=900)
# Totals that give away a lone unranked skill come up too: the records must read them.
revealing_records = record_values(
    overalls=("sum", "sum", None, 60_000_000, 90_000_000), revealing=True
)


def brute_force(records) -> dict[tuple[str, str], Best]:
    """Every pair of records at most a period apart, every metric: the best of each."""
    states = [state_of(r) for r in records]
    out: dict[tuple[str, str], Best] = {}
    for j, end in enumerate(states):
        for start in states[:j]:
            for metric, gain_of in METRICS.items():
                gain = gain_of(start, end)
                if gain.value <= 0:
                    continue
                best = Best(gain.value, gain.approximate, start.at, end.at)
                for period, length in PERIODS.items():
                    if end.at - start.at <= length and best.beats(out.get((metric, period))):
                        out[metric, period] = best
    return out


def table(player: Player) -> dict[tuple[str, str], Best]:
    rows = BestGain.objects.filter(player=player).values_list(
        "metric", "period", "value", "approximate", "start_at", "end_at"
    )
    return {(metric, period): Best(*rest) for metric, period, *rest in rows}


def check_rows_name_their_records(player: Player) -> None:
    counted = set(
        HiscoreRecord.objects.counted().filter(player=player).values_list("fetched_at", flat=True)
    )
    for row in BestGain.objects.filter(player=player):
        assert row.start_at in counted and row.end_at in counted
        assert row.end_at - row.start_at <= PERIODS[row.period]
        assert row.value > 0


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(histories(revealing_records, max_records=8))
def test_records_folded_in_as_written_equal_brute_force(history):
    Player.objects.all().delete()
    player = PlayerFactory()
    written = []
    for at, values in history:
        now = T0 + timedelta(seconds=at)
        with time_machine.travel(now, tick=False):
            written.append(add_record(player, now, **values))
        # After every record, not only the last: each step is exact.
        assert table(player) == brute_force(written)
    check_rows_name_their_records(player)
    # The rebuild from history computes what the incremental path stored.
    incremental = table(player)
    bests_table.advance(player.pk, reset=True)
    assert table(player) == incremental
