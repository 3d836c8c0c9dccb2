from datetime import timedelta

import pytest
import time_machine
from django.db import DatabaseError
from django.utils import timezone

from hiscores import gateway
from hiscores.breaker import CircuitBreaker, get_breaker
from hiscores.client import HiscoresClient
from hiscores.errors import CircuitOpen
from players import tasks
from players.models import FetchAttempt, FetchOutcome, Player, PlayerStatus
from players.recording import fetch_record_successes
from players.records import HiscoreRecord
from players.tasks import (
    fetch_player,
    fetch_players,
    prune_fetch_attempts,
    retry_delay,
    schedule_due_fetches,
)
from tests.factories import PlayerFactory
from tests.queued import drain, queued_player_ids, run_queued

pytestmark = pytest.mark.django_db


@pytest.fixture
def psikoi(fake_hiscores):
    return PlayerFactory(username="Psikoi", username_key="psikoi")


def outcomes() -> list[str]:
    return list(FetchAttempt.objects.order_by("pk").values_list("outcome", flat=True))


def test_a_fetch_stores_the_players_stats(psikoi, fake_hiscores):
    assert fetch_player.apply(args=(psikoi.pk,)).get() == "stored"
    record = HiscoreRecord.objects.get(player=psikoi)
    served = fake_hiscores.document("psikoi")
    attack = next(row for row in served["skills"] if row["name"] == "Attack")
    assert record.skills_data["attack"]["experience"] == attack["xp"]


def test_xp_gained_on_the_hiscores_becomes_a_new_record(psikoi, fake_hiscores):
    fetch_player.apply(args=(psikoi.pk,))
    fake_hiscores.gain("psikoi", "attack", 5_000)
    assert fetch_player.apply(args=(psikoi.pk,)).get() == "stored"
    assert HiscoreRecord.objects.filter(player=psikoi).count() == 2


def test_a_renamed_player_is_marked_not_found_without_quick_retries(fake_hiscores, settings):
    settings.NOT_FOUND_ATTEMPTS = 1
    gone = PlayerFactory(username="Renamed Away", username_key="renamed away")
    assert fetch_player.apply(args=(gone.pk,)).get() == "not_found"
    gone.refresh_from_db()
    assert gone.status == PlayerStatus.NOT_FOUND
    assert fake_hiscores.request_count == 1


def test_transient_failures_retry_then_store(psikoi, fake_hiscores, settings):
    settings.FETCH_RETRY_DELAYS = [0, 0, 0]
    fake_hiscores.set_fault("503", times=2)
    assert fetch_player.apply(args=(psikoi.pk,)).get() == "retrying"
    assert run_queued() == 2
    assert outcomes() == ["unavailable", "unavailable", "stored"]
    assert fake_hiscores.request_count == 3


def test_a_fetch_gives_up_after_the_configured_retries(psikoi, fake_hiscores, settings):
    settings.FETCH_RETRY_DELAYS = [0, 0]
    settings.OSRS_BREAKER_FAILURE_THRESHOLD = 100
    fake_hiscores.set_fault("429", times=None)
    fetch_player.apply(args=(psikoi.pk,))
    run_queued()
    assert outcomes() == ["throttled"] * 3
    psikoi.refresh_from_db()
    assert psikoi.status == PlayerStatus.FAILING
    assert psikoi.next_fetch_at > timezone.now()


def test_an_open_breaker_defers_without_calling_out(psikoi, fake_hiscores, settings):
    settings.FETCH_RETRY_DELAYS = [0]
    settings.OSRS_BREAKER_FAILURE_THRESHOLD = 2
    fake_hiscores.set_fault("502", times=None)
    fetch_player.apply(args=(psikoi.pk,))
    run_queued()
    assert get_breaker().state().status == "open"
    seen = fake_hiscores.request_count
    assert fetch_player.apply(args=(psikoi.pk,)).get() == "deferred"
    assert fake_hiscores.request_count == seen
    assert outcomes() == ["unavailable", "unavailable", "deferred"]
    psikoi.refresh_from_db()
    assert psikoi.next_fetch_at >= timezone.now() + timedelta(
        seconds=settings.OSRS_BREAKER_RESET_SECONDS - 2
    )
    assert psikoi.fetch_claimed_until is None
    assert psikoi.status == PlayerStatus.FAILING  # from the give-up; a deferral changes nothing


