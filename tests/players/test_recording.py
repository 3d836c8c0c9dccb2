from datetime import timedelta

import pytest
import time_machine
from django.db import DatabaseError
from django.utils import timezone

from hiscores.errors import (
    CircuitOpen,
    HiscoresBusy,
    HiscoresRateLimited,
    HiscoresUnavailable,
    Outcome,
    PlayerNotFound,
)
from hiscores.snapshot import ScoreValue, SkillValue, Snapshot
from players.models import FetchAttempt, FetchOutcome, Player, PlayerStatus
from players.policy import Reason
from players.recording import (
    Answer,
    fetch_defer,
    fetch_record_error,
    fetch_record_failure,
    fetch_record_success,
    fetch_record_successes,
)
from players.records import HiscoreRecord
from players.signals import record_written
from tests.factories import PlayerFactory

pytestmark = pytest.mark.django_db


def snapshot(attack_xp=1_000_000, zulrah=50, attack_rank=500, name=None) -> Snapshot:
    return Snapshot(
        overall=SkillValue(rank=10_000, level=500, experience=attack_xp + 5_000_000),
        skills={"attack": SkillValue(attack_rank, 73, attack_xp), "sailing": None},
        bosses={"zulrah": ScoreValue(rank=1234, score=zulrah), "vorkath": None},
        activities={"clue_scrolls_all": ScoreValue(rank=None, score=3)},
        display_name=name,
    )


def store(player, snap):
    return fetch_record_success(player_id=player.pk, snapshot=snap, started_at=timezone.now())


def test_first_fetch_stores_a_record_with_null_for_unranked():
    player = PlayerFactory()
    assert store(player, snapshot()) == FetchOutcome.STORED
    record = HiscoreRecord.objects.get()
    assert record.skills_data["attack"] == {"rank": 500, "level": 73, "experience": 1_000_000}
    assert record.skills_data["sailing"] is None
    assert record.bosses_data == {"zulrah": {"rank": 1234, "kc": 50}, "vorkath": None}
    assert record.overall_experience == 6_000_000
    player.refresh_from_db()
    assert player.latest_record == record
    assert player.last_changed_at == record.fetched_at
    assert player.status == PlayerStatus.OK


def test_unchanged_fetch_writes_no_record_but_confirms_the_latest():
    player = PlayerFactory()
    store(player, snapshot())
    first = HiscoreRecord.objects.get()
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        assert store(player, snapshot()) == FetchOutcome.UNCHANGED
    assert HiscoreRecord.objects.count() == 1
    first_after = HiscoreRecord.objects.get()
    assert first_after.fetched_at == first.fetched_at
    assert first_after.last_checked_at > first.last_checked_at
    player.refresh_from_db()
    assert player.last_fetched == first_after.last_checked_at
    assert player.last_changed_at == first.fetched_at


def test_a_rank_change_alone_is_not_a_change():
    player = PlayerFactory()
    store(player, snapshot(attack_rank=500))
    assert store(player, snapshot(attack_rank=499)) == FetchOutcome.UNCHANGED
    assert HiscoreRecord.objects.count() == 1


@pytest.mark.parametrize("change", [{"attack_xp": 1_000_001}, {"zulrah": 51}])
def test_any_value_change_writes_a_new_record(change):
    player = PlayerFactory()
    store(player, snapshot())
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        assert store(player, snapshot(**change)) == FetchOutcome.STORED
    assert HiscoreRecord.objects.count() == 2
    player.refresh_from_db()
    assert player.latest_record == HiscoreRecord.objects.order_by("-fetched_at").first()


def test_a_redelivered_fetch_stores_nothing_twice():
    player = PlayerFactory()
    same = snapshot()
    for _ in range(3):
        store(player, same)
    assert HiscoreRecord.objects.count() == 1
    assert FetchAttempt.objects.filter(outcome=FetchOutcome.UNCHANGED).count() == 2


def test_a_fetch_for_a_deleted_player_writes_nothing():
    player = PlayerFactory()
    player_id = player.pk
    player.delete()
    assert (
        fetch_record_success(player_id=player_id, snapshot=snapshot(), started_at=timezone.now())
        is None
    )
    assert not HiscoreRecord.objects.exists()
    assert not FetchAttempt.objects.exists()


def test_a_pinned_player_is_next_fetched_one_interval_later_and_the_lease_cleared():
    player = PlayerFactory(
        fetch_interval_minutes=30,
        pinned=True,
        fetch_claimed_until=timezone.now() + timedelta(minutes=5),
    )
    store(player, snapshot())
    player.refresh_from_db()
    assert player.fetch_claimed_until is None
    assert player.next_fetch_at - player.last_fetched == timedelta(minutes=30)
    assert player.next_fetch_reason == Reason.PINNED


def test_the_hiscores_spelling_of_the_name_is_kept():
    player = PlayerFactory(username="lynx titan", username_key="lynx titan")
    store(player, snapshot(name="Lynx Titan"))
    player.refresh_from_db()
    assert player.username == "Lynx Titan"


