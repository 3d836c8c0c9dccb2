from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
import time_machine

from hiscores.breaker import (
    CircuitBreaker,
    FileBreakerStore,
    RedisBreakerStore,
    get_breaker,
)
from hiscores.checks import check_hiscores_limits
from hiscores.errors import (
    CircuitOpen,
    HiscoresBusy,
    HiscoresRateLimited,
    HiscoresUnavailable,
    ImplausibleResponse,
    PlayerNotFound,
)
from tests.hiscores.conftest import REDIS_URL

# The shared conftest clears the cache, which is a database table on the embedded back end.
pytestmark = pytest.mark.django_db

THRESHOLD = 3
RESET = 30.0
START = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)

MakeBreaker = Callable[..., CircuitBreaker]


@pytest.fixture(params=["redis", "file"])
def make_breaker(request, key_prefix, tmp_path) -> MakeBreaker:
    """Breakers over one shared state: each call is another process's view of it."""

    url = request.getfixturevalue("redis_url") if request.param == "redis" else None

    def make(**options) -> CircuitBreaker:
        if url:
            store = RedisBreakerStore(url=url, key_prefix=key_prefix)
        else:
            store = FileBreakerStore(path=tmp_path / "breaker.state")
        options = {"failure_threshold": THRESHOLD, "reset_seconds": RESET, **options}
        return CircuitBreaker(store, **options)

    return make


@pytest.fixture
def breaker(make_breaker) -> CircuitBreaker:
    return make_breaker()


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


class Hiscores:
    """Stands in for the call the breaker guards; counts how often it was made."""

    def __init__(self) -> None:
        self.calls = 0

    def answer(self) -> str:
        self.calls += 1
        return "snapshot"

    def fail(self, error: type[Exception] = HiscoresUnavailable) -> str:
        self.calls += 1
        raise error("down")


def fail(breaker: CircuitBreaker, times: int, error: type[Exception] = HiscoresUnavailable):
    hiscores = Hiscores()
    for _ in range(times):
        with pytest.raises(error):
            breaker.call(hiscores.fail, error)


def open_breaker(breaker: CircuitBreaker) -> None:
    fail(breaker, THRESHOLD)
    assert breaker.state().status == "open"


def test_a_new_breaker_is_closed(breaker):
    state = breaker.state()

    assert (state.status, state.consecutive_failures) == ("closed", 0)
    assert state.opened_at is None and state.retry_at is None


def test_opens_after_exactly_the_threshold_of_consecutive_failures(breaker, clock):
    fail(breaker, THRESHOLD - 1)
    assert breaker.state().status == "closed"
    assert breaker.state().consecutive_failures == THRESHOLD - 1

    fail(breaker, 1)

    state = breaker.state()
    assert (state.status, state.consecutive_failures) == ("open", THRESHOLD)
    assert state.opened_at == START.timestamp()
    assert state.retry_at == START.timestamp() + RESET


def test_rate_limited_counts_as_a_failure(breaker):
    fail(breaker, THRESHOLD, HiscoresRateLimited)

    assert breaker.state().status == "open"


def test_a_success_in_between_resets_the_count(breaker):
    fail(breaker, THRESHOLD - 1)
    assert breaker.call(Hiscores().answer) == "snapshot"
    fail(breaker, THRESHOLD - 1)

    state = breaker.state()
    assert (state.status, state.consecutive_failures) == ("closed", THRESHOLD - 1)


def test_player_not_found_counts_as_a_success(breaker):
    fail(breaker, THRESHOLD - 1)
    fail(breaker, 1, PlayerNotFound)
    fail(breaker, THRESHOLD - 1)

    assert breaker.state().status == "closed"


@pytest.mark.parametrize(
    "error",
    [
        CircuitOpen("open", retry_at=START.timestamp()),
        HiscoresBusy("no slot"),
        ValueError("bug"),
        # One player's bad row is no outage, and a garbled answer no sign of health.
        ImplausibleResponse("level 5000", status=200),
    ],
    ids=lambda error: type(error).__name__,
)
def test_errors_that_are_not_the_hiscores_failing_count_as_nothing(breaker, error):
    fail(breaker, THRESHOLD - 1)

    def call() -> str:
        raise error

    for _ in range(THRESHOLD):
        with pytest.raises(type(error)):
            breaker.call(call)

    assert breaker.state().consecutive_failures == THRESHOLD - 1
    assert breaker.state().status == "closed"