def test_a_deferral_reschedules_at_the_breakers_next_trial_without_asking_it_again(
    psikoi, monkeypatch
):
    now = timezone.now().replace(microsecond=0)
    next_trial = now + timedelta(seconds=90)

    def refused(*args, **kwargs):
        raise CircuitOpen("open", retry_at=next_trial.timestamp())

    def state(self):
        raise AssertionError("the breaker was read again")

    monkeypatch.setattr(gateway, "fetch", refused)
    monkeypatch.setattr(CircuitBreaker, "state", state)
    with time_machine.travel(now, tick=False):
        assert fetch_player.apply(args=(psikoi.pk,)).get() == "deferred"
    psikoi.refresh_from_db()
    assert psikoi.next_fetch_at == next_trial
    attempt = FetchAttempt.objects.get()
    assert (attempt.outcome, attempt.http_status) == (FetchOutcome.DEFERRED, None)


def test_no_limiter_slot_soon_defers_the_player_keeping_its_place(psikoi, fake_hiscores, settings):
    settings.OSRS_MAX_REQUESTS_PER_SECOND = 0.001
    fetch_player.apply(args=(psikoi.pk,))
    due = timezone.now() - timedelta(minutes=10)
    psikoi.next_fetch_at, psikoi.fetch_claimed_until = due, timezone.now() + timedelta(minutes=5)
    psikoi.save()
    assert fetch_player.apply(args=(psikoi.pk,)).get() == "deferred"
    psikoi.refresh_from_db()
    assert (psikoi.fetch_claimed_until, psikoi.next_fetch_at) == (None, due)
    assert outcomes() == ["stored", "deferred"]
    assert fake_hiscores.request_count == 1


def test_a_fault_of_ours_logs_an_error_frees_the_lease_and_counts_nothing(
    psikoi, fake_hiscores, monkeypatch
):
    def broken(*args, **kwargs):
        raise ValueError("a bug")

    get_breaker().admit().failed()
    monkeypatch.setattr(HiscoresClient, "fetch", broken)
    psikoi.fetch_claimed_until = timezone.now() + timedelta(minutes=5)
    psikoi.save()

    assert fetch_player.apply(args=(psikoi.pk,)).get() == "error"

    attempt = FetchAttempt.objects.get()
    assert (attempt.outcome, attempt.message) == (FetchOutcome.ERROR, "ValueError: a bug")
    psikoi.refresh_from_db()
    assert psikoi.fetch_claimed_until is None
    assert psikoi.status == PlayerStatus.FAILING
    assert psikoi.next_fetch_at > timezone.now()
    assert get_breaker().state().consecutive_failures == 1
    assert drain() == []


def test_a_database_error_with_one_player_leaves_the_rest_of_the_batch_fetched(
    fake_hiscores, monkeypatch
):
    first, second = (PlayerFactory(username=f"gen {n}", username_key=f"gen {n}") for n in (1, 2))

    def store(answers):
        if any(answer.player_id == first.pk for answer in answers):
            raise DatabaseError("disk full")
        return fetch_record_successes(answers)

    monkeypatch.setattr(tasks, "fetch_record_successes", store)

    assert fetch_players.apply(args=([first.pk, second.pk],)).get() == ["error", "stored"]
    assert outcomes() == ["error", "stored"]
    assert not HiscoreRecord.objects.filter(player=first).exists()


def test_a_fetch_for_a_deleted_player_does_nothing(fake_hiscores):
    assert fetch_player.apply(args=(987654,)).get() == "gone"
    assert fake_hiscores.request_count == 0


def test_a_retry_is_queued_with_the_backoff_delay(psikoi, fake_hiscores, settings):
    settings.FETCH_RETRY_DELAYS = [0]
    fake_hiscores.set_fault("503", times=1)
    fetch_player.apply(args=(psikoi.pk,))
    assert drain() == [("players.tasks.fetch_player", [psikoi.pk], {"attempt": 1})]


def test_a_batch_fetches_each_of_its_players(fake_hiscores):
    players = [PlayerFactory(username=f"gen {n}", username_key=f"gen {n}") for n in (1, 2, 3)]
    assert fetch_players.apply(args=([p.pk for p in players],)).get() == ["stored"] * 3
    assert HiscoreRecord.objects.count() == 3


