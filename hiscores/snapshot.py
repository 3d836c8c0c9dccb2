"""The value the client returns: one player's hiscores at one moment, keyed by slug.

A metric that is unranked, or absent from the response, is `None`. Rows the
catalogue does not know are kept under a slug made from their name.
"""

from __future__ import annotations

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
