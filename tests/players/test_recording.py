from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from hiscores.errors import HiscoresRateLimited, HiscoresUnavailable, PlayerNotFound
from hiscores.models import HiscoreRecord
from hiscores.snapshot import ScoreValue, SkillValue, Snapshot
from players.models import FetchAttempt, FetchOutcome, PlayerStatus
from players.recording import fetch_record_failure, fetch_record_success
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


def test_success_schedules_the_next_fetch_one_interval_later_and_clears_the_lease():
    player = PlayerFactory(
        fetch_interval_minutes=30, fetch_claimed_until=timezone.now() + timedelta(minutes=5)
    )
    store(player, snapshot())
    player.refresh_from_db()
    assert player.fetch_claimed_until is None
    assert player.next_fetch_at - player.last_fetched == timedelta(minutes=30)


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


def test_not_found_marks_the_player_and_backs_off_for_hours(settings):
    settings.NOT_FOUND_BACKOFF_HOURS = 6
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
