from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from django.db.models import CharField, Func, QuerySet
from rest_framework import serializers

from hiscores.modes import GameMode
from hiscores.usernames import InvalidUsername, clean

from ..models import Player
from ..tracking import DETECT


class UtcText(Func):
    """A timestamp as the API writes it (docs/api.md), but for the `Z`: ISO 8601
    in UTC, `YYYY-MM-DDTHH:MM:SS`, then `.ffffff` (PostgreSQL: always; SQLite,
    which stores that text with a space: unless 0). Written by the database, it
    costs a fraction of loading a timestamp, which was a third of a page."""

    output_field = CharField()
    template = "REPLACE(%(expressions)s, ' ', 'T')"  # SQLite's stored text

    def as_postgresql(self, compiler, connection, **extra):
        template = "to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
        return self.as_sql(compiler, connection, template=template, **extra)


def page_rows(queryset: QuerySet[Player]) -> QuerySet:
    """The columns a page shows, as rows for PlayerPageSerializer."""
    timestamps = _timestamp_fields()
    plain = [name for name in PlayerSerializer.Meta.fields if name not in timestamps]
    return queryset.values(*plain, **{_as_text(name): UtcText(name) for name in timestamps})


def _as_text(name: str) -> str:
    return f"{name}_utc_text"


class PlayerPageSerializer(serializers.ListSerializer):
    """A page of Players from `page_rows`. Every value but the timestamps is
    already its JSON; running each one through its serializer field cost twice
    the page's queries at 50 rows."""

    def to_representation(self, data) -> list[dict[str, Any]]:
        timestamps = _timestamp_fields()
        fields = PlayerSerializer.Meta.fields
        page = []
        for row in data:
            if not isinstance(row, Mapping):
                page.append(self.child.to_representation(row))
                continue
            body = {}
            for name in fields:
                if name in timestamps:
                    text = row[_as_text(name)]
                    body[name] = None if text is None else _iso_utc(text)
                else:
                    body[name] = row[name]
            page.append(body)
        return page


def _iso_utc(text: str) -> str:
    # As DateTimeField writes a UTC moment: microseconds only when not 0.
    return (text[:-7] if text.endswith(".000000") else text) + "Z"


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
