"""A name change that merges a separately tracked new name keeps every group
membership and competition entry of both players (groups.merging), and the
records that joined reach what progress keeps (records, gains tables)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from groups.competitions import competition_create
from groups.models import Membership, Participant
from groups.services import group_create
from hiscores import gateway
from players.deadlines import before
from players.models import FetchDeadline, NameChangeStatus, Player
from players.recording import Answer, fetch_record_successes
from players.renames import name_change_request
from players.tracking import player_track
from progress.models import BestCursor
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

START = datetime(2026, 3, 1, 12, tzinfo=UTC)
XP = {"attack": 1_000_000, "mining": 500_000, "cooking": 300_000}


def test_a_merge_moves_memberships_entries_and_deadlines_to_the_kept_player(fake_hiscores):
    owner = UserFactory()
    with time_machine.travel(START, tick=False) as clock:
        fake_hiscores.add_player("Alice", skills=XP)
        alice = player_track(username="Alice")
        both, _ = group_create(name="Both", owner=owner, members=["Alice"])
        fake_hiscores.rename_player("Alice", "Bob")
        clock.shift(timedelta(hours=2))
        # The new name is tracked, joins groups and a competition, before the rename is told.
        bob = player_track(username="Bob")
        only_bob, _ = group_create(name="Only Bob", owner=owner, members=["Bob"])
        both_members = group_create(name="Both again", owner=owner, members=["Alice", "Bob"])[0]
        competition = competition_create(
            title="Week",
            metrics=["attack"],
            starts_at=START + timedelta(days=1),
            ends_at=START + timedelta(days=8),
            created_by=owner,
            participants=["Bob"],
        )
        fake_hiscores.gain("Bob", "attack", 20_000)
        clock.shift(timedelta(hours=1))
        now = datetime.now(UTC)
        fetch_record_successes([Answer(bob.pk, gateway.fetch("Bob"), now, now)])
        memberships_before = Membership.objects.count()

        change = name_change_request(old_name="Alice", new_name="Bob")

    assert change.status == NameChangeStatus.APPROVED, change.reasons
    assert not Player.objects.filter(pk=bob.pk).exists()
    groups_of_alice = set(
        Membership.objects.filter(player=alice).values_list("group_id", flat=True)
    )
    assert groups_of_alice == {both.pk, only_bob.pk, both_members.pk}
    # The group both were in keeps one row: only the duplicate went.
    assert Membership.objects.count() == memberships_before - 1
    assert list(
        Participant.objects.filter(competition=competition).values_list("player_id", flat=True)
    ) == [alice.pk]
    deadlines = set(FetchDeadline.objects.filter(player=alice).values_list("at", flat=True))
    assert before(competition.starts_at) in deadlines
    # The joined record was announced: the records table folded it in.
    latest = Player.objects.get(pk=alice.pk).latest_record
    assert BestCursor.objects.get(pk=alice.pk).through_at >= latest.fetched_at
