"""The stats endpoints (docs/api.md, "Statistics"): a player's latest stats, their stats
at a moment, and the latest stats of up to 50 players in one call.

The bodies are built by `players.stats`; the serializers here only describe them
for the OpenAPI schema (running 116 rows through DRF fields would cost more than
the query).
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.conditional import conditional_read
from api.params import MomentParams, NameListField, QueryParams
from api.slugs import slug_map
from hiscores import catalogue
from hiscores.usernames import clean

from ..conditional import names_version, player_version
from ..selectors import player_by_name
from ..stats import player_stats, stats_by_names


def _int(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(allow_null=True, **kwargs)


class OverallStatSerializer(serializers.Serializer):
    rank = _int()
    level = _int(help_text="Total level.")
    experience = _int(help_text="Total experience (64-bit).")


class SkillStatSerializer(serializers.Serializer):
    rank = _int()
    level = _int(help_text="1..99, as the hiscores show it.")
    experience = _int()
    virtual_level = _int(help_text="1..126: levels past 99 from the experience table.")


class BossStatSerializer(serializers.Serializer):
    rank = _int()
    kc = _int()


class ActivityStatSerializer(serializers.Serializer):
    rank = _int()
    score = _int()


class HiscoreStatsSerializer(serializers.Serializer):
    username = serializers.CharField()
    fetched_at = serializers.DateTimeField(help_text="When these values were first seen.")
    last_checked_at = serializers.DateTimeField(help_text="When a fetch last confirmed them.")
    overall = OverallStatSerializer()
    # An entry is always an object; its values are null when unranked.
    skills = slug_map(
        "SkillStats",
        catalogue.SKILL_SLUGS,
        SkillStatSerializer,
        help_text="Every skill by slug; its values null when unranked.",
    )
    bosses = slug_map(
        "BossStats",
        catalogue.BOSS_SLUGS,
        BossStatSerializer,
        help_text="Every boss by slug; its values null when unranked.",
    )
    activities = slug_map(
        "ActivityStats",
        catalogue.ACTIVITY_SLUGS,
        ActivityStatSerializer,
        help_text="Every other activity (clues, minigames, points) by slug; "
        "its values null when unranked.",
    )
    combat_level = serializers.IntegerField(
        help_text="From the skill levels; an unranked combat skill counts as on a new account."
    )
    total_level = _int()


class StatsBatchParams(QueryParams):
    MAX_NAMES = 50

    usernames = NameListField(
        check=clean,
        max_names=MAX_NAMES,
        help_text=f"Comma-separated names, at most {MAX_NAMES}; any spelling of a name works.",
    )


# --- Views ------------------------------------------------------------------------

_NOT_FOUND = OpenApiResponse(
    description="Unknown player (`player_not_found`) or no record (`no_records`)."
)


class PlayerStatsView(APIView):
    @extend_schema(
        tags=["stats"],
        operation_id="player_stats",
        parameters=[MomentParams],
        responses={200: HiscoreStatsSerializer, 404: _NOT_FOUND, 422: OpenApiResponse()},
    )
    @conditional_read(player_version)
    def get(self, request: Request, username: str) -> Response:
        params = MomentParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        player = player_by_name(username)
        return Response(player_stats(player=player, at=params.validated_data.get("at")))


class StatsBatchView(APIView):
    @extend_schema(
        tags=["stats"],
        operation_id="stats_batch",
        parameters=[StatsBatchParams],
        responses={
            200: OpenApiResponse(
                response=slug_map(
                    "StatsBatch",
                    (),
                    lambda: HiscoreStatsSerializer(allow_null=True),
                    doc="HiscoreStats keyed by each name as the client sent it.",
                ),
                description="Keyed by each name as sent; null for a name nobody tracks "
                "or a player not fetched yet.",
            ),
            422: OpenApiResponse(description="No names, more than 50, or an illegal name."),
        },
    )
    @conditional_read(names_version)
    def get(self, request: Request) -> Response:
        params = StatsBatchParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        return Response(stats_by_names(params.validated_data["usernames"]))
