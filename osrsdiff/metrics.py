"""`/metrics`: Prometheus text format, for staff and for a scraper holding METRICS_TOKEN.

Two kinds of numbers:

- Counted as things happen, in whichever process they happen: request latency
  (here, fed by the request middleware), fetch attempts (`players.recording`)
  and hiscores request durations (`hiscores.gateway`). With several gunicorn
  workers (and Celery's pool beside them) each process keeps its own values, so
  when `PROMETHEUS_MULTIPROC_DIR` is set every process writes them to files
  there and a scrape adds up the files of all of them (prometheus-client's
  multiprocess mode). `runstack` and docker-compose set it; `gunicorn.conf.py`
  tells the library when a worker dies.
- Computed at scrape time by queries (`ServiceCollector`): players by status,
  the backlog, fetches in the last hour, the breaker and the queue depth. They
  are the same whichever process answers, and cover workers on every host.

docs/operations.md says what each metric means.
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from rest_framework.exceptions import APIException
from rest_framework_simplejwt.authentication import JWTAuthentication

from api.handlers import error_response

from .celery import app as celery_app
from .dashboard import service_overview

logger = logging.getLogger(__name__)

# `_created` series double the output and nothing here reads them (nor do they
# exist in multiprocess mode).
disable_created_metrics()

REQUEST_SECONDS = Histogram(
    "osrsdiff_http_request_duration_seconds",
    "Time to answer an HTTP request, by view (the URL pattern's name), method and status.",
    ["view", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
# Anything else would let a client mint a time series per made-up method.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED_VIEW = "unmatched"

# The Celery queues the collector uses (settings.CELERY_TASK_ROUTES and the default).
QUEUES = ("fetch", "celery")


def observe_request(request: HttpRequest, status: int, seconds: float) -> None:
    """Count one answered request. The view label is the URL pattern's name (e.g.
    `player-stats`), never the raw path, so the number of series stays bounded."""
    match = getattr(request, "resolver_match", None)
    view = (match.view_name or match.route) if match is not None else UNMATCHED_VIEW
    method = request.method if request.method in _METHODS else "other"
    REQUEST_SECONDS.labels(view=view, method=method, status=str(status)).observe(seconds)


# --- Scrape-time numbers ------------------------------------------------------------


def queue_depths(queues: Iterable[str]) -> dict[str, int]:
    """Messages waiting in each Celery queue: the Redis lists' lengths (one list per
    priority step) in the full stack, the message files in the filesystem
    broker's folder on the embedded default. Kombu's own count, for either."""
    with celery_app.connection_for_read() as conn:
        # As /ready does: fail within seconds instead of retrying for ever.
        conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
        channel = conn.default_channel
        return {queue: int(channel._size(queue)) for queue in queues}


def _gauge(name: str, documentation: str, value: float | None) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=0.0 if value is None else float(value))


def _labelled(
    name: str, documentation: str, label: str, values: Iterable[tuple[str, float]]
) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=[label])
    for key, value in values:
        family.add_metric([key], float(value))
    return family


def _overview_metrics(overview: dict) -> Iterator[Metric]:
    players, backlog = overview["players"], overview["backlog"]
    capacity, breaker = overview["capacity"], overview["breaker"]
    yield _gauge("osrsdiff_players_tracked", "Players tracked, active or not.", players["tracked"])
    yield _gauge("osrsdiff_players_active", "Players the scheduler fetches.", players["active"])
    yield _labelled(
        "osrsdiff_players",
        "Players by status (ok, failing, not_found), active or not.",
        "status",
        ((status, players[status]) for status in ("ok", "failing", "not_found")),
    )
    yield _gauge(
        "osrsdiff_players_overdue",
        "Active players past their next fetch time and not held by a fetch in flight.",
        backlog["overdue"],
    )
    yield _labelled(
        "osrsdiff_players_overdue_over",
        "Overdue players whose next fetch time passed more than `period` ago.",
        "period",
        ((period, backlog[f"overdue_over_{period}"]) for period in ("1_minute", "1_hour", "1_day")),
    )
    yield _gauge(
        "osrsdiff_players_in_flight",
        "Players held by a queued or running fetch (a lease).",
        backlog["in_flight"],
    )
    yield _gauge(
        "osrsdiff_backlog_oldest_seconds",
        "How long the most overdue player has waited past its next fetch time (0: nobody).",
        backlog["most_overdue_seconds"],
    )
    yield _gauge(
        "osrsdiff_backlog_clear_seconds",
        "Time the overdue players take at the rate limit.",
        backlog["clear_seconds"],
    )
    yield _labelled(
        "osrsdiff_fetches_last_hour",
        "Fetch attempts started in the last hour, by outcome, on every worker and host "
        "(deferred: no request was made, which is no failure).",
        "outcome",
        ((k, v) for k, v in overview["fetches_last_hour"].items() if k != "total"),
    )
    yield _gauge(
        "osrsdiff_rate_limit_per_second",
        "OSRS_MAX_REQUESTS_PER_SECOND: hiscores requests a second, all workers together.",
        capacity["rate_limit_per_second"],
    )
    yield _gauge(
        "osrsdiff_fetch_demand_per_second",
        "Fetches a second that every active player's interval asks for.",
        capacity["demand_per_second"],
    )
    yield _gauge(
        "osrsdiff_capacity_utilisation",
        "Demand over the rate limit; above 1 the intervals cannot all be met.",
        capacity["utilisation"],
    )
    yield _labelled(
        "osrsdiff_hiscores_breaker_state",
        "The circuit breaker: 1 for its current state (unknown: its store is unreachable).",
        "state",
        (
            (state, 1.0 if breaker["status"] == state else 0.0)
            for state in ("closed", "open", "half_open", "unknown")
        ),
    )
    yield _gauge(
        "osrsdiff_hiscores_breaker_consecutive_failures",
        "Transient hiscores failures in a row, as the breaker counts them.",
        breaker["consecutive_failures"],
    )


class ServiceCollector:
    """The scrape-time numbers. A part whose source is down is left out and
    `osrsdiff_metrics_source_up{source}` says 0, so a scrape never fails."""

    def collect(self) -> Iterator[Metric]:
        up: dict[str, bool] = {}
        try:
            metrics = list(_overview_metrics(service_overview(timezone.now())))
            up["database"] = True
        except Exception:  # a scrape must answer even with the database down
            logger.warning("metrics: the database could not be read", exc_info=True)
            metrics, up["database"] = [], False
        yield from metrics
        try:
            depths = queue_depths(QUEUES)
            up["broker"] = True
        except Exception:
            logger.warning("metrics: the broker could not be read", exc_info=True)
            depths, up["broker"] = {}, False
        if depths:
            yield _labelled(
                "osrsdiff_queue_messages",
                "Messages waiting in a Celery queue (fetch: hiscores fetches).",
                "queue",
                depths.items(),
            )
        yield _labelled(
            "osrsdiff_metrics_source_up",
            "1 if this scrape could read the source (database, broker), else 0.",
            "source",
            ((source, 1.0 if ok else 0.0) for source, ok in up.items()),
        )


class _ThisProcess:
    """Every metric this process registered (the single-process case)."""

    def collect(self) -> Iterator[Metric]:
        return REGISTRY.collect()


def multiprocess_dir() -> Path | None:
    raw = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
    return Path(raw) if raw else None


def scrape() -> bytes:
    """Every metric, in the Prometheus text format."""
    registry = CollectorRegistry(auto_describe=False)
    directory = multiprocess_dir()
    if directory is not None:
        MultiProcessCollector(registry, path=str(directory))
    else:
        registry.register(_ThisProcess())
    registry.register(ServiceCollector())
    return generate_latest(registry)


# --- The endpoint ---------------------------------------------------------------------


def _bearer(request: HttpRequest) -> str | None:
    """The credential of an `Authorization: Bearer` header; '' if another scheme."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, credential = header.strip().partition(" ")
    return credential.strip() if scheme.lower() == "bearer" else ""


