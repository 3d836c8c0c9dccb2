"""Could one account have gone from one answer to the next? Pure rules and the
data they use: the one place that knows how fast an account can move
(docs/api.md, "Flags").

Two signs say the answer is not the same account playing on:
- values fell in at least FALLS_TO_FLAG metrics at once. Only skill experience
  and boss kills are watched: neither ever falls for one account, while some
  activities are ratings or spendable points (Last Man Standing, League points)
  that do. A value that becomes unranked is no fall: the hiscores list only the
  top ranks of each row, and an idle account drops off them;
- a skill gained more than MAX_XP_PER_HOUR allows in the hours since the last
  answer that showed the old value, plus GRACE_HOURS (the hiscores may show a long
  session at once); a skill unranked before counts from 0. Overall is held to
  OVERALL_XP_PER_HOUR, one skill trained at a time at the fastest rate.

The suggestion staff see: a rollback (Jagex restored an older state of the same
account) when nothing gained impossibly and either nothing rose (values only
fell) or the new values are no lower, in every watched metric, than some earlier
state of the history (the account could have grown from it again); otherwise a
name transfer (another account answers for the name).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# Metrics falling at once that flag an answer; one or two is a hiscores correction.
FALLS_TO_FLAG = 3
# Hours added to the time elapsed: what the hiscores may show late.
GRACE_HOURS = 12.0
# The fastest known XP/hour per skill, with a margin of about half again: a flag
# must mean "no account does this", never "a very good player".
MAX_XP_PER_HOUR: Mapping[str, int] = {
    "attack": 250_000,
    "defence": 250_000,
    "strength": 250_000,
    "hitpoints": 300_000,
    "ranged": 900_000,
    "prayer": 1_800_000,
    "magic": 600_000,
    "cooking": 1_400_000,
    "woodcutting": 300_000,
    "fletching": 6_000_000,
    "fishing": 250_000,
    "firemaking": 500_000,
    "crafting": 800_000,
    "smithing": 600_000,
    "mining": 250_000,
    "herblore": 900_000,
    "agility": 200_000,
    "thieving": 400_000,
    "slayer": 300_000,
    "farming": 1_500_000,
    "runecraft": 200_000,
    "hunter": 250_000,
    "construction": 1_600_000,
}
# A skill the table does not name yet (a new one): as fast as the fast ones.
DEFAULT_XP_PER_HOUR = 1_000_000
OVERALL_XP_PER_HOUR = max(MAX_XP_PER_HOUR.values())

Values = Mapping[str, int]  # watched metric ("skill.attack", "boss.zulrah") -> value


def watched_values(fields: Mapping[str, Any]) -> dict[str, int]:
    """The metrics these rules watch, from a record's fields (or `record_fields()`):
    skill experience and boss kills, ranked ones only, plus overall experience."""
    values: dict[str, int] = {}
    overall = fields.get("overall_experience")
    if _number(overall) is not None:
        values["overall"] = overall
    for column, prefix, key in (
        ("skills_data", "skill", "experience"),
        ("bosses_data", "boss", "kc"),
    ):
        for slug, entry in (fields.get(column) or {}).items():
            value = _number(entry.get(key)) if isinstance(entry, Mapping) else None
            if value is not None:
                values[f"{prefix}.{slug}"] = value
    return values


def _number(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def allowed_gain(metric: str, hours: float) -> int | None:
    """The most `metric` can gain in `hours` (plus grace), or None when unbounded here."""
    if metric == "overall":
        rate = OVERALL_XP_PER_HOUR
    elif metric.startswith("skill."):
        rate = MAX_XP_PER_HOUR.get(metric.removeprefix("skill."), DEFAULT_XP_PER_HOUR)
    else:
        return None  # kills: a boss's pace is not bounded here
    return int(rate * (max(hours, 0.0) + GRACE_HOURS))


@dataclass(frozen=True, slots=True)
class Verdict:
    hours: float
    # metric -> (before, after)
    falls: dict[str, tuple[int, int]] = field(default_factory=dict)
    # metric -> (gained, allowed)
    impossible: dict[str, tuple[int, int]] = field(default_factory=dict)
    # metrics that rose
    rises: frozenset[str] = frozenset()

    @property
    def flagged(self) -> bool:
        return len(self.falls) >= FALLS_TO_FLAG or bool(self.impossible)

    def evidence(self) -> dict[str, Any]:
        """What staff read: JSON, stored with the flag."""
        return {
            "hours_elapsed": round(self.hours, 2),
            "falls": {m: {"before": b, "after": a} for m, (b, a) in sorted(self.falls.items())},
            "rose": sorted(self.rises),
            "impossible_gains": {
                m: {"gained": g, "allowed": a} for m, (g, a) in sorted(self.impossible.items())
            },
            "rules": {
                "falls_to_flag": FALLS_TO_FLAG,
                "grace_hours": GRACE_HOURS,
            },
        }


def judge(before: Values, after: Values, *, hours: float) -> Verdict:
    """How `after` (an answer) compares with `before` (the last counted state,
    unchanged for `hours`): the falls and the gains no account could make."""
    falls: dict[str, tuple[int, int]] = {}
    impossible: dict[str, tuple[int, int]] = {}
    rises = {m for m, new in after.items() if m != "overall" and new > before.get(m, new)}
    for metric, old in before.items():
        new = after.get(metric)
        if new is None:
            continue
        if new < old and metric != "overall":
            falls[metric] = (old, new)
        allowed = allowed_gain(metric, hours)
        if allowed is not None and new - old > allowed:
            impossible[metric] = (new - old, allowed)
    for metric, new in after.items():
        # A skill first ranked now gained at least its XP less what an unranked
        # skill may hold: counted from 0, which only a jump far past any
        # session's worth can exceed.
        if metric in before or not metric.startswith("skill."):
            continue
        allowed = allowed_gain(metric, hours)
        if allowed is not None and new > allowed:
            impossible[metric] = (new, allowed)
    return Verdict(hours=hours, falls=falls, impossible=impossible, rises=frozenset(rises))


def could_follow(state: Values, earlier: Values) -> bool:
    """True when `state` could have grown from `earlier`: no watched metric lower."""
    return all(state.get(metric, value) >= value for metric, value in earlier.items())


def first_followed(state: Values, history: Iterable[Values]) -> int | None:
    """The index of the first state in `history` that `state` could have grown
    from, or None: a rollback returns to (a descendant of) an earlier state."""
    for index, earlier in enumerate(history):
        if could_follow(state, earlier):
            return index
    return None
