"""The one query that ranks every tracked player by their gain in one metric.

Each player's latest record (the `latest_record` FK) is compared with their
record at the period start, found by a probe on the (player, fetched_at) index
(or, for a player first seen later, their first record after it). The metric's
value is read once per record and its gain computed in SQL by the rules of
`progress.gains`.

PostgreSQL gets LATERAL joins: one probe per player, and no probe at all for a
player who cannot have gained (their latest record is older than the period
start, or the metric is unranked in it); each record's value is extracted once
into a materialized step (the JSON columns are usually stored out of line, and
every read of one costs a TOAST fetch and a decompression).
Other databases (SQLite) get correlated subqueries, which do the same work less
cleverly. Everything after the extraction is shared.
"""

from __future__ import annotations

from typing import Any

from django.db import connection

from hiscores import catalogue
from hiscores.models import HiscoreRecord
from players.models import Player

# Larger than any total experience: "no bound known".
NO_BOUND = 2**62

_POSTGRES_EXTRACT = """
WITH extracted AS MATERIALIZED (
  SELECT p.id AS player_id, p.username AS username, p.username_key AS username_key,
    COALESCE(s0.id, s1.id) AS start_id, e.id AS end_id,
    CASE WHEN s0.id IS NOT NULL THEN s0.entry ELSE s1.entry END AS entry0,
    e.entry AS entry1
  FROM {players} p
  JOIN LATERAL (
    SELECT r.id, r.fetched_at, {read} AS entry FROM {records} r
    WHERE r.id = p.{latest} LIMIT 1
  ) e ON e.fetched_at > %(start)s AND {end_ranked}
  LEFT JOIN LATERAL (
    SELECT r.id, {read} AS entry FROM {records} r
    WHERE r.{player} = p.id AND r.fetched_at <= %(start)s
    ORDER BY r.fetched_at DESC LIMIT 1
  ) s0 ON TRUE
  LEFT JOIN LATERAL (
    SELECT r.id, {read} AS entry FROM {records} r
    WHERE r.{player} = p.id AND r.fetched_at > %(start)s AND s0.id IS NULL
    ORDER BY r.fetched_at ASC LIMIT 1
  ) s1 ON TRUE
),"""

_PORTABLE_EXTRACT = """
WITH pairs AS (
  SELECT p.id AS player_id, p.username AS username, p.username_key AS username_key,
    p.{latest} AS end_id,
    COALESCE(
      (SELECT r.id FROM {records} r WHERE r.{player} = p.id AND r.fetched_at <= %(start)s
        ORDER BY r.fetched_at DESC LIMIT 1),
      (SELECT r.id FROM {records} r WHERE r.{player} = p.id AND r.fetched_at > %(start)s
        ORDER BY r.fetched_at ASC LIMIT 1)
    ) AS start_id
  FROM {players} p
  WHERE p.{latest} IS NOT NULL
),
extracted AS (
  SELECT pairs.*, {read_s} AS entry0, {kind_s} AS kind0,
    {read_e} AS entry1, {kind_e} AS kind1
  FROM pairs
  JOIN {records} s ON s.id = pairs.start_id
  JOIN {records} e ON e.id = pairs.end_id
  WHERE e.fetched_at > %(start)s
),"""

_RANK = """
vals AS {materialized}(
  SELECT player_id, username, username_key, start_id, end_id,
    {present0} AS p0, {present1} AS p1,
    CASE WHEN {value0} >= {lowest} THEN {value0} END AS v0,
    CASE WHEN {value1} >= {lowest} THEN {value1} END AS v1
  FROM extracted
),
gains AS (
  SELECT vals.*, {gained} AS gained, {approximate} AS approximate,
    {refine} AS refine, {bound} AS bound
  FROM vals
),
ranked AS (
  SELECT gains.*, ROW_NUMBER() OVER (ORDER BY gained DESC, username_key{bytewise}) AS position
  FROM gains
)
SELECT player_id, username, username_key, start_id, end_id, v0, v1, gained, approximate, refine
FROM ranked
WHERE (gained > 0 AND position <= %(limit)s)
  OR (refine AND bound > COALESCE((SELECT gained FROM ranked WHERE position = %(limit)s), 0))
ORDER BY position
"""

_COUNT_GAIN = """CASE WHEN v1 IS NULL OR NOT p0 THEN 0
    WHEN v0 IS NULL THEN CASE WHEN v1 > {floor} THEN v1 - {floor} ELSE 0 END
    WHEN v1 >= v0 THEN v1 - v0 ELSE 0 END"""
_EXACT_GAIN = """CASE WHEN v1 IS NULL OR v0 IS NULL OR NOT p0 THEN 0
    WHEN v1 >= v0 THEN v1 - v0 ELSE 0 END"""
