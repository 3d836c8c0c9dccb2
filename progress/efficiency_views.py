"""The efficiency endpoints (docs/api.md, "Efficiency")."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.conditional import conditional_read
from api.params import PERIODS, MomentParams, PeriodField, QueryParams, WholeNumberField
from players.conditional import player_version
from players.selectors import player_by_name

from .efficiency_reports import MEASURES, efficiency_gains, efficiency_totals, player_efficiency
from .errors import known_metric


class EfficiencySerializer(serializers.Serializer):
    username = serializers.CharField()
    record_at = serializers.DateTimeField(
        help_text="When the record these come from was first seen."
    )
    ehp = serializers.FloatField(help_text="Efficient hours played.")
    ehb = serializers.FloatField(help_text="Efficient hours bossed.")
    ttm_hours = serializers.FloatField(help_text="Efficient hours until every skill is 99.")
    tt200m_hours = serializers.FloatField(help_text="Efficient hours until 200m in every skill.")
    algorithm = serializers.CharField()
    rates_version = serializers.CharField(help_text="The rate tables' version.")
    account_type = serializers.CharField(
        help_text="The table the account's game mode and stats call for."
    )
    ehp_table = serializers.CharField(help_text="The table EHP was computed with.")
    ehb_table = serializers.CharField(help_text="The table EHB was computed with.")
    fell_back_to_main = serializers.BooleanField(
        help_text="The account type has no table (for EHP or EHB): main's was used."
    )
    unranked_skills = serializers.ListField(
        child=serializers.CharField(), help_text="Skills whose experience is unknown: counted as 0."
    )


class EfficiencyEntrySerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    username = serializers.CharField()
    value = serializers.FloatField(help_text="Hours: the total, or gained over the period.")
    account_type = serializers.CharField()


class EfficiencyBoardParams(QueryParams):
    period = PeriodField(
        required=False, help_text="Gains over the last day, 7, 30 or 365 days; absent: totals."
    )
    limit = WholeNumberField(low=1, high=100, default=20)


_404 = OpenApiResponse(description="player_not_found or no_records.")
_422 = OpenApiResponse(description="A query parameter is not valid (details name it).")


class PlayerEfficiencyView(APIView):
    @extend_schema(
        tags=["efficiency"],
        operation_id="player_efficiency",
        parameters=[MomentParams],
        description="EHP, EHB and times to max, computed when read from the rate tables.",
        responses={200: EfficiencySerializer, 404: _404, 422: _422},
    )
    @conditional_read(player_version)
    def get(self, request: Request, username: str) -> Response:
        params = MomentParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        player = player_by_name(username)
        return Response(player_efficiency(player=player, at=params.validated_data.get("at")))


class EfficiencyLeaderboardView(APIView):
    @extend_schema(
        tags=["leaderboards"],
        operation_id="efficiency_leaderboard",
        parameters=[
            OpenApiParameter("measure", OpenApiTypes.STR, OpenApiParameter.PATH, enum=MEASURES),
            EfficiencyBoardParams,
        ],
        description="Tracked players by current EHP or EHB, or by the EHP or EHB gained "
        "over `period`.",
        responses={
            200: EfficiencyEntrySerializer(many=True),
            404: OpenApiResponse(description="unknown_metric: not ehp or ehb."),
            422: _422,
            503: OpenApiResponse(description="leaderboards_building: the table is being built."),
        },
    )
    def get(self, request: Request, measure: str) -> Response:
        measure = known_metric(measure, MEASURES, kind="metric")
        params = EfficiencyBoardParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        limit, length = params.validated_data["limit"], params.validated_data.get("period")
        if length is None:
            entries = efficiency_totals(measure=measure, limit=limit)
        else:
            period = next(name for name, span in PERIODS.items() if span == length)
            entries = efficiency_gains(
                measure=measure, period=period, now=timezone.now(), limit=limit
            )
        return Response(
            [
                {
                    "rank": position,
                    "username": e.username,
                    "value": e.value,
                    "account_type": e.account_type,
                }
                for position, e in enumerate(entries, start=1)
            ]
        )
