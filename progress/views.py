"""The history and leaderboard endpoints (API.md, "History and progress")."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hiscores import catalogue
from players.selectors import player_by_name

from .errors import known_metric
from .leaderboards import leaderboard, metric_slugs
from .reports import boss_progress, progress_analysis, skill_progress
from .serializers import (
    BossProgressSerializer,
    LeaderboardEntrySerializer,
    ProgressAnalysisSerializer,
    SkillProgressSerializer,
)
from .timeframes import (
    DEFAULT_DAYS,
    MAX_DAYS,
    PERIODS,
    days_param,
    history_window,
    int_param,
    period_param,
)

_PERIOD = OpenApiParameter(
    "period", OpenApiTypes.STR, enum=list(PERIODS), description="The last day, 7, 30 or 365 days."
)
_DAYS = OpenApiParameter(
    "days", OpenApiTypes.INT, description=f"1..{MAX_DAYS}, default {DEFAULT_DAYS}."
)


def _slug_path(name: str, slugs) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(slugs))


_404 = OpenApiResponse(description="player_not_found, no_records or unknown_metric.")
_422 = OpenApiResponse(description="A query parameter is not valid (details name it).")


class HistoryView(APIView):
    @extend_schema(
        tags=["history"],
        operation_id="player_history",
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATETIME, description="ISO 8601 with timezone."),
            OpenApiParameter(
                "end", OpenApiTypes.DATETIME, description="ISO 8601 with timezone; default now."
            ),
            _PERIOD,
        ],
        description="Give `start` (and optionally `end`), or `period`; not both.",
        responses={200: ProgressAnalysisSerializer, 404: _404, 422: _422},
    )
    def get(self, request: Request, username: str) -> Response:
        player = player_by_name(username)
        window = history_window(request.query_params, now=timezone.now())
        return Response(progress_analysis(player=player, window=window))


class SkillProgressView(APIView):
    @extend_schema(
        tags=["history"],
        operation_id="player_skill_progress",
        parameters=[_slug_path("skill", catalogue.SKILL_SLUGS), _DAYS],
        responses={200: SkillProgressSerializer, 404: _404, 422: _422},
    )
    def get(self, request: Request, username: str, skill: str) -> Response:
        player = player_by_name(username)
        skill = known_metric(skill, catalogue.SKILL_SLUGS, kind="skill")
        days = days_param(request.query_params.get("days"))
        body = skill_progress(player=player, skill=skill, days=days, now=timezone.now())
        return Response(body)


class BossProgressView(APIView):
    @extend_schema(
        tags=["history"],
        operation_id="player_boss_progress",
        parameters=[_slug_path("boss", catalogue.BOSS_SLUGS), _DAYS],
        responses={200: BossProgressSerializer, 404: _404, 422: _422},
    )
    def get(self, request: Request, username: str, boss: str) -> Response:
        player = player_by_name(username)
        boss = known_metric(boss, catalogue.BOSS_SLUGS, kind="boss")
        days = days_param(request.query_params.get("days"))
        return Response(boss_progress(player=player, boss=boss, days=days, now=timezone.now()))


class LeaderboardView(APIView):
    DEFAULT_LIMIT, MAX_LIMIT = 20, 100

    @extend_schema(
        tags=["leaderboards"],
        operation_id="leaderboard",
        parameters=[
            _slug_path("metric", metric_slugs()),
            OpenApiParameter(
                "period",
                OpenApiTypes.STR,
                enum=list(PERIODS),
                description="The last day, 7, 30 or 365 days; default week.",
            ),
            OpenApiParameter(
                "limit", OpenApiTypes.INT, description=f"1..{MAX_LIMIT}, default {DEFAULT_LIMIT}."
            ),
        ],
        description="The top gainers among tracked players (gain > 0). `metric` is "
        "`overall` or any skill, boss or activity slug.",
        responses={200: LeaderboardEntrySerializer(many=True), 404: _404, 422: _422},
    )
    def get(self, request: Request, metric: str) -> Response:
        metric = known_metric(metric, metric_slugs(), kind="metric")
        period = period_param(request.query_params.get("period", "week"))
        limit = int_param(
            request.query_params.get("limit"),
            field="limit",
            default=self.DEFAULT_LIMIT,
            low=1,
            high=self.MAX_LIMIT,
        )
        entries = leaderboard(metric=metric, start=timezone.now() - period, limit=limit)
        return Response(
            [
                {
                    "rank": position,
                    "username": entry.username,
                    "gained": entry.gained,
                    "start": entry.start,
                    "end": entry.end,
                    "approximate": entry.approximate,
                }
                for position, entry in enumerate(entries, start=1)
            ]
        )
