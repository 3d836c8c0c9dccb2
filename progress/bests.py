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

A computed metric that is a sum of its inputs' shares (hours bossed: each boss's
kills over its rate) says so (`shares`), and is not computed from a break that
cannot win. From one candidate start to the next, every input that did not break
in between held or grew, so its share did not grow: the gain from the later start
is at most the gain from the earlier one plus what the shares of the inputs
broken in between changed. A run of breaks of one boss each, common as bosses are
first ranked one after the other, then costs a share or two each instead of
every boss.

Folding a whole history in (a rebuild) asks this of every record. What keeps it
cheap (`fold_into`): a record changes a few values, and a metric whose gain to it
is, from any start, its gain to the record before cannot make a record ending at
it (the same pair ending earlier is at least as good), so it is not computed; and
the gains that do not beat a record are not ranked.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from api.params import PERIODS
from hiscores import catalogue

from . import efficiency
from .gains import ABSENT, Gain, gain_of, overall_gain
from .states import SECTIONS, State

GainFunction = Callable[[State, State], Gain]
# Given the end state, each input's share of the gain (in the gain's unit, before
# rounding to a whole number) from a start state.
Shares = Callable[[State], Callable[[str, State], float]]

# Metric slug -> its gain between two states, in the order the API lists them.
METRICS: dict[str, GainFunction] = {}
# A computed metric -> the metrics it is computed from (it breaks where they do).
FOLLOWS: dict[str, frozenset[str]] = {}
# A computed metric that is the sum of its inputs' shares -> those shares.
SHARES: dict[str, Shares] = {}
# The longest period: how far back a new record looks.
LONGEST = max(PERIODS.values())
# The metrics whose value is one entry of a state (`_single_value`).
_SECTION_OF = {
    **dict.fromkeys(catalogue.SKILL_SLUGS, "skills"),
    **dict.fromkeys(catalogue.BOSS_SLUGS, "bosses"),
    **dict.fromkeys(catalogue.ACTIVITY_SLUGS, "activities"),
}


def register(
    slug: str, gain: GainFunction, *, follows: Iterable[str] = (), shares: Shares | None = None
) -> None:
    """Add a metric whose records are kept; a computed one names the metrics it is
    computed from, and its `shares` when it is their sum (module docstring: what
    `gain` must obey; a share must never be larger from an earlier state across a
    step steady for its input)."""
    METRICS[slug] = gain
    if follows:
        FOLLOWS[slug] = frozenset(follows)
    if shares is not None:
        SHARES[slug] = shares


def _overall(start: State, end: State) -> Gain:
    # Both totals known: no skill is read (`gains.overall_gain`), so none is computed.
    if start.overall_experience is not None and end.overall_experience is not None:
        return overall_gain(start, end, {})
    return gain_of(start, end, "overall")


def _single_value(section: str, slug: str, start: State, end: State) -> Gain:
    """`gains.gain_of` for a skill, boss or activity. Its common case is read first:
    a value known at both ends that held or grew gained the difference, which is
    what the rules answer then; unranked at both ends, nothing was gained. A
    records rebuild asks this of every record, so the rules' general lookups are
    kept for the other cases."""
    before = getattr(start, section).get(slug, ABSENT)
    after = getattr(end, section).get(slug, ABSENT)
    if type(before) is int and type(after) is int and after >= before:
        return Gain(after - before)
    if before is None and after is None:
        return _NOTHING
    return gain_of(start, end, slug)


_NOTHING = Gain()


register("overall", _overall)
for _slug, _section in _SECTION_OF.items():
    register(_slug, partial(_single_value, _section, _slug))


# Efficient hours are kept in thousandths of an hour (a record is a whole
# number); the API shows hours. Both ends are read under the one table the end
# state chooses (`progress.efficiency`), each skill's or boss's gain by the gain
# rules, so the gain is never negative and is steady where its metrics are.
EFFICIENCY_SCALE = 1_000
EFFICIENCY_METRICS = ("ehp", "ehb")


