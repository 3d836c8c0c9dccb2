"""Pages of a list: `limit` and `offset` are bounded whole numbers, and anything
else is a 422 naming the parameter, never a 500 or the whole table."""

from __future__ import annotations

import pytest
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from api.errors import Unprocessable
from api.pagination import MAX_OFFSET, BoundedLimitOffsetPagination

ROWS = list(range(10))


def page(query: str) -> tuple[list[int], BoundedLimitOffsetPagination]:
    paginator = BoundedLimitOffsetPagination()
    request = Request(APIRequestFactory().get(f"/rows?{query}"))
    return paginator.paginate_queryset(ROWS, request), paginator


@pytest.fixture(autouse=True)
def bounds(settings):
    settings.PAGE_MAX_LIMIT = 4
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "PAGE_SIZE": 3}


def test_the_default_page_is_page_size_rows_from_the_start():
    rows, paginator = page("")
    assert rows == [0, 1, 2]
    assert (paginator.limit, paginator.offset) == (3, 0)


def test_limit_and_offset_up_to_their_bounds_are_served():
    assert page("limit=4&offset=8")[0] == [8, 9]
    assert page(f"offset={MAX_OFFSET}")[0] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=5", "limit"),
        ("limit=99999999999999999999", "limit"),
        ("limit=0", "limit"),
        ("limit=-1", "limit"),
        ("limit=%2B2", "limit"),
        ("limit=2.0", "limit"),
        ("limit=", "limit"),
        (f"offset={MAX_OFFSET + 1}", "offset"),
        ("offset=-1", "offset"),
        ("offset=x", "offset"),
    ],
)
def test_anything_else_is_a_422_naming_the_parameter(query, field):
    with pytest.raises(Unprocessable) as refused:
        page(query)
    assert set(refused.value.details) == {field}


def test_the_schema_gives_the_bounds():
    parameters = {
        p["name"]: p["schema"]
        for p in BoundedLimitOffsetPagination().get_schema_operation_parameters(view=None)
    }
    assert (parameters["limit"]["minimum"], parameters["limit"]["maximum"]) == (1, 4)
    assert (parameters["offset"]["minimum"], parameters["offset"]["maximum"]) == (0, MAX_OFFSET)
