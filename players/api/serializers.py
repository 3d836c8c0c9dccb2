from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from rest_framework import serializers

from hiscores.modes import GameMode
from hiscores.usernames import InvalidUsername, clean

from ..models import Player
from ..tracking import DETECT


class PlayerPageSerializer(serializers.ListSerializer):
    """A page of Players from `Player.objects.values(*PlayerSerializer.Meta.fields)`
    rows. Every value but the timestamps is already its JSON; running each one
    through its serializer field cost twice the page's queries at 50 rows."""

    def to_representation(self, data) -> list[dict[str, Any]]:
        timestamps = _timestamp_fields()
        page = []
        for row in data:
            body = dict(row) if isinstance(row, Mapping) else self.child.to_representation(row)
            for name in timestamps:
                if isinstance(body[name], datetime):
                    # As DateTimeField writes it, in UTC (docs/api.md).
                    body[name] = body[name].astimezone(UTC).isoformat().replace("+00:00", "Z")
            page.append(body)
        return page


class PlayerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Player
        list_serializer_class = PlayerPageSerializer
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


@functools.cache
def _timestamp_fields() -> tuple[str, ...]:
    fields = PlayerSerializer().fields.items()
    return tuple(name for name, field in fields if isinstance(field, serializers.DateTimeField))


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
    # Its bounds are settings the tracking services check, for the admin too.
    return serializers.IntegerField(
        help_text="Minutes, from FETCH_INTERVAL_MIN_MINUTES to FETCH_INTERVAL_MAX_MINUTES "
        "(5 to 10,080 by default).",
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
