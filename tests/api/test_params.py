from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import path
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from api.errors import Unprocessable
from api.params import (
    MAX_DAYS,
    PERIODS,
    DaysParams,
    MomentParams,
    NameListField,
    PeriodField,
    QueryParams,
    WholeNumberField,
    WindowParams,
)

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def parsed(params_class: type[QueryParams], **query: str) -> dict:
    params = params_class(data=query)
    params.is_valid(raise_exception=True)
    return params.validated_data


def refused(params_class: type[QueryParams], **query: str) -> Unprocessable:
    with pytest.raises(Unprocessable) as raised:
        parsed(params_class, **query)
    return raised.value


# --- The error every parameter set raises --------------------------------------


def test_a_bad_parameter_is_a_422_validation_error_naming_the_field():
    error = refused(DaysParams, days="seven")
    assert (error.status_code, error.error_code) == (422, "validation_error")
    assert str(error.detail) == "days: Must be a whole number from 1 to 3650."
    assert error.details == {"days": ["Must be a whole number from 1 to 3650."]}


def test_every_bad_parameter_is_reported():
    error = refused(WindowParams, start="yesterday", end="tomorrow")
    assert set(error.details) == {"start", "end"}
    assert str(error.detail).startswith("start: ")


def test_is_valid_without_raising_only_reports():
    params = DaysParams(data={"days": "0"})
    assert params.is_valid() is False
    assert list(params.errors) == ["days"]


# --- Moments -------------------------------------------------------------------


def test_a_moment_is_read_in_utc():
    at = parsed(MomentParams, at="2026-06-01T00:00:00-05:00")["at"]
    assert at == datetime(2026, 6, 1, 5, 0, tzinfo=UTC)
    assert at.utcoffset() == timedelta(0)


def test_a_plus_offset_that_arrived_as_a_space_is_understood():
    at = parsed(MomentParams, at="2026-06-15T12:00:00 01:00")["at"]
    assert at == datetime(2026, 6, 15, 11, 0, tzinfo=UTC)


def test_a_missing_moment_is_left_out():
    assert "at" not in parsed(MomentParams)


def test_a_moment_within_a_day_ahead_is_accepted():
    ahead = NOW + timedelta(hours=23)
    assert parsed(MomentParams, at=ahead.isoformat())["at"] == ahead


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "This parameter is required."),
        ("garbage", "Not an ISO 8601 timestamp (e.g. 2025-01-31T18:00:00Z)."),
        ("2026-13-01T00:00:00Z", "Not an ISO 8601 timestamp (e.g. 2025-01-31T18:00:00Z)."),
        ("2026-06-01T00:00:00", "The timestamp needs a timezone (e.g. a trailing Z or +00:00)."),
        ("2012-12-31T00:00:00Z", "Nothing was recorded before 2013-02-22."),
        ("2026-06-16T12:00:01Z", "The timestamp lies in the future."),
        ("9999-12-31T23:59:59-12:00", "Not an ISO 8601 timestamp (e.g. 2025-01-31T18:00:00Z)."),
    ],
)
def test_a_bad_moment_says_what_is_wrong(raw, message):
    assert refused(MomentParams, at=raw).details == {"at": [message]}


# --- Windows -------------------------------------------------------------------


def test_a_period_is_the_span_ending_now():
    assert parsed(WindowParams, period="month") == {"start": NOW - timedelta(days=30), "end": NOW}


@pytest.mark.parametrize("period", ["Week", " week "])
def test_a_period_ignores_case_and_spaces(period):
    assert parsed(WindowParams, period=period)["start"] == NOW - PERIODS["week"]


def test_a_period_ends_at_end_when_given():
    end = NOW - timedelta(days=2)
    window = parsed(WindowParams, period="day", end=end.isoformat())
    assert window == {"start": end - timedelta(days=1), "end": end}


