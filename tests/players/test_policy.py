import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from players.policy import (
    DEFAULT_SETTINGS,
    Decision,
    Due,
    PlayerState,
    PolicySettings,
    Reason,
    Rhythm,
    learn,
    plan,
    schedule,
)

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
MAXIMUM = DEFAULT_SETTINGS.max_interval
PATIENCE = DEFAULT_SETTINGS.patience


def player(player_id=1, *, last=NOW - 2 * HOUR, **fields) -> PlayerState:
    fields.setdefault("min_interval", HOUR)
    return PlayerState(player_id, last, **fields)


def busy() -> Rhythm:
    """Changes about five times a day, at any hour."""
    return Rhythm(changes=10.0, watched_days=2.0)


def idle() -> Rhythm:
    return Rhythm(changes=0.001, watched_days=2.0)


def history(outcomes, *, start=NOW - timedelta(days=21), every=3 * HOUR) -> PlayerState:
    """A player after fetches every `every` from `start`, each finding a change
    when `outcomes(moment)` says so."""
    state, at = player(last=start), start + every
    while at <= NOW:
        state = learn(state, changed=outcomes(at), at=at)
        at += every
    return state


# --- precedence -------------------------------------------------------------------


def test_reasons_go_deadline_manual_owed_learned():
    states = [
        player(1, rhythm=busy(), last=NOW - 6 * HOUR),
        player(2, rhythm=idle(), last=NOW - MAXIMUM),
        player(3, requested_at=NOW - timedelta(minutes=1)),
        player(4, deadline=NOW + timedelta(minutes=5)),
    ]
    assert plan(states, now=NOW, budget=10) == [
        Decision(4, Reason.DEADLINE),
        Decision(3, Reason.MANUAL),
        Decision(2, Reason.MAXIMUM_INTERVAL),
        Decision(1, Reason.LEARNED),
    ]
    assert [d.player_id for d in plan(states, now=NOW, budget=2)] == [4, 3]


def test_deadlines_are_met_first_earliest_first():
    states = [
        player(1, requested_at=NOW - HOUR),
        player(2, deadline=NOW + timedelta(minutes=8)),
        player(3, deadline=NOW + timedelta(minutes=2)),
    ]
    assert [d.player_id for d in plan(states, now=NOW, budget=3)] == [3, 2, 1]


def test_a_deadline_is_not_due_before_its_window():
    far = player(1, rhythm=idle(), last=NOW - HOUR, deadline=NOW + timedelta(minutes=30))
    assert plan([far], now=NOW, budget=5) == []
    assert schedule(far).at == NOW + timedelta(minutes=20)
    assert schedule(far).reason == Reason.DEADLINE


def test_a_missed_deadline_stays_first_until_fetched():
    late = player(1, rhythm=idle(), last=NOW - 3 * HOUR, deadline=NOW - HOUR)
    assert plan([late, player(2, requested_at=NOW - HOUR)], now=NOW, budget=1) == [
        Decision(1, Reason.DEADLINE)
    ]
    fetched = learn(late, changed=False, at=NOW)
    assert plan([fetched], now=NOW + timedelta(minutes=1), budget=1) == []


def test_a_fetch_within_the_window_meets_the_deadline():
    deadline = NOW + timedelta(minutes=5)
    met = player(1, rhythm=idle(), last=deadline - timedelta(minutes=3), deadline=deadline)
    assert plan([met], now=NOW + timedelta(minutes=3), budget=1) == []


def test_manual_requests_keep_priority_oldest_first_and_ignore_the_minimum_interval():
    just_fetched = NOW - timedelta(minutes=2)
    states = [
        player(1, last=just_fetched, requested_at=NOW - timedelta(minutes=1)),
        player(2, last=just_fetched, requested_at=NOW - timedelta(minutes=1, seconds=30)),
        player(3, rhythm=idle(), last=NOW - MAXIMUM),
    ]
    assert plan(states, now=NOW, budget=3) == [
        Decision(2, Reason.MANUAL),
        Decision(1, Reason.MANUAL),
        Decision(3, Reason.MAXIMUM_INTERVAL),
    ]


