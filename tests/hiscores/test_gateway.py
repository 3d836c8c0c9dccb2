from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
import time_machine
from prometheus_client import REGISTRY

from hiscores import gateway
from hiscores.breaker import get_breaker
from hiscores.client import HiscoresClient
from hiscores.deadline import Deadline
from hiscores.errors import (
    CircuitOpen,
    DeadlineExceeded,
    HiscoresBusy,
    HiscoresError,
    HiscoresUnavailable,
    PlayerNotFound,
)
from hiscores.modes import GameMode
from hiscores.ratelimit import get_rate_limiter

# The shared conftest clears the cache, which is a database table on the embedded back end.
pytestmark = pytest.mark.django_db

SAMPLE = (
    Path(__file__).resolve().parents[2] / "hiscores/fake/samples/psikoi.2026-07.index_lite.json"
).read_bytes()
# One slot every 100 s: a second slot is never free within a test's max_wait.
SLOW_RATE = 0.01


class Hiscores:
    """The far side of the HTTP transport: answers per table and logs every request."""

    def __init__(self, statuses: dict[str, int] | None = None, default: int = 200):
        self.statuses = statuses or {}
        self.default = default
        self.requests: list[httpx.Request] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        table = request.url.path.split("/")[1].removeprefix("m=")
        status = self.statuses.get(table, self.default)
        if status == 200:
            return httpx.Response(200, content=SAMPLE)
        return httpx.Response(status, content=b"<html>no</html>")

    def client(self) -> HiscoresClient:
        return HiscoresClient(
            base_url="https://hiscores.test", transport=httpx.MockTransport(self.handle)
        )


@pytest.fixture(autouse=True)
def polite(settings, tmp_path):
    """The embedded back end, with state files of this test's own."""
    settings.REDIS_URL = ""
    settings.OSRS_RATE_LIMIT_FILE = str(tmp_path / "ratelimit.state")
    settings.OSRS_BREAKER_STATE_FILE = str(tmp_path / "breaker.state")
    settings.OSRS_MAX_REQUESTS_PER_SECOND = 1000.0
    settings.OSRS_BREAKER_FAILURE_THRESHOLD = 2
    settings.OSRS_BREAKER_RESET_SECONDS = 30.0
    return settings


def open_the_breaker() -> None:
    def down():
        raise HiscoresUnavailable("down")

    for _ in range(2):
        with pytest.raises(HiscoresUnavailable):
            get_breaker().call(down)
    assert get_breaker().state().status == "open"


def test_fetch_returns_the_snapshot_and_counts_a_success():
    hiscores = Hiscores()
    get_breaker().admit().failed()

    snapshot = gateway.fetch("Psikoi", GameMode.IRONMAN, client=hiscores.client())

    assert snapshot.overall is not None
    assert [request.url.params["player"] for request in hiscores.requests] == ["Psikoi"]
    assert hiscores.requests[0].url.path == "/m=hiscore_oldschool_ironman/index_lite.json"
    assert get_breaker().state().consecutive_failures == 0


def test_fetch_takes_a_rate_limit_slot(polite):
    polite.OSRS_MAX_REQUESTS_PER_SECOND = SLOW_RATE

    gateway.fetch("Psikoi", client=Hiscores().client())

    assert get_rate_limiter().reserve(max_wait=1) is None


def test_transient_failures_open_the_breaker():
    hiscores = Hiscores(default=503)

    for _ in range(2):
        with pytest.raises(HiscoresUnavailable):
            gateway.fetch("Psikoi", client=hiscores.client())

    assert get_breaker().state().status == "open"


@pytest.mark.parametrize(
    ("status", "outcome"), [(404, "not_found"), (429, "throttled"), (503, "unavailable")]
)
def test_a_request_is_timed_under_its_errors_outcome(status, outcome):
    def timed() -> float:
        sample = "osrsdiff_hiscores_request_duration_seconds_count"
        return REGISTRY.get_sample_value(sample, {"outcome": outcome}) or 0.0

    before = timed()
    with pytest.raises(HiscoresError) as raised:
        gateway.fetch("Psikoi", client=Hiscores(default=status).client())

    assert raised.value.outcome == outcome
    assert timed() - before == 1


