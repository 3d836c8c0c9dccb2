"""The records endpoints (docs/api.md, "Records"): a player's records, and the
best records of one metric among tracked players."""

from __future__ import annotations

import functools

from django.db.models import CharField, Func, IntegerField, Subquery
from django.db.models.functions import Cast
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.conditional import Version, conditional_read, stamped_by
from api.fields import GainValueField
from api.pagination import PageParams
from api.params import PERIODS, PeriodField, QueryParams
from players.models import Player
from players.selectors import player_by_name

from .bests import EFFICIENCY_METRICS, EFFICIENCY_SCALE, METRICS
from .bests_store import is_lagging
from .bests_table import advance
from .board_stamps import records_board_stamps
from .compiled import CompiledQuery
from .errors import known_metric
from .models import BestGain

_ROW_FIELDS = ("metric", "period", "value", "start_at", "end_at", "approximate")


class RecordSerializer(serializers.Serializer):
    metric = serializers.CharField(
        help_text="`overall`, a skill, boss or activity slug, `ehp` or `ehb`."
    )
    period = serializers.ChoiceField(choices=list(PERIODS), help_text="The window's length.")
    value = GainValueField(
        help_text="The gain (above 0): experience, kills or score; hours for `ehp` and `ehb`."
    )
    start_record_at = serializers.DateTimeField(help_text="The record it is measured from.")
    end_record_at = serializers.DateTimeField(help_text="The record it is measured to.")
    approximate = serializers.BooleanField(
        help_text="A lower bound: the metric was unranked (or not listed) at the start."
    )


class RecordsLeaderboardEntrySerializer(RecordSerializer):
    rank = serializers.IntegerField()
    username = serializers.CharField()


class RecordsParams(QueryParams):
    metric = serializers.CharField(required=False, help_text="Only this metric's records.")
    period = PeriodField(required=False, help_text="Only this period's records.")


class RecordsBoardParams(QueryParams):
    period = PeriodField(
        default=PERIODS["week"], help_text="day, week, month or year; default week."
    )


def _period_name(length) -> str:
    return next(name for name, span in PERIODS.items() if span == length)


def _record(row: dict) -> dict:
    value = row["value"]
    if row["metric"] in EFFICIENCY_METRICS:
        value = value / EFFICIENCY_SCALE  # kept in thousandths of an hour
    return {
        "metric": row["metric"],
        "period": row["period"],
        "value": value,
        "start_record_at": row["start_at"],
        "end_record_at": row["end_at"],
        "approximate": row["approximate"],
    }


def _board(metric: str, period: str):
    # Ties by name, in the board index's own order.
    return BestGain.objects.filter(period=period, metric=metric).order_by("-value", "username_key")


@stamped_by(records_board_stamps)
def board_version(request: Request, *, metric: str, **_) -> Version | None:
    """What a page of a records board is made of (`api.conditional`): its rows, with
    their players' names, and how many rows the board holds, read with one query
    on the board's index (the page joined to the players, the count beside it).
    Whatever changes the page changes these: a record folded in, a rebuild, a
    rename, a player deleted (a row names its two records by their dates, unique
    per player). Only an ETag: a row that left the board leaves no date saying so.
    None for a query the view refuses: it says why."""
    params = RecordsBoardParams(data=request.query_params)
    page = PageParams(data=request.query_params)
    if metric not in METRICS or not params.is_valid() or not page.is_valid():
        return None
    period = _period_name(params.validated_data["period"])
    shape = page.validated_data["limit"], page.validated_data["offset"]
    shown = _version_query(*shape).rows({_PERIOD: period, _METRIC: metric})
    total = shown[0][-1] if shown else _board(metric, period).count()
    return Version(token=repr((total, [row[:-1] for row in shown])), modified=None)


# Stand for the values in the compiled query (`progress.compiled`).
_PERIOD, _METRIC = "\x00period", "\x00metric"


@functools.lru_cache(maxsize=256)
def _version_query(limit: int, offset: int) -> CompiledQuery:
    rows = _board(_METRIC, _PERIOD)
    # COUNT(*), not of a column: the board's index alone answers it.
    count = rows.order_by().annotate(count=Func(template="COUNT(*)", output_field=IntegerField()))
    # The dates as the database spells them: a token needs no datetime made of them.
    dates = [Cast(name, CharField()) for name in ("start_at", "end_at")]
    return CompiledQuery(
        rows.values_list(
            "player_id",
            "value",
            "approximate",
            *dates,
            "player__username",
            Subquery(count.values("count")),
        )[offset : offset + limit]
    )


_METRIC_ORDER = {slug: index for index, slug in enumerate(METRICS)}
_PERIOD_ORDER = {name: index for index, name in enumerate(PERIODS)}
_404 = OpenApiResponse(description="player_not_found or unknown_metric.")
_422 = OpenApiResponse(description="A query parameter is not valid (details name it).")
_304 = OpenApiResponse(
    description="Not Modified: the page is the one whose ETag was sent in If-None-Match."
)


class PlayerRecordsView(APIView):
    @extend_schema(
        tags=["records"],
        operation_id="player_records",
        parameters=[RecordsParams],
        description="The player's largest gain in any window of each period's length, per "
        "metric (only gains above 0), in metric then period order.",
        responses={200: RecordSerializer(many=True), 404: _404, 422: _422},
    )
    def get(self, request: Request, username: str) -> Response:
        player = player_by_name(username)
        params = RecordsParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        rows = BestGain.objects.filter(player=player)
        if "metric" in params.validated_data:
            metric = known_metric(params.validated_data["metric"], METRICS, kind="metric")
            rows = rows.filter(metric=metric)
        if "period" in params.validated_data:
            rows = rows.filter(period=_period_name(params.validated_data["period"]))
        if is_lagging(player.pk):
            # A record not folded in yet (its signal was lost): folded in now.
            advance(player.pk)
        ordered = sorted(
            rows.values(*_ROW_FIELDS),
            key=lambda r: (
                _METRIC_ORDER.get(r["metric"], len(METRICS)),
                _PERIOD_ORDER[r["period"]],
            ),
        )
        return Response([_record(row) for row in ordered])


class RecordsLeaderboardView(generics.GenericAPIView):
    serializer_class = RecordsLeaderboardEntrySerializer
    queryset = BestGain.objects.none()  # for the schema; `get` reads the rows itself

    @extend_schema(
        tags=["leaderboards"],
        operation_id="records_leaderboard",
        parameters=[
            OpenApiParameter("metric", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(METRICS)),
            RecordsBoardParams,
        ],
        description="The largest records of `metric` over `period` among tracked players, "
        "largest first (ties by name), a page at a time.",
        responses={
            200: RecordsLeaderboardEntrySerializer(many=True),
            304: _304,
            404: _404,
            422: _422,
        },
    )
    @conditional_read(board_version)
    def get(self, request: Request, metric: str) -> Response:
        metric = known_metric(metric, METRICS, kind="metric")
        params = RecordsBoardParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        period = _period_name(params.validated_data["period"])
        # The page and its count read the board's index alone (no join: the count
        # would join every row of the board); the page's names come in one more read.
        rows = _board(metric, period).values(*_ROW_FIELDS, "player_id")
        page = self.paginate_queryset(rows)
        names = dict(
            Player.objects.filter(pk__in=[row["player_id"] for row in page]).values_list(
                "pk", "username"
            )
        )
        first = self.paginator.offset + 1
        return self.get_paginated_response(
            [
                {"rank": rank, "username": names[row["player_id"]], **_record(row)}
                for rank, row in enumerate(page, start=first)
            ]
        )
