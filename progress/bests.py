"""Records: a player's best gain in each metric over each period. Pure rules, no
database; the table that keeps them is `progress.bests_table`.

The rule. For a metric and a period of length L (`api.params.PERIODS`), a
player's record is the largest gain (`progress.gains`, so a rollback is never a
gain and a row first ranked in between counts as a lower bound, flagged
approximate) between two of their records at most L apart: the largest gain
within any window of that length. Only a gain above 0 is a record. Among equal
gains an exact one beats an approximate one, then the earlier end, then the
earlier start: every way of computing them picks the same pair.

Why a new record costs a few states, not a window's worth. A record can only
create records ending at it, and among the records before it in a window, the
best start for a metric is the window's first record or a *break* of that
metric: a record at which the values its gain reads did not simply hold or grow
since the record before (`broken_metrics`). Past a steady step every gain of the
metric to any later record is at least as large from the record before, with the
same flag (`gains` compares a known value with a known value then), and the
earlier start wins a tie. So the candidates are each period's first record in
the window and the year's breaks of the metric. A player's first record is the
first of every window that holds it: it needs no mark.

Metrics are a registry (`METRICS`): a computed metric (efficient hours, say)
registers its gain function with `register`, naming the metrics it is computed
from (`follows`): it breaks where they break. Its gain must never be smaller from
an earlier state across a step steady for those metrics (it grows with them).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from api.params import PERIODS
from hiscores import catalogue

from . import efficiency
from .gains import Gain, gain_of, overall_gain
from .states import SECTIONS, State

GainFunction = Callable[[State, State], Gain]

# Metric slug -> its gain between two states, in the order the API lists them.
METRICS: dict[str, GainFunction] = {}
# A computed metric -> the metrics it is computed from (it breaks where they do).
FOLLOWS: dict[str, frozenset[str]] = {}
# The longest period: how far back a new record looks.
LONGEST = max(PERIODS.values())
# The metrics whose value is one entry of a state (`_single_value`).
_SECTION_OF = {
    **dict.fromkeys(catalogue.SKILL_SLUGS, "skills"),
    **dict.fromkeys(catalogue.BOSS_SLUGS, "bosses"),
    **dict.fromkeys(catalogue.ACTIVITY_SLUGS, "activities"),
}


def register(slug: str, gain: GainFunction, *, follows: Iterable[str] = ()) -> None:
    """Add a metric whose records are kept; a computed one names the metrics it is
    computed from (module docstring: what `gain` must obey)."""
    METRICS[slug] = gain
    if follows:
        FOLLOWS[slug] = frozenset(follows)


def _overall(start: State, end: State) -> Gain:
    # Both totals known: no skill is read (`gains.overall_gain`), so none is computed.
    if start.overall_experience is not None and end.overall_experience is not None:
        return overall_gain(start, end, {})
    return gain_of(start, end, "overall")


register("overall", _overall)
for _slug in (
    *catalogue.SKILL_SLUGS,
    *catalogue.BOSS_SLUGS,
    *catalogue.ACTIVITY_SLUGS,
):
    register(_slug, partial(gain_of, metric=_slug))


# Efficient hours are kept in thousandths of an hour (a record is a whole
# number); the API shows hours. Both ends are read under the one table the end
# state chooses (`progress.efficiency`), each skill's or boss's gain by the gain
# rules, so the gain is never negative and is steady where its metrics are.
EFFICIENCY_SCALE = 1_000
EFFICIENCY_METRICS = ("ehp", "ehb")


def _efficient_hours(measure: str, start: State, end: State) -> Gain:
    choice = efficiency.table_for(end.game_mode or "regular", end.skills)
    if measure == "ehp":
        gains = {slug: gain_of(start, end, slug) for slug in efficiency.SKILLS}
        hours = efficiency.ehp_gained(choice.skills, start.skills, end.skills, gains)
    else:
        gains = {slug: gain_of(start, end, slug) for slug in catalogue.BOSS_SLUGS}
        hours = efficiency.ehb_gained(choice.bosses, gains)
    approximate = any(gain.approximate for gain in gains.values() if gain.value)
    return Gain(round(hours * EFFICIENCY_SCALE), approximate)


register("ehp", partial(_efficient_hours, "ehp"), follows=catalogue.SKILL_SLUGS)
register("ehb", partial(_efficient_hours, "ehb"), follows=catalogue.BOSS_SLUGS)


@dataclass(frozen=True, slots=True)
class Best:
    """A gain of `value` from the record fetched at `start_at` to the one at `end_at`."""

    value: int
    approximate: bool
    start_at: datetime
    end_at: datetime

    def beats(self, other: Best | None) -> bool:
        return other is None or _rank(self) > _rank(other)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _rank(best: Best) -> tuple[int, bool, timedelta, timedelta]:
    # Larger is better: the gain, exact before approximate, then earlier ends and starts.
    return (best.value, not best.approximate, _EPOCH - best.end_at, _EPOCH - best.start_at)


Bests = dict[tuple[str, str], Best]  # (metric, period) -> Best


def _steady(before: Any, after: Any) -> bool:
    # Held or grew (a known value each time), or unknown both times.
    if isinstance(before, int) and isinstance(after, int):
        return after >= before
    return before is None and after is None


def _revealed(state: State) -> int | None:
    """The experience Overall reveals of the one unranked skill (gains._hidden_start),
    when every other skill and Overall are known; else None."""
    known = [xp for xp in state.skills.values() if isinstance(xp, int)]
    if state.overall_experience is None or len(known) != len(state.skills) - 1:
        return None
    return state.overall_experience - sum(known)


def broken_metrics(before: State | None, state: State) -> set[str]:
    """The metrics a best gain may start at `state` for, the record after `before`
    (None: the player's first record, which needs no mark). See the module docstring."""
    if before is None:
        return set()
    broken: set[str] = set()
    if not _steady(before.overall_experience, state.overall_experience):
        broken.add("overall")
    skills0, skills1 = before.skills, state.skills
    if skills0.keys() != skills1.keys():
        # A skill added or removed: Overall's sum and every inference change.
        broken |= {"overall", *skills0, *skills1}
    for slug, xp in skills1.items():
        if slug in skills0 and not _steady(skills0[slug], xp):
            broken |= {"overall", slug}
    # A skill unranked both times, which Overall reveals: a start here gains less
    # unless the revealed experience shrank (totals that do not add up) or was not
    # sound before. Overall never reads a revealed skill (`gains.overall_gain`).
    revealed = _revealed(state)
    if revealed is not None:
        before_revealed = _revealed(before)
        if before_revealed is None or not 0 <= before_revealed <= revealed:
            broken.add(next(slug for slug, xp in skills1.items() if not isinstance(xp, int)))
    for section in ("bosses", "activities"):
        values0, values1 = getattr(before, section), getattr(state, section)
        broken |= values0.keys() ^ values1.keys()
        broken |= {
            slug
            for slug, value in values1.items()
            if slug in values0 and not _steady(values0[slug], value)
        }
    broken |= {metric for metric, inputs in FOLLOWS.items() if inputs & broken}
    return broken


def _changed(start: State, end: State) -> set[str]:
    """The single-value metrics whose value differs (a missing row counts as one
    value): only those can have gained (`gains`: an equal value gains 0)."""
    out: set[str] = set()
    for section in SECTIONS:
        values0, values1 = getattr(start, section), getattr(end, section)
        if values0 == values1:
            continue
        out.update(slug for slug, value in values1.items() if values0.get(slug, _MISSING) != value)
        out.update(values0.keys() - values1.keys())
    return out


_MISSING = object()


def _worth_computing(metric: str, changed: set[str]) -> bool:
    # Overall reads every skill, a computed metric what it follows: always computed.
    return metric not in _SECTION_OF or metric in changed


def bests_ending_at(
    end: State,
    starts: Mapping[str, State | None],
    breaks: Iterable[tuple[State, Collection[str]]],
    metrics: Iterable[str] | None = None,
) -> Bests:
    """The best gain ending at `end` per metric and period: `starts[period]` is the
    first record in the period before `end` (None: none), `breaks` the breaks
    before `end` with the metrics each breaks (any older than a period are ignored
    for it). Only `metrics` (default: every one) are computed."""
    wanted = list(metrics if metrics is not None else METRICS)
    # Each candidate start, with the metrics worth trying from it (None: every one).
    candidates: dict[datetime, tuple[State, set[str] | None]] = {}
    for start in starts.values():
        if start is not None and start.at < end.at:
            candidates[start.at] = (start, None)
    for start, broken in breaks:
        if start.at < end.at - LONGEST or start.at >= end.at:
            continue
        tried = candidates.setdefault(start.at, (start, set()))[1]
        if tried is not None:
            tried.update(broken)
    earliest = {period: end.at - length for period, length in PERIODS.items()}
    out: Bests = {}
    for start, tried in candidates.values():
        if start.at < end.at - LONGEST:
            continue
        periods = [period for period, first in earliest.items() if start.at >= first]
        if tried is None:
            changed = _changed(start, end)
            trying = [m for m in wanted if _worth_computing(m, changed)]
        else:
            trying = [m for m in wanted if m in tried]
        for metric in trying:
            gain = METRICS[metric](start, end)
            if gain.value <= 0:
                continue
            best = Best(gain.value, gain.approximate, start.at, end.at)
            for period in periods:
                if best.beats(out.get((metric, period))):
                    out[metric, period] = best
    return out


def merge(into: Bests, new: Bests) -> set[tuple[str, str]]:
    """Keep in `into` the better of each of `new`; returns the keys that changed."""
    changed = set()
    for key, best in new.items():
        if best.beats(into.get(key)):
            into[key] = best
            changed.add(key)
    return changed
