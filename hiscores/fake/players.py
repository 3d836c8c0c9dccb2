"""Who the fake hiscores know and what each one's stats are at a given moment.

A player is a frozen `PlayerSpec` (base values, recorded ranks, a growth rate, the
tables whose values stopped moving); the `PlayerBook` adds what changes while the
server runs: players added through the control API and XP or kills granted to
anyone. Values are computed per request from the spec, the growth step and the
grants, so a generated player costs nothing until someone looks them up.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace

from hiscores import catalogue, levels
from hiscores.modes import TABLES, GameMode
from hiscores.usernames import clean, normalise

HITPOINTS_START_XP = levels.experience_for_level(10)
SCORE_SLUGS = frozenset(m.slug for m in catalogue.ACTIVITIES)

# The tables an account is listed on besides the regular one (docs/hiscores.md): an
# ironman is also on the ironman table, a hardcore or ultimate also on its own.
_EXTRA_TABLES: dict[GameMode, tuple[GameMode, ...]] = {
    GameMode.REGULAR: (),
    GameMode.IRONMAN: (GameMode.IRONMAN,),
    GameMode.HARDCORE: (GameMode.IRONMAN, GameMode.HARDCORE),
    GameMode.ULTIMATE: (GameMode.IRONMAN, GameMode.ULTIMATE),
}


def tables_for(mode: GameMode) -> frozenset[str]:
    extra = _EXTRA_TABLES.get(mode, (mode,))
    return frozenset({TABLES[GameMode.REGULAR], *(TABLES[m] for m in extra)})


@dataclass(frozen=True, slots=True)
class Stats:
    """True values: every skill's XP (hidden ones included, as Overall counts them)
    and activity or boss scores (a missing slug is 0). Never mutated."""

    skills: Mapping[str, int]
    scores: Mapping[str, int] = field(default_factory=dict)

    def plus(self, gains: Mapping[str, int]) -> Stats:
        if not gains:
            return self
        skills, scores = dict(self.skills), dict(self.scores)
        for slug, amount in gains.items():
            if slug in skills:
                skills[slug] = _clamp_xp(skills[slug] + amount)
            else:
                scores[slug] = max(scores.get(slug, 0) + amount, 0)
        return Stats(skills, scores)

    def lowered(self, xp: int) -> Stats:
        """A rollback: every trained skill loses `xp`, every score a share of it."""
        kills = max(1, xp // 20_000)
        return Stats(
            {slug: max(value - xp, 0) if value else 0 for slug, value in self.skills.items()},
            {slug: max(value - kills, 0) for slug, value in self.scores.items()},
        )

    def scaled(self, fraction: float) -> Stats:
        """Every value cut to `fraction` of itself: where a frozen table stopped."""
        return Stats(
            {slug: int(value * fraction) for slug, value in self.skills.items()},
            {slug: int(value * fraction) for slug, value in self.scores.items()},
        )


def _clamp_xp(xp: int) -> int:
    return min(max(xp, 0), levels.MAX_EXPERIENCE)


@dataclass(frozen=True, slots=True)
class Growth:
    """How a player moves while the clock runs: XP per step on a few skills, and a
    boss kill every so many steps."""

    skills: tuple[tuple[str, int], ...] = ()  # (slug, xp per step)
    bosses: tuple[tuple[str, int], ...] = ()  # (slug, steps per kill)

    def applied(self, stats: Stats, steps: int) -> Stats:
        if steps <= 0 or not (self.skills or self.bosses):
            return stats
        skills, scores = dict(stats.skills), dict(stats.scores)
        for slug, per_step in self.skills:
            skills[slug] = _clamp_xp(skills[slug] + per_step * steps)
        for slug, steps_per_kill in self.bosses:
            scores[slug] = scores.get(slug, 0) + steps // steps_per_kill
        return Stats(skills, scores)


NO_GROWTH = Growth()


@dataclass(frozen=True, slots=True)
class PlayerSpec:
    name: str  # display name, as the hiscores give it back
    mode: GameMode
    stats: Stats
    # Ranks recorded in a real response; rows without one get a made-up rank.
    ranks: Mapping[str, int] = field(default_factory=dict)
    growth: Growth = NO_GROWTH
    # Tables whose values stopped moving (a hardcore who died, a de-ironed
    # account): they answer with these stats while the others keep growing.
    frozen: Mapping[str, Stats] = field(default_factory=dict)

    @property
    def tables(self) -> frozenset[str]:
        return tables_for(self.mode) | frozenset(self.frozen)


@dataclass(frozen=True, slots=True)
class Profile:
    """What one table says about one player at one moment; what gets rendered."""

    name: str
    stats: Stats
    ranks: Mapping[str, int]


class UnknownPlayer(LookupError):
    pass


def blank_stats() -> Stats:
    skills = {slug: 0 for slug in catalogue.SKILL_SLUGS}
    skills["hitpoints"] = HITPOINTS_START_XP  # every account starts at Hitpoints 10
    return Stats(skills, {})


def stable_hash(text: str) -> int:
    # crc32, not hash(): the same name must grow the same way in every process.
    return zlib.crc32(text.encode())


def growth_for(key: str, stats: Stats) -> Growth:
    """A modest, name-derived growth for a player who has none of their own."""
    seed = stable_hash(key)
    open_skills = [s for s in catalogue.SKILL_SLUGS if stats.skills[s] < levels.MAX_EXPERIENCE]
    skills = tuple(
        (open_skills[(seed >> shift) % len(open_skills)], 200 + (seed >> shift) % 1_800)
        for shift in (0, 7)
        if open_skills
    )
    boss = catalogue.BOSS_SLUGS[(seed >> 13) % len(catalogue.BOSS_SLUGS)]
    return Growth(skills=tuple(dict(skills).items()), bosses=((boss, 2 + (seed >> 19) % 6),))


_GENERATED = re.compile(r"gen ([1-9][0-9]{0,6})")


class PlayerBook:
    """Every player the fake knows: the named ones, `gen N` for 1 <= N <= `generated`,
    players added at run time, and grants of XP or kills on top of any of them."""

    def __init__(
        self,
        named: Iterable[PlayerSpec],
        *,
        generated: int,
        generator: Callable[[int], PlayerSpec],
    ) -> None:
        self._initial = {normalise(spec.name): spec for spec in named}
        self._generator = generator
        self.generated = generated
        self._lock = threading.Lock()
        self._named: dict[str, PlayerSpec] = dict(self._initial)
        self._gains: dict[str, Counter[str]] = {}
        # Names renamed away or removed: gone, even a `gen N` one.
        self._gone: set[str] = set()

    def reset(self) -> None:
        with self._lock:
            self._named = dict(self._initial)
            self._gains = {}
            self._gone = set()

    def find(self, key: str) -> PlayerSpec | None:
        if key in self._gone:
            return None
        spec = self._named.get(key)
        if spec is not None:
            return spec
        match = _GENERATED.fullmatch(key)
        if match and int(match[1]) <= self.generated:
            return self._generator(int(match[1]))
        return None

    def names(self) -> list[str]:
        with self._lock:
            return [spec.name for spec in self._named.values()]

    def profile(self, key: str, table: str, steps: int) -> Profile | None:
        """The player as `table` shows them after `steps` growth steps, or None
        when that table does not list them."""
        spec = self.find(key)
        if spec is None or table not in spec.tables:
            return None
        frozen = spec.frozen.get(table)
        if frozen is not None:
            return Profile(spec.name, frozen, spec.ranks)
        return Profile(spec.name, self._live(key, spec, steps), spec.ranks)

    def _live(self, key: str, spec: PlayerSpec, steps: int) -> Stats:
        return spec.growth.applied(spec.stats, steps).plus(self._gains.get(key, {}))

    def gain(self, name: str, metric: str, amount: int) -> None:
        """Grant XP (skills) or kills/score (activities); a negative amount rolls back."""
        key = normalise(name)
        if metric not in catalogue.SKILL_SLUGS and metric not in SCORE_SLUGS:
            raise ValueError(f"Unknown metric {metric!r}: use a skill, boss or activity slug.")
        if not isinstance(amount, int) or isinstance(amount, bool) or abs(amount) > 10**10:
            raise ValueError("amount must be an integer of at most 10 billion either way.")
        with self._lock:
            if self.find(key) is None:
                raise UnknownPlayer(name)
            # Copied, not changed in place: requests read the old one without the lock.
            gains = Counter(self._gains.get(key, {}))
            gains[metric] += amount
            self._gains[key] = gains

    def roll_back(self, name: str, xp: int, *, steps: int) -> None:
        """A lasting rollback, as when Jagex restores an older state: every trained
        skill loses `xp` and every score a share of it (`Stats.lowered`), and the
        player grows on from there."""
        key = normalise(name)
        if not isinstance(xp, int) or isinstance(xp, bool) or not 0 < xp <= levels.MAX_EXPERIENCE:
            raise ValueError(f"amount must be an XP figure from 1 to {levels.MAX_EXPERIENCE}.")
        with self._lock:
            spec = self.find(key)
            if spec is None:
                raise UnknownPlayer(name)
            live = self._live(key, spec, steps)
            lowered = live.lowered(xp)
            gains = Counter(self._gains.get(key, {}))
            for slug, value in lowered.skills.items():
                gains[slug] += value - live.skills[slug]
            for slug, value in lowered.scores.items():
                gains[slug] += value - live.scores.get(slug, 0)
            self._named[key] = spec
            self._gains[key] = gains

    def change_mode(self, name: str, mode: GameMode, *, steps: int, keep_old: bool = True) -> None:
        """The account changes game mode (docs/hiscores.md, "Game modes"): it is
        listed on `mode`'s tables from now on, and the tables it left keep its
        values as they are now, frozen (`keep_old`), or forget it (answer 404)."""
        key = normalise(name)
        with self._lock:
            spec = self.find(key)
            if spec is None:
                raise UnknownPlayer(name)
            live = self._live(key, spec, steps)
            now_on = tables_for(mode)
            left = tables_for(spec.mode) - now_on
            frozen = {t: s for t, s in spec.frozen.items() if t not in now_on}
            if keep_old:
                frozen |= {table: live for table in left}
            else:
                frozen = {t: s for t, s in frozen.items() if t not in left}
            self._named[key] = replace(spec, mode=mode, frozen=frozen)

    def rename(self, name: str, new_name: str) -> PlayerSpec:
        """The account behind `name` takes `new_name`, as a name change in the game
        does: same stats, growth and grants; the old name answers 404 from now on.
        Raises UnknownPlayer, or ValueError for a bad or taken new name."""
        old_key, display = normalise(name), clean(new_name)
        new_key = normalise(display)
        with self._lock:
            spec = self.find(old_key)
            if spec is None:
                raise UnknownPlayer(name)
            if new_key != old_key and self.find(new_key) is not None:
                raise ValueError(f"{display} is taken by another account.")
            self._named.pop(old_key, None)
            gains = self._gains.pop(old_key, None)
            if new_key != old_key:
                self._gone.add(old_key)
            self._gone.discard(new_key)
            self._named[new_key] = dataclasses.replace(spec, name=display)
            if gains is not None:
                self._gains[new_key] = gains
            return self._named[new_key]

    def remove(self, name: str) -> None:
        """The name stops answering on every table (a ban, or an account deleted).
        Raises UnknownPlayer."""
        key = normalise(name)
        with self._lock:
            if self.find(key) is None:
                raise UnknownPlayer(name)
            self._named.pop(key, None)
            self._gains.pop(key, None)
            self._gone.add(key)

    def put(
        self,
        name: str,
        *,
        steps: int,
        mode: GameMode | None = None,
        skills: Mapping[str, int] | None = None,
        scores: Mapping[str, int] | None = None,
        grows: bool = False,
    ) -> PlayerSpec:
        """Add a player or update one: the given values replace theirs, the rest stay
        as they are now (growth so far and grants included). The result grows only
        when `grows` is set, so what was put is what is served."""
        display = clean(name)
        key = normalise(display)
        skills, scores = skills or {}, scores or {}
        _check_values(skills, scores)
        with self._lock:
            self._gone.discard(key)  # a name renamed away or removed may be taken again
            current = self.find(key)
            if current is None:
                base, frozen, ranks = blank_stats(), {}, {}
                display_name, mode = display, mode or GameMode.REGULAR
            else:
                base, frozen, ranks = self._live(key, current, steps), current.frozen, current.ranks
                display_name, mode = current.name, mode or current.mode
            stats = Stats({**base.skills, **skills}, {**base.scores, **scores})
            spec = PlayerSpec(
                name=display_name,
                mode=mode,
                stats=stats,
                # A rank recorded for an old value would be a lie about the new one.
                ranks={k: v for k, v in ranks.items() if k not in skills and k not in scores},
                growth=growth_for(key, stats) if grows else NO_GROWTH,
                frozen=frozen,
            )
            self._named[key] = spec
            self._gains.pop(key, None)
        return spec


def _check_values(skills: Mapping[str, int], scores: Mapping[str, int]) -> None:
    for slug, xp in skills.items():
        if slug not in catalogue.SKILL_SLUGS:
            raise ValueError(f"Unknown skill {slug!r}.")
        if not isinstance(xp, int) or isinstance(xp, bool) or not 0 <= xp <= levels.MAX_EXPERIENCE:
            raise ValueError(f"{slug}: XP must be an integer from 0 to {levels.MAX_EXPERIENCE}.")
    for slug, score in scores.items():
        if slug not in SCORE_SLUGS:
            raise ValueError(f"Unknown boss or activity {slug!r}.")
        if not isinstance(score, int) or isinstance(score, bool) or not 0 <= score < 2**31:
            raise ValueError(f"{slug}: the score must be a non-negative integer.")