def test_a_fetch_after_a_request_answers_it():
    asked = player(1, rhythm=idle(), requested_at=NOW - HOUR)
    answered = learn(asked, changed=True, at=NOW)
    assert schedule(answered).reason != Reason.MANUAL
    assert plan([answered], now=NOW + timedelta(minutes=5), budget=1) == []


# --- intervals --------------------------------------------------------------------


def test_an_idle_player_is_fetched_at_the_maximum_interval():
    dormant = history(lambda at: False)
    due = schedule(dormant)
    assert due.reason == Reason.MAXIMUM_INTERVAL
    assert due.at <= dormant.last_fetched + MAXIMUM
    assert due.at >= dormant.last_fetched + MAXIMUM - timedelta(hours=1)


def test_the_minimum_interval_holds_even_for_the_busiest_player():
    state = player(rhythm=Rhythm(changes=500.0, watched_days=1.0), min_interval=3 * HOUR)
    assert schedule(state).at == state.last_fetched + 3 * HOUR
    assert plan([state], now=state.last_fetched + 3 * HOUR - timedelta(seconds=1), budget=1) == []


def test_a_pinned_player_is_fetched_at_exactly_its_interval():
    pinned = player(rhythm=idle(), min_interval=2 * HOUR, pinned=True, last=NOW - 2 * HOUR)
    assert schedule(pinned).at == NOW
    assert schedule(pinned).reason == Reason.PINNED
    assert plan([pinned], now=NOW - timedelta(seconds=1), budget=1) == []
    assert plan([pinned], now=NOW, budget=1) == [Decision(1, Reason.PINNED)]
    busy_pinned = player(2, rhythm=busy(), min_interval=2 * HOUR, pinned=True)
    assert schedule(busy_pinned).at == busy_pinned.last_fetched + 2 * HOUR


# --- the learned rhythm -----------------------------------------------------------


def test_a_player_who_changed_at_its_last_fetches_is_due_soon_and_an_idle_one_rarely():
    back_since_yesterday = history(lambda at: at > NOW - timedelta(days=1))
    quiet = history(lambda at: False)
    assert schedule(back_since_yesterday) == Due(NOW + PATIENCE, Reason.LEARNED)
    assert schedule(quiet).at - NOW > 30 * PATIENCE


def test_an_active_player_ranks_above_an_idle_one():
    since = NOW - timedelta(days=4)
    active = player(1, rhythm=Rhythm(changes=6.0, watched_days=2.0), last=since)
    rare = player(2, rhythm=Rhythm(changes=0.6, watched_days=2.0), last=since)
    assert plan([rare, active], now=NOW, budget=2) == [
        Decision(1, Reason.LEARNED),
        Decision(2, Reason.LEARNED),
    ]


def test_an_evening_player_is_fetched_after_its_evening_not_through_the_day():
    evening = history(lambda at: at.hour == 21)  # found at 21:00, so played 18:00-21:00
    morning = (NOW + timedelta(days=1)).replace(hour=9)
    due = schedule(learn(evening, changed=False, at=morning))
    assert due == Due(morning.replace(hour=18) + PATIENCE, Reason.LEARNED)


def test_learning_counts_a_change_in_the_hours_its_fetch_covered():
    state = learn(player(last=NOW - 2 * HOUR), changed=True, at=NOW)
    hours = state.rhythm.hours
    assert hours[10] + hours[11] == 1.0
    assert sum(hours) == 1.0
    assert state.rhythm.changes_per_day > Rhythm().changes_per_day


def test_a_likely_change_outside_zero_and_one_is_refused():
    with pytest.raises(ValueError, match="likely_change"):
        PolicySettings(likely_change=1.0)


def test_a_late_result_never_moves_last_fetched_back():
    state = player(last=NOW)
    assert learn(state, changed=False, at=NOW - HOUR).last_fetched == NOW