def test_end_defaults_to_now():
    window = parsed(WindowParams, start="2026-06-01T00:00:00+02:00")
    assert window == {"start": datetime(2026, 5, 31, 22, 0, tzinfo=UTC), "end": NOW}


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({}, "start", "Give start (and optionally end), or period."),
        (
            {"start": "2026-06-01T00:00:00Z", "period": "day"},
            "period",
            "Give either start or period, not both.",
        ),
        ({"period": "fortnight"}, "period", "Must be one of: day, week, month, year."),
        ({"period": ""}, "period", "Must be one of: day, week, month, year."),
        (
            {"start": "2026-06-10T00:00:00Z", "end": "2026-06-01T00:00:00Z"},
            "start",
            "start must be before end.",
        ),
        (
            {"start": "2026-06-10T00:00:00Z", "end": "2026-06-10T00:00:00Z"},
            "start",
            "start must be before end.",
        ),
        ({"period": "week", "end": "2027-01-01T00:00:00Z"}, "end", None),
    ],
)
def test_a_bad_window_names_the_field(query, field, message):
    details = refused(WindowParams, **query).details
    assert list(details) == [field]
    if message:
        assert details[field] == [message]


def test_start_with_period_is_refused_before_their_spelling_is_read():
    details = refused(WindowParams, start="garbage", period="fortnight").details
    assert details == {"period": ["Give either start or period, not both."]}


# --- Days and limits -------------------------------------------------------------


@pytest.mark.parametrize(("raw", "days"), [(None, 30), ("1", 1), ("3650", 3650), (" 30 ", 30)])
def test_days_accepts_whole_numbers_in_range(raw, days):
    query = {} if raw is None else {"days": raw}
    assert parsed(DaysParams, **query) == {"days": days}


@pytest.mark.parametrize("raw", ["0", "-1", str(MAX_DAYS + 1), "1e3", "7.0", "+7", "", "seven"])
def test_days_refuses_anything_else(raw):
    assert list(refused(DaysParams, days=raw).details) == ["days"]


class Limited(QueryParams):
    limit = WholeNumberField(low=1, high=100, default=20)
    period = PeriodField(default=PERIODS["week"])


def test_defaults_fill_in_missing_parameters():
    assert parsed(Limited) == {"limit": 20, "period": PERIODS["week"]}


def test_a_whole_number_names_its_bounds():
    assert refused(Limited, limit="500").details == {
        "limit": ["Must be a whole number from 1 to 100."]
    }


# --- Name lists ------------------------------------------------------------------


def _short(name: str) -> None:
    if not name:
        raise ValueError("A name cannot be empty.")
    if len(name) > 5:
        raise ValueError("Too long.")


class Names(QueryParams):
    names = NameListField(check=_short, max_names=3)


def test_names_come_back_as_sent_trimmed():
    assert parsed(Names, names="Ab, cD ,e") == {"names": ["Ab", "cD", "e"]}


@pytest.mark.parametrize(
    ("query", "messages"),
    [
        ({}, ["This field is required."]),
        ({"names": " "}, ["This field may not be blank."]),
        ({"names": "a,b,c,d"}, ["At most 3 names per request; got 4."]),
        ({"names": "toolong,,b"}, ["'toolong': Too long.", "'': A name cannot be empty."]),
    ],
)
def test_a_bad_name_list_says_what_is_wrong(query, messages):
    assert refused(Names, **query).details == {"names": messages}


# --- The schema ------------------------------------------------------------------


class LimitedView(APIView):
    @extend_schema(operation_id="limited", parameters=[Limited], responses={200: None})
    def get(self, request):
        return Response()


def test_parameters_describe_themselves_in_the_schema():
    generator = SchemaGenerator(patterns=[path("limited", LimitedView.as_view())])
    operation = generator.get_schema(request=None, public=True)["paths"]["/limited"]["get"]
    described = {p["name"]: p for p in operation["parameters"]}
    assert described["limit"]["in"] == "query"
    assert described["limit"]["description"] == "1..100, default 20."
    assert described["limit"]["schema"] == {"type": "integer", "default": 20}
    assert described["period"]["schema"] == {
        "type": "string",
        "enum": ["day", "week", "month", "year"],
        "default": "week",
        "minLength": 1,
    }
