"""A participant's start and end (`groups.competitions.boundary_states`), read with
a few statements for every participant, agree with the reference meaning of "the
state at a moment" over the full history (`progress.states.window`)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from groups.competitions import boundary_states
from players.models import Player
from players.records import HiscoreRecord
from progress.states import state_of, window
from tests.factories import PlayerFactory
from tests.progress.builders import NOW, add_record, skill_entries

pytestmark = pytest.mark.django_db

hours = st.integers(min_value=0, max_value=100)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    histories=st.lists(st.lists(hours, max_size=5, unique=True), min_size=1, max_size=4),
    start=hours,
    length=st.integers(min_value=1, max_value=60),
)
def test_boundary_states_are_the_reference_window(db, histories, start, length):
    Player.objects.all().delete()
    begin, end = NOW + timedelta(hours=start), NOW + timedelta(hours=start + length)
    players = []
    for index, moments in enumerate(histories):
        player = PlayerFactory(username=f"P{index}")
        players.append(player)
        for step, hour in enumerate(sorted(moments)):
            add_record(
                player,
                NOW + timedelta(hours=hour),
                skills=skill_entries(100_000, attack=100_000 + step * 1_000),
            )
    found = boundary_states([p.pk for p in players], begin, end)
    for player in players:
        history = [
            state_of(r) for r in HiscoreRecord.objects.filter(player=player).order_by("fetched_at")
        ]
        expected = window(history, begin, end)
        if expected is None:
            assert player.pk not in found
        else:
            assert found[player.pk] == expected[:2]