def test_open_breaker_raises_circuit_open_without_calling(breaker):
    open_breaker(breaker)
    hiscores = Hiscores()

    with pytest.raises(CircuitOpen):
        breaker.call(hiscores.answer)

    assert hiscores.calls == 0


def test_circuit_open_carries_the_next_trial_time(breaker, clock):
    open_breaker(breaker)
    clock.shift(5)
    with pytest.raises(CircuitOpen) as refused:
        breaker.admit()
    assert refused.value.retry_at == START.timestamp() + RESET

    clock.shift(RESET)
    breaker.admit()  # another caller holds the trial
    with pytest.raises(CircuitOpen) as refused:
        breaker.admit()
    assert refused.value.retry_at == breaker.state().retry_at == START.timestamp() + RESET


def test_half_open_after_the_reset_period_with_exactly_one_trial(breaker, clock):
    open_breaker(breaker)
    clock.shift(RESET - 1)
    with pytest.raises(CircuitOpen):
        breaker.admit()

    clock.shift(1)
    assert breaker.state().status == "half_open"
    trial = breaker.admit()
    hiscores = Hiscores()
    with pytest.raises(CircuitOpen):
        breaker.call(hiscores.answer)

    assert trial.is_trial
    assert hiscores.calls == 0


def test_a_trial_success_closes_the_breaker(breaker, clock):
    open_breaker(breaker)
    clock.shift(RESET)

    assert breaker.call(Hiscores().answer) == "snapshot"

    state = breaker.state()
    assert (state.status, state.consecutive_failures) == ("closed", 0)
    assert not breaker.admit().is_trial


def test_a_trial_failure_reopens_for_another_period(breaker, clock):
    open_breaker(breaker)
    clock.shift(RESET)

    fail(breaker, 1)

    state = breaker.state()
    assert state.status == "open"
    assert state.retry_at == START.timestamp() + 2 * RESET
    clock.shift(RESET - 1)
    with pytest.raises(CircuitOpen):
        breaker.admit()
    clock.shift(1)
    assert breaker.admit().is_trial


def test_a_trial_that_made_no_request_lets_the_next_caller_try(breaker, clock):
    open_breaker(breaker)
    clock.shift(RESET)

    fail(breaker, 1, HiscoresBusy)

    assert breaker.admit().is_trial


def test_an_implausible_answer_to_the_trial_neither_closes_nor_reopens(breaker, clock):
    open_breaker(breaker)
    clock.shift(RESET)

    fail(breaker, 1, ImplausibleResponse)

    state = breaker.state()
    assert (state.status, state.consecutive_failures) == ("half_open", THRESHOLD)
    assert breaker.admit().is_trial


def test_an_abandoned_trial_expires_after_its_lease(make_breaker, clock):
    breaker = make_breaker(trial_lease_seconds=60)
    open_breaker(breaker)
    clock.shift(RESET)
    breaker.admit()  # a worker that dies before it reports

    clock.shift(59)
    with pytest.raises(CircuitOpen):
        breaker.admit()
    clock.shift(1)
    assert breaker.admit().is_trial


def test_a_late_failure_from_before_the_opening_does_not_extend_it(breaker, clock):
    early = breaker.admit()  # a call that began while the breaker was closed
    open_breaker(breaker)
    clock.shift(10)

    early.failed()

    state = breaker.state()
    assert state.retry_at == START.timestamp() + RESET
    assert state.consecutive_failures == THRESHOLD + 1


def test_state_is_shared_between_two_breakers(make_breaker, clock):
    worker_a, worker_b = make_breaker(), make_breaker()
    fail(worker_a, THRESHOLD - 1)
    fail(worker_b, 1)

    with pytest.raises(CircuitOpen):
        worker_a.admit()
    clock.shift(RESET)
    assert worker_b.admit().is_trial
    with pytest.raises(CircuitOpen):
        worker_a.admit()