def test_player_not_found_is_raised_and_not_counted():
    get_breaker().admit().failed()

    with pytest.raises(PlayerNotFound):
        gateway.fetch("Psikoi", client=Hiscores(default=404).client())

    assert get_breaker().state().consecutive_failures == 0


def test_an_open_breaker_makes_no_request_and_takes_no_slot(polite):
    polite.OSRS_MAX_REQUESTS_PER_SECOND = SLOW_RATE
    open_the_breaker()
    hiscores = Hiscores()

    with pytest.raises(CircuitOpen) as refused:
        gateway.fetch("Psikoi", client=hiscores.client())

    assert refused.value.retry_at == get_breaker().state().retry_at
    assert hiscores.requests == []
    assert get_rate_limiter().reserve(max_wait=0) is not None


def test_no_slot_within_max_wait_is_busy_and_not_counted(polite):
    polite.OSRS_MAX_REQUESTS_PER_SECOND = SLOW_RATE
    polite.OSRS_BREAKER_FAILURE_THRESHOLD = 1
    get_rate_limiter().reserve(max_wait=0)  # another worker took the slot
    hiscores = Hiscores()

    with pytest.raises(HiscoresBusy):
        gateway.fetch("Psikoi", client=hiscores.client(), max_wait=5)

    assert hiscores.requests == []
    state = get_breaker().state()
    assert (state.status, state.consecutive_failures) == ("closed", 0)


def test_busy_hands_a_half_open_trial_back(polite):
    polite.OSRS_MAX_REQUESTS_PER_SECOND = SLOW_RATE
    open_the_breaker()
    get_rate_limiter().reserve(max_wait=0)

    with time_machine.travel(get_breaker().state().retry_at, tick=False):
        with pytest.raises(HiscoresBusy):
            gateway.fetch("Psikoi", client=Hiscores().client(), max_wait=5)

        assert get_breaker().admit().is_trial


def test_detect_mode_asks_the_tables_through_the_gateway():
    hiscores = Hiscores({"hiscore_oldschool_ironman": 404})

    mode, snapshot = gateway.detect_mode("Psikoi", client=hiscores.client())

    assert mode == GameMode.REGULAR
    assert snapshot.overall is not None  # the regular table's answer, not asked again:
    assert [request.url.path.split("/")[1] for request in hiscores.requests] == [
        "m=hiscore_oldschool",
        "m=hiscore_oldschool_ironman",
    ]


def test_detect_mode_makes_no_request_while_the_breaker_is_open():
    open_the_breaker()
    hiscores = Hiscores()

    with pytest.raises(CircuitOpen):
        gateway.detect_mode("Psikoi", client=hiscores.client())

    assert hiscores.requests == []


# --- Deadlines ------------------------------------------------------------------


def test_a_deadline_shorter_than_the_wait_for_a_slot_is_busy_at_once(polite):
    polite.OSRS_MAX_REQUESTS_PER_SECOND = 0.1  # the next slot is 10 s away, within max_wait
    get_rate_limiter().reserve(max_wait=0)
    hiscores = Hiscores()

    started = time.monotonic()
    with pytest.raises(HiscoresBusy):
        gateway.fetch("Psikoi", client=hiscores.client(), max_wait=30, deadline=Deadline(1.0))

    assert time.monotonic() - started < 1.0
    assert hiscores.requests == []


@pytest.mark.parametrize("fault", ["slow", "hang"])
def test_a_deadline_cuts_a_slow_answer_short_and_the_breaker_counts_nothing(
    polite, fake_hiscores, fault
):
    polite.OSRS_BREAKER_FAILURE_THRESHOLD = 1
    fake_hiscores.set_fault(fault, delay=10, times=None)

    started = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        gateway.fetch("Psikoi", deadline=Deadline(0.5))

    assert time.monotonic() - started < 2.0
    state = get_breaker().state()
    assert (state.status, state.consecutive_failures) == ("closed", 0)


def test_a_deadline_is_shared_by_every_table_detection_asks(polite, fake_hiscores):
    # Each table answers in 0.4 s: one fits in the deadline, the second does not.
    fake_hiscores.set_fault("slow", delay=0.4, times=None)

    started = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        gateway.detect_mode("Psikoi", deadline=Deadline(0.6))

    assert time.monotonic() - started < 1.5
    assert fake_hiscores.request_count == 2