def test_a_different_name_from_the_hiscores_is_ignored():
    player = PlayerFactory(username="zezima", username_key="zezima")
    store(player, snapshot(name="Someone Else"))
    player.refresh_from_db()
    assert player.username == "zezima"


def test_the_last_allowed_not_found_marks_the_player_and_backs_off_for_hours(settings):
    settings.NOT_FOUND_BACKOFF_HOURS = 6
    settings.NOT_FOUND_ATTEMPTS = 1
    player = PlayerFactory()
    outcome = fetch_record_failure(
        player_id=player.pk,
        error=PlayerNotFound("gone", status=404),
        started_at=timezone.now(),
        final=True,
    )
    assert outcome == FetchOutcome.NOT_FOUND
    player.refresh_from_db()
    assert player.status == PlayerStatus.NOT_FOUND
    assert player.next_fetch_at > timezone.now() + timedelta(hours=5, minutes=59)
    attempt = FetchAttempt.objects.get()
    assert (attempt.outcome, attempt.http_status) == ("not_found", 404)


def test_a_not_found_player_recovers_when_the_name_answers_again():
    player = PlayerFactory(status=PlayerStatus.NOT_FOUND)
    store(player, snapshot())
    player.refresh_from_db()
    assert player.status == PlayerStatus.OK


def test_a_retried_failure_is_logged_but_leaves_the_player_alone():
    player = PlayerFactory()
    before = player.next_fetch_at
    fetch_record_failure(
        player_id=player.pk,
        error=HiscoresUnavailable("503", status=503),
        started_at=timezone.now(),
        final=False,
    )
    player.refresh_from_db()
    assert (player.status, player.failure_count, player.next_fetch_at) == (
        PlayerStatus.OK,
        0,
        before,
    )
    assert FetchAttempt.objects.get().outcome == FetchOutcome.UNAVAILABLE


def test_giving_up_marks_the_player_failing_and_reschedules_within_its_interval():
    player = PlayerFactory(fetch_interval_minutes=60)
    fetch_record_failure(
        player_id=player.pk,
        error=HiscoresRateLimited("429", status=429),
        started_at=timezone.now(),
        final=True,
    )
    player.refresh_from_db()
    assert player.status == PlayerStatus.FAILING
    assert player.failure_count == 1
    assert timezone.now() < player.next_fetch_at <= timezone.now() + timedelta(minutes=60)
    assert FetchAttempt.objects.get().outcome == FetchOutcome.THROTTLED


def test_every_outcome_a_hiscores_error_names_is_a_fetch_outcome():
    assert {str(outcome) for outcome in Outcome} <= set(FetchOutcome.values)


def test_a_deferral_frees_the_lease_and_waits_for_the_breakers_next_trial():
    now = timezone.now().replace(microsecond=0)
    player = PlayerFactory(
        status=PlayerStatus.FAILING, failure_count=2, fetch_claimed_until=now + timedelta(minutes=5)
    )
    next_trial = now + timedelta(seconds=30)
    with time_machine.travel(now, tick=False):
        outcome = fetch_defer(
            player_id=player.pk,
            error=CircuitOpen("open", retry_at=next_trial.timestamp()),
            started_at=now,
        )
    assert outcome == FetchOutcome.DEFERRED
    player.refresh_from_db()
    assert (player.next_fetch_at, player.fetch_claimed_until) == (next_trial, None)
    assert (player.status, player.failure_count) == (PlayerStatus.FAILING, 2)
    attempt = FetchAttempt.objects.get()
    assert (attempt.outcome, attempt.http_status) == (FetchOutcome.DEFERRED, None)


def test_a_deferral_past_the_next_trial_is_due_now_and_one_without_a_time_keeps_its_place():
    now = timezone.now()
    late, busy = PlayerFactory(), PlayerFactory(next_fetch_at=now - timedelta(hours=1))
    with time_machine.travel(now, tick=False):
        fetch_defer(
            player_id=late.pk,
            error=CircuitOpen("half-open", retry_at=(now - timedelta(seconds=5)).timestamp()),
            started_at=now,
        )
        fetch_defer(player_id=busy.pk, error=HiscoresBusy("no slot"), started_at=now)
    late.refresh_from_db()
    busy.refresh_from_db()
    assert late.next_fetch_at == now
    assert busy.next_fetch_at == now - timedelta(hours=1)


def test_a_fault_of_ours_is_logged_as_an_error_and_the_player_backs_off():
    player = PlayerFactory(fetch_interval_minutes=60, fetch_claimed_until=timezone.now())
    outcome = fetch_record_error(
        player_id=player.pk, error=DatabaseError("disk full"), started_at=timezone.now()
    )
    assert outcome == FetchOutcome.ERROR
    player.refresh_from_db()
    assert (player.status, player.failure_count, player.fetch_claimed_until) == (
        PlayerStatus.FAILING,
        1,
        None,
    )
    assert timezone.now() < player.next_fetch_at <= timezone.now() + timedelta(minutes=60)
    attempt = FetchAttempt.objects.get()
    assert (attempt.outcome, attempt.message) == (FetchOutcome.ERROR, "DatabaseError: disk full")


