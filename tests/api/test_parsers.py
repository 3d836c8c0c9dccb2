import io

import pytest
from rest_framework.exceptions import ParseError

from api.parsers import BoundedJSONParser, nesting_exceeds


def parse(raw: bytes):
    return BoundedJSONParser().parse(io.BytesIO(raw), "application/json", {})


@pytest.mark.parametrize(
    ("text", "deepest"),
    [
        (b'{"username": "Zezima"}', 1),
        (b"[[1, 2], [3]]", 2),
        (b'{"a": {"b": [{"c": []}]}}', 5),
        (b'"[[[[" ', 0),  # brackets inside a string do not nest
        (b'["\\"[[[", {"k": "\\\\"}, [[]]]', 3),  # escaped quotes and backslashes
    ],
)
def test_nesting_is_measured_outside_strings(text, deepest):
    assert not nesting_exceeds(text, deepest)
    assert nesting_exceeds(text, deepest - 1) == (deepest > 0)


def test_a_body_within_the_depth_limit_parses(settings):
    settings.JSON_MAX_DEPTH = 3
    assert parse(b'{"a": [{"b": 1}]}') == {"a": [{"b": 1}]}


def test_a_body_nested_too_deep_is_malformed_not_a_recursion_error(settings):
    settings.JSON_MAX_DEPTH = 32
    with pytest.raises(ParseError, match="nested deeper than 32 levels"):
        parse(b"[" * 100_000 + b"]" * 100_000)


def test_one_level_over_the_limit_is_refused(settings):
    settings.JSON_MAX_DEPTH = 3
    with pytest.raises(ParseError):
        parse(b'{"a": [{"b": []}]}')


def test_malformed_json_is_still_a_parse_error():
    with pytest.raises(ParseError):
        parse(b'{"username": ')
