"""The numbers staff watch: who is tracked, how fetching went in the last hour, how
far the scheduler is behind, and the circuit breaker. Shared by the admin
dashboard and the metrics endpoint, so both always say the same thing.

Every query is bounded: the players are counted (one table, one row each), the
fetch attempts only within the last hour (the `started_at` index), and the history
is never read.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, F, FloatField, Min, Q, Sum
from django.db.models.functions import Cast

from hiscores.breaker import get_breaker
from hiscores.errors import HiscoresUnavailable
from players.models import FetchAttempt, FetchOutcome, FetchReason, Player, PlayerStatus
from players.scheduling import RHYTHM_BUCKETS
from players.tallies import hour_of, tallies_since

RECENT_FETCHES = timedelta(hours=1)
BUDGET_HOURS = 24
# Overdue thresholds, as (key suffix, how long).
OVERDUE_STEPS = (
    ("1_minute", timedelta(minutes=1)),
    ("1_hour", timedelta(hours=1)),
    ("1_day", timedelta(days=1)),
)


def service_overview(now: datetime) -> dict[str, Any]:
    """The state of the service at `now`. The keys are stable (the metrics
    endpoint exports them); moments are aware datetimes, durations float seconds.

    - `generated_at`: `now`.
    - `players`: `tracked` (every player), `active`, and by status `ok`,
      `failing`, `not_found` (active or not).
    - `fetches_last_hour`: attempts started in (now - 1 h, now], one key per
      `FetchOutcome` value (`stored`, `flagged`, `unchanged`, `not_found`, `throttled`,
      `unavailable`, `deferred`, `error`; 0 when none), and `total`: every
      attempt but the deferred ones, which made no request (breaker open, no
      rate-limit slot) and are neither fetches nor failures.
    - `backlog`: `overdue` (active players due and not held by a fetch in
      flight), `in_flight` (held by a queued or running fetch),
      `most_overdue_seconds` (None when nobody is due), `overdue_over_1_minute`,
      `overdue_over_1_hour`, `overdue_over_1_day`, and `clear_seconds` (how long
      the overdue players take at the rate limit).
    - `capacity`: `rate_limit_per_second` (OSRS_MAX_REQUESTS_PER_SECOND),
      `serve_everyone_seconds` (one fetch of every active player at that rate),
      `demand_per_second` (the rate every active player's interval asks for) and
      `utilisation` (demand / rate limit; above 1 the intervals cannot all be met).
      Durations and `utilisation` are None when the rate limit is not positive.
    - `breaker`: `status` (`closed`, `open`, `half_open`, or `unknown` when its
      store cannot be read), `consecutive_failures`, `opened_at`, `retry_at`.
    """
    players = _players()
    demand = players.pop("demand_per_second")
    backlog = _backlog(now)
    rate = settings.OSRS_MAX_REQUESTS_PER_SECOND
    return {
        "generated_at": now,
        "players": players,
        "fetches_last_hour": _fetches_since(now - RECENT_FETCHES, now),
        "backlog": {**backlog, "clear_seconds": _at_rate(backlog["overdue"], rate)},
        "capacity": {
            "rate_limit_per_second": rate,
            "serve_everyone_seconds": _at_rate(players["active"], rate),
            "demand_per_second": demand,
            "utilisation": demand / rate if rate > 0 else None,
        },
        "breaker": _breaker(),
    }


def _players() -> dict[str, Any]:
    active = Q(is_active=True)
    # Archived players (an old account's history, docs/api.md "Flags") are not tracked.
    counts = Player.objects.filter(archived=False).aggregate(
        tracked=Count("pk"),
        active=Count("pk", filter=active),
        ok=Count("pk", filter=Q(status=PlayerStatus.OK)),
        failing=Count("pk", filter=Q(status=PlayerStatus.FAILING)),
        not_found=Count("pk", filter=Q(status=PlayerStatus.NOT_FOUND)),
        # Fetches per minute each active player's interval asks for.
        per_minute=Sum(1.0 / Cast("fetch_interval_minutes", FloatField()), filter=active),
    )
    counts["demand_per_second"] = (counts.pop("per_minute") or 0.0) / 60
    return counts


def _fetches_since(start: datetime, end: datetime) -> dict[str, int]:
    rows = (
        FetchAttempt.objects.filter(started_at__gt=start, started_at__lte=end)
        .order_by()
        .values_list("outcome")
        .annotate(n=Count("pk"))
    )
    counts = dict.fromkeys(FetchOutcome.values, 0)
    counts.update(dict(rows))
    counts["total"] = sum(n for outcome, n in counts.items() if outcome != FetchOutcome.DEFERRED)
    return counts


def _backlog(now: datetime) -> dict[str, Any]:
    # The scheduler's own query (served by the (is_active, next_fetch_at) index).
    due = Player.objects.due_for_fetch(now).order_by()
    overdue = due.aggregate(
        overdue=Count("pk"),
        oldest=Min("next_fetch_at"),
        **{
            f"overdue_over_{name}": Count("pk", filter=Q(next_fetch_at__lt=now - step))
            for name, step in OVERDUE_STEPS
        },
    )
    oldest = overdue.pop("oldest")
    return {
        "overdue": overdue.pop("overdue"),
        "in_flight": Player.objects.in_flight(now).count(),
        "most_overdue_seconds": (now - oldest).total_seconds() if oldest is not None else None,
        **overdue,
    }


def _at_rate(fetches: int, rate: float) -> float | None:
    return fetches / rate if rate > 0 else None


def _moment(unix: float | None) -> datetime | None:
    return datetime.fromtimestamp(unix, tz=UTC) if unix is not None else None


def _breaker() -> dict[str, Any]:
    try:
        state = get_breaker().state()
    except HiscoresUnavailable:
        # Its Redis is down: the dashboard still answers, and says so.
        unknown: dict[str, Any] = dict.fromkeys(("consecutive_failures", "opened_at", "retry_at"))
        return {"status": "unknown", **unknown}
    return {
        "status": state.status,
        "consecutive_failures": state.consecutive_failures,
        "opened_at": _moment(state.opened_at),
        "retry_at": _moment(state.retry_at),
    }


def budget_overview(now: datetime) -> dict[str, Any]:
    """Where the hiscores budget went in the last BUDGET_HOURS hours (the current
    one included), from the hourly tally the recording service keeps
    (`players.tallies`: successful fetches only), and the active players by
    learned rhythm.

    - `reasons`: `FetchReason` values, in the order of the policy's precedence.
    - `hours`: newest first, each `{"hour", "fetches": {reason: n}, "total",
      "changed"}`.
    - `by_reason`: per reason `{"fetches", "changed", "changed_share"}`, and
      `total` alike over every reason. A share is None without fetches.
    - `rhythms`: active players per bucket of `players.scheduling.RHYTHM_BUCKETS`
      (changes a day), and `pinned`.
    """
    reasons = list(FetchReason.values)
    first = hour_of(now) - timedelta(hours=BUDGET_HOURS - 1)
    hours = {first + timedelta(hours=h): dict.fromkeys(reasons, 0) for h in range(BUDGET_HOURS)}
    changed_by_hour = dict.fromkeys(hours, 0)
    by_reason = {reason: {"fetches": 0, "changed": 0} for reason in [*reasons, "total"]}
    for tally in tallies_since(first):
        if tally.hour not in hours or tally.reason not in hours[tally.hour]:
            continue
        hours[tally.hour][tally.reason] += tally.fetches
        changed_by_hour[tally.hour] += tally.changed
        for key in (tally.reason, "total"):
            by_reason[key]["fetches"] += tally.fetches
            by_reason[key]["changed"] += tally.changed
    for counts in by_reason.values():
        fetches = counts["fetches"]
        counts["changed_share"] = counts["changed"] / fetches if fetches else None
    return {
        "reasons": reasons,
        "hours": [
            {
                "hour": hour,
                "fetches": counts,
                "total": sum(counts.values()),
                "changed": changed_by_hour[hour],
            }
            for hour, counts in sorted(hours.items(), reverse=True)
        ],
        "by_reason": by_reason,
        "rhythms": _rhythms(),
    }


def _rhythms() -> dict[str, int]:
    """Active players by their learned changes a day: one aggregate, each bucket
    a comparison of the stored counts (changes < bound x watched days)."""
    counts, lower = {}, None
    for name, below in RHYTHM_BUCKETS:
        condition = Q()
        if lower is not None:
            condition &= Q(rhythm_changes__gte=F("rhythm_watched_days") * lower)
        if below != float("inf"):
            condition &= Q(rhythm_changes__lt=F("rhythm_watched_days") * below)
        counts[name] = Count("pk", filter=condition)
        lower = below
    return Player.objects.filter(is_active=True).aggregate(
        **counts, pinned=Count("pk", filter=Q(pinned=True))
    )