_TRUE, _FALSE = "(1 = 1)", "(1 = 0)"


def _column_of(metric: str) -> tuple[str, str]:
    if metric in catalogue.SKILL_SLUGS:
        return "skills_data", "experience"
    if metric in catalogue.BOSS_SLUGS:
        return "bosses_data", "kc"
    return "activities_data", "score"


def _reads(metric: str, postgres: bool) -> dict[str, str]:
    """How a record's value is read: its entry extracted once, then the value and
    whether the row was there (a null entry is there, unranked; a missing key is not)."""
    if metric == "overall":
        return {
            "read": "r.overall_experience",
            "read_s": "s.overall_experience",
            "read_e": "e.overall_experience",
            "kind_s": "1",
            "kind_e": "1",
            "value0": "entry0",
            "value1": "entry1",
            "present0": _TRUE,
            "present1": _TRUE,
            # An unknown total still gains (the skills add up to it): no skipping.
            "end_ranked": _TRUE,
        }
    column, key = _column_of(metric)
    if postgres:
        return {
            "read": f"(r.{column} -> %(slug)s)",
            # Unranked at the end gains nothing, whatever the start.
            "end_ranked": f"(e.entry ->> '{key}') IS NOT NULL",
            "value0": f"(entry0 ->> '{key}')::bigint",
            "value1": f"(entry1 ->> '{key}')::bigint",
            "present0": "(entry0 IS NOT NULL)",
            "present1": "(entry1 IS NOT NULL)",
        }
    # json_extract reads NULL for a null entry and for a missing key alike;
    # json_type tells them apart ('null' against NULL).
    return {
        "read_s": f"json_extract(s.{column}, %(path)s)",
        "read_e": f"json_extract(e.{column}, %(path)s)",
        "kind_s": f"json_type(s.{column}, %(path)s)",
        "kind_e": f"json_type(e.{column}, %(path)s)",
        "value0": f"json_extract(entry0, '$.{key}')",
        "value1": f"json_extract(entry1, '$.{key}')",
        "present0": "(kind0 IS NOT NULL)",
        "present1": "(kind1 IS NOT NULL)",
    }


def _rules(metric: str) -> dict[str, str]:
    """The gain rules in SQL over v0/p0 (start) and v1/p1 (end). `refine` marks
    rows whose exact gain needs every skill (left to Python), `bound` their most."""
    if metric == "overall":
        return {
            "lowest": "1",  # a total of 0 is the hiscores' "unknown"
            "gained": _EXACT_GAIN,
            "approximate": _FALSE,
            "refine": "(v0 IS NULL OR v1 IS NULL)",
            "bound": f"COALESCE(v1, {NO_BOUND})",
        }
    if metric in catalogue.SKILL_SLUGS:
        return {
            "lowest": "0",
            "gained": _EXACT_GAIN,
            "approximate": "((NOT p0 AND v1 > 0) OR (v0 IS NOT NULL AND v1 IS NULL AND p1))",
            "refine": "(p0 AND v0 IS NULL AND v1 IS NOT NULL)",
            "bound": "COALESCE(v1, 0)",
        }
    return {
        "lowest": "0",
        "gained": _COUNT_GAIN.format(floor=catalogue.BY_SLUG[metric].minimum - 1),
        "approximate": "((p0 AND v0 IS NULL AND v1 IS NOT NULL) OR (NOT p0 AND v1 > 0))",
        "refine": _FALSE,
        "bound": "0",
    }


def ranking_query(metric: str, start: Any, limit: int) -> tuple[str, dict[str, Any]]:
    """SQL and parameters: the top `limit` gainers (gain > 0) and the rows to refine."""
    postgres = connection.vendor == "postgresql"
    names = {
        "records": HiscoreRecord._meta.db_table,
        "players": Player._meta.db_table,
        "latest": Player._meta.get_field("latest_record").column,
        "player": HiscoreRecord._meta.get_field("player").column,
        # Ties go by name in code-point order, as Python sorts them.
        "bytewise": ' COLLATE "C"' if postgres else "",
        # Computed once from the small extracted values, not once per use.
        "materialized": "MATERIALIZED " if postgres else "",
    }
    pieces = _reads(metric, postgres) | _rules(metric)
    extract = (_POSTGRES_EXTRACT if postgres else _PORTABLE_EXTRACT).format(**names, **pieces)
    rank = _RANK.format(**names, **pieces)
    params = {
        "start": connection.ops.adapt_datetimefield_value(start),
        "limit": limit,
        "slug": metric,
        "path": f'$."{metric}"',
    }
    return extract + rank, params