def test_a_player_deleted_while_its_batch_is_fetched_is_skipped(fake_hiscores, monkeypatch):
    kept, untracked = (PlayerFactory(username=f"gen {n}", username_key=f"gen {n}") for n in (1, 2))
    ask = gateway.fetch

    def fetch_then_untrack(username, *args, **kwargs):
        snapshot = ask(username, *args, **kwargs)
        if username == untracked.username:
            untracked.delete()  # after the answer, before the batch is recorded
        return snapshot

    monkeypatch.setattr(gateway, "fetch", fetch_then_untrack)
    assert fetch_players.apply(args=([kept.pk, untracked.pk],)).get() == ["stored", "gone"]
    assert list(HiscoreRecord.objects.values_list("player", flat=True)) == [kept.pk]
    assert outcomes() == ["stored"]


def test_retry_delays_grow_with_jitter(settings):
    settings.FETCH_RETRY_DELAYS = [2, 4, 8, 16, 32]
    for retries, base in enumerate([2, 4, 8, 16, 32]):
        delays = {round(retry_delay(retries), 3) for _ in range(20)}
        assert all(base * 0.75 <= d <= base * 1.25 for d in delays)
        assert len(delays) > 1
    assert 32 * 0.75 <= retry_delay(99) <= 32 * 1.25


class TestScheduler:
    @pytest.fixture(autouse=True)
    def _budget(self, settings):
        # 1 request/s with 5 s ticks: ten fetches queued ahead at most.
        settings.OSRS_MAX_REQUESTS_PER_SECOND = 1
        settings.SCHEDULER_TICK_SECONDS = 5
        queued_player_ids()

    def test_the_most_overdue_are_queued_first_within_the_budget(self):
        now = timezone.now()
        players = [PlayerFactory(next_fetch_at=now - timedelta(minutes=m)) for m in range(15)]
        assert schedule_due_fetches.apply().get() == 10
        most_overdue = [p.pk for p in sorted(players, key=lambda p: p.next_fetch_at)[:10]]
        assert queued_player_ids() == most_overdue

    def test_players_in_flight_count_against_the_budget(self):
        now = timezone.now()
        PlayerFactory.create_batch(
            4, next_fetch_at=now, fetch_claimed_until=now + timedelta(minutes=1)
        )
        PlayerFactory.create_batch(20, next_fetch_at=now - timedelta(minutes=1))
        assert schedule_due_fetches.apply().get() == 6

    def test_batches_hold_about_a_second_of_the_rate_limit(self, settings):
        settings.OSRS_MAX_REQUESTS_PER_SECOND = 4
        PlayerFactory.create_batch(10, next_fetch_at=timezone.now())
        schedule_due_fetches.apply()
        batches = [args[0] for name, args, _ in drain()]
        assert [len(b) for b in batches] == [4, 4, 2]

    def test_a_claimed_player_is_not_queued_twice(self):
        PlayerFactory(next_fetch_at=timezone.now())
        assert schedule_due_fetches.apply().get() == 1
        assert schedule_due_fetches.apply().get() == 0

    def test_inactive_and_not_yet_due_players_are_left_alone(self):
        now = timezone.now()
        PlayerFactory(is_active=False, next_fetch_at=now - timedelta(hours=1))
        PlayerFactory(next_fetch_at=now + timedelta(minutes=1))
        assert schedule_due_fetches.apply().get() == 0

    def test_a_dead_workers_lease_expires_and_the_player_is_claimed_again(self, settings):
        player = PlayerFactory(next_fetch_at=timezone.now())
        schedule_due_fetches.apply()
        assert queued_player_ids() == [player.pk]
        with time_machine.travel(
            timezone.now() + timedelta(seconds=settings.FETCH_LEASE_SECONDS + 1)
        ):
            assert schedule_due_fetches.apply().get() == 1
        assert queued_player_ids() == [player.pk]

    def test_claims_that_cannot_be_queued_are_released(self, monkeypatch):
        from kombu.exceptions import OperationalError

        def refuse(*args, **kwargs):
            raise OperationalError("connection refused")

        player = PlayerFactory(next_fetch_at=timezone.now())
        monkeypatch.setattr(fetch_players, "apply_async", refuse)
        with pytest.raises(OperationalError):
            schedule_due_fetches.apply(throw=True)
        player.refresh_from_db()
        assert player.fetch_claimed_until is None


def test_old_fetch_attempts_are_pruned(settings):
    settings.FETCH_ATTEMPT_RETENTION_DAYS = 30
    player = PlayerFactory()
    now = timezone.now()
    for age in (1, 29, 31, 400):
        at = now - timedelta(days=age)
        FetchAttempt.objects.create(
            player=player, started_at=at, finished_at=at, outcome=FetchOutcome.STORED
        )
    assert prune_fetch_attempts.apply().get() == 2
    assert FetchAttempt.objects.count() == 2
    assert Player.objects.count() == 1