# Batches: what `fetch_players` records, all its answers in one transaction.

NOW = timezone.now().replace(microsecond=0)


def a_batch_of_every_kind(size: int = 7) -> list[tuple[int, Snapshot]]:
    """Players in every situation a fetch can find them in, each with the hiscores'
    answer: changed since the last fetch, unchanged (a rank alone moved), first
    fetched, recovering from failures, spelt differently by the hiscores, and
    deleted while the batch was fetched. Intervals differ from player to player."""
    with time_machine.travel(NOW - timedelta(hours=1), tick=False):
        players = [
            PlayerFactory(
                username=f"batch {n}", fetch_interval_minutes=30 + n, fetch_claimed_until=NOW
            )
            for n in range(size)
        ]
        for player in players[:-2]:
            store(player, snapshot())
    batch = []
    for n, player in enumerate(players):
        kind = n % 5
        if kind == 0:
            answer = snapshot(attack_xp=1_000_001 + n)
        elif kind == 1:
            answer = snapshot(attack_rank=400)
        elif kind == 2:
            player.status, player.failure_count = PlayerStatus.FAILING, 3
            player.save()
            answer = snapshot(zulrah=50 + n)
        elif kind == 3:
            answer = snapshot(name=f"Batch {n}")
        else:
            answer = snapshot()
        batch.append((player.pk, answer))
    players[-1].delete()
    return batch


def stored_state() -> dict:
    """Everything a fetch writes, keyed by player name (ids differ between runs)."""
    players = {
        p.username_key: (
            p.username,
            p.status,
            p.failure_count,
            p.last_fetched,
            p.last_changed_at,
            p.next_fetch_at,
            p.fetch_claimed_until,
            p.latest_record and (p.latest_record.fetched_at, p.latest_record.values_digest),
        )
        for p in Player.objects.select_related("latest_record")
    }
    records = sorted(
        (r.player.username_key, r.fetched_at, r.last_checked_at, r.overall_rank, r.skills_data)
        for r in HiscoreRecord.objects.select_related("player")
    )
    attempts = sorted(
        (a.player.username_key, a.outcome, a.http_status, a.started_at, a.finished_at)
        for a in FetchAttempt.objects.select_related("player")
    )
    return {"players": players, "records": records, "attempts": attempts}


def test_a_batch_stores_exactly_what_one_fetch_at_a_time_would():
    with time_machine.travel(NOW, tick=False):
        batch = a_batch_of_every_kind(size=12)
        one_at_a_time = {
            player_id: fetch_record_success(player_id=player_id, snapshot=snap, started_at=NOW)
            for player_id, snap in batch
        }
    reference = stored_state()
    keys = dict(Player.objects.values_list("pk", "username_key"))
    Player.objects.all().delete()  # the same players again, for the batch

    with time_machine.travel(NOW, tick=False):
        batch = a_batch_of_every_kind(size=12)
        outcomes = fetch_record_successes([Answer(pk, snap, NOW, NOW) for pk, snap in batch])

    assert stored_state() == reference
    by_key = dict(Player.objects.values_list("username_key", "pk"))
    assert outcomes == {
        by_key[keys[pk]]: outcome for pk, outcome in one_at_a_time.items() if outcome is not None
    }
    assert set(outcomes.values()) == {FetchOutcome.STORED, FetchOutcome.UNCHANGED}
    assert len(outcomes) == len(batch) - 1  # the deleted player is skipped


@pytest.mark.parametrize("size", [5, 50])
def test_a_batch_takes_the_same_few_queries_whatever_its_size(size, django_assert_max_num_queries):
    with time_machine.travel(NOW, tick=False):
        answers = [Answer(pk, snap, NOW, NOW) for pk, snap in a_batch_of_every_kind(size)]
        # A savepoint and its release, the lock, the players read under it, the
        # changed players' latest records (the plausibility check), the records,
        # the unchanged records' timestamp, the players, the attempts and the tally.
        with django_assert_max_num_queries(10):
            outcomes = fetch_record_successes(answers)
    assert len(outcomes) == size - 1


def test_a_batch_announces_the_records_it_wrote_once_after_commit(
    django_capture_on_commit_callbacks,
):
    announced = []

    def receiver(sender, records, **kwargs):
        announced.append(sorted(record.pk for record in records))

    record_written.connect(receiver)
    try:
        with time_machine.travel(NOW, tick=False):
            answers = [Answer(pk, snap, NOW, NOW) for pk, snap in a_batch_of_every_kind(10)]
            with django_capture_on_commit_callbacks(execute=True):
                fetch_record_successes(answers)
                assert announced == []  # not before the transaction commits
            with django_capture_on_commit_callbacks(execute=True):
                fetch_record_successes(answers)  # the same answers again: nothing new
    finally:
        record_written.disconnect(receiver)
    written = HiscoreRecord.objects.filter(fetched_at=NOW).order_by("pk")
    assert announced == [[record.pk for record in written]]
    assert len(announced[0]) == 5  # the four that changed, and the one fetched first
