"""The tick's claim (players.scheduling): every due player while they fit the
budget; beyond it, the policy's order among a bounded read of them."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from players import tasks
from players.models import Player, PlayerStatus
from players.policy import Reason, learn, schedule
from players.recording import Answer, fetch_record_successes
from players.scheduling import (
    player_state,
    players_claim_due,
    policy_settings,
    ranked_due,
)
from players.tracking import player_fetch_now
from tests.factories import PlayerFactory
from tests.players.test_recording import snapshot

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 5, 4, 20, 0, tzinfo=UTC)


def due_player(reason: Reason = Reason.LEARNED, overdue=timedelta(minutes=1), **fields) -> Player:
    fields.setdefault("last_fetched", NOW - timedelta(days=3))
    return PlayerFactory(next_fetch_at=NOW - overdue, next_fetch_reason=reason, **fields)


@pytest.fixture
def crowd():
    """More players due than a small budget, one of each kind, created in the
    reverse of the policy's order (and oldest due last) so that neither the
    creation order nor the due moments give the answer away."""
    hour = timedelta(hours=1)
    players = {
        "barely": due_player(rhythm_changes=0.6, rhythm_watched_days=2.0, overdue=7 * hour),
        "grinder": due_player(rhythm_changes=40.0, rhythm_watched_days=2.0, overdue=6 * hour),
        "retry": due_player(
            status=PlayerStatus.FAILING, last_fetched=NOW - timedelta(minutes=10), overdue=5 * hour
        ),
        "pinned": due_player(
            Reason.PINNED, pinned=True, last_fetched=NOW - 2 * hour, overdue=4 * hour
        ),
        "manual": due_player(
            Reason.MANUAL,
            last_fetched=NOW - hour,
            fetch_requested_at=NOW - timedelta(minutes=2),
            overdue=timedelta(minutes=2),
        ),
        "deadline": due_player(
            Reason.DEADLINE,
            last_fetched=NOW - hour,
            fetch_deadline=NOW + timedelta(minutes=5),
            overdue=timedelta(minutes=5),
        ),
    }
    return {name: p.pk for name, p in players.items()}


ORDER = ["deadline", "manual", "pinned", "retry", "grinder", "barely"]


def test_beyond_the_budget_the_policys_order_is_claimed(crowd):
    order = [crowd[name] for name in ORDER]
    assert ranked_due(now=NOW, limit=6) == order
    assert players_claim_due(now=NOW, limit=2) == order[:2]
    # Claimed players are no longer due: the next tick takes the next in line.
    assert players_claim_due(now=NOW, limit=3) == order[2:5]
    assert set(
        Player.objects.filter(fetch_claimed_until__isnull=False).values_list("pk", flat=True)
    ) == set(order[:5])


def test_within_the_budget_every_due_player_is_claimed_oldest_first(crowd):
    claimed = players_claim_due(now=NOW, limit=10)
    oldest_first = Player.objects.order_by("next_fetch_at").values_list("pk", flat=True)
    assert claimed == list(oldest_first)


def test_players_not_yet_due_are_never_claimed(crowd):
    later = PlayerFactory(next_fetch_at=NOW + timedelta(minutes=1))
    assert later.pk not in players_claim_due(now=NOW, limit=3)
    assert later.pk not in players_claim_due(now=NOW, limit=100)


def test_recording_stores_what_the_policy_learned_and_schedules():
    with time_machine.travel(NOW, tick=False):
        changing, idle = PlayerFactory(), PlayerFactory()
    moment = NOW
    for step in range(6):
        moment += timedelta(hours=2)
        before = {p.pk: player_state(Player.objects.get(pk=p.pk)) for p in (changing, idle)}
        with time_machine.travel(moment, tick=False):
            fetch_record_successes(
                [
                    Answer(changing.pk, snapshot(attack_xp=1_000_000 + step), moment, moment),
                    Answer(idle.pk, snapshot(), moment, moment),
                ]
            )
        for pk, changed in ((changing.pk, True), (idle.pk, step == 0)):
            stored = Player.objects.get(pk=pk)
            expected = learn(before[pk], changed=changed, at=moment)
            assert stored.rhythm_changes == pytest.approx(expected.rhythm.changes)
            assert stored.rhythm_watched_days == pytest.approx(expected.rhythm.watched_days)
            due = schedule(player_state(stored), policy_settings())
            assert (stored.next_fetch_at, stored.next_fetch_reason) == (due.at, due.reason)
    changing, idle = (Player.objects.get(pk=p.pk) for p in (changing, idle))
    assert changing.rhythm_changes > idle.rhythm_changes


def test_a_manual_fetch_is_a_request_the_tick_serves_first(monkeypatch):
    monkeypatch.setattr(tasks.fetch_player, "apply_async", lambda *a, **k: None)
    others = [due_player(overdue=timedelta(hours=5)) for _ in range(3)]
    asked = PlayerFactory(
        last_fetched=NOW - timedelta(hours=2), next_fetch_at=NOW + timedelta(days=2)
    )

    with time_machine.travel(NOW, tick=False):
        player_fetch_now(player=asked)
    asked.refresh_from_db()
    assert asked.fetch_requested_at == NOW
    assert asked.next_fetch_reason == Reason.MANUAL
    # Should the queued fetch be lost, its lease expires and the request goes first.
    Player.objects.filter(pk=asked.pk).update(fetch_claimed_until=None)
    assert players_claim_due(now=NOW + timedelta(minutes=1), limit=1) == [asked.pk]
    assert len(others) == 3
