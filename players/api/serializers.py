from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from hiscores.modes import GameMode
from hiscores.usernames import InvalidUsername, clean

from ..models import Player
from ..tracking import DETECT


class PlayerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Player
        fields = [
            "id",
            "username",
            "game_mode",
            "created_at",
            "last_fetched",
            "last_changed_at",
            "is_active",
            "fetch_interval_minutes",
            "status",
            "next_fetch_at",
        ]
        read_only_fields = fields


class RejectUnknownFieldsMixin:
    """A misspelt field is an error, not something to ignore silently."""

    def validate(self, attrs):
        unknown = (
            set(self.initial_data) - set(self.fields)
            if isinstance(self.initial_data, dict)
            else set()
        )
        if unknown:
            raise serializers.ValidationError(
                {name: ["Unknown field."] for name in sorted(unknown)}
            )
        return super().validate(attrs)


def _interval_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=settings.FETCH_INTERVAL_MIN_MINUTES,
        max_value=settings.FETCH_INTERVAL_MAX_MINUTES,
        **kwargs,
    )


class PlayerCreateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    username = serializers.CharField(max_length=64, trim_whitespace=False)
    game_mode = serializers.ChoiceField(
        choices=[*GameMode.values, DETECT],
        default=GameMode.REGULAR,
        help_text="A game mode, or 'detect' to ask the hiscores which tables the account is on.",
    )
    fetch_interval_minutes = _interval_field(required=False)

    def validate_username(self, value: str) -> str:
        try:
            return clean(value)
        except InvalidUsername as exc:
            raise serializers.ValidationError(str(exc)) from None


class PlayerUpdateSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    is_active = serializers.BooleanField(required=False)
    fetch_interval_minutes = _interval_field(required=False)


class FetchQueuedSerializer(serializers.Serializer):
    task_id = serializers.CharField()
    status = serializers.CharField()
