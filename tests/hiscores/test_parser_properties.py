"""Property: whatever bytes come in, the parser returns a Snapshot or raises
HiscoresUnavailable, never any other exception."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hiscores
from hiscores.errors import HiscoresUnavailable
from hiscores.parser import MAX_BODY_BYTES, parse_csv, parse_json
from hiscores.snapshot import Snapshot

SAMPLES = Path(hiscores.__file__).parent / "fake" / "samples"
JSON_SAMPLES = [p.read_bytes() for p in sorted(SAMPLES.glob("*.json"))]
CSV_SAMPLES = [p.read_bytes() for p in sorted(SAMPLES.glob("*.csv"))]

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def outcome(parse, body) -> Snapshot | None:
    """The parse result, or None when it refused the body the allowed way."""
    try:
        result = parse(body)
    except HiscoresUnavailable:
        return None
    assert isinstance(result, Snapshot)
    return result


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=20,
)


@SETTINGS
@given(st.binary(max_size=4000))
def test_random_bytes(body):
    outcome(parse_json, body)
    outcome(parse_csv, body)


@SETTINGS
@given(st.text(max_size=2000))
def test_random_text(body):
    outcome(parse_json, body)
    outcome(parse_csv, body)


@SETTINGS
@given(st.sampled_from(JSON_SAMPLES + CSV_SAMPLES), st.data())
def test_truncated_samples(body, data):
    cut = data.draw(st.integers(min_value=0, max_value=len(body)))
    outcome(parse_json, body[:cut])
    outcome(parse_csv, body[:cut])


@SETTINGS
@given(st.sampled_from(JSON_SAMPLES), st.randoms(use_true_random=False))
def test_reordered_rows_parse_the_same(body, rng):
    document = json.loads(body)
    rng.shuffle(document["skills"])
    rng.shuffle(document["activities"])
    assert outcome(parse_json, json.dumps(document).encode()) == parse_json(body)


@SETTINGS
@given(
    st.sampled_from(JSON_SAMPLES),
    st.data(),
    st.sampled_from(["name", "rank", "level", "xp", "score", "id", "extra"]),
    json_values,
)
def test_mistyped_row_value(body, data, field, value):
    document = json.loads(body)
    group = data.draw(st.sampled_from(["skills", "activities"]))
    row = data.draw(st.sampled_from(document[group]))
    row[field] = value
    outcome(parse_json, json.dumps(document).encode())


@SETTINGS
@given(
    st.sampled_from(JSON_SAMPLES), st.sampled_from(["skills", "activities", "name"]), json_values
)
def test_mistyped_top_level_value(body, key, value):
    document = json.loads(body)
    document[key] = value
    outcome(parse_json, json.dumps(document))


@SETTINGS
@given(json_values)
def test_random_json_documents(value):
    outcome(parse_json, json.dumps(value))


@SETTINGS
@given(st.sampled_from(JSON_SAMPLES + CSV_SAMPLES), st.integers(min_value=1, max_value=4096))
def test_oversized_bodies_are_refused(body, extra):
    padded = body + b" " * (MAX_BODY_BYTES - len(body) + extra)
    for parse in (parse_json, parse_csv):
        with pytest.raises(HiscoresUnavailable, match="bytes"):
            parse(padded)


csv_field = st.one_of(
    st.integers(min_value=-3, max_value=2**64).map(str),
    st.text(alphabet="-+0123456789 _x", max_size=6),
)


csv_line = st.lists(csv_field, min_size=1, max_size=4).map(",".join)


@SETTINGS
@given(
    st.sampled_from(CSV_SAMPLES),
    st.lists(st.tuples(st.integers(min_value=0), st.none() | csv_line), max_size=4),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
)
def test_mutated_csv_samples(body, edits, newline, trailing_newline):
    lines = body.decode().split("\n")
    for index, line in edits:
        if line is None:
            del lines[index % len(lines)]  # a dropped row shifts every later one
        else:
            lines[index % len(lines)] = line
    text = newline.join(lines) + (newline if trailing_newline else "")
    outcome(parse_csv, text)
    outcome(parse_csv, text.encode())
