"""Each hiscores error says what it means for a fetch: one table, every error class."""

from __future__ import annotations

import inspect

import pytest

from hiscores import errors
from hiscores.breaker import CircuitBreaker, FileBreakerStore
from hiscores.errors import (
    CircuitOpen,
    DeadlineExceeded,
    HiscoresBusy,
    HiscoresError,
    HiscoresRateLimited,
    HiscoresUnavailable,
    ImplausibleResponse,
    Outcome,
    PlayerNotFound,
)

# The shared conftest clears the cache, which is a database table on the embedded back end.
pytestmark = pytest.mark.django_db

# error, the outcome it is logged as, request made, transient, how the breaker counts it
MEANINGS = [
    (HiscoresError("?"), Outcome.UNAVAILABLE, True, True, "failure"),
    (PlayerNotFound("gone", status=404), Outcome.NOT_FOUND, True, False, "success"),
    (HiscoresUnavailable("503", status=503), Outcome.UNAVAILABLE, True, True, "failure"),
    (ImplausibleResponse("level 5000", status=200), Outcome.UNAVAILABLE, True, False, "nothing"),
    (HiscoresRateLimited("429", status=429), Outcome.THROTTLED, True, True, "failure"),
    (CircuitOpen("open", retry_at=1.0), Outcome.DEFERRED, False, True, "nothing"),
    (HiscoresBusy("no slot"), Outcome.DEFERRED, False, True, "nothing"),
    (DeadlineExceeded("not within 10 s"), Outcome.UNAVAILABLE, True, False, "nothing"),
]
# The breaker's state after one failure and then the error, with a threshold of two.
COUNTED_AS = {"failure": ("open", 2), "success": ("closed", 0), "nothing": ("closed", 1)}


def every_error_class() -> set[type[HiscoresError]]:
    return {
        cls
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, HiscoresError)
    }


def test_the_table_covers_every_error_class_and_every_outcome():
    assert {type(error) for error, *_ in MEANINGS} == every_error_class()
    assert {outcome for _, outcome, *_ in MEANINGS} == set(Outcome)


@pytest.mark.parametrize(
    ("error", "outcome", "request_made", "transient", "counted_as"),
    MEANINGS,
    ids=[type(error).__name__ for error, *_ in MEANINGS],
)
def test_each_error_says_what_it_means_for_a_fetch_and_the_breaker_counts_it_so(
    tmp_path, error, outcome, request_made, transient, counted_as
):
    assert (error.outcome, error.request_made, error.transient) == (
        outcome,
        request_made,
        transient,
    )
    breaker = CircuitBreaker(
        FileBreakerStore(path=tmp_path / "breaker.state"), failure_threshold=2, reset_seconds=30
    )
    breaker.admit().failed()

    def hiscores() -> None:
        raise error

    with pytest.raises(type(error)):
        breaker.call(hiscores)

    state = breaker.state()
    assert (state.status, state.consecutive_failures) == COUNTED_AS[counted_as]