# --- properties -------------------------------------------------------------------

rhythms = st.builds(
    Rhythm,
    changes=st.floats(0, 50),
    watched_days=st.floats(0.01, 30),
    hours=st.lists(st.floats(0, 40), min_size=24, max_size=24).map(tuple),
)
offsets = st.integers(min_value=-10 * 24 * 3600, max_value=3600)


@st.composite
def states(draw, player_id: int) -> PlayerState:
    ago = timedelta(seconds=draw(st.integers(0, 10 * 24 * 3600)))
    moment = st.builds(lambda s: NOW + timedelta(seconds=s), offsets)
    return PlayerState(
        player_id,
        NOW - ago,
        timedelta(minutes=draw(st.sampled_from([5, 60, 180, 1440]))),
        rhythm=draw(rhythms),
        pinned=draw(st.booleans()),
        requested_at=draw(st.none() | moment),
        deadline=draw(st.none() | moment),
    )


populations = st.integers(0, 40).flatmap(
    lambda n: st.tuples(*[states(i) for i in range(n)]).map(list)
)


# Populations take a while to draw on a busy machine: not a fault of the test.
@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(populations, st.integers(0, 12))
def test_the_budget_is_never_exceeded(population, budget):
    decisions = plan(population, now=NOW, budget=budget)
    assert len(decisions) <= budget
    assert len({d.player_id for d in decisions}) == len(decisions)


# Populations take a while to draw on a busy machine: not a fault of the test.
@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(populations, st.integers(1, 12), st.randoms())
def test_plans_are_deterministic_whatever_the_order(population, budget, rng):
    shuffled = population[:]
    rng.shuffle(shuffled)
    assert plan(shuffled, now=NOW, budget=budget) == plan(population, now=NOW, budget=budget)


# Populations take a while to draw on a busy machine: not a fault of the test.
@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(populations, st.integers(1, 12))
def test_the_index_alone_finds_every_player_plan_would_choose(population, budget):
    due = [s for s in population if schedule(s).at <= NOW]
    decisions = plan(population, now=NOW, budget=budget)
    assert decisions == plan(due, now=NOW, budget=budget)
    assert len(decisions) == min(budget, len(due))


@given(states(1))
def test_the_maximum_interval_is_never_exceeded(state):
    assert schedule(state).at <= state.last_fetched + max(MAXIMUM, state.min_interval)


@given(states(1))
def test_the_minimum_interval_is_respected_unless_asked_or_at_a_deadline(state):
    due = schedule(state)
    if due.reason not in (Reason.MANUAL, Reason.DEADLINE):
        assert due.at >= state.last_fetched + state.min_interval - timedelta(microseconds=1)


@settings(max_examples=50)
@given(states(1), st.lists(st.tuples(st.booleans(), st.integers(1, 3 * 24 * 3600)), max_size=30))
def test_any_history_keeps_the_player_within_its_intervals(state, fetches):
    for changed, gap in fetches:
        state = learn(state, changed=changed, at=state.last_fetched + timedelta(seconds=gap))
    due = schedule(state)
    assert due.at <= state.last_fetched + max(MAXIMUM, state.min_interval)
    if due.reason in (Reason.LEARNED, Reason.MAXIMUM_INTERVAL, Reason.PINNED):
        assert due.at >= state.last_fetched + state.min_interval - timedelta(microseconds=1)


def test_owed_players_go_first_among_a_hundred_thousand_due():
    rng = random.Random(7)
    population = [
        player(
            i,
            rhythm=Rhythm(changes=rng.uniform(0, 8), watched_days=2.0),
            last=NOW - timedelta(hours=rng.uniform(6, 24 * 7)),
        )
        for i in range(100_000)
    ]
    decisions = plan(population, now=NOW, budget=5)
    assert [d.reason for d in decisions] == [Reason.MAXIMUM_INTERVAL] * 5
