"""Competition services and standings (docs/api.md, "Competitions").

A participant's start is their state at `starts_at` (the latest record at or
before it; for a player first seen later, their first record after it), and
their end their state at `ends_at` (or now, while it runs). Deadlines
(`players.deadlines`, one source per competition, kept in step with its dates
and lineup) have the scheduler fetch every participant ahead of routine fetches
within minutes before the start and within minutes after the end: only a fetch
after the end can show everything gained up to it, so that fetch (the first
record in the end's deadline window) stands for the state at the end, and the
latest record before the end only where it is missing.
Gains follow the progress rules (`progress.gains.gain_of`), approximate flags
included.

Scoring, one rule for one metric or several: each metric ranks the participants
by gain (equal gains share a rank); a participant's score is the sum of their
ranks over the metrics, and the standings rank by score (lowest first), ties by
name. Teams are ranked the same way on their summed gains.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from hiscores import catalogue
from hiscores.usernames import InvalidUsername, normalise
from players.deadlines import DEADLINE_WINDOW, after, before, clear_deadlines, set_deadlines
from players.models import Player
from players.records import HiscoreRecord
from progress import efficiency
from progress.gains import gain_of
from progress.leaderboards import metric_slugs
from progress.states import SECTIONS, State, state_of

from .errors import CompetitionStarted, invalid
from .models import Competition, Group, MemberStatus, Participant, Team

# A start a few seconds old is a clock difference between client and server, not the past.
START_SLACK = timedelta(minutes=1)
MAX_METRICS = 10
MAX_TEAMS = 50

UPCOMING, ONGOING, FINISHED = "upcoming", "ongoing", "finished"


def status_of(competition: Competition, now: datetime) -> str:
    if now < competition.starts_at:
        return UPCOMING
    return ONGOING if now < competition.ends_at else FINISHED


# --- writes -------------------------------------------------------------------------


def _checked_metrics(metrics: Any) -> list[str]:
    if not isinstance(metrics, list) or not metrics:
        raise invalid("metrics", "Give a list of one or more metrics.")
    known = set(metric_slugs())
    bad = [m for m in metrics if not isinstance(m, str) or m not in known]
    if bad:
        raise invalid("metrics", f"Unknown metrics: {', '.join(map(str, bad))}.")
    if len(set(metrics)) != len(metrics):
        raise invalid("metrics", "A metric is named twice.")
    if len(metrics) > MAX_METRICS:
        raise invalid("metrics", f"At most {MAX_METRICS} metrics.")
    return list(metrics)


def _checked_dates(starts_at: datetime, ends_at: datetime, *, now: datetime) -> None:
    if starts_at < now - START_SLACK:
        raise invalid("starts_at", "The start is in the past.")
    if ends_at <= starts_at:
        raise invalid("ends_at", "The end must be after the start.")


def _players(names: Iterable[str], field_name: str) -> list[Player]:
    """The tracked players of `names`, in order, each once; a 422 naming every
    name that is not valid or not tracked."""
    keys: dict[str, str] = {}
    problems = []
    for name in names:
        try:
            keys.setdefault(normalise(name), name)
        except (InvalidUsername, TypeError) as exc:
            problems.append(f"{name!r}: {exc}")
    found = {p.username_key: p for p in Player.objects.filter(username_key__in=keys)}
    problems += [
        f"{name!r}: not tracked; add the player first."
        for k, name in keys.items()
        if k not in found
    ]
    if problems:
        raise invalid(field_name, "; ".join(problems))
    return [found[k] for k in keys]


@dataclass
class Lineup:
    """Who takes part: players without a team, and each team's players."""

    solo: list[Player] = field(default_factory=list)
    teams: dict[str, list[Player]] = field(default_factory=dict)


def _lineup(
    *, group: Group | None, participants: Sequence[str] | None, teams: Sequence[dict] | None
) -> Lineup:
    lineup = Lineup()
    seen: dict[int, str] = {}  # player id -> team name
    for index, team in enumerate(teams or []):
        name = str(team.get("name", "")).strip() if isinstance(team, dict) else ""
        members = team.get("members") if isinstance(team, dict) else None
        if not name or not isinstance(members, list) or not members:
            raise invalid("teams", f"Team {index + 1} needs a name and a list of members.")
        if name in lineup.teams:
            raise invalid("teams", f"Two teams are called {name!r}.")
        players = _players(members, "teams")
        for player in players:
            if player.pk in seen:
                raise invalid(
                    "teams",
                    f"{player.username} is in both {seen[player.pk]!r} and {name!r}; "
                    "a player is in one team at most.",
                )
            seen[player.pk] = name
        lineup.teams[name] = players
    if len(lineup.teams) > MAX_TEAMS:
        raise invalid("teams", f"At most {MAX_TEAMS} teams.")
    solo = _players(participants or [], "participants")
    if group is not None:
        solo += [
            m.player
            for m in group.memberships.filter(status=MemberStatus.TRACKED).select_related("player")
        ]
    for player in solo:
        if player.pk not in seen:
            seen[player.pk] = ""
            lineup.solo.append(player)
    return lineup


