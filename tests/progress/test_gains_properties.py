"""Properties of the gain rules over generated histories (pure: no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from hiscores import catalogue, levels
from progress.analysis import MIN_RATE_SECONDS, Analysis, analyse
from progress.states import State, state_at, window

T0 = datetime(2024, 1, 1, tzinfo=UTC)
SKILLS = ("attack", "cooking", "sailing")
BOSSES = ("zulrah", "mimic", "vorkath")
ACTIVITIES = ("clue_scrolls_all", "last_man_standing")
MINIMUM = {slug: catalogue.BY_SLUG[slug].minimum for slug in (*BOSSES, *ACTIVITIES)}

gaps = st.integers(min_value=1, max_value=20 * 86_400)


def _build(at: datetime, skills: dict, bosses: dict, activities: dict, overall=None) -> State:
    known = [v for v in skills.values() if v is not None]
    if overall is None and len(known) == len(skills):
        overall = sum(known)
    return State(
        at=at,
        overall_experience=overall,
        overall_level=sum(levels.level(v) for v in known) if overall else None,
        skills=dict(skills),
        bosses={s: v for s, v in bosses.items()},
        activities={s: v for s, v in activities.items()},
    )


@st.composite
def growing_histories(draw) -> list[State]:
    """Every value only grows; skills stay ranked, kills and scores may start
    unranked and get listed once they reach the ranking minimum."""
    skills = {s: draw(st.integers(0, 20_000_000)) for s in SKILLS}
    counts = {s: draw(st.none() | st.integers(MINIMUM[s], MINIMUM[s] + 50)) for s in MINIMUM}
    at, history = T0, []
    for _ in range(draw(st.integers(3, 7))):
        at += timedelta(seconds=draw(gaps))
        history.append(
            _build(
                at,
                skills,
                {s: counts[s] for s in BOSSES},
                {s: counts[s] for s in ACTIVITIES},
            )
        )
        for s in skills:
            skills[s] = min(skills[s] + draw(st.integers(0, 3_000_000)), levels.MAX_EXPERIENCE)
        for s, value in counts.items():
            if value is None:
                counts[s] = draw(st.none() | st.integers(MINIMUM[s], MINIMUM[s] + 50))
            else:
                counts[s] = value + draw(st.integers(0, 40))
    return history


_absent = object()
value_or_unranked = st.none() | st.integers(0, 30_000_000)


@st.composite
def any_histories(draw) -> list[State]:
    """Anything goes: values go down, become unranked, rows appear and vanish."""
    at, history = T0, []
    for _ in range(draw(st.integers(1, 7))):
        at += timedelta(seconds=draw(gaps))

        def section(slugs):
            values = {s: draw(st.just(_absent) | value_or_unranked) for s in slugs}
            return {s: v for s, v in values.items() if v is not _absent}

        overall = draw(st.none() | st.integers(1, 400_000_000))
        history.append(_build(at, section(SKILLS), section(BOSSES), section(ACTIVITIES), overall))
    return history


def deduplicated(history: list[State]) -> list[State]:
    out: list[State] = []
    for state in history:
        if not out or out[-1].values() != state.values():
            out.append(state)
    return out


def _totals(analysis: Analysis) -> dict[str, int]:
    out = {f"gain:{slug}": gain.value for slug, gain in analysis.gains().items()}
    out |= {f"level:{slug}": value for slug, value in analysis.levels.items()}
    out |= {f"virtual:{slug}": value for slug, value in analysis.virtual_levels.items()}
    return out


@given(any_histories(), st.data())
def test_gains_levels_and_rates_are_never_negative(history, data):
    a = data.draw(st.sampled_from(history))
    b = data.draw(st.sampled_from([s for s in history if s.at >= a.at]))
    analysis = analyse(a, b)
    assert min(_totals(analysis).values()) >= 0
    rates = analysis.daily_rates().values()
    assert all(rate is None or rate >= 0 for rate in rates)
    # A rate is given exactly when the records compared are at least a day apart.
    assert {rate is None for rate in rates} == {analysis.span_seconds < MIN_RATE_SECONDS}


@given(growing_histories(), st.data())
def test_for_a_growing_history_gains_add_up_across_a_midpoint(history, data):
    i, j, k = sorted(data.draw(st.lists(st.integers(0, len(history) - 1), min_size=3, max_size=3)))
    a, b, c = history[i], history[j], history[k]
    whole, first, second = _totals(analyse(a, c)), _totals(analyse(a, b)), _totals(analyse(b, c))
    assert whole == {key: first[key] + second[key] for key in whole}


@given(growing_histories(), st.data())
def test_growing_history_has_no_anomaly(history, data):
    i, k = sorted(data.draw(st.lists(st.integers(0, len(history) - 1), min_size=2, max_size=2)))
    assert analyse(history[i], history[k]).anomalies() == []


@given(st.integers(0, levels.MAX_EXPERIENCE), st.integers(0, levels.MAX_EXPERIENCE))
def test_levels_gained_count_the_xp_table_thresholds_crossed(x, y):
    low, high = sorted((x, y))
    analysis = analyse(_build(T0, {"attack": low}, {}, {}), _build(T0, {"attack": high}, {}, {}))
    crossed = [lv for lv in range(2, levels.MAX_VIRTUAL_LEVEL + 1)]
    crossed = [lv for lv in crossed if low < levels.experience_for_level(lv) <= high]
    assert analysis.virtual_levels["attack"] == len(crossed)
    assert analysis.levels["attack"] == len([lv for lv in crossed if lv <= levels.MAX_LEVEL])


@given(any_histories(), st.data())
def test_repeated_unchanged_snapshots_change_no_answer(history, data):
    """Deduplicated storage and full storage (every poll kept) give the same answers."""
    stored = deduplicated(history)
    full: list[State] = []
    for index, state in enumerate(stored):
        full.append(state)
        limit = stored[index + 1].at if index + 1 < len(stored) else state.at + timedelta(days=30)
        for _ in range(data.draw(st.integers(0, 3))):
            seconds = data.draw(st.integers(1, max(1, int((limit - state.at).total_seconds()) - 1)))
            repeat = State(state.at + timedelta(seconds=seconds), *state.values())
            if repeat.at < limit and repeat.at > full[-1].at:
                full.append(repeat)
    span = int((full[-1].at - T0).total_seconds()) + 86_400
    start, end = sorted(T0 + timedelta(seconds=data.draw(st.integers(0, span))) for _ in range(2))
    assert state_at(stored, end) == state_at(full, end)
    compared = window(stored, start, end), window(full, start, end)
    if compared[0] is None:
        assert compared[1] is None
        return
    (s1, e1, baseline1), (s2, e2, baseline2) = compared
    assert (s1, e1, baseline1) == (s2, e2, baseline2)
    assert analyse(s1, e1).body() == analyse(s2, e2).body()
