"""Bodies of the groups and competitions endpoints (docs/api.md, "Groups",
"Competitions"). Input serializers check shapes; the services check meaning."""

from __future__ import annotations

from django.conf import settings
from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from api.fields import GainValueField
from players.api.serializers import RejectUnknownFieldsMixin

from .models import MemberStatus, Role

# --- input --------------------------------------------------------------------------


class AwareDateTimeField(serializers.DateTimeField):
    """ISO 8601 with a timezone: a moment without one is ambiguous, not UTC."""

    default_error_messages = {
        "naive": "The timestamp needs a timezone (e.g. a trailing Z or +00:00)."
    }

    def to_internal_value(self, value):
        parsed = parse_datetime(value) if isinstance(value, str) else None
        if parsed is not None and parsed.tzinfo is None:
            self.fail("naive")
        return super().to_internal_value(value)


def _names(**kwargs) -> serializers.ListField:
    # Each name is checked by the service, which answers per name.
    return serializers.ListField(
        child=serializers.CharField(max_length=64, trim_whitespace=False, allow_blank=True),
        max_length=settings.GROUP_MAX_MEMBERS,
        **kwargs,
    )


class GroupCreateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    name = serializers.CharField(max_length=64)
    description = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    members = _names(required=False, help_text="Player names; each gets a result.")


class GroupUpdateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    name = serializers.CharField(max_length=64, required=False)
    description = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    leaders = serializers.ListField(
        child=serializers.CharField(max_length=150),
        required=False,
        max_length=100,
        help_text="Usernames of the users (not players) who may manage the group besides "
        "its owner; only the owner or staff may change them.",
    )


class MembersAddSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    usernames = _names(allow_empty=False)
    role = serializers.ChoiceField(choices=Role.choices, default=Role.MEMBER)


class TeamInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=40)
    members = serializers.ListField(child=serializers.CharField(max_length=64), min_length=1)


class CompetitionCreateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    title = serializers.CharField(max_length=100)
    metrics = serializers.ListField(child=serializers.CharField(max_length=64), min_length=1)
    starts_at = AwareDateTimeField()
    ends_at = AwareDateTimeField()
    group = serializers.CharField(required=False, help_text="A group's slug.")
    participants = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, max_length=5000
    )
    teams = TeamInputSerializer(many=True, required=False)


class CompetitionUpdateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    title = serializers.CharField(max_length=100, required=False)
    metrics = serializers.ListField(
        child=serializers.CharField(max_length=64), min_length=1, required=False
    )
    starts_at = AwareDateTimeField(required=False)
    ends_at = AwareDateTimeField(required=False)
    participants = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, max_length=5000
    )
    teams = TeamInputSerializer(many=True, required=False)


# --- output -------------------------------------------------------------------------


class GroupSerializer(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.CharField()
    description = serializers.CharField()
    owner = serializers.CharField()
    leaders = serializers.ListField(child=serializers.CharField())
    member_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class MemberSerializer(serializers.Serializer):
    username = serializers.CharField()
    status = serializers.ChoiceField(choices=MemberStatus.choices)
    role = serializers.ChoiceField(choices=Role.choices)
    joined_at = serializers.DateTimeField()


class GroupDetailSerializer(GroupSerializer):
    members = MemberSerializer(many=True)


class MemberResultSerializer(serializers.Serializer):
    username = serializers.CharField()
    result = serializers.ChoiceField(
        choices=["added", "already_member", "invalid_name", "duplicate", "group_full"]
    )
    status = serializers.ChoiceField(choices=MemberStatus.choices, allow_null=True)
    message = serializers.CharField()


class GroupCreatedSerializer(GroupDetailSerializer):
    results = MemberResultSerializer(many=True)


class MembersAddedSerializer(serializers.Serializer):
    added = serializers.IntegerField()
    results = MemberResultSerializer(many=True)


class GainRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    username = serializers.CharField()
    gained = serializers.IntegerField()
    start = serializers.IntegerField(allow_null=True)
    end = serializers.IntegerField(allow_null=True)
    approximate = serializers.BooleanField()


class HiscoreRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    username = serializers.CharField()
    value = serializers.IntegerField(allow_null=True)


class GroupRecordSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    username = serializers.CharField()
    metric = serializers.CharField()
    period = serializers.CharField()
    value = GainValueField()
    start_record_at = serializers.DateTimeField()
    end_record_at = serializers.DateTimeField()
    approximate = serializers.BooleanField()


class GroupAchievementSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    metric = serializers.CharField()
    threshold = serializers.IntegerField()
    achieved_at = serializers.DateTimeField()
    achieved_after = serializers.DateTimeField()
    achieved_before = serializers.DateTimeField()


class StatisticsSerializer(serializers.Serializer):
    members = serializers.IntegerField()
    tracked = serializers.IntegerField()
    pending = serializers.IntegerField()
    not_found = serializers.IntegerField()
    total_experience = serializers.IntegerField()
    average_experience = serializers.IntegerField()
    average_total_level = serializers.IntegerField()
    maxed = serializers.IntegerField(help_text="Members with every skill at 99.")


class CompetitionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    metrics = serializers.ListField(child=serializers.CharField())
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    status = serializers.ChoiceField(choices=["upcoming", "ongoing", "finished"])
    group = serializers.CharField(allow_null=True, help_text="The group's slug.")
    created_by = serializers.CharField()
    participant_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class MetricStandingSerializer(serializers.Serializer):
    start = serializers.IntegerField(allow_null=True)
    end = serializers.IntegerField(allow_null=True)
    gained = serializers.IntegerField()
    rank = serializers.IntegerField()
    approximate = serializers.BooleanField()


class StandingSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    username = serializers.CharField()
    team = serializers.CharField(allow_null=True)
    score = serializers.FloatField(
        help_text="By `scoring`: the sum of the per-metric ranks (lowest first), or the "
        "efficient hours gained in the metrics (most first)."
    )
    metrics = serializers.DictField(child=MetricStandingSerializer())


class TeamStandingSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    name = serializers.CharField()
    members = serializers.IntegerField()
    score = serializers.FloatField()
    gained = serializers.DictField(child=serializers.IntegerField())


class CompetitionDetailSerializer(CompetitionSerializer):
    scoring = serializers.ChoiceField(choices=["ranks", "efficiency"])
    standings = StandingSerializer(many=True)
    teams = TeamStandingSerializer(many=True)