def _tables(end: State) -> efficiency.Choice:
    return efficiency.table_for(end.game_mode or "regular", end.skills)


def _efficient_hours(measure: str, start: State, end: State) -> Gain:
    choice = _tables(end)
    if measure == "ehp":
        gains = {slug: _single_value("skills", slug, start, end) for slug in efficiency.SKILLS}
        hours = efficiency.ehp_gained(choice.skills, start.skills, end.skills, gains)
    else:
        gains = {slug: _single_value("bosses", slug, start, end) for slug in catalogue.BOSS_SLUGS}
        hours = efficiency.ehb_gained(choice.bosses, gains)
    approximate = any(gain.approximate for gain in gains.values() if gain.value)
    return Gain(round(hours * EFFICIENCY_SCALE), approximate)


register("ehp", partial(_efficient_hours, "ehp"), follows=catalogue.SKILL_SLUGS)


def _boss_shares(end: State) -> Callable[[str, State], float]:
    """A boss's share of the hours bossed (`efficiency.ehb_gained`), in thousandths."""
    table = _tables(end).bosses

    def share(boss: str, start: State) -> float:
        kills = _single_value("bosses", boss, start, end).value
        return EFFICIENCY_SCALE * table.boss_hours(boss, kills)

    return share


register(
    "ehb",
    partial(_efficient_hours, "ehb"),
    follows=catalogue.BOSS_SLUGS,
    shares=_boss_shares,
)


@dataclass(frozen=True, slots=True)
class Best:
    """A gain of `value` from the record fetched at `start_at` to the one at `end_at`."""

    value: int
    approximate: bool
    start_at: datetime
    end_at: datetime

    def beats(self, other: Best | None) -> bool:
        if other is None:
            return True
        if self.value != other.value:  # `_rank`'s first term, compared without building it
            return self.value > other.value
        return _rank(self) > _rank(other)


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


def bests_ending_at(
    end: State,
    starts: Mapping[str, State | None],
    breaks: Iterable[tuple[State, Collection[str]]],
    metrics: Iterable[str] | None = None,
    *,
    floor: Bests | None = None,
) -> Bests:
    """The best gain ending at `end` per metric and period: `starts[period]` is the
    first record in the period before `end` (None: none), `breaks` the breaks
    before `end` with the metrics each breaks (any older than a period are ignored
    for it). Only `metrics` (default: every one) are computed. With `floor` (the
    records so far), only the gains that beat its own are returned: what
    `merge(floor, ...)` keeps either way, without ranking the many that lose."""
    wanted = list(metrics if metrics is not None else METRICS)
    known = set(wanted)
    oldest = end.at - LONGEST
    # Each candidate start, with the metrics worth trying from it (None: every one).
    candidates: dict[datetime, tuple[State, set[str] | None]] = {}
    broken_at: dict[datetime, Collection[str]] = {}
    for start in starts.values():
        if start is not None and oldest <= start.at < end.at:
            candidates[start.at] = (start, None)
    for start, broken in breaks:
        if oldest <= start.at < end.at:
            broken_at[start.at] = broken
            tried = candidates.setdefault(start.at, (start, set()))[1]
            if tried is not None:
                tried.update(broken)
    earliest = {period: end.at - length for period, length in PERIODS.items()}
    floor = floor or {}
    out: Bests = {}
    bounds: dict[str, _Bound] = {}  # for each sum of shares computed so far
    for start, tried in sorted(candidates.values(), key=lambda candidate: candidate[0].at):
        periods = [period for period, first in earliest.items() if start.at >= first]
        if tried is None:
            changed = _changed(start, end)
            # Overall reads every skill, a computed metric what it follows: always tried.
            trying = [m for m in wanted if m not in _SECTION_OF or m in changed]
        else:
            trying = [m for m in tried if m in known]
        if start.at in broken_at:
            for metric, bound in bounds.items():
                bound.broken.update(FOLLOWS[metric].intersection(broken_at[start.at]))
        for metric in trying:
            bound = bounds.get(metric)
            if bound is not None:
                most = bound.moved_to(start)
                # Short of every record it could beat by more than rounding: not computed.
                if all(
                    _short(most, out.get((metric, p)) or floor.get((metric, p))) for p in periods
                ):
                    continue
            gain = METRICS[metric](start, end)
            if metric in SHARES:
                # The gain is the sum rounded to a whole number: the sum is at most half more.
                share = bound.share if bound is not None else SHARES[metric](end)
                bounds[metric] = _Bound(share, start, gain.value + 0.5)
            if gain.value <= 0:
                continue
            best = None
            for period in periods:
                key = metric, period
                current = out.get(key) or floor.get(key)
                if current is not None and gain.value < current.value:
                    continue
                best = best or Best(gain.value, gain.approximate, start.at, end.at)
                if best.beats(current):
                    out[key] = best
    return out


