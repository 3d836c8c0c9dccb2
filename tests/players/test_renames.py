"""Name changes as users and staff make them, against the fake hiscores' rename
control (docs/api.md, "Name changes"). Every scenario counts every record before
and after: a rename keeps one unbroken history, never loses or duplicates a row."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection

from hiscores import gateway
from players import recording
from players.errors import NameChangeBlocked, NameChangeResolved
from players.models import FetchAttempt, NameChange, NameChangeStatus, Player
from players.recording import Answer, fetch_record_successes
from players.records import HiscoreRecord
from players.renames import name_change_approve, name_change_deny, name_change_request
from players.signals import name_change_approved
from players.tracking import player_track, player_untrack
from tests.factories import HiscoreRecordFactory, PlayerFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 1, 12, tzinfo=UTC)
BASE_XP = {"attack": 1_000_000, "mining": 500_000, "cooking": 300_000}


def records() -> list[tuple[int, int, datetime, str]]:
    """Every record there is: (id, player, first seen, values)."""
    return sorted(
        HiscoreRecord.objects.values_list("pk", "player_id", "fetched_at", "values_digest")
    )


def history(player: Player) -> list[int]:
    return list(
        HiscoreRecord.objects.filter(player=player)
        .order_by("fetched_at")
        .values_list("pk", flat=True)
    )


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def track(fake_hiscores):
    def track(name: str, **xp: int) -> Player:
        fake_hiscores.add_player(name, skills={**BASE_XP, **xp})
        return player_track(username=name)

    return track


@pytest.fixture
def approvals():
    sent = []

    def receiver(sender, name_change, **kwargs):
        sent.append((name_change.pk, name_change.player.username))

    name_change_approved.connect(receiver)
    yield sent
    name_change_approved.disconnect(receiver)


def later(clock, hours: float) -> None:
    clock.shift(timedelta(hours=hours))


class TestReview:
    def test_a_rename_the_rules_allow_is_approved_and_keeps_the_history(
        self, fake_hiscores, track, clock, approvals, django_capture_on_commit_callbacks
    ):
        alice = track("Alice")
        before = records()
        fake_hiscores.rename_player("Alice", "Bob")
        later(clock, 3)
        fake_hiscores.gain("Bob", "attack", 50_000)

        with django_capture_on_commit_callbacks(execute=True):
            change = name_change_request(old_name="alice", new_name="bob")

        assert change.status == NameChangeStatus.APPROVED
        alice.refresh_from_db()
        assert (alice.username, alice.username_key) == ("Bob", "bob")
        # The answer that proved the name is the newest record; nothing else changed.
        after = records()
        assert after[: len(before)] == before
        assert len(after) == len(before) + 1
        assert alice.latest_record_id == after[-1][0]
        assert approvals == [(change.pk, "Bob")]
        assert change.resolved_by is None and change.resolved_at is not None

    def test_a_new_name_not_on_the_hiscores_is_denied_and_nothing_changes(self, track, clock):
        alice = track("Alice")
        before = records()

        change = name_change_request(old_name="Alice", new_name="Nobody Here")

        assert change.status == NameChangeStatus.DENIED
        assert "not on the regular hiscores" in change.reasons[0]
        alice.refresh_from_db()
        assert alice.username == "Alice"
        assert records() == before

    def test_a_new_name_with_lower_values_is_another_account_and_denied(
        self, fake_hiscores, track, clock
    ):
        alice = track("Alice")
        fake_hiscores.add_player("Stranger", skills={"attack": 10_000})
        before = records()

        change = name_change_request(old_name="Alice", new_name="Stranger")

        assert change.status == NameChangeStatus.DENIED
        assert any(d["metric"] == "attack" for d in change.evidence["went_down"])
        alice.refresh_from_db()
        assert alice.username == "Alice"
        assert records() == before

    def test_an_impossible_gain_waits_for_staff_who_approve_it(
        self, fake_hiscores, track, clock, staff_user
    ):
        alice = track("Alice")
        fake_hiscores.rename_player("Alice", "Bob")
        later(clock, 1)
        fake_hiscores.gain("Bob", "mining", 5_000_000)
        before = records()

        change = name_change_request(old_name="Alice", new_name="Bob")
        assert change.status == NameChangeStatus.PENDING
        assert change.evidence["too_fast"][0]["metric"] == "mining"
        assert records() == before

        approved = name_change_approve(name_change_id=change.pk, by=staff_user)
        assert approved.status == NameChangeStatus.APPROVED
        assert approved.resolved_by == staff_user
        alice.refresh_from_db()
        assert alice.username == "Bob"
        assert records() == before  # approval moves no record of a single player

    def test_a_change_of_capitalisation_is_approved_without_asking_the_hiscores(
        self, fake_hiscores, track, clock
    ):
        alice = track("Alice")
        asked = fake_hiscores.request_count
        before = records()

        change = name_change_request(old_name="alice", new_name="ALICE")

        assert change.status == NameChangeStatus.APPROVED
        assert fake_hiscores.request_count == asked
        alice.refresh_from_db()
        assert (alice.username, alice.username_key) == ("ALICE", "alice")
        assert records() == before

    def test_hiscores_that_do_not_answer_leave_the_change_pending(
        self, fake_hiscores, track, clock
    ):
        track("Alice")
        fake_hiscores.rename_player("Alice", "Bob")
        fake_hiscores.set_fault("503", times=None)
        before = records()

        change = name_change_request(old_name="Alice", new_name="Bob")

        assert change.status == NameChangeStatus.PENDING
        assert "could not be asked" in change.reasons[0]
        assert records() == before


class TestChains:
    def test_a_chain_a_to_b_to_c_keeps_one_history(self, fake_hiscores, track, clock):
        player = track("Anna")
        before = history(player)
        count = len(records())

        fake_hiscores.rename_player("Anna", "Bea")
        later(clock, 2)
        first = name_change_request(old_name="Anna", new_name="Bea")
        fake_hiscores.rename_player("Bea", "Cid")
        fake_hiscores.gain("Cid", "cooking", 10_000)
        later(clock, 2)
        second = name_change_request(old_name="Bea", new_name="Cid")

        assert (first.status, second.status) == ("approved", "approved")
        player.refresh_from_db()
        assert player.username == "Cid"
        assert Player.objects.count() == 1
        full = history(player)
        assert full[: len(before)] == before
        # One record per change of values: the gain under Cid, nothing twice.
        assert len(records()) == count + 1 == len(full)

    def test_a_cycle_a_to_b_and_back_ends_with_the_same_player_and_history(
        self, fake_hiscores, track, clock
    ):
        player = track("Anna")
        before = records()

        fake_hiscores.rename_player("Anna", "Bea")
        later(clock, 1)
        there = name_change_request(old_name="Anna", new_name="Bea")
        fake_hiscores.rename_player("Bea", "Anna")
        later(clock, 1)
        back = name_change_request(old_name="Bea", new_name="Anna")

        assert (there.status, back.status) == ("approved", "approved")
        player.refresh_from_db()
        assert (player.pk, player.username) == (Player.objects.get().pk, "Anna")
        assert records() == before

    def test_a_change_for_a_player_renamed_since_is_blocked(self, fake_hiscores, track, clock):
        track("Anna")
        fake_hiscores.set_fault("503", times=1)
        stale = name_change_request(old_name="Anna", new_name="Bea")  # pending
        fake_hiscores.rename_player("Anna", "Cid")
        later(clock, 1)
        name_change_request(old_name="Anna", new_name="Cid")
        before = records()

        with pytest.raises(NameChangeBlocked):
            name_change_approve(name_change_id=stale.pk)

        assert NameChange.objects.get(pk=stale.pk).status == NameChangeStatus.PENDING
        assert Player.objects.get().username == "Cid"
        assert records() == before


class TestMerge:
    def test_the_tracked_new_name_joins_the_history_and_is_removed(
        self, fake_hiscores, track, clock
    ):
        alice = track("Alice")
        old_history = history(alice)
        fake_hiscores.rename_player("Alice", "Bob")
        later(clock, 2)
        # Someone tracks the new name before anyone reports the rename.
        bob = player_track(username="Bob")
        fake_hiscores.gain("Bob", "attack", 20_000)
        later(clock, 1)
        fetch_record_successes([_answer(bob, "Bob")])
        bob_history = history(bob)
        bob_attempts = FetchAttempt.objects.filter(player=bob).count()
        before = records()

        change = name_change_request(old_name="Alice", new_name="Bob")

        assert change.status == NameChangeStatus.APPROVED, change.reasons
        assert not Player.objects.filter(pk=bob.pk).exists()
        alice.refresh_from_db()
        assert alice.username == "Bob"
        assert history(alice) == old_history + bob_history
        # The same rows, now all Alice's: nothing lost, nothing twice.
        assert [r[0] for r in records()] == [r[0] for r in before]
        assert {r[1] for r in records()} == {alice.pk}
        assert alice.latest_record_id == bob_history[-1]
        assert change.evidence["merged"]["records_moved"] == len(bob_history)
        assert FetchAttempt.objects.filter(player=alice).count() >= bob_attempts

    def test_a_merged_player_never_fetched_by_the_collector_merges_too(
        self, fake_hiscores, track, clock, staff_user
    ):
        alice = track("Alice")
        fake_hiscores.rename_player("Alice", "Bob")
        fake_hiscores.set_fault("503", times=1)
        change = name_change_request(old_name="Alice", new_name="Bob")  # pending
        later(clock, 1)
        bob = PlayerFactory(username="Bob", username_key="bob")
        moved = HiscoreRecordFactory(player=bob, fetched_at=datetime.now(UTC))
        before = records()

        name_change_approve(name_change_id=change.pk, by=staff_user)

        alice.refresh_from_db()
        assert alice.latest_record_id == moved.pk
        assert [r[0] for r in records()] == [r[0] for r in before]
        assert Player.objects.get().pk == alice.pk

    def test_a_tracked_new_name_with_older_history_is_another_account_and_blocks(
        self, fake_hiscores, track, clock, staff_user
    ):
        # Bob is another account, tracked first; he renames away, and Alice takes the name.
        bob = track("Bob", attack=2_000_000)
        later(clock, 1)
        alice = track("Alice")
        fake_hiscores.rename_player("Bob", "Bob Before")
        fake_hiscores.rename_player("Alice", "Bob")
        later(clock, 1)
        before = records()

        change = name_change_request(old_name="Alice", new_name="Bob")

        # The rules pass (Alice's values under the new name), the history does not.
        assert change.status == NameChangeStatus.PENDING
        assert "another account" in change.reasons[-1]
        with pytest.raises(NameChangeBlocked):
            name_change_approve(name_change_id=change.pk, by=staff_user)
        assert records() == before
        assert {p.username for p in Player.objects.all()} == {"Alice", "Bob"}

        # Staff remove the other account deliberately; then the change applies.
        removed = set(history(bob))
        player_untrack(player=bob)
        name_change_approve(name_change_id=change.pk, by=staff_user)
        alice.refresh_from_db()
        assert alice.username == "Bob"
        assert records() == [r for r in before if r[0] not in removed]


class TestConcurrency:
    def test_a_second_approval_or_a_denial_after_it_is_a_conflict(
        self, fake_hiscores, track, clock, staff_user
    ):
        track("Alice")
        fake_hiscores.rename_player("Alice", "Bob")
        fake_hiscores.set_fault("503", times=1)
        change = name_change_request(old_name="Alice", new_name="Bob")
        before = records()

        name_change_approve(name_change_id=change.pk, by=staff_user)
        with pytest.raises(NameChangeResolved):
            name_change_approve(name_change_id=change.pk, by=staff_user)
        with pytest.raises(NameChangeResolved):
            name_change_deny(name_change_id=change.pk, by=staff_user)

        assert NameChange.objects.get(pk=change.pk).status == NameChangeStatus.APPROVED
        assert Player.objects.get().username == "Bob"
        assert records() == before

    def test_a_fetch_in_flight_records_before_or_after_a_rename_never_between(
        self, fake_hiscores, track, clock
    ):
        """The fetch asked the hiscores under the old name; the rename and a merge
        commit before it records. It records into the renamed player, and the
        merged-away player's answer finds its player gone and writes nothing."""
        alice = track("Alice")
        fake_hiscores.rename_player("Alice", "Bob")
        later(clock, 1)
        bob = player_track(username="Bob")
        fake_hiscores.gain("Bob", "attack", 1_000)
        in_flight = [_answer(bob, "Bob")]  # asked, not yet recorded
        later(clock, 1)

        change = name_change_request(old_name="Alice", new_name="Bob")
        assert change.status == NameChangeStatus.APPROVED
        before = records()

        outcomes = fetch_record_successes(in_flight)

        assert outcomes == {}  # Bob's player is gone: nothing written for it
        assert records() == before
        alice.refresh_from_db()
        assert alice.username == "Bob"

    def test_an_answer_asked_under_the_old_name_records_into_the_renamed_player(
        self, fake_hiscores, track, clock
    ):
        alice = track("Alice")
        fake_hiscores.gain("Alice", "attack", 1_000)
        in_flight = [_answer(alice, "Alice")]
        fake_hiscores.rename_player("Alice", "Bob")
        later(clock, 1)
        change = name_change_request(old_name="Alice", new_name="Bob")
        assert change.status == NameChangeStatus.APPROVED
        before = records()

        outcomes = fetch_record_successes(in_flight)

        # Its values are the ones the rename recorded already: confirmed, not repeated.
        assert outcomes == {alice.pk: "unchanged"}
        assert records() == before


