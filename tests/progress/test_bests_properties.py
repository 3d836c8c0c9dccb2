"""The records table, folded in one record at a time as they are written, equals a
brute-force recomputation over every pair of records (progress.bests)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.params import PERIODS
from players.models import Player
from players.records import HiscoreRecord
from progress import bests_table
from progress.bests import METRICS, Best
from progress.models import BestGain
from progress.states import state_of
from tests.factories import PlayerFactory
from tests.progress.builders import NOW, activity_entries, add_record, boss_entries, skill_entries

pytestmark = pytest.mark.django_db

T0 = NOW - timedelta(days=900)
# Few distinct values, so that equal values, rollbacks and unranked rows all come up.
experience = st.none() | st.sampled_from([0, 400_000, 900_000, 2_500_000])
kills = st.none() | st.sampled_from([5, 12, 60, 200])
# Gaps from minutes to months, so that pairs fall on every side of every period.
gaps = st.sampled_from([600, 3_600, 20 * 3_600, 3 * 86_400, 8 * 86_400, 40 * 86_400, 300 * 86_400])


@st.composite
def record_values(draw) -> dict[str, Any]:
    # Every other skill known or every one unranked: with attack alone unranked and
    # Overall known, Overall reveals its experience.
    skills = skill_entries(
        draw(st.sampled_from([None, 1_000_000])),
        attack=draw(experience),
        sailing=draw(experience),
    )
    bosses = boss_entries(zulrah=draw(kills), mimic=draw(kills))
    activities = activity_entries(last_man_standing=draw(st.none() | st.sampled_from([600, 800])))
    # A row the hiscores did not list yet, or no longer list.
    unlisted = ((skills, "sailing"), (bosses, "mimic"), (activities, "last_man_standing"))
    for section, slug in unlisted:
        if draw(st.booleans()) and draw(st.booleans()):
            del section[slug]
    overall = draw(st.sampled_from(["sum", "sum", None, 60_000_000, 90_000_000]))
    if overall == "sum":
        known = [e["experience"] for e in skills.values() if e is not None]
        overall = sum(known) if len(known) == len(skills) else None
        if overall is None and draw(st.booleans()):
            # A total that reveals a lone unranked skill, not always growing with it.
            overall = sum(known) + draw(st.sampled_from([-100, 0, 300_000, 800_000]))
    return {
        "skills": skills,
        "bosses": bosses,
        "activities": activities,
        "overall_experience": overall,
    }


@st.composite
def histories(draw) -> list[tuple[int, dict]]:
    at, history = 0, []
    for _ in range(draw(st.integers(1, 8))):
        at += draw(gaps)
        history.append((at, draw(record_values())))
    return history


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
@given(histories())
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