@dataclass(slots=True)
class _Bound:
    """At most what a sum of shares (module docstring) gains from the candidate
    start after `start`: `most` from `start`, plus what the shares of the inputs
    broken since changed."""

    share: Callable[[str, State], float]
    start: State
    most: float
    broken: set[str] = field(default_factory=set)

    def moved_to(self, start: State) -> float:
        for slug in self.broken:
            self.most += self.share(slug, start) - self.share(slug, self.start)
        self.start, self.broken = start, set()
        return self.most


def _short(most: float, best: Best | None) -> bool:
    # A whole unit of margin: the gain sums the shares in another order (and unit).
    return best is not None and most < best.value - 1


def fold_into(
    records: Bests,
    end: State,
    previous: State | None,
    starts: Mapping[str, State | None],
    breaks: Iterable[tuple[State, Collection[str]]],
) -> set[tuple[str, str]]:
    """Fold the record `end` into `records`, the best of every pair of records up to
    `previous`, the record before `end` (None: `end` is the first): what
    `merge(records, bests_ending_at(end, starts, breaks))` does, for less. A metric
    whose gain to `end` is, from every start, its gain to `previous` is not
    computed: each such pair was at most `records`' own, and ends later. Returns the
    keys that changed."""
    metrics = unfolded_metrics(previous, end)
    return merge(records, bests_ending_at(end, starts, breaks, metrics, floor=records))


def unfolded_metrics(previous: State | None, end: State) -> list[str]:
    """The metrics whose records `end` may change, once `previous`, the record
    before it, is folded in: those whose gain to `end` is not, from every start,
    their gain to `previous` (`_same_gains`)."""
    same = _same_gains(previous, end) if previous is not None else set()
    return [metric for metric in METRICS if metric not in same]


def _same_gains(previous: State, end: State) -> set[str]:
    """The metrics whose gain to `end` is their gain to `previous` from any start:
    what the gain rules read of the end state is the same in both. A skill unranked
    at the start is inferred from which values the end knows (`gains._hidden_start`);
    Overall reads every skill when a total is unknown. A computed metric is the
    same when every metric it follows is and the end state chooses the same rates:
    efficient hours read nothing else, and their rates are chosen by the end's game
    mode and skills."""
    changed = _changed(previous, end)
    same = {slug for slug in _SECTION_OF if slug not in changed}
    if _knowns(previous) != _knowns(end):
        same -= set(catalogue.SKILL_SLUGS)
    if previous.overall_experience == end.overall_experience and previous.skills == end.skills:
        same.add("overall")
    if previous.game_mode == end.game_mode and previous.skills == end.skills:
        same |= {metric for metric in EFFICIENCY_METRICS if FOLLOWS[metric] <= same}
    return same


def _knowns(state: State) -> tuple[bool, dict[str, bool]]:
    return state.overall_experience is None, {slug: xp is None for slug, xp in state.skills.items()}


def merge(into: Bests, new: Bests) -> set[tuple[str, str]]:
    """Keep in `into` the better of each of `new`; returns the keys that changed."""
    changed = set()
    for key, best in new.items():
        if best.beats(into.get(key)):
            into[key] = best
            changed.add(key)
    return changed
