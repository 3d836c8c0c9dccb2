"""The history and leaderboard endpoints (docs/api.md, "History and progress")."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.conditional import Version, conditional_read, stamped_by
from api.params import PERIODS, DaysParams, PeriodField, QueryParams, WholeNumberField, WindowParams
from hiscores import catalogue
from players.conditional import player_version
from players.selectors import player_by_name

from .board_stamps import gains_board_stamps
from .errors import known_metric
from .leaderboards import Board, leaderboard, metric_slugs, page_token
from .reports import boss_progress, progress_analysis, skill_progress
from .serializers import (
    BossProgressSerializer,
    LeaderboardEntrySerializer,
    ProgressAnalysisSerializer,
    SkillProgressSerializer,
)
from .timeframes import Window


class LeaderboardParams(QueryParams):
    period = PeriodField(
        default=PERIODS["week"], help_text="The last day, 7, 30 or 365 days; default week."
    )
    limit = WholeNumberField(low=1, high=100, default=20)


def _slug_path(name: str, slugs) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(slugs))


def _read_board(metric: str, params: LeaderboardParams) -> Board:
    length, limit = params.validated_data["period"], params.validated_data["limit"]
    period = next(name for name, span in PERIODS.items() if span == length)
    return leaderboard(metric=metric, period=period, now=timezone.now(), limit=limit)


@stamped_by(gains_board_stamps)
def board_version(request: Request, *, metric: str, **_) -> Version | None:
    """What a board's answer is made of (`api.conditional`): its rows, with their
    players' names, read as the board reads them (expired windows refreshed
    first), so it never lags the gain rules; it holds until a window slides. Only
    an ETag: a player who left the board leaves no date saying so. None for a
    query the view refuses: it says why. The rows are left on the request: they
    are the body, should it be built."""
    params = LeaderboardParams(data=request.query_params)
    if metric not in _METRICS or not params.is_valid():
        return None
    board = request.board = _read_board(metric, params)
    return Version(token=page_token(board), modified=None, until=board.until)


_METRICS = frozenset(metric_slugs())
_404 = OpenApiResponse(description="player_not_found, no_records or unknown_metric.")
_422 = OpenApiResponse(description="A query parameter is not valid (details name it).")
_503 = OpenApiResponse(description="leaderboards_building: the table is being built.")
_304 = OpenApiResponse(
    description="Not Modified: the board is the one whose ETag was sent in If-None-Match."
)


class HistoryView(APIView):
    @extend_schema(
        tags=["history"],
        operation_id="player_history",
        parameters=[WindowParams],
        description="Give `start` (and optionally `end`), or `period`; not both.",
        responses={200: ProgressAnalysisSerializer, 404: _404, 422: _422},
    )
    # Without `end` the window ends now.
    @conditional_read(player_version, depends_on_now=lambda query: "end" not in query)
    def get(self, request: Request, username: str) -> Response:
        player = player_by_name(username)
        params = WindowParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        return Response(progress_analysis(player=player, window=Window(**params.validated_data)))


class SkillProgressView(APIView):
    @extend_schema(
        tags=["history"],
        operation_id="player_skill_progress",
        parameters=[_slug_path("skill", catalogue.SKILL_SLUGS), DaysParams],
        responses={200: SkillProgressSerializer, 404: _404, 422: _422},
    )
    @conditional_read(player_version, depends_on_now=True)
    def get(self, request: Request, username: str, skill: str) -> Response:
        player = player_by_name(username)
        skill = known_metric(skill, catalogue.SKILL_SLUGS, kind="skill")
        params = DaysParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        days = params.validated_data["days"]
        body = skill_progress(player=player, skill=skill, days=days, now=timezone.now())
        return Response(body)


class BossProgressView(APIView):
    @extend_schema(
        tags=["history"],
        operation_id="player_boss_progress",
        parameters=[_slug_path("boss", catalogue.BOSS_SLUGS), DaysParams],
        responses={200: BossProgressSerializer, 404: _404, 422: _422},
    )
    @conditional_read(player_version, depends_on_now=True)
    def get(self, request: Request, username: str, boss: str) -> Response:
        player = player_by_name(username)
        boss = known_metric(boss, catalogue.BOSS_SLUGS, kind="boss")
        params = DaysParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        days = params.validated_data["days"]
        return Response(boss_progress(player=player, boss=boss, days=days, now=timezone.now()))


class LeaderboardView(APIView):
    @extend_schema(
        tags=["leaderboards"],
        operation_id="leaderboard",
        parameters=[_slug_path("metric", metric_slugs()), LeaderboardParams],
        description="The top gainers among tracked players (gain > 0). `metric` is "
        "`overall` or any skill, boss or activity slug.",
        responses={
            200: LeaderboardEntrySerializer(many=True),
            304: _304,
            404: _404,
            422: _422,
            503: _503,
        },
    )
    @conditional_read(board_version)
    def get(self, request: Request, metric: str) -> Response:
        metric = known_metric(metric, metric_slugs(), kind="metric")
        board = request.__dict__.pop("board", None)
        if board is None:
            params = LeaderboardParams(data=request.query_params)
            params.is_valid(raise_exception=True)
            board = _read_board(metric, params)
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
                for position, entry in enumerate(board.entries, start=1)
            ]
        )
