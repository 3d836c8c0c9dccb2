"""Deadlines (players.deadlines): set per source, kept on the player row, met by
a fetch from their window's opening on."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from players.deadlines import DEADLINE_WINDOW, after, before, clear_deadlines, set_deadlines
from players.models import FetchDeadline, Player
from players.policy import Reason
from players.recording import fetch_record_success
from players.scheduling import players_claim_due
from tests.factories import PlayerFactory
from tests.players.test_recording import snapshot

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def fetched_player(**kwargs) -> Player:
    """A player fetched at NOW with its schedule from the policy."""
    player = PlayerFactory(**kwargs)
    with time_machine.travel(NOW, tick=False):
        fetch_record_success(player_id=player.pk, snapshot=snapshot(), started_at=NOW)
    player.refresh_from_db()
    return player


def fetch(player: Player, at: datetime, xp: int = 1_000_000) -> None:
    with time_machine.travel(at, tick=False):
        fetch_record_success(player_id=player.pk, snapshot=snapshot(attack_xp=xp), started_at=at)
    player.refresh_from_db()


def test_a_deadline_makes_the_player_due_when_its_window_opens():
    player = fetched_player(pinned=True, fetch_interval_minutes=7 * 24 * 60)
    start = NOW + timedelta(days=2)
    with time_machine.travel(NOW + timedelta(minutes=1), tick=False):
        assert set_deadlines("competition:1", [player.pk], [before(start)]) == 1
    player.refresh_from_db()
    assert player.fetch_deadline == start
    assert player.next_fetch_at == start - DEADLINE_WINDOW
    assert player.next_fetch_reason == Reason.DEADLINE


def test_boundaries_after_a_moment_open_at_the_moment():
    assert after(NOW) - DEADLINE_WINDOW == NOW
    assert before(NOW) - DEADLINE_WINDOW == NOW - DEADLINE_WINDOW


def test_a_fetch_in_the_window_meets_the_deadline_and_the_next_one_follows():
    player = fetched_player()
    start, end = NOW + timedelta(days=2), NOW + timedelta(days=9)
    set_deadlines("competition:1", [player.pk], [before(start), after(end)])
    fetch(player, start - timedelta(minutes=3))
    assert list(FetchDeadline.objects.values_list("at", flat=True)) == [after(end)]
    assert player.fetch_deadline == after(end)
    # Learned or owed fetches come and go; the end boundary is kept for its window.
    assert player.next_fetch_at <= end
    fetch(player, end + timedelta(minutes=4))
    assert not FetchDeadline.objects.exists()
    assert player.fetch_deadline is None
    assert player.next_fetch_reason != Reason.DEADLINE


def test_a_fetch_before_the_window_leaves_the_deadline_pending():
    player = fetched_player()
    start = NOW + timedelta(days=2)
    set_deadlines("competition:1", [player.pk], [start])
    fetch(player, start - DEADLINE_WINDOW - timedelta(minutes=1))
    assert player.fetch_deadline == start
    assert player.next_fetch_at == start - DEADLINE_WINDOW
    assert player.next_fetch_reason == Reason.DEADLINE


def test_setting_a_source_again_replaces_its_deadlines_and_leaves_others():
    first, second = fetched_player(), fetched_player()
    one, two = NOW + timedelta(days=1), NOW + timedelta(days=2)
    set_deadlines("competition:1", [first.pk, second.pk], [one])
    set_deadlines("staff:1", [first.pk], [two])
    set_deadlines("competition:1", [second.pk], [two])
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.fetch_deadline == two  # only staff's is left
    assert second.fetch_deadline == two
    assert clear_deadlines("competition:1") == 1
    second.refresh_from_db()
    assert second.fetch_deadline is None
    assert second.next_fetch_reason != Reason.DEADLINE
    assert FetchDeadline.objects.get().source == "staff:1"


def test_a_moment_already_met_is_skipped():
    player = fetched_player()
    assert set_deadlines("competition:1", [player.pk], [NOW - timedelta(minutes=5)]) == 0
    player.refresh_from_db()
    assert player.fetch_deadline is None


def test_deadline_players_are_claimed_before_a_backlog_of_others():
    others = [fetched_player() for _ in range(5)]
    wanted = fetched_player()
    start = NOW + timedelta(days=1)
    set_deadlines("competition:1", [wanted.pk], [start])
    # Everyone else is long overdue: the deadline still goes first.
    Player.objects.filter(pk__in=[p.pk for p in others]).update(next_fetch_at=NOW)
    assert players_claim_due(now=start - timedelta(minutes=5), limit=1) == [wanted.pk]
