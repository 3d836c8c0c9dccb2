"""The selectors (index probes on deduplicated storage) agree with the reference
meaning of "the state at a moment" over the full history (`progress.states`)."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from progress.selectors import timeline, window_records
from progress.states import state_of, window
from progress.timeframes import Window
from tests.progress.builders import NOW, add_record, boss_entries

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("seed", [7, 8])
def test_window_records_agree_with_the_reference_on_a_history(player, seed):
    rng = random.Random(seed)
    kc, history = 10, []
    for hours in sorted(rng.sample(range(1, 24 * 60), 25), reverse=True):
        kc += rng.randint(1, 9)
        history.append(
            add_record(player, NOW - timedelta(hours=hours), bosses=boss_entries(zulrah=kc))
        )
    states = [state_of(r) for r in history]
    for _ in range(60):
        start, end = sorted(NOW - timedelta(hours=rng.randint(0, 24 * 70)) for _ in range(2))
        expected = window(states, start, end)
        if expected is None:
            continue
        pair = window_records(player, Window(start, end))
        assert (state_of(pair.start), state_of(pair.end), pair.baseline) == expected


def test_timeline_holds_only_records_inside_the_window(player):
    for days in (10, 6, 4, 2):
        add_record(player, NOW - timedelta(days=days), bosses=boss_entries(zulrah=100 - days))
    rows = timeline(
        player.id, Window(NOW - timedelta(days=6), NOW), column="bosses_data", key="zulrah"
    )
    assert [(at, value["kc"]) for at, value in rows] == [
        (NOW - timedelta(days=4), 96),
        (NOW - timedelta(days=2), 98),
    ]


def test_timeline_of_a_row_missing_from_records_reads_none(player):
    add_record(player, NOW - timedelta(days=1), bosses={})
    rows = timeline(
        player.id, Window(NOW - timedelta(days=2), NOW), column="bosses_data", key="zulrah"
    )
    assert rows == [(NOW - timedelta(days=1), None)]
