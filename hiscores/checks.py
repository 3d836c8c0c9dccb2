"""System checks: a rate limit or breaker setting that cannot work stops the service
at start-up instead of surfacing later as a worker that never fetches (or never stops)."""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.core.checks import Error, register


def _positive(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and value > 0


@register()
def check_hiscores_limits(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors = []
    rate = settings.OSRS_MAX_REQUESTS_PER_SECOND
    if not _positive(rate):
        errors.append(
            Error(
                f"OSRS_MAX_REQUESTS_PER_SECOND is {rate!r}; it must be a positive number.",
                hint="Jagex allows roughly one request every one to two seconds: 0.5 is safe.",
                id="hiscores.E001",
            )
        )
    threshold = settings.OSRS_BREAKER_FAILURE_THRESHOLD
    if not (isinstance(threshold, int) and threshold >= 1):
        errors.append(
            Error(
                f"OSRS_BREAKER_FAILURE_THRESHOLD is {threshold!r}; it must be a whole number "
                "of at least 1.",
                id="hiscores.E002",
            )
        )
    reset = settings.OSRS_BREAKER_RESET_SECONDS
    if not _positive(reset):
        errors.append(
            Error(
                f"OSRS_BREAKER_RESET_SECONDS is {reset!r}; it must be a positive number.",
                id="hiscores.E003",
            )
        )
    return errors
