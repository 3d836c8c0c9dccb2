"""Query parameters, parsed the one way every view does:

    params = SomeParams(data=request.query_params)
    params.is_valid(raise_exception=True)

A bad parameter is a 422 `validation_error` whose message names the first bad
field and whose details give each bad field its messages (docs/api.md). The
serializers also describe the parameters in the OpenAPI schema
(`@extend_schema(parameters=[SomeParams])`).

The fields read the raw text as sent: DRF's form handling would turn an empty
`?days=` into "use the default", and an empty parameter is a mistake to report.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from .errors import Unprocessable

# Nothing was recorded before Old School RuneScape went live.
OSRS_LAUNCH = datetime(2013, 2, 22, tzinfo=UTC)
# Clocks disagree a little; a moment further ahead than this is a mistake.
FUTURE_SLACK = timedelta(days=1)
# An unencoded "+01:00" in a query string arrives as " 01:00".
_PLUS_AS_SPACE = re.compile(r"(T?\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")
# Digits only: no sign, exponent or decimal point slips through int().
_WHOLE_NUMBER = re.compile(r"^\d{1,9}$")

# A period is the span ending now (or at `end`): fixed lengths, so "month" is
# the same 30 days whatever the calendar says.
PERIODS: dict[str, timedelta] = {
    "day": timedelta(days=1),
    "week": timedelta(days=7),
    "month": timedelta(days=30),
    "year": timedelta(days=365),
}
DEFAULT_DAYS = 30
MAX_DAYS = 3650


class QueryParams(serializers.Serializer):
    """The query parameters of one view."""

    def is_valid(self, *, raise_exception: bool = False) -> bool:
        # A query has few parameters, so the message names the bad one; the
        # handler's message for a bad body ("Some fields are not valid.") would not.
        valid = super().is_valid()
        if not valid and raise_exception:
            details = {field: [str(m) for m in messages] for field, messages in self.errors.items()}
            field, messages = next(iter(details.items()))
            raise Unprocessable(f"{field}: {messages[0]}", details=details)
        return valid


class QueryField(serializers.Field):
    """A query parameter: its text as sent, `''` included."""

    # No parameter takes an empty value; the schema says so (minLength 1).
    allow_blank = False

    def get_value(self, dictionary: Any) -> Any:
        return dictionary.get(self.field_name, empty)


# --- Fields ---------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.DATETIME)
class MomentField(QueryField):
    """An ISO 8601 timestamp with a timezone, in UTC, between the OSRS launch and
    a day from now."""

    default_error_messages = {
        "required": "This parameter is required.",
        "invalid": "Not an ISO 8601 timestamp (e.g. 2025-01-31T18:00:00Z).",
        "naive": "The timestamp needs a timezone (e.g. a trailing Z or +00:00).",
        "too_early": f"Nothing was recorded before {OSRS_LAUNCH:%Y-%m-%d}.",
        "future": "The timestamp lies in the future.",
    }

    def to_internal_value(self, data: str) -> datetime:
        if not data.strip():
            self.fail("required")
        text = _PLUS_AS_SPACE.sub(r"\1+\2", data.strip())
        try:
            moment = parse_datetime(text)
            if moment is not None and moment.tzinfo is not None:
                moment = moment.astimezone(UTC)
        except (ValueError, OverflowError):
            moment = None
        if moment is None:
            self.fail("invalid")
        if moment.tzinfo is None:
            self.fail("naive")
        if moment < OSRS_LAUNCH:
            self.fail("too_early")
        if moment > timezone.now() + FUTURE_SLACK:
            self.fail("future")
        return moment


@extend_schema_field({"type": "string", "enum": list(PERIODS)})
class PeriodField(QueryField):
    """One of PERIODS, in any case, as its length."""

    default_error_messages = {"invalid": f"Must be one of: {', '.join(PERIODS)}."}

    def to_internal_value(self, data: str) -> timedelta:
        name = data.strip().lower()
        if name not in PERIODS:
            self.fail("invalid")
        return PERIODS[name]

    def to_representation(self, value: timedelta) -> str:
        # Only the schema calls this, to show a default period by its name.
        return next(name for name, length in PERIODS.items() if length == value)


@extend_schema_field(OpenApiTypes.INT)
class WholeNumberField(QueryField):
    """A whole number from `low` to `high` (days, limits); `default` when absent."""

    default_error_messages = {"invalid": "Must be a whole number from {low} to {high}."}

    def __init__(self, *, low: int, high: int, default: int, **kwargs):
        self.low, self.high = low, high
        kwargs.setdefault("help_text", f"{low}..{high}, default {default}.")
        super().__init__(default=default, **kwargs)

    def to_internal_value(self, data: str) -> int:
        text = data.strip()
        if not _WHOLE_NUMBER.match(text) or not self.low <= int(text) <= self.high:
            self.fail("invalid", low=self.low, high=self.high)
        return int(text)


@extend_schema_field(OpenApiTypes.STR)
class NameListField(QueryField):
    """`a,b,c`: at most `max_names` names, each passed to `check`, which raises
    ValueError saying why a name is not legal. The names come back as sent
    (trimmed): answers are keyed by the client's spelling."""

    default_error_messages = {
        "blank": "This field may not be blank.",
        "too_many": "At most {max_names} names per request; got {count}.",
    }

    def __init__(self, *, check: Callable[[str], object], max_names: int, **kwargs):
        self.check, self.max_names = check, max_names
        super().__init__(**kwargs)

    def to_internal_value(self, data: str) -> list[str]:
        if not data.strip():
            self.fail("blank")
        names = [part.strip() for part in data.split(",")]
        if len(names) > self.max_names:
            self.fail("too_many", max_names=self.max_names, count=len(names))
        problems = []
        for name in names:
            try:
                self.check(name)
            except ValueError as exc:
                problems.append(f"{name!r}: {exc}")
        if problems:
            raise serializers.ValidationError(problems)
        return names


# --- Parameter sets -------------------------------------------------------------


class MomentParams(QueryParams):
    """`at`: a moment in the past, or absent for "now"."""

    at = MomentField(
        required=False, help_text="ISO 8601 with timezone: as things stood then; default now."
    )


class DaysParams(QueryParams):
    """`days`: how many days back from now."""

    days = WholeNumberField(low=1, high=MAX_DAYS, default=DEFAULT_DAYS)


class WindowParams(QueryParams):
    """A window of time: `start` (and `end`, default now), or `period` ending at
    `end` (default now); never both `start` and `period`. Validated as
    `{"start": datetime, "end": datetime}`."""

    start = MomentField(required=False, help_text="ISO 8601 with timezone.")
    end = MomentField(required=False, help_text="ISO 8601 with timezone; default now.")
    period = PeriodField(required=False, help_text="The last day, 7, 30 or 365 days.")

    def to_internal_value(self, data: Any) -> dict[str, datetime]:
        # Which parameters came is checked before how they are spelled: a client
        # that sent both start and period hears about that first.
        has_start, has_period = "start" in data, "period" in data
        if has_start and has_period:
            raise serializers.ValidationError(
                {"period": ["Give either start or period, not both."]}
            )
        if not has_start and not has_period:
            raise serializers.ValidationError(
                {"start": ["Give start (and optionally end), or period."]}
            )
        return super().to_internal_value(data)

    def validate(self, attrs: dict[str, Any]) -> dict[str, datetime]:
        end = attrs.get("end") or timezone.now()
        if "period" in attrs:
            return {"start": end - attrs["period"], "end": end}
        if attrs["start"] >= end:
            raise serializers.ValidationError({"start": "start must be before end."})
        return {"start": attrs["start"], "end": end}