def _write_lineup(competition: Competition, lineup: Lineup) -> None:
    competition.participants.all().delete()
    competition.teams.all().delete()
    rows = [Participant(competition=competition, player=p) for p in lineup.solo]
    for name, players in lineup.teams.items():
        team = Team.objects.create(competition=competition, name=name)
        rows += [Participant(competition=competition, player=p, team=team) for p in players]
    Participant.objects.bulk_create(rows)


def _deadline_source(competition: Competition) -> str:
    return f"competition:{competition.pk}"


def sync_deadlines(competition: Competition) -> None:
    """Ask the scheduler to fetch every participant within minutes before the
    start and within minutes after the end (`players.deadlines`): the records
    the standings compare are then minutes from each boundary at most."""
    player_ids = list(competition.participants.values_list("player_id", flat=True))
    moments = [before(competition.starts_at), after(competition.ends_at)]
    set_deadlines(_deadline_source(competition), player_ids, moments)


def competition_create(
    *,
    title: str,
    metrics: Any,
    starts_at: datetime,
    ends_at: datetime,
    created_by: Any,
    group: Group | None = None,
    participants: Sequence[str] | None = None,
    teams: Sequence[dict] | None = None,
) -> Competition:
    title = title.strip()
    if not title:
        raise invalid("title", "This field may not be blank.")
    metrics = _checked_metrics(metrics)
    _checked_dates(starts_at, ends_at, now=timezone.now())
    if group is None and not participants and not teams:
        raise invalid("participants", "Give a group, participants or teams.")
    lineup = _lineup(group=group, participants=participants, teams=teams)
    with transaction.atomic():
        competition = Competition.objects.create(
            title=title,
            metrics=metrics,
            starts_at=starts_at,
            ends_at=ends_at,
            group=group,
            created_by=created_by,
        )
        _write_lineup(competition, lineup)
        sync_deadlines(competition)
    return competition


def competition_update(
    *,
    competition: Competition,
    title: str | None = None,
    metrics: Any = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    participants: Sequence[str] | None = None,
    teams: Sequence[dict] | None = None,
) -> Competition:
    """Change a competition. Its start and metrics are fixed once it started (409);
    a new lineup (`participants` and/or `teams`) replaces the old one."""
    now = timezone.now()
    started = now >= competition.starts_at
    if started and (metrics is not None or starts_at is not None):
        raise CompetitionStarted()
    if title is not None:
        if not title.strip():
            raise invalid("title", "This field may not be blank.")
        competition.title = title.strip()
    if metrics is not None:
        competition.metrics = _checked_metrics(metrics)
    new_start = starts_at or competition.starts_at
    new_end = ends_at or competition.ends_at
    if starts_at is not None:
        _checked_dates(new_start, new_end, now=now)
    if ends_at is not None:
        if new_end <= new_start:
            raise invalid("ends_at", "The end must be after the start.")
        if new_end < now - START_SLACK:
            raise invalid("ends_at", "The end is in the past.")
    competition.starts_at, competition.ends_at = new_start, new_end
    lineup = None
    if participants is not None or teams is not None:
        lineup = _lineup(group=None, participants=participants, teams=teams)
    with transaction.atomic():
        competition.save()
        if lineup is not None:
            _write_lineup(competition, lineup)
        if lineup is not None or starts_at is not None or ends_at is not None:
            sync_deadlines(competition)
    return competition


def competition_delete(*, competition: Competition) -> None:
    with transaction.atomic():
        clear_deadlines(_deadline_source(competition))
        competition.delete()


# --- standings ----------------------------------------------------------------------


def value_of(state: State | None, metric: str) -> int | None:
    if state is None:
        return None
    if metric == "overall":
        return state.overall_experience
    for section in (state.skills, state.bosses, state.activities):
        if metric in section:
            return section[metric]
    return None


@dataclass
class MetricStanding:
    start: int | None
    end: int | None
    gained: int
    approximate: bool
    rank: int = 0


