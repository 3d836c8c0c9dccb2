"""The value the client returns: one player's hiscores at one moment, keyed by slug.

A metric that is unranked, or absent from the response, is `None`. Rows the
catalogue does not know are kept under a slug made from their name.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True, slots=True)
class SkillValue:
    rank: int | None
    level: int
    experience: int


@dataclass(frozen=True, slots=True)
class ScoreValue:
    rank: int | None
    score: int


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True, slots=True)
class Snapshot:
    overall: SkillValue | None
    skills: Mapping[str, SkillValue | None] = field(default_factory=dict)
    bosses: Mapping[str, ScoreValue | None] = field(default_factory=dict)
    activities: Mapping[str, ScoreValue | None] = field(default_factory=dict)
    display_name: str | None = None

    def __post_init__(self) -> None:
        for name in ("skills", "bosses", "activities"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))

    def record_fields(self) -> dict[str, Any]:
        """Field values for a `HiscoreRecord` (JSON columns with `null` for unranked)."""
        overall = self.overall
        fields = {
            "overall_rank": overall.rank if overall else None,
            "overall_level": overall.level if overall else None,
            "overall_experience": overall.experience if overall else None,
            "skills_data": {
                slug: None
                if v is None
                else {"rank": v.rank, "level": v.level, "experience": v.experience}
                for slug, v in self.skills.items()
            },
            "bosses_data": {
                slug: None if v is None else {"rank": v.rank, "kc": v.score}
                for slug, v in self.bosses.items()
            },
            "activities_data": {
                slug: None if v is None else {"rank": v.rank, "score": v.score}
                for slug, v in self.activities.items()
            },
        }
        fields["values_digest"] = values_digest(fields)
        return fields


def values_of(fields: Mapping[str, Any]) -> dict[str, int | None]:
    """The values that make a record different from another: experience, levels,
    kills and scores, never ranks (ranks drift while the player is idle).

    Takes `record_fields()` output or a record's field values alike.
    """
    values: dict[str, int | None] = {
        "overall.level": fields["overall_level"],
        "overall.experience": fields["overall_experience"],
    }
    for column, keys in (
        ("skills_data", ("level", "experience")),
        ("bosses_data", ("kc",)),
        ("activities_data", ("score",)),
    ):
        for slug, entry in fields[column].items():
            for key in keys:
                values[f"{slug}.{key}"] = None if entry is None else entry.get(key)
    return values


def values_digest(fields: Mapping[str, Any]) -> str:
    """A short fingerprint of `values_of(fields)`: two records with the same digest
    hold the same values, so "did anything change?" needs no JSON read back."""
    canonical = json.dumps(values_of(fields), sort_keys=True, separators=(",", ":"))
    return hashlib.blake2b(canonical.encode(), digest_size=16).hexdigest()
