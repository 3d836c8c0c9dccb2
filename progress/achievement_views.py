"""The achievements endpoint (docs/api.md, "Achievements")."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.conditional import conditional_read
from players.conditional import player_version
from players.selectors import player_by_name

from .achievement_store import player_achievements


class _Definition(serializers.Serializer):
    name = serializers.CharField()
    key = serializers.CharField(help_text="Stable: metric.measure.threshold.")
    metric = serializers.CharField(help_text="A skill, boss or activity slug, or overall.")
    measure = serializers.ChoiceField(
        choices=[
            "level",
            "experience",
            "base_level",
            "overall_experience",
            "total_level",
            "kills",
            "score",
        ]
    )
    threshold = serializers.IntegerField()


class AchievedSerializer(_Definition):
    achieved_at = serializers.DateTimeField(
        allow_null=True, help_text="The record that showed it; null when the date is unknown."
    )
    achieved_after = serializers.DateTimeField(
        allow_null=True, help_text="The record before's last_checked_at; null when unknown."
    )
    achieved_before = serializers.DateTimeField(
        help_text="When the record that showed it was first seen."
    )


class NearestSerializer(_Definition):
    value = serializers.IntegerField(help_text="The latest record's value.")
    progress = serializers.FloatField(help_text="0 to 1 (levels: the experience towards them).")
    estimated_at = serializers.DateTimeField(
        allow_null=True,
        help_text="At the pace of the last 7 days, when measured over a day or more; else null.",
    )


class AchievementsSerializer(serializers.Serializer):
    achieved = AchievedSerializer(many=True, help_text="Most recent first.")
    nearest = NearestSerializer(many=True, help_text="Up to 10, closest first.")


class PlayerAchievementsView(APIView):
    @extend_schema(
        tags=["achievements"],
        operation_id="player_achievements",
        responses={
            200: AchievementsSerializer,
            404: OpenApiResponse(description="player_not_found."),
        },
    )
    @conditional_read(player_version, depends_on_now=True)
    def get(self, request: Request, username: str) -> Response:
        player = player_by_name(username)
        return Response(player_achievements(player=player, now=timezone.now()))
