"""The API errors of the progress endpoints."""

from __future__ import annotations

from collections.abc import Iterable

from players.errors import NotFound


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
