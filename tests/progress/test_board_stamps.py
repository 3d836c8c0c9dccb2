"""Boards served on stamps (progress.board_stamps): a kept board is answered
without a query, and every way its page can change (a fetch the collector
records, the hiscores spelling a name otherwise, a window sliding) shows at
once, whichever way the kept body is proved current. The changes come within
seconds: a minute on, every stamp has expired (api.conditional)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hiscores.snapshot import ScoreValue, SkillValue, Snapshot
from players.models import Player
from players.recording import fetch_record_success
from progress.models import BestGain, Delta, DeltaWindow
from progress.tasks import refresh_deltas
from tests.factories import PlayerFactory
from tests.progress.builders import NOW

pytestmark = pytest.mark.django_db

GAINS = "/api/leaderboards/zulrah"
RECORDS = "/api/leaderboards/records/zulrah"
TABLES = [model._meta.db_table for model in (Delta, DeltaWindow, BestGain, Player)]


@pytest.fixture
def fetch(clock, django_capture_on_commit_callbacks):
    """A fetch as the collector records it, at `at` (the clock is moved there),
    what follows its commit included."""

    def fetch(player: Player, kills: int, *, at, name: str | None = None) -> None:
        clock.move_to(at)
        with django_capture_on_commit_callbacks(execute=True):
            fetch_record_success(player_id=player.pk, snapshot=answer(kills, name), started_at=at)

    return fetch


def answer(kills: int, name: str | None) -> Snapshot:
    return Snapshot(
        overall=SkillValue(rank=10_000, level=500, experience=6_000_000),
        skills={"attack": SkillValue(500, 73, 1_000_000)},
        bosses={"zulrah": ScoreValue(rank=1234, score=kills)},
        activities={},
        display_name=name,
    )


@pytest.fixture
def grinder(clock, fetch):
    player = PlayerFactory(username="Grinder")
    fetch(player, 10, at=NOW - timedelta(days=2))
    fetch(player, 30, at=NOW - timedelta(hours=1))
    clock.move_to(NOW)
    # The beat's tick refreshes the windows the fetches expired, so that the first
    # read keeps its board under the stamps that stand.
    refresh_deltas()
    return player


def board(api, path: str) -> list[tuple]:
    response = api.get(path)
    assert response.status_code == 200, response.content
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    return [(row["username"], row.get("gained", row.get("value"))) for row in rows]


@pytest.mark.parametrize("path", [GAINS, RECORDS])
def test_a_kept_board_is_served_without_a_query_on_its_tables(settings, grinder, api, path):
    settings.READ_STAMPS = True
    first = board(api, path)
    with CaptureQueriesContext(connection) as captured:
        assert board(api, path) == first
    assert not [q for q in captured.captured_queries if any(t in q["sql"] for t in TABLES)]


@pytest.mark.parametrize("path", [GAINS, RECORDS])
def test_a_fetch_the_collector_records_shows_on_the_board_at_once(
    stamps, fetch, grinder, api, path
):
    assert board(api, path) == [("Grinder", 20)]
    fetch(grinder, 90, at=NOW + timedelta(seconds=5))
    assert board(api, path) == [("Grinder", 80)]


@pytest.mark.parametrize("path", [GAINS, RECORDS])
def test_a_name_the_hiscores_spell_otherwise_shows_on_the_board_at_once(
    stamps, fetch, grinder, api, path
):
    assert board(api, path) == [("Grinder", 20)]
    # The same values: no record is written, only the name changes.
    fetch(grinder, 30, at=NOW + timedelta(seconds=5), name="GRINDER")
    assert board(api, path) == [("GRINDER", 20)]


def test_a_kept_gains_board_is_answered_again_when_a_window_slides(stamps, clock, fetch, api):
    player = PlayerFactory(username="Retired")
    fetch(player, 10, at=NOW - timedelta(days=8))
    fetch(player, 30, at=NOW - timedelta(days=7, seconds=-30))
    clock.move_to(NOW)
    refresh_deltas()
    assert board(api, GAINS) == [("Retired", 20)]
    # Nothing is written: the later kill count becomes the start as the week slides.
    clock.move_to(NOW + timedelta(seconds=29))
    assert board(api, GAINS) == [("Retired", 20)]
    clock.move_to(NOW + timedelta(seconds=30))
    assert board(api, GAINS) == []


def test_a_player_untracked_leaves_every_kept_board(stamps, grinder, api):
    assert board(api, GAINS) and board(api, RECORDS)
    grinder.delete()
    assert board(api, GAINS) == [] and board(api, RECORDS) == []