def _refusal(request: HttpRequest) -> HttpResponse | None:
    """None if the caller may read the metrics: the metrics token, or a staff user
    (by session, or by an API access token). Else the 401 or 403 to answer."""
    credential = _bearer(request)
    if credential is None:
        user = request.user
        if not user.is_authenticated:
            return _unauthorised("not_authenticated", "Sign in as staff or send the metrics token.")
    else:
        token = settings.METRICS_TOKEN
        if token and hmac.compare_digest(credential.encode(), token.encode()):
            return None
        try:
            authenticated = JWTAuthentication().authenticate(request) if credential else None
        except APIException:
            authenticated = None
        if authenticated is None:
            return _unauthorised("authentication_failed", "The token is not valid here.")
        user = authenticated[0]
    if not user.is_staff:
        return error_response(403, "permission_denied", "Only staff may read the metrics.")
    return None


def _unauthorised(code: str, message: str) -> HttpResponse:
    response = error_response(401, code, message)
    response["WWW-Authenticate"] = 'Bearer realm="metrics"'
    return response


def metrics_view(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        response = error_response(405, "method_not_allowed", "Use GET.")
        response["Allow"] = "GET, HEAD"
        return response
    try:
        refusal = _refusal(request)
    except DatabaseError:
        # A session or an API token needs the users table; the metrics token does not.
        logger.warning("metrics: the database could not check the caller", exc_info=True)
        return error_response(
            503, "database_unavailable", "The database is unavailable; try again shortly."
        )
    if refusal is not None:
        return refusal
    return HttpResponse(scrape(), content_type=CONTENT_TYPE_PLAIN_0_0_4)
