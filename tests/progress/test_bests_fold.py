"""The records rules' shortcuts (progress.bests): folding a history in record by
record with `fold_into`, which leaves out what cannot win, gives what a brute-force
recomputation over every pair of records gives; the single-value gains read first
are the gain rules' own. Pure: no database."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from api.params import PERIODS
from hiscores import catalogue
from progress import bests
from progress.bests import Bests
from progress.gains import gain_of
from progress.states import State, state_of
from tests.progress.builders import NOW, state
from tests.progress.test_bests_properties import brute_force

T0 = NOW - timedelta(days=900)
HOUR = timedelta(hours=1)
BOSSES = ("zulrah", "vorkath", "kraken", "mimic")
kills = st.none() | st.sampled_from([5, 12, 60, 200])
experience = st.none() | st.sampled_from([0, 400_000, 900_000, 2_500_000])
# Records close together, so that many pairs fall within each period, and far apart.
gaps = st.sampled_from([600, 3_600, 20 * 3_600, 3 * 86_400, 8 * 86_400, 40 * 86_400, 300 * 86_400])


@st.composite
def records(draw) -> SimpleNamespace:
    """A record's fields (as `state_of` reads them), its values drawn from a few: the
    same value twice, rollbacks, rows unranked or not listed, a lone unranked skill
    that Overall reveals, Defence at 0 (another efficiency table) and game modes."""
    skills = dict.fromkeys(catalogue.SKILL_SLUGS, draw(st.sampled_from([None, 1_000_000])))
    skills |= {
        "attack": draw(experience),
        "defence": draw(st.sampled_from([0, 1_000_000])),
        "sailing": draw(experience),
    }
    bosses = {slug: draw(kills) for slug in BOSSES}
    for section, slug in ((skills, "sailing"), (bosses, "mimic")):
        if draw(st.booleans()) and draw(st.booleans()):
            del section[slug]
    known = [xp for xp in skills.values() if xp is not None]
    overall = draw(st.sampled_from(["sum", "sum", "off", None]))
    if overall == "sum":
        overall = sum(known) if len(known) == len(skills) else None
    elif overall == "off":
        overall = sum(known) + draw(st.sampled_from([-100, 300_000, 800_000]))
    return SimpleNamespace(
        overall_experience=overall,
        overall_level=None,
        skills_data={s: None if xp is None else {"experience": xp} for s, xp in skills.items()},
        bosses_data={s: None if kc is None else {"kc": kc} for s, kc in bosses.items()},
        activities_data={},
        game_mode=draw(st.sampled_from(["regular", "regular", "ironman"])),
    )


@st.composite
def histories(draw) -> list[SimpleNamespace]:
    at, out = T0, []
    for _ in range(draw(st.integers(1, 9))):
        at += timedelta(seconds=draw(gaps))
        record = draw(records() if not out or draw(st.booleans()) else st.just(out[-1]))
        out.append(SimpleNamespace(**{**vars(record), "fetched_at": at}))
    return out


def folded(states: list[State]) -> Bests:
    """The records as `progress.bests_table` folds a history in: each record with each
    period's first record in the window before it and the year's breaks."""
    out: Bests = {}
    breaks: list[tuple[State, set[str]]] = []
    previous = None
    for index, end in enumerate(states):
        firsts = {
            period: next(s for s in states[:index] if s.at >= end.at - length)
            for period, length in PERIODS.items()
            if any(s.at >= end.at - length for s in states[:index])
        }
        year = [(s, broken) for s, broken in breaks if s.at >= end.at - bests.LONGEST]
        bests.fold_into(out, end, previous, firsts, year)
        if broken := bests.broken_metrics(previous, end):
            breaks.append((end, broken))
        previous = end
    return out


@settings(max_examples=300, deadline=None)
@given(histories())
def test_folding_record_by_record_equals_brute_force(history):
    assert folded([state_of(r) for r in history]) == brute_force(history)


@st.composite
def boss_runs(draw) -> list[SimpleNamespace]:
    """Bosses first ranked one after another, then killed (or rolled back): a run of
    breaks of hours bossed, most of which cannot beat the first record's gain."""
    kc = dict.fromkeys(catalogue.BOSS_SLUGS[:12])
    at, out = T0, []
    for _ in range(draw(st.integers(2, 14))):
        at += timedelta(seconds=draw(st.sampled_from([600, 3 * 3_600, 2 * 86_400, 9 * 86_400])))
        slug = draw(st.sampled_from(list(kc)))
        kc[slug] = draw(st.sampled_from([5, 8, 30, 400])) if kc[slug] is None else kc[slug] + 3
        if draw(st.integers(0, 5)) == 0:
            kc[slug] = max(5, kc[slug] - 40)
        out.append(
            SimpleNamespace(
                fetched_at=at,
                overall_experience=None,
                overall_level=None,
                skills_data={},
                bosses_data={s: None if v is None else {"kc": v} for s, v in kc.items()},
                activities_data={},
                game_mode="regular",
            )
        )
    return out


@settings(max_examples=200, deadline=None)
@given(boss_runs())
def test_hours_bossed_after_a_run_of_first_ranked_bosses_equal_brute_force(history):
    assert folded([state_of(r) for r in history]) == brute_force(history)


@given(records(), records())
def test_the_single_value_gains_read_first_are_the_gain_rules_own(start, end):
    start, end = (state_of(SimpleNamespace(**vars(r), fetched_at=NOW)) for r in (start, end))
    for slug in (*catalogue.SKILL_SLUGS, *catalogue.BOSS_SLUGS, *catalogue.ACTIVITY_SLUGS):
        assert bests.METRICS[slug](start, end) == gain_of(start, end, slug), slug


def test_a_skill_that_held_is_computed_again_when_overall_can_reveal_it_anew():
    """Attack unranked at the first record, which Overall reveals (400,000). It holds
    at 900,000 from the second record to the third, yet only at the third is every
    other skill known again, so only there is the gain from the first known."""
    others = {slug: 1_000_000 for slug in catalogue.SKILL_SLUGS if slug != "attack"}
    total = sum(others.values())
    first = state(T0, skills={**others, "attack": None}, overall=total + 400_000)
    held = state(T0 + HOUR, skills={**others, "attack": 900_000, "sailing": None}, overall=None)
    known = state(T0 + 2 * HOUR, skills={**others, "attack": 900_000})
    assert gain_of(first, held, "attack").value == 0
    got = folded([first, held, known])
    assert got["attack", "day"] == bests.Best(500_000, False, first.at, known.at)
