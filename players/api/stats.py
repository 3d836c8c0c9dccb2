"""The stats endpoints (API.md, "Statistics"): a player's latest stats, their stats
at a moment, and the latest stats of up to 50 players in one call.

The bodies are built by `players.stats`; the serializers here only describe them
for the OpenAPI schema (running 116 rows through DRF fields would cost more than
the query).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hiscores import catalogue
from hiscores.usernames import InvalidUsername, clean
from players.errors import Unprocessable

from ..selectors import player_by_name
from ..stats import player_stats, stats_by_names

# --- Query parameters ---------------------------------------------------------

# Nothing was recorded before Old School RuneScape went live.
OSRS_LAUNCH = datetime(2013, 2, 22, tzinfo=UTC)
# Clocks disagree a little; a moment further ahead than this is a mistake.
FUTURE_SLACK = timedelta(days=1)
# An unencoded "+01:00" in a query string arrives as " 01:00".
_PLUS_AS_SPACE = re.compile(r"(T?\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")


def invalid(field: str, message: str) -> Unprocessable:
    return Unprocessable(f"{field}: {message}", details={field: [message]})


def moment_param(raw: str | None, *, field: str, now: datetime | None = None) -> datetime:
    """An ISO 8601 timestamp with a timezone from a query parameter, in UTC.

    Raises a 422 naming `field` when it is missing, not a timestamp, has no
    timezone, or lies before the OSRS launch or more than a day in the future.
    """
    if raw is None or not raw.strip():
        raise invalid(field, "This parameter is required.")
    text = _PLUS_AS_SPACE.sub(r"\1+\2", raw.strip())
    try:
        moment = parse_datetime(text)
        if moment is not None and moment.tzinfo is not None:
            moment = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        moment = None
    if moment is None:
        raise invalid(field, "Not an ISO 8601 timestamp (e.g. 2025-01-31T18:00:00Z).")
    if moment.tzinfo is None:
        raise invalid(field, "The timestamp needs a timezone (e.g. a trailing Z or +00:00).")
    if moment < OSRS_LAUNCH:
        raise invalid(field, f"Nothing was recorded before {OSRS_LAUNCH:%Y-%m-%d}.")
    if moment > (now or timezone.now()) + FUTURE_SLACK:
        raise invalid(field, "The timestamp lies in the future.")
    return moment


# --- Schema helpers -------------------------------------------------------------


class SlugMap(serializers.Serializer):
    """A JSON object keyed by slug: every catalogue slug is listed; rows the
    catalogue does not know yet appear under their own slug (additionalProperties)."""

    extra_value: Callable[[], serializers.Field]


class SlugMapExtension(OpenApiSerializerExtension):
    target_class = SlugMap
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        extra = self.target.extra_value()
        schema["additionalProperties"] = auto_schema._map_serializer_field(extra, direction)
        return schema


def slug_map(
    name: str,
    slugs: Iterable[str],
    value: Callable[[], serializers.Field],
    *,
    doc: str | None = None,
    **kwargs,
) -> SlugMap:
    """A SlugMap serializer named `name` with one `value()` field per slug."""
    fields: dict = {slug: value() for slug in slugs}
    attrs = {**fields, "extra_value": staticmethod(value), "__doc__": doc or SlugMap.__doc__}
    cls = type(name, (SlugMap,), attrs)
    cls.__module__ = __name__
    return cls(**kwargs)


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
    skills = slug_map(
        "SkillStats",
        catalogue.SKILL_SLUGS,
        lambda: SkillStatSerializer(allow_null=True),
        help_text="Every skill by slug; null when unranked.",
    )
    bosses = slug_map(
        "BossStats",
        catalogue.BOSS_SLUGS,
        lambda: BossStatSerializer(allow_null=True),
        help_text="Every boss by slug; null when unranked.",
    )
    activities = slug_map(
        "ActivityStats",
        catalogue.ACTIVITY_SLUGS,
        lambda: ActivityStatSerializer(allow_null=True),
        help_text="Every other activity (clues, minigames, points) by slug; null when unranked.",
    )
    combat_level = serializers.IntegerField(
        help_text="From the skill levels; an unranked combat skill counts as on a new account."
    )
    total_level = _int()


class StatsBatchQuery(serializers.Serializer):
    MAX_NAMES = 50

    usernames = serializers.CharField(
        help_text=f"Comma-separated names, at most {MAX_NAMES}; any spelling of a name works."
    )

    def validate_usernames(self, value: str) -> list[str]:
        names = [part.strip() for part in value.split(",")]
        if len(names) > self.MAX_NAMES:
            raise serializers.ValidationError(
                f"At most {self.MAX_NAMES} names per request; got {len(names)}."
            )
        problems = []
        for name in names:
            try:
                clean(name)
            except InvalidUsername as exc:
                problems.append(f"{name!r}: {exc}")
        if problems:
            raise serializers.ValidationError(problems)
        return names


# --- Views ------------------------------------------------------------------------

_NOT_FOUND = OpenApiResponse(
    description="Unknown player (`player_not_found`) or no record (`no_records`)."
)


class PlayerStatsView(APIView):
    @extend_schema(
        tags=["stats"],
        operation_id="player_stats",
        parameters=[
            OpenApiParameter(
                "at",
                OpenApiTypes.DATETIME,
                description="ISO 8601 with timezone: the stats as they stood then.",
            )
        ],
        responses={200: HiscoreStatsSerializer, 404: _NOT_FOUND, 422: OpenApiResponse()},
    )
    def get(self, request: Request, username: str) -> Response:
        raw_at = request.query_params.get("at")
        at = None if raw_at is None else moment_param(raw_at, field="at")
        player = player_by_name(username)
        return Response(player_stats(player=player, at=at))


class StatsBatchView(APIView):
    @extend_schema(
        tags=["stats"],
        operation_id="stats_batch",
        parameters=[StatsBatchQuery],
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
    def get(self, request: Request) -> Response:
        query = StatsBatchQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(stats_by_names(query.validated_data["usernames"]))