def _try_for_the_trial(make: MakeBreaker, start, results) -> None:
    breaker = make(failure_threshold=1, reset_seconds=0.2)
    start.wait()
    try:
        results.put(breaker.admit().is_trial)
    except CircuitOpen:
        results.put("open")


def test_processes_racing_a_half_open_breaker_get_exactly_one_trial(make_breaker):
    fail(make_breaker(failure_threshold=1, reset_seconds=0.2), 1)
    time.sleep(0.25)  # into the half-open period, on the real clock the children share
    context = multiprocessing.get_context("fork")
    start, results = context.Barrier(4), context.Queue()
    children = [
        context.Process(target=_try_for_the_trial, args=(make_breaker, start, results))
        for _ in range(4)
    ]
    for child in children:
        child.start()
    answers = sorted(str(results.get(timeout=30)) for _ in children)
    for child in children:
        child.join(timeout=30)

    assert answers == ["True", "open", "open", "open"]


def test_reset_closes_an_open_breaker(breaker):
    open_breaker(breaker)

    breaker.reset()

    assert breaker.state().status == "closed"
    assert breaker.call(Hiscores().answer) == "snapshot"


def test_a_redis_outage_raises_unavailable():
    breaker = CircuitBreaker(
        RedisBreakerStore(url="redis://127.0.0.1:1/0"), failure_threshold=1, reset_seconds=1
    )

    with pytest.raises(HiscoresUnavailable):
        breaker.admit()
    with pytest.raises(HiscoresUnavailable):
        breaker.state()


def test_get_breaker_keeps_its_state_in_a_file_without_redis(settings, tmp_path):
    settings.REDIS_URL = ""
    settings.OSRS_BREAKER_STATE_FILE = str(tmp_path / "breaker.state")
    settings.OSRS_BREAKER_FAILURE_THRESHOLD = 1

    fail(get_breaker(), 1)

    assert get_breaker().state().status == "open"
    assert (tmp_path / "breaker.state").read_bytes()


def test_get_breaker_keeps_its_state_in_redis_when_configured(settings):
    settings.REDIS_URL = REDIS_URL
    settings.OSRS_BREAKER_RESET_SECONDS = 12.0

    breaker = get_breaker()

    assert isinstance(breaker._store, RedisBreakerStore)
    assert breaker.reset_seconds == 12.0


@pytest.mark.parametrize(
    ("setting", "value", "error"),
    [
        ("OSRS_BREAKER_FAILURE_THRESHOLD", 0, "hiscores.E002"),
        ("OSRS_BREAKER_FAILURE_THRESHOLD", -3, "hiscores.E002"),
        ("OSRS_BREAKER_RESET_SECONDS", 0.0, "hiscores.E003"),
        ("OSRS_BREAKER_RESET_SECONDS", -30.0, "hiscores.E003"),
    ],
)
def test_system_check_fails_on_a_threshold_or_period_that_is_not_positive(
    settings, setting, value, error
):
    setattr(settings, setting, value)

    assert [found.id for found in check_hiscores_limits()] == [error]


def test_a_success_admitted_on_the_clean_record_touches_no_store(breaker, monkeypatch):
    permit = breaker.admit()
    monkeypatch.setattr(breaker._store, "load", lambda: pytest.fail("the store was read"))
    monkeypatch.setattr(breaker._store, "transact", lambda change: pytest.fail("a write"))
    permit.succeeded()


def test_failures_counted_during_a_clean_call_are_cleared_by_the_next_success(breaker):
    running = breaker.admit()  # admitted on the clean record
    fail(breaker, THRESHOLD - 1)
    running.succeeded()
    assert breaker.state().consecutive_failures == THRESHOLD - 1
    assert breaker.call(Hiscores().answer) == "snapshot"
    assert breaker.state().consecutive_failures == 0


def test_a_late_success_from_before_the_opening_leaves_it_to_the_trial(breaker, clock):
    early = breaker.admit()  # a call that began while the breaker was closed
    open_breaker(breaker)
    early.succeeded()
    assert breaker.state().status == "open"
    clock.shift(RESET)
    assert breaker.call(Hiscores().answer) == "snapshot"
    assert breaker.state().status == "closed"