@dataclass
class Standing:
    username: str
    team: str | None
    metrics: dict[str, MetricStanding]
    score: float = 0
    rank: int = 0


@dataclass
class TeamStanding:
    name: str
    members: int
    gained: dict[str, int]
    score: float = 0
    rank: int = 0


RANKS, EFFICIENCY = "ranks", "efficiency"


def scoring_of(metrics: Sequence[str]) -> str:
    """How the standings score (docs/api.md, "Competitions"): several metrics that
    all have efficiency rates (skills, and bosses main's table rates) by the
    efficient hours gained in them, which weighs an hour of each alike; one
    metric, or any metric without a rate, by per-metric ranks summed."""
    main = efficiency.rates().tables[efficiency.MAIN]
    rated = all(
        metric in efficiency.SKILLS or main.boss_rates.get(metric, 0) > 0 for metric in metrics
    )
    return EFFICIENCY if len(metrics) > 1 and rated else RANKS


def _efficient_hours(
    game_mode: str, start: State, end: State, gains: dict[str, Any], metrics: Sequence[str]
) -> float:
    """The hours the gains in `metrics` are worth under the participant's own tables
    (`progress.efficiency`: the end state chooses them, as for `ehp_gained`)."""
    choice = efficiency.table_for(game_mode, end.skills)
    skills = {m: gains[m] for m in metrics if m in efficiency.SKILLS}
    bosses = {m: gains[m] for m in metrics if m not in efficiency.SKILLS}
    hours = efficiency.ehp_gained(choice.skills, start.skills, end.skills, skills) if skills else 0
    return round(hours + efficiency.ehb_gained(choice.bosses, bosses), 5)


def sections_for(metrics: Iterable[str]) -> set[str]:
    """The record sections the gains of `metrics` read (`progress.states.SECTIONS`):
    Overall and every skill read the skills, as the gain rules look at them all."""
    needed = set()
    for metric in metrics:
        if metric == "overall" or metric in catalogue.SKILL_SLUGS:
            needed.add("skills")
        elif metric in catalogue.BOSS_SLUGS:
            needed.add("bosses")
        else:
            needed.add("activities")
    return needed


def boundary_states(
    player_ids: Iterable[int],
    start: datetime,
    end: datetime,
    *,
    sections: Collection[str] = SECTIONS,
    end_fetched_by: datetime | None = None,
) -> dict[int, tuple[State, State]]:
    """Each player's states at `start` and `end`: the latest record at or before
    each (for a player first seen after `start`, their first record after it).
    With `end_fetched_by`, the first record fetched from `end` until then (the
    fetch an end's deadline asked for) stands for the state at `end`, being the
    only one that shows all that was gained up to it. Players with no record by
    then are left out. A few queries whatever the number of players: one index
    probe per player and boundary inside one statement, then the records themselves."""
    records = HiscoreRecord.objects.filter(player_id=OuterRef("pk")).values("pk")
    probes = {
        "end_id": records.filter(fetched_at__lte=end).order_by("-fetched_at")[:1],
        "at_start_id": records.filter(fetched_at__lte=start).order_by("-fetched_at")[:1],
        "first_id": records.filter(fetched_at__gt=start).order_by("fetched_at")[:1],
    }
    if end_fetched_by is not None:
        probes["settled_id"] = records.filter(
            fetched_at__gte=end, fetched_at__lte=end_fetched_by
        ).order_by("fetched_at")[:1]
    rows = (
        Player.objects.filter(pk__in=list(player_ids))
        .annotate(**{name: Subquery(probe) for name, probe in probes.items()})
        .values("pk", *probes)
    )
    pairs = {}
    for row in rows:
        end_id = row.get("settled_id") or row["end_id"]
        if end_id is not None:
            pairs[row["pk"]] = (row["at_start_id"] or row["first_id"] or end_id, end_id)
    # Only the JSON sections asked for leave the database: they are most of a row.
    unread = {"skills_data", "bosses_data", "activities_data"} - {f"{s}_data" for s in sections}
    loaded = HiscoreRecord.objects.defer(*unread).in_bulk(
        {i for pair in pairs.values() for i in pair}
    )
    states = {pk: state_of(record, sections=sections) for pk, record in loaded.items()}
    out = {}
    for player_id, (start_id, end_id) in pairs.items():
        begin, finish = states[start_id], states[end_id]
        # A first record after the end of the window leaves nothing to compare.
        out[player_id] = (finish, finish) if begin.at > finish.at else (begin, finish)
    return out


