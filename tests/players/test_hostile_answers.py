"""Answers that must not, or could not, be stored as they came: an implausible value
fails the fetch as unavailable and stores nothing; a value past 32 bits is stored;
a record the database refuses fails the player, never counting it fetched."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import DataError, connection
from django.utils import timezone

from hiscores.breaker import get_breaker
from players.models import FetchAttempt, FetchOutcome, PlayerStatus
from players.records import HiscoreRecord
from players.tasks import fetch_player
from tests.factories import PlayerFactory
from tests.queued import drain

pytestmark = pytest.mark.django_db

# Values no hiscores answer can hold (docs/hiscores.md, "Plausible values").
IMPLAUSIBLE = {
    "level 5000": ({"attack": {"level": 5000}}, "'Attack' level 5000"),
    "XP 2^40": ({"attack": {"xp": 2**40}}, f"'Attack' xp {2**40}"),
    "negative XP": ({"defence": {"xp": -5}}, "'Defence' xp -5"),
    "total level 5000": ({"overall": {"level": 5000}}, "'Overall' level 5000"),
    "rank past 64 bits": ({"overall": {"rank": 2**63}}, f"'Overall' rank {2**63}"),
    "negative kills": ({"zulrah": {"score": -7}}, "'Zulrah' score -7"),
}


@pytest.fixture
def psikoi(fake_hiscores):
    """Tracked, fetched once, and held by a scheduler lease as when a fetch runs."""
    player = PlayerFactory(username="Psikoi", username_key="psikoi")
    assert fetch_player.apply(args=(player.pk,)).get() == "stored"
    player.refresh_from_db()
    player.fetch_claimed_until = timezone.now() + timedelta(minutes=5)
    player.save(update_fields=["fetch_claimed_until"])
    return player


def hostile(fake_hiscores, values: dict) -> None:
    fake_hiscores.set_fault("hostile", times=None, player="psikoi", values=values)


@pytest.mark.parametrize(("values", "named"), IMPLAUSIBLE.values(), ids=IMPLAUSIBLE.keys())
def test_an_implausible_answer_is_logged_unavailable_with_its_reason_and_stores_nothing(
    psikoi, fake_hiscores, values, named
):
    hostile(fake_hiscores, values)
    before = psikoi.latest_record_id

    assert fetch_player.apply(args=(psikoi.pk,)).get() == "unavailable"

    attempt = FetchAttempt.objects.latest("pk")
    assert (attempt.outcome, attempt.http_status) == (FetchOutcome.UNAVAILABLE, 200)
    assert attempt.message.startswith("Implausible hiscores answer")
    assert named in attempt.message
    assert HiscoreRecord.objects.filter(player=psikoi).count() == 1
    psikoi.refresh_from_db()
    assert psikoi.latest_record_id == before
    assert (psikoi.status, psikoi.failure_count) == (PlayerStatus.FAILING, 1)
    assert psikoi.fetch_claimed_until is None


def test_an_implausible_answer_is_not_retried_at_once_but_backs_off(psikoi, fake_hiscores):
    hostile(fake_hiscores, {"attack": {"level": 5000}})
    asked = fake_hiscores.request_count
    waits = []
    for _ in range(3):
        fetch_player.apply(args=(psikoi.pk,))
        psikoi.refresh_from_db()
        waits.append(psikoi.next_fetch_at - timezone.now())

    assert drain() == []  # no retry queued: the same answer would come back
    assert fake_hiscores.request_count == asked + 3
    # 2, 4, then 8 minutes: longer each time, never sooner than the first.
    assert timedelta(minutes=1) < waits[0] < waits[1] < waits[2] <= psikoi.fetch_interval


def test_an_implausible_answer_moves_the_breaker_neither_way(psikoi, fake_hiscores, settings):
    settings.OSRS_BREAKER_FAILURE_THRESHOLD = 2
    get_breaker().admit().failed()
    hostile(fake_hiscores, {"attack": {"xp": 2**40}})

    for _ in range(3):
        fetch_player.apply(args=(psikoi.pk,))

    state = get_breaker().state()
    # Not a success (that would clear the failure), nor failures (that would open it).
    assert (state.status, state.consecutive_failures) == ("closed", 1)


def test_a_rank_past_32_bits_is_stored(psikoi, fake_hiscores):
    fake_hiscores.gain("psikoi", "attack", 5_000)  # a change, so a record is due
    hostile(fake_hiscores, {"overall": {"rank": 3_000_000_000}})

    assert fetch_player.apply(args=(psikoi.pk,)).get() == "stored"

    record = HiscoreRecord.objects.filter(player=psikoi).latest("fetched_at")
    record.refresh_from_db()
    assert record.overall_rank == 3_000_000_000
    assert HiscoreRecord.objects.filter(overall_rank__gt=2**31 - 1).count() == 1


@contextmanager
def database_refusing_records():
    """The database refuses every new record, as PostgreSQL refused a rank past
    2^31 - 1 in an int32 column. On PostgreSQL the server itself raises the error
    (and aborts the transaction, as then); elsewhere it is raised in its place."""

    def refuse(execute, sql, params, many, context):
        if not sql.startswith('INSERT INTO "hiscores_hiscorerecord"'):
            return execute(sql, params, many, context)
        if connection.vendor == "postgresql":
            return execute("SELECT %s::integer", [3_000_000_000], False, context)
        raise DataError("integer out of range")

    with connection.execute_wrapper(refuse):
        yield


def test_a_record_the_database_refuses_is_an_error_attempt_and_frees_the_lease(
    psikoi, fake_hiscores
):
    fake_hiscores.gain("psikoi", "attack", 5_000)  # a change, so a record is due
    last_fetched = psikoi.last_fetched

    with database_refusing_records():
        assert fetch_player.apply(args=(psikoi.pk,)).get() == "error"

    attempt = FetchAttempt.objects.latest("pk")
    assert attempt.outcome == FetchOutcome.ERROR
    assert attempt.message.startswith("DataError:")
    assert "out of range" in attempt.message
    assert HiscoreRecord.objects.filter(player=psikoi).count() == 1
    psikoi.refresh_from_db()
    # A failure: the lease freed, the player backing off, and never counted as fetched.
    assert psikoi.fetch_claimed_until is None
    assert (psikoi.status, psikoi.failure_count) == (PlayerStatus.FAILING, 1)
    assert psikoi.next_fetch_at > timezone.now()
    assert psikoi.last_fetched == last_fetched
    assert drain() == []