@pytest.mark.django_db(transaction=True)
class TestAtOnce:
    """Real concurrency, each side on its own connection."""

    def test_two_staff_approving_at_once_apply_it_once(self, fake_hiscores, track, staff_user):
        track("Alice")
        fake_hiscores.rename_player("Alice", "Bob")
        fake_hiscores.set_fault("503", times=1)
        change = name_change_request(old_name="Alice", new_name="Bob")
        before = records()
        barrier = threading.Barrier(2)
        results: list[str] = []

        def approve():
            barrier.wait()
            try:
                name_change_approve(name_change_id=change.pk, by=staff_user)
                results.append("approved")
            except NameChangeResolved:
                results.append("resolved")
            finally:
                connection.close()

        threads = [threading.Thread(target=approve) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        assert sorted(results) == ["approved", "resolved"]
        assert Player.objects.get().username == "Bob"
        assert records() == before

    def test_a_rename_waits_for_a_fetch_that_holds_the_recording_lock(
        self, fake_hiscores, track, monkeypatch
    ):
        alice = track("Alice")
        fake_hiscores.gain("Alice", "attack", 1_000)
        answer = _answer(alice, "Alice")
        fake_hiscores.rename_player("Alice", "Bob")
        fake_hiscores.set_fault("503", times=1)
        change = name_change_request(old_name="Alice", new_name="Bob")  # pending
        before = records()
        inside, go = threading.Event(), threading.Event()
        insert = recording._insert

        done: list[str] = []

        def paused_insert(rows):
            inside.set()
            go.wait(timeout=10)
            insert(rows)
            # Written, not yet committed: the rename cannot end before this.
            done.append("fetch")

        monkeypatch.setattr(recording, "_insert", paused_insert)

        def fetch():
            try:
                fetch_record_successes([answer])
            finally:
                connection.close()

        def rename():
            try:
                name_change_approve(name_change_id=change.pk)
                done.append("rename")
            finally:
                connection.close()

        fetching = threading.Thread(target=fetch)
        fetching.start()
        assert inside.wait(timeout=10)
        renaming = threading.Thread(target=rename)
        renaming.start()
        renaming.join(timeout=0.5)
        assert renaming.is_alive()  # it waits for the lock the fetch holds
        go.set()
        fetching.join(timeout=30)
        renaming.join(timeout=30)

        assert done == ["fetch", "rename"]
        alice.refresh_from_db()
        assert alice.username == "Bob"
        after = records()
        assert after[: len(before)] == before and len(after) == len(before) + 1
        assert after[-1][1] == alice.pk == Player.objects.get().pk


def _answer(player: Player, name: str) -> Answer:
    now = datetime.now(UTC)
    return Answer(player.pk, gateway.fetch(name), now, now)