def _rank(values: Sequence[int]) -> list[int]:
    """Competition ranks (1, 2, 2, 4) of values, largest first."""
    ordered = sorted(values, reverse=True)
    first = {}
    for position, value in enumerate(ordered, start=1):
        first.setdefault(value, position)
    return [first[v] for v in values]


def standings(
    competition: Competition, *, now: datetime | None = None
) -> tuple[list[Standing], list[TeamStanding]]:
    now = now or timezone.now()
    metrics = list(competition.metrics)
    rows: list[Standing] = []
    participants = competition.participants.select_related("player", "team").order_by(
        "player__username_key"
    )
    end = min(now, competition.ends_at)
    participants = list(participants)
    pairs = (
        boundary_states(
            [p.player_id for p in participants],
            competition.starts_at,
            end,
            sections=sections_for(metrics),
            end_fetched_by=after(end) if end == competition.ends_at else None,
        )
        if now >= competition.starts_at
        else {}
    )
    scoring = scoring_of(metrics)
    for participant in participants:
        states = pairs.get(participant.player_id)
        by_metric, gains = {}, {}
        for metric in metrics:
            if states is None:
                by_metric[metric] = MetricStanding(None, None, 0, False)
                continue
            gain = gains[metric] = gain_of(states[0], states[1], metric)
            by_metric[metric] = MetricStanding(
                value_of(states[0], metric),
                value_of(states[1], metric),
                gain.value,
                gain.approximate,
            )
        row = Standing(
            participant.player.username,
            participant.team.name if participant.team else None,
            by_metric,
        )
        if scoring == EFFICIENCY and states is not None:
            row.score = _efficient_hours(
                participant.player.game_mode, states[0], states[1], gains, metrics
            )
        rows.append(row)
    for metric in metrics:
        for row, rank in zip(rows, _rank([r.metrics[metric].gained for r in rows]), strict=True):
            row.metrics[metric].rank = rank
            if scoring == RANKS:
                row.score += rank
    # Ranks summed: lowest first; efficient hours: most first.
    sign = 1 if scoring == RANKS else -1
    rows.sort(key=lambda r: (sign * r.score, normalise(r.username)))
    for position, row in enumerate(rows, start=1):
        row.rank = position

    teams: dict[str, TeamStanding] = {
        t.name: TeamStanding(t.name, 0, dict.fromkeys(metrics, 0)) for t in competition.teams.all()
    }
    for row in rows:
        if row.team is not None:
            team = teams[row.team]
            team.members += 1
            for metric in metrics:
                team.gained[metric] += row.metrics[metric].gained
    team_rows = list(teams.values())
    if scoring == EFFICIENCY:
        for row in rows:
            if row.team is not None:
                teams[row.team].score = round(teams[row.team].score + row.score, 5)
    else:
        for metric in metrics:
            ranks = _rank([t.gained[metric] for t in team_rows])
            for team, rank in zip(team_rows, ranks, strict=True):
                team.score += rank
    team_rows.sort(key=lambda t: (sign * t.score, t.name))
    for position, team in enumerate(team_rows, start=1):
        team.rank = position
    return rows, team_rows


# --- boundaries ---------------------------------------------------------------------


def announce_boundaries(*, now: datetime | None = None) -> tuple[int, int]:
    """Send `competition_started` for each competition whose start has passed, and
    `competition_finished` for each whose end's deadline window has closed (the
    fetches after the end are in, so the standings a receiver reads are final);
    once each: a conditional update claims the moment, so two beats (or a retried
    tick) never send one twice. A competition created or moved after its finish
    was sent is not announced again. Returns (started, finished)."""
    from .signals import competition_finished, competition_started

    now = now or timezone.now()
    counts = []
    for signal, moment, mark, passed in (
        (competition_started, "starts_at", "started_sent_at", now),
        (competition_finished, "ends_at", "finished_sent_at", now - DEADLINE_WINDOW),
    ):
        due = list(
            Competition.objects.filter(**{f"{moment}__lte": passed, f"{mark}__isnull": True})
            .order_by(moment)
            .values_list("pk", flat=True)[:100]
        )
        sent = 0
        for pk in due:
            with transaction.atomic():
                claimed = Competition.objects.filter(pk=pk, **{f"{mark}__isnull": True}).update(
                    **{mark: now}
                )
                if claimed:
                    competition = Competition.objects.get(pk=pk)
                    transaction.on_commit(
                        lambda s=signal, c=competition: s.send(sender=Competition, competition=c)
                    )
                    sent += 1
        counts.append(sent)
    return counts[0], counts[1]
