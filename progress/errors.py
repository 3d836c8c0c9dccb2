"""The API errors the progress app raises: each subclasses one of the contract's
generic errors (`api.errors`) with a code of its own (docs/api.md)."""

from __future__ import annotations

from collections.abc import Iterable

from api.errors import NotFound, ServiceUnavailable


class UnknownMetric(NotFound):
    error_code = "unknown_metric"
    default_detail = "No such metric."


def known_metric(slug: str, valid: Iterable[str], *, kind: str) -> str:
    """`slug` if it is one of `valid`, else a 404 listing the valid slugs."""
    valid = tuple(valid)
    if slug not in valid:
        raise UnknownMetric(
            f"No {kind} is called {slug!r}.", details={kind: slug, "valid": list(valid)}
        )
    return slug


class LeaderboardsBuilding(ServiceUnavailable):
    error_code = "leaderboards_building"
    default_detail = (
        "The leaderboards are being built from the stored history; try again in a few minutes."
    )
